// What Istio's own translator does with inputs that pass Istio's validation, where our compiler
// must say so before anything reaches a cluster.
import { afterAll, describe, expect, it } from "vitest";
import { IstioXds } from "../../conformance/istio/client.ts";
import { judgesAbsent } from "../support/judges.ts";
import { compileInputs } from "../../host/pipeline.ts";

const absent = judgesAbsent("Istio quirks", { istio: true });

const gateway = (hosts: string[]) => `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ${JSON.stringify(hosts)}
`;

describe.skipIf(!!absent)("Istio's translator on valid-looking gateways", () => {
  const istio = absent ? null : new IstioXds();
  afterAll(async () => { await istio?.close(); });

  it("pilot/pkg/model/gateway.go sanitizeServerHostNamespace panics on */* before a namespaced host; our compiler refuses it", async () => {
    const bad = gateway(["*/*", "*/a.example.com"]);
    const r = await istio!.translate({ yaml: bad });
    expect(r.errors.join("\n")).toMatch(/panic: runtime error: index out of range/);
    const ours = compileInputs([{ name: "gw.yaml", text: bad }]);
    expect(ours.diagnostics.filter((d) => d.severity === "error").map((d) => d.message).join("\n")).toMatch(/makes istiod panic/);
  });

  it("with */* last Istio builds the gateway, and so do we", async () => {
    const good = gateway(["*/a.example.com", "*/*"]);
    const r = await istio!.translate({ yaml: good });
    expect(r.errors).toEqual([]);
    expect(r.listeners.map((l) => l.port)).toEqual([80]);
    expect(compileInputs([{ name: "gw.yaml", text: good }]).diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });
});
