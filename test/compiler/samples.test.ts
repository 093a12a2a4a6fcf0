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
    ...extra.flatMap((f) => bindToGateway(f)),
  ];
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

  const reviewsHost = "reviews.default.svc.cluster.local";
  const reviews = (rel: string) => {
    const { config, diagnostics } = bookinfo(`bookinfo/networking/${rel}`, "bookinfo/networking/destination-rule-all.yaml");
    return { v: vhost(table(config, "http.8080"), reviewsHost), diagnostics };
  };
  const dests = (r: Route) => (r.action.kind === "route" ? r.action.destinations.map((d) => `${d.cluster}@${d.weight}:${d.clusterExists}`) : []);

  it("§13 reviews-test-v2 (+gateways): end-user exact jason → v2, then catch-all → v1", () => {
    const { v, diagnostics } = reviews("virtual-service-reviews-test-v2.yaml");
    expect(diagnostics.filter((x) => /503/.test(x.message))).toEqual([]);
    expect(v.routes.length).toBe(2);
    expect(v.routes[0]!.headers).toEqual([{ name: "end-user", kind: "exact", value: "jason", invert: false, treatMissingAsEmpty: false }]);
    expect(dests(v.routes[0]!)).toEqual([`outbound|9080|v2|${reviewsHost}@100:true`]);
    expect(v.routes[1]!.path).toEqual({ kind: "prefix", value: "/", ignoreCase: false });
    expect(dests(v.routes[1]!)).toEqual([`outbound|9080|v1|${reviewsHost}@100:true`]);
  });

  it("§13 reviews-jason-v2-v3: jason → v2, else v3", () => {
    const { v } = reviews("virtual-service-reviews-jason-v2-v3.yaml");
    expect(v.routes.map((r) => dests(r)[0])).toEqual([`outbound|9080|v2|${reviewsHost}@100:true`, `outbound|9080|v3|${reviewsHost}@100:true`]);
  });

  it("§13 reviews weighted splits 50/50 (50-v3), 80/20, 90/10, 50/50 (v2-v3); single subset v3", () => {
    const split = (rel: string) => reviews(rel).v.routes.map((r) => dests(r));
    expect(split("virtual-service-reviews-50-v3.yaml")).toEqual([[`outbound|9080|v1|${reviewsHost}@50:true`, `outbound|9080|v3|${reviewsHost}@50:true`]]);
    expect(split("virtual-service-reviews-80-20.yaml")).toEqual([[`outbound|9080|v1|${reviewsHost}@80:true`, `outbound|9080|v2|${reviewsHost}@20:true`]]);
    expect(split("virtual-service-reviews-90-10.yaml")).toEqual([[`outbound|9080|v1|${reviewsHost}@90:true`, `outbound|9080|v2|${reviewsHost}@10:true`]]);
    expect(split("virtual-service-reviews-v2-v3.yaml")).toEqual([[`outbound|9080|v2|${reviewsHost}@50:true`, `outbound|9080|v3|${reviewsHost}@50:true`]]);
    expect(split("virtual-service-reviews-v3.yaml")).toEqual([[`outbound|9080|v3|${reviewsHost}@100:true`]]);
  });

  it("§13 all-v1: four vhosts (productpage, reviews, ratings, details) → subset v1, plus the * vhost", () => {
    const { config } = bookinfo("bookinfo/networking/virtual-service-all-v1.yaml", "bookinfo/networking/destination-rule-all.yaml");
    const t = table(config, "http.8080");
    expect(t.virtualHosts.map((v) => v.domain)).toEqual([
      "*",
      "details.default.svc.cluster.local",
      "productpage.default.svc.cluster.local",
      "ratings.default.svc.cluster.local",
      "reviews.default.svc.cluster.local",
    ]);
    for (const v of t.virtualHosts.slice(1)) expect(dests(v.routes[0]!)).toEqual([`outbound|9080|v1|${v.domain}@100:true`]);
  });

  it("§13 ratings-test-delay / -abort: jason gets 100 % 7 s delay / 100 % abort 500; others → v1", () => {
    const delay = bookinfo("bookinfo/networking/virtual-service-ratings-test-delay.yaml", "bookinfo/networking/destination-rule-all.yaml");
    const dv = vhost(table(delay.config, "http.8080"), "ratings.default.svc.cluster.local");
    expect(dv.routes.map((r) => r.fault)).toEqual([
      { delayMs: 7000, delayPerMillion: 1_000_000, abortHttpStatus: 0, abortGrpcStatus: -1, abortPerMillion: 0 },
      null,
    ]);
    const abort = bookinfo("bookinfo/networking/virtual-service-ratings-test-abort.yaml", "bookinfo/networking/destination-rule-all.yaml");
    const av = vhost(table(abort.config, "http.8080"), "ratings.default.svc.cluster.local");
    expect(av.routes[0]!.fault).toEqual({ delayMs: 0, delayPerMillion: 0, abortHttpStatus: 500, abortGrpcStatus: -1, abortPerMillion: 1_000_000 });
    expect(dests(av.routes[1]!)).toEqual(["outbound|9080|v1|ratings.default.svc.cluster.local@100:true"]);
  });

  it("§13 fault-injection-details-v1: first route is a catch-all with abort 555; the second is unreachable", () => {
    const { config, diagnostics } = bookinfo("bookinfo/networking/fault-injection-details-v1.yaml");
    const v = vhost(table(config, "http.8080"), "details.default.svc.cluster.local");
    expect(v.routes.length).toBe(1);
    expect(v.routes[0]!.fault).toMatchObject({ abortHttpStatus: 555, abortPerMillion: 1_000_000 });
    expect(dests(v.routes[0]!)).toEqual(["outbound|9080|v1|details.default.svc.cluster.local@100:true"]);
    expect(diagnostics.some((x) => x.name === "details" && x.field === "spec.http[1]" && /unreachable/.test(x.message))).toBe(true);
  });

  it("§13 egress-rule-google-apis bound to a port-80 gateway: match.port 80 → outbound|443||www.googleapis.com", () => {
    const gw = parseResources(`apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
  - port: {number: 8080, name: http-alt, protocol: HTTP}
    hosts: ["*"]
`);
    const resources = [...gw, ...bindToGateway("bookinfo/networking/egress-rule-google-apis.yaml", "gw")];
    const { config } = compileGateway(resources, INGRESS);
    const v = vhost(table(config, "http.80"), "www.googleapis.com");
    expect(v.routes.length).toBe(1);
    expect(v.routes[0]!.path).toEqual({ kind: "prefix", value: "/", ignoreCase: false });
    expect(dests(v.routes[0]!)).toEqual(["outbound|443||www.googleapis.com@100:true"]);
    // On port 8080 the only match is dropped (match.port), so the VS contributes nothing: blackhole.
    expect(table(config, "http.8080").virtualHosts).toEqual([]);
  });

  it("§13 certmanager-gateway: prefix /.well-known/acme-challenge/ → cert-manager-resolver:8089 (unknown service ⇒ 503 warning)", () => {
    const resources = sharedFile("bookinfo/networking/certmanager-gateway.yaml", "istio-system");
    const { config, diagnostics } = compileGateway(resources, INGRESS);
    const t = config.routeTables[0]!;
    const route = t.virtualHosts.flatMap((v) => v.routes)[0]!;
    expect(route.path).toEqual({ kind: "prefix", value: "/.well-known/acme-challenge/", ignoreCase: false });
    expect(dests(route)).toEqual(["outbound|8089||cert-manager-resolver.istio-system.svc.cluster.local@100:false"]);
    expect(diagnostics.some((x) => x.severity === "warning" && /503/.test(x.message))).toBe(true);
  });
});
