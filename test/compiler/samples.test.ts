// §13 Istio samples compiled for the default ingress gateway. Needs ../shared/data/istio
// (skipped visibly when absent). Expectations from istio-semantics.md §13.

import { describe, expect, it } from "vitest";
import { compileGateway } from "../../host/compiler/index.ts";
import type { Route } from "../../host/config/model.ts";
import { INGRESS, clusterOf, hasShared, parseResources, sharedFile, table, vhost } from "./fixtures.ts";

const d = hasShared ? describe : describe.skip;

/** A mesh-bound sample VS reused at the gateway by adding `gateways:` (as §13 suggests). */
function bindToGateway(rel: string, gw = "bookinfo-gateway") {
  return sharedFile(rel).map((r) => (r.kind === "VirtualService" ? { ...r, spec: { ...r.spec, gateways: [gw] } } : r));
}

/** bookinfo-gateway.yaml's Gateway with hosts `*`, placed in `default` like the sample. */
function bookinfo(...extra: string[]) {
  const resources = [
    ...sharedFile("bookinfo/networking/bookinfo-gateway.yaml"),
    ...sharedFile("bookinfo/platform/bookinfo.yaml"),
    ...extra.flatMap((f) => (f.includes("virtual-service") ? bindToGateway(f) : sharedFile(f))),
  ];
  // The sample's VS hosts ["*"] would also claim reviews etc.; tests that route by subset drop it.
  return compileGateway(resources, INGRESS);
}

const matchSummary = (r: Route) => `${r.path?.kind}:${r.path?.value}`;

d(`§13 samples (needs ${"../shared/data/istio"})`, () => {
  it("§13 bookinfo-gateway: http.8080, vhost *, 5 OR'ed matches → productpage:9080", () => {
    const { config, diagnostics } = bookinfo();
    expect(diagnostics.filter((x) => x.severity === "error")).toEqual([]);
    expect(config.routeTables.map((t) => t.name)).toEqual(["http.8080"]);
    const v = vhost(table(config, "http.8080"), "*");
    expect(v.name).toBe("*:8080");
    expect(v.routes.map(matchSummary)).toEqual([
      "exact:/productpage",
      "prefix:/static",
      "exact:/login",
      "exact:/logout",
      "prefix:/api/v1/products",
    ]);
    for (const r of v.routes) {
      expect(clusterOf(r)).toBe("outbound|9080||productpage.default.svc.cluster.local");
      expect(r.action.kind === "route" && r.action.destinations[0]!.clusterExists).toBe(true);
      expect(r.virtualService).toBe("default/bookinfo");
    }
  });

  it("§13 httpbin-gateway: catch-all → httpbin:8000 (single Service port)", () => {
    const resources = [...sharedFile("httpbin/httpbin-gateway.yaml"), ...sharedFile("httpbin/httpbin.yaml")];
    const { config } = compileGateway(resources, INGRESS);
    const t = config.routeTables[0]!;
    expect(t.name).toBe("http.80");
    const v = vhost(t, "*");
    expect(v.routes.length).toBe(1);
    expect(v.routes[0]!.path).toEqual({ kind: "prefix", value: "/", ignoreCase: false });
    expect(clusterOf(v.routes[0]!)).toBe("outbound|8000||httpbin.default.svc.cluster.local");
  });
});
