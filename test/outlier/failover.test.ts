// Subset failover (issue 10 ★, opt-in per route): a weighted destination whose cluster has every
// endpoint ejected gives its weight to the route's other destinations until one of its endpoints
// comes back; with every destination down Istio's choice stands (Envoy then answers 503 UH,
// istio-semantics.md §10.6). Weighted choice as Envoy's weighted_clusters (§6).
import { describe, expect, it } from "vitest";
import { GET } from "../support/configs.ts";
import { ISTIO_DEFAULTS, OutlierRig, outlierConfig, weightedRoute } from "../support/outlier.ts";

const STABLE = "outbound|80|v1|r.ns.svc.cluster.local";
const CANARY = "outbound|80|v2|r.ns.svc.cluster.local";
const ENDPOINTS: Record<string, string[]> = { [STABLE]: ["10.0.1.1:80", "10.0.1.2:80", "10.0.1.3:80"], [CANARY]: ["10.0.2.1:80", "10.0.2.2:80"] };
const POLICY = { ...ISTIO_DEFAULTS, maxEjectionPercent: 100, intervalMs: 1000, baseEjectionTimeMs: 10_000 };

/** 100,000 requests, one per ms; the canary answers 503 from 30 s to 60 s. Shares per window. */
async function canaryRun(failover: boolean, seed: number) {
  const config = outlierConfig(
    { [STABLE]: { policy: POLICY, endpoints: ENDPOINTS[STABLE]! }, [CANARY]: { policy: POLICY, endpoints: ENDPOINTS[CANARY]! } },
    [weightedRoute([[STABLE, 90], [CANARY, 10]], failover)],
  );
  const rig = await OutlierRig.start(config, { workers: 2, seed, cluster: CANARY });
  const rr: Record<string, number> = { [STABLE]: 0, [CANARY]: 0 };
  const canaryAt: number[] = [];
  for (let i = 0; i < 100_000; i++) {
    const t = i; // ms since start
    rig.at(t);
    const r = rig.host.request({
      headers: GET,
      upstream: (req) => {
        const cluster = req.headers.find(([k]) => k === "x-gatewasm-cluster")![1];
        const eps = ENDPOINTS[cluster]!;
        const address = eps[rr[cluster]!++ % eps.length]!;
        return { status: cluster === CANARY && t >= 30_000 && t < 60_000 ? 503 : 200, address };
      },
    });
    if (r.upstreamRequest?.headers.some(([k, v]) => k === "x-gatewasm-cluster" && v === CANARY)) canaryAt.push(t);
  }
  const share = (from: number, to: number) => canaryAt.filter((t) => t >= from && t < to).length / (to - from);
  const lines = rig.host.logsAt("info").filter((l) => l.includes("gatewasm outlier:") && l.includes(CANARY));
  return { rig, share, canaryAt, lines };
}

describe("subset failover: a 90/10 canary whose subset fails loses its 10 % within one interval and gets it back after un-ejection", () => {
  it("100,000 requests (seeded): 10 % before, 0 while ejected, 10 % after, each within 1 %", async () => {
    const seed = Number(process.env.SEED ?? 7);
    console.log(`outlier failover seed: ${seed} (SEED=... to reproduce)`);
    const { rig, share, canaryAt, lines } = await canaryRun(true, seed);
    expect(share(0, 30_000)).toBeCloseTo(0.10, 1);
    expect(Math.abs(share(0, 30_000) - 0.10)).toBeLessThan(0.01);
    // The canary's two endpoints are ejected after their 5th consecutive 503 each; within one
    // interval (1 s) of the first failure no request goes there any more.
    const firstEject = lines.findIndex((l) => l.includes(" eject "));
    expect(firstEject).toBeGreaterThanOrEqual(0);
    expect(share(31_000, 40_000)).toBe(0);
    // While failing, every un-ejection (base 10 s, then 20 s) lets a few requests through until
    // the 5th 503 ejects the endpoint again; over the failing period the share stays under 1 %.
    expect(share(31_000, 60_000)).toBeLessThan(0.01);
    // Healthy again from 60 s: back within one interval of the next un-ejection, 10 % ± 1 %.
    const backAt = canaryAt.find((t) => t >= 60_000)!;
    expect(backAt).toBeLessThan(60_000 + 20_000 + 1000);
    expect(Math.abs(share(backAt + 1000, 100_000) - 0.10)).toBeLessThan(0.01);
    console.log(`canary share: ${share(0, 30_000).toFixed(4)} before, ${share(31_000, 60_000).toFixed(4)} while failing, ${share(backAt + 1000, 100_000).toFixed(4)} after (back at ${backAt} ms)`);
    const diverted = Number(rig.host.metric(`gatewasm.cluster.${CANARY}.failover.diverted`)?.value ?? 0n);
    // ≈ 10 % of the requests made while the canary was down were diverted to the stable subset.
    expect(diverted).toBeGreaterThan(0.09 * 25_000);
    expect(Number(rig.host.metric(`gatewasm.cluster.${CANARY}.failover.none_left`)?.value ?? 0n)).toBe(0);
  }, 120_000);

  it("without the opt-in the canary keeps its 10 % while every endpoint is ejected (Istio's behaviour)", async () => {
    const { share } = await canaryRun(false, 7);
    expect(Math.abs(share(31_000, 60_000) - 0.10)).toBeLessThan(0.01);
  }, 120_000);

  it("every destination down: the drawn one stands (Envoy's 503 UH follows), counted as none_left", async () => {
    const config = outlierConfig(
      { [STABLE]: { policy: POLICY, endpoints: ["10.0.1.1:80"] }, [CANARY]: { policy: POLICY, endpoints: ["10.0.2.1:80"] } },
      [weightedRoute([[STABLE, 90], [CANARY, 10]], true)],
    );
    const rig = await OutlierRig.start(config, { seed: 3, cluster: CANARY });
    for (let i = 0; i < 200; i++) {
      rig.host.request({ headers: GET, upstream: (req) => {
        const cluster = req.headers.find(([k]) => k === "x-gatewasm-cluster")![1];
        return { status: 503, address: cluster === STABLE ? "10.0.1.1:80" : "10.0.2.1:80" };
      } });
    }
    expect(rig.ejected("10.0.1.1:80", STABLE)).toBe(true);
    expect(rig.ejected("10.0.2.1:80", CANARY)).toBe(true);
    const chosen = { [STABLE]: 0, [CANARY]: 0 } as Record<string, number>;
    for (let i = 0; i < 2000; i++) {
      const r = rig.host.request({ headers: GET, upstream: { status: 503 } });
      chosen[r.upstreamRequest!.headers.find(([k]) => k === "x-gatewasm-cluster")![1]]!++;
    }
    expect(Math.abs(chosen[CANARY]! / 2000 - 0.10)).toBeLessThan(0.03);
    const noneLeft = Number(rig.host.metric(`gatewasm.cluster.${STABLE}.failover.none_left`)?.value ?? 0n)
      + Number(rig.host.metric(`gatewasm.cluster.${CANARY}.failover.none_left`)?.value ?? 0n);
    expect(noneLeft).toBeGreaterThanOrEqual(2000);
  });
});
