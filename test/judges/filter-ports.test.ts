// The Wasm filter goes only into the listeners of ports the compiled inputs have route tables
// for. Another team's Gateway on the same workload that our inputs did not include keeps Istio's
// routing: a filter there would answer (404, or worse, our routes) for hosts it was never told
// about (issue: "an empty or partial input cannot produce a filter that answers for hosts it was
// not told about"). Checked on Istio's own translation, with our EnvoyFilter applied by Istio's
// patch code (envoyfilter/listener_patch.go): which listeners carry the filter, and that every
// patch matched.
import { afterAll, describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { IstioXds } from "../../conformance/istio/client.ts";
import { rolloutYaml } from "../../conformance/judge.ts";
import { judgesAbsent } from "../support/judges.ts";
import { ROOT } from "../support/test-module.ts";

const absent = judgesAbsent("the filter's listeners against Istio", { istio: true });

const OTHER_TEAM = `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: { name: other-team, namespace: shop }
spec:
  selector: { istio: ingressgateway }
  servers:
  - port: { number: 9080, name: http-other, protocol: HTTP }
    hosts: ["other.example.com"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: other-team, namespace: shop }
spec:
  hosts: ["other.example.com"]
  gateways: ["other-team"]
  http:
  - route:
    - destination: { host: cart.shop.svc.cluster.local, port: { number: 8080 } }
`;

/** Listener port → names of the HTTP filters of its connection managers. */
function httpFiltersByListener(bootstrap: Record<string, any>): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const l of bootstrap.static_resources?.listeners ?? []) {
    const port = l.address?.socket_address?.port_value as number;
    const names = (l.filter_chains ?? []).flatMap((fc: any) => (fc.filters ?? [])
      .filter((f: any) => f.name === "envoy.filters.network.http_connection_manager")
      .flatMap((f: any) => (f.typed_config?.http_filters ?? []).map((h: any) => h.name as string)));
    out.set(port, names);
  }
  return out;
}

describe.skipIf(!!absent)("the Wasm filter's listeners", () => {
  const istio = absent ? null : new IstioXds();
  afterAll(async () => { await istio?.close(); });

  it("storefront compiled alone, another team's Gateway on 9080 beside it: the filter on 8080 and 8443 only, every patch applied", async () => {
    const dir = `${ROOT}/examples/storefront`;
    const storefront = readdirSync(dir).sort().map((f) => readFileSync(`${dir}/${f}`, "utf8")).join("\n---\n");
    const rollout = rolloutYaml(storefront, "owner");
    const result = await istio!.translate({ yaml: `${storefront}\n---\n${OTHER_TEAM}\n---\n${rollout}` });
    expect(result.errors).toEqual([]);
    expect(JSON.stringify(result.unmatchedPatches)).toEqual("[]");
    const filters = httpFiltersByListener(result.bootstrap as Record<string, any>);
    // 8080 and 8443: the Service's targetPorts for 80 and 443; 9080 is on no Service port.
    expect([...filters.keys()].sort()).toEqual([8080, 8443, 9080]);
    expect(filters.get(8080)).toContain("gatewasm");
    expect(filters.get(8443)).toContain("gatewasm");
    expect(filters.get(9080)).not.toContain("gatewasm");
    expect(filters.get(9080)).toContain("envoy.filters.http.router");
  });
});
