// End-to-end: Istio's own samples (istio-semantics.md §13) compiled and run through the real
// build/gatewasm.wasm, with the outcomes §13 states. Data: ../shared/data/istio (copied from
// istio/istio samples/, Apache-2.0). Mesh-bound VirtualServices are reused at the gateway by
// adding `gateways: [bookinfo-gateway]`, as §13 says.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { itAgreesThreeWays } from "../support/three-way.ts";
import { parseAllDocuments } from "yaml";
import { DEFAULT_CLUSTER_HEADER } from "../../host/config/model.ts";
import type { Simulator } from "../../host/simulate/simulator.ts";
import { ROOT, simulatorFor } from "../support/simulate.ts";

const DATA = join(ROOT, "../shared/data/istio");
const present = existsSync(join(DATA, "bookinfo/networking/bookinfo-gateway.yaml"));
if (!present) console.warn(`samples.test.ts: ${DATA} is absent — the §13 sample tests are skipped`);
const describeData = present ? describe : describe.skip;

const read = (rel: string) => readFileSync(join(DATA, rel), "utf8");
const NET = "bookinfo/networking/";

/** The file with `spec.gateways` set on every VirtualService (reuse at the gateway). */
function atGateway(rel: string, gateway = "bookinfo-gateway"): string {
  return parseAllDocuments(read(rel)).map((doc) => {
    if (doc.get("kind") === "VirtualService") doc.setIn(["spec", "gateways"], [gateway]);
    return doc.toString();
  }).join("\n---\n");
}

const fqdn = (s: string) => `${s}.default.svc.cluster.local`;
const cluster = (svc: string, subset = "", port = 9080) => `outbound|${port}|${subset}|${fqdn(svc)}`;

type Pairs = Array<[string, string]>;
function request(sim: Simulator, authority: string, path: string, extra: Pairs = [], port = 8080) {
  return sim.harness.request({
    headers: [[":method", "GET"], [":scheme", "http"], [":authority", authority], [":path", path], ["x-forwarded-proto", "http"], ...extra],
    properties: { "destination.port": BigInt(port) },
  });
}
const clusterOf = (res: ReturnType<typeof request>) => res.upstreamRequest?.headers.find(([k]) => k === DEFAULT_CLUSTER_HEADER)?.[1];

describeData("§13 bookinfo-gateway.yaml + bookinfo platform Services", () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await simulatorFor(read(`${NET}bookinfo-gateway.yaml`) + "\n---\n" + read("bookinfo/platform/bookinfo.yaml"));
  });

  it.each(["/productpage?u=normal", "/productpage", "/static/bootstrap.css", "/staticfoo", "/login", "/logout", "/api/v1/products", "/api/v1/products/0/reviews"])(
    "§13 %s on port 8080 → productpage:9080", (path) => {
      const res = request(sim, "bookinfo.example", path);
      expect(res.localReply).toBeNull();
      expect(clusterOf(res)).toBe(cluster("productpage"));
    });

  it.each(["/", "/productpage/", "/login/x", "/api/v1/product"])("§13 %s → 404 NR, empty body", (path) => {
    const res = request(sim, "bookinfo.example", path);
    expect(res.localReply?.status).toBe(404);
    expect(res.localReply?.details).toBe("route_not_found");
    expect(Buffer.from(res.response!.body).toString()).toBe("");
  });

  it.each(["localhost", "localhost:8080", "1.2.3.4:31380", "WWW.Example.COM:443", "[::1]:8080"])("§13 any Host/port (%s) → the same '*' vhost", (authority) => {
    expect(clusterOf(request(sim, authority, "/productpage"))).toBe(cluster("productpage"));
  });

  itAgreesThreeWays();
});

describeData("§13 httpbin-gateway.yaml + httpbin.yaml", () => {
  it("§13 catch-all VS on port 80 → httpbin:8000 for any path and host", async () => {
    const sim = await simulatorFor(read("httpbin/httpbin-gateway.yaml") + "\n---\n" + read("httpbin/httpbin.yaml"));
    for (const [host, path] of [["httpbin.example.com", "/status/418"], ["x", "/"], ["a:9", "/headers?x=1"]] as const) {
      const res = request(sim, host, path, [], 80);
      expect(res.localReply, `${host}${path}`).toBeNull();
      expect(clusterOf(res)).toBe(cluster("httpbin", "", 8000));
    }
  });

  itAgreesThreeWays();
});

describeData("§13 bookinfo routing samples bound to the gateway", () => {
  const base = (withDRs: boolean) => read(`${NET}bookinfo-gateway.yaml`) + "\n---\n" + read("bookinfo/platform/bookinfo.yaml") +
    (withDRs ? "\n---\n" + read(`${NET}destination-rule-all.yaml`) : "");
  const forSample = (file: string, seed = 1, withDRs = true) => simulatorFor(base(withDRs) + "\n---\n" + atGateway(`${NET}${file}`), undefined, seed);
  const reviews = fqdn("reviews");

  it("§13 virtual-service-all-v1.yaml: every service → subset v1", async () => {
    const sim = await forSample("virtual-service-all-v1.yaml");
    for (const svc of ["productpage", "reviews", "ratings", "details"]) {
      expect(clusterOf(request(sim, fqdn(svc), "/")), svc).toBe(cluster(svc, "v1"));
    }
    // the bookinfo VS ('*') still serves other hosts
    expect(clusterOf(request(sim, "bookinfo.example", "/productpage"))).toBe(cluster("productpage"));
  });

  it("§13 virtual-service-reviews-test-v2.yaml: end-user: jason → v2, otherwise v1", async () => {
    const sim = await forSample("virtual-service-reviews-test-v2.yaml");
    expect(clusterOf(request(sim, reviews, "/reviews/0", [["end-user", "jason"]]))).toBe(cluster("reviews", "v2"));
    expect(clusterOf(request(sim, reviews, "/reviews/0", [["end-user", "Jason"]]))).toBe(cluster("reviews", "v1"));
    expect(clusterOf(request(sim, reviews, "/reviews/0"))).toBe(cluster("reviews", "v1"));
  });

  it("§13 virtual-service-reviews-jason-v2-v3.yaml: jason → v2, otherwise v3", async () => {
    const sim = await forSample("virtual-service-reviews-jason-v2-v3.yaml");
    expect(clusterOf(request(sim, reviews, "/", [["end-user", "jason"]]))).toBe(cluster("reviews", "v2"));
    expect(clusterOf(request(sim, reviews, "/", [["end-user", "bob"]]))).toBe(cluster("reviews", "v3"));
  });

  it("§13 virtual-service-reviews-v3.yaml: single subset v3", async () => {
    const sim = await forSample("virtual-service-reviews-v3.yaml");
    expect(clusterOf(request(sim, reviews, "/"))).toBe(cluster("reviews", "v3"));
  });

  const N = 100_000;
  it.each([
    ["virtual-service-reviews-80-20.yaml", { v1: 0.8, v2: 0.2 }, 1301],
    ["virtual-service-reviews-90-10.yaml", { v1: 0.9, v2: 0.1 }, 1302],
    ["virtual-service-reviews-50-v3.yaml", { v1: 0.5, v3: 0.5 }, 1303],
    ["virtual-service-reviews-v2-v3.yaml", { v2: 0.5, v3: 0.5 }, 1304],
  ] as const)("§13 %s: subset shares within 1 %% of the weights over 100,000 requests", async (file, shares, seed) => {
    const sim = await forSample(file, seed);
    console.log(`${file}: harness seed ${seed}, ${N} requests`);
    const counts = new Map<string, number>();
    sim.harness.runRequests(N, {
      headers: [[":method", "GET"], [":scheme", "http"], [":authority", reviews], [":path", "/reviews/0"]],
      properties: { "destination.port": 8080n },
      upstream: (req) => {
        const c = req.headers.find(([k]) => k === DEFAULT_CLUSTER_HEADER)?.[1] ?? "(none)";
        counts.set(c, (counts.get(c) ?? 0) + 1);
        return {};
      },
    });
    let total = 0;
    for (const [subset, share] of Object.entries(shares)) {
      const n = counts.get(cluster("reviews", subset)) ?? 0;
      total += n;
      expect(Math.abs(n / N - share), `${subset}: ${n}/${N}`).toBeLessThanOrEqual(0.01);
    }
    expect(total, JSON.stringify([...counts])).toBe(N);
  });

  it("§13 fault-injection-details-v1.yaml: first route is a catch-all aborting 100 % with 555 'fault filter abort'", async () => {
    // the file carries its own `details` DestinationRule (subset v1), so destination-rule-all is left out
    const sim = await forSample("fault-injection-details-v1.yaml", 1, false);
    for (let i = 0; i < 20; i++) {
      const res = request(sim, fqdn("details"), `/details/${i}`);
      expect(res.upstreamRequest).toBeNull();
      expect(res.response?.status).toBe(555);
      expect(Buffer.from(res.response!.body).toString()).toBe("fault filter abort");
      expect(res.localReply?.details).toBe("fault_filter_abort");
    }
  });

  it("§13 virtual-service-ratings-test-abort.yaml: jason → 500 fault abort; others → ratings v1", async () => {
    const sim = await forSample("virtual-service-ratings-test-abort.yaml");
    const aborted = request(sim, fqdn("ratings"), "/ratings/0", [["end-user", "jason"]]);
    expect(aborted.response?.status).toBe(500);
    expect(Buffer.from(aborted.response!.body).toString()).toBe("fault filter abort");
    expect(aborted.response?.headers.find(([k]) => k === "content-type")?.[1]).toBe("text/plain");
    expect(aborted.upstreamRequest).toBeNull();
    expect(clusterOf(request(sim, fqdn("ratings"), "/ratings/0"))).toBe(cluster("ratings", "v1"));
  });

  it("§13 virtual-service-ratings-test-delay.yaml: jason is held 7 s (not before) then goes to ratings v1; others are not delayed", async () => {
    const sim = await forSample("virtual-service-ratings-test-delay.yaml");
    const quick = request(sim, fqdn("ratings"), "/ratings/0");
    expect(clusterOf(quick)).toBe(cluster("ratings", "v1"));
    const pending = sim.harness.send({
      headers: [[":method", "GET"], [":scheme", "http"], [":authority", fqdn("ratings")], [":path", "/ratings/0"], ["end-user", "jason"]],
      properties: { "destination.port": 8080n },
    });
    expect(pending.done).toBe(false);
    sim.harness.advance(6_999);
    expect(pending.done).toBe(false);
    sim.harness.advance(1);
    expect(pending.done).toBe(true);
    expect(pending.result.upstreamRequest?.headers.find(([k]) => k === DEFAULT_CLUSTER_HEADER)?.[1]).toBe(cluster("ratings", "v1"));
  });

  itAgreesThreeWays();
});
