// Our route tables carry the names Istio gives the gateway's route configurations: `http.<port the
// listener binds>` (the gateway Service's targetPort) and `https.<server port>.<port name>.<gw>.<ns>`
// — checked against Istio's own translation of the storefront example (listeners 8080 and 8443).
import { afterAll, describe, expect, it } from "vitest";
import { IstioXds } from "../../conformance/istio/client.ts";
import { compileInputs } from "../../host/pipeline.ts";
import { judgesAbsent } from "../support/judges.ts";
import { ROOT } from "../support/test-module.ts";
import { readdirSync, readFileSync } from "node:fs";

const absent = judgesAbsent("route configuration names against Istio", { istio: true });

describe.skipIf(!!absent)("route table names as Istio names them", () => {
  const istio = absent ? null : new IstioXds();
  afterAll(async () => { await istio?.close(); });

  it("storefront: http.8080 and https.443.https.shop-gateway.shop, on listeners 8080 and 8443", async () => {
    const dir = `${ROOT}/examples/storefront`;
    const yaml = readdirSync(dir).sort().map((f) => readFileSync(`${dir}/${f}`, "utf8")).join("\n---\n");
    const ours = compileInputs([{ name: "storefront.yaml", text: yaml }]).compiled!.config.routeTables;
    const theirs = await istio!.translate({ yaml });
    expect(theirs.errors).toEqual([]);
    const byListener = theirs.listeners.map((l) => [l.port, [...l.routeConfigs].sort()]);
    const expected = [...new Set(ours.map((t) => t.listenerPort ?? t.port))].sort().map((port) => [port, ours.filter((t) => (t.listenerPort ?? t.port) === port).map((t) => t.name).sort()]);
    expect(byListener.sort()).toEqual(expected);
  });
});
