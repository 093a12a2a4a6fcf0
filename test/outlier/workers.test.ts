// Envoy has one outlier detector per cluster for the whole proxy; the filter has one VM per
// worker, so the detector's state lives in shared data (proxy-wasm-cpp-host src/shared_data.cc:
// one store per vm_id, a compare-and-swap per set). Shown here: four VMs given the same outcomes,
// interleaved by the test, end in the same state as one VM; a write that loses its CAS re-reads
// and applies its outcome again instead of dropping it.
import { describe, expect, it } from "vitest";
import { CLUSTER, KEY_PREFIX, OutlierRig, decodeHost } from "../support/outlier.ts";
import { mulberry32 } from "../../host/util/mulberry32.ts";

const ENDPOINTS = ["10.0.0.1:8080", "10.0.0.2:8080", "10.0.0.3:8080", "10.0.0.4:8080"];
const POLICY = { maxEjectionPercent: 50, enforcingConsecutiveGatewayFailure: 100, consecutiveGatewayFailure: 3, intervalMs: 1000, baseEjectionTimeMs: 3000, maxEjectionTimeMs: 9000 };
const STATS = ["ejections_active", "ejections_total", "ejections_enforced_total", "ejections_enforced_consecutive_5xx",
  "ejections_enforced_consecutive_gateway_failure", "ejections_detected_consecutive_5xx", "ejections_detected_consecutive_gateway_failure", "ejections_overflow"];

interface Step { endpoint: string; status: number; afterMs: number; worker: number }

function script(seed: number, steps: number): Step[] {
  const rng = mulberry32(seed);
  const statuses = [200, 200, 200, 500, 502, 503, 504];
  return Array.from({ length: steps }, () => ({
    // Failures cluster on two endpoints so that ejections, overflows and backoff all happen.
    endpoint: ENDPOINTS[rng() < 0.7 ? Math.floor(rng() * 2) : 2 + Math.floor(rng() * 2)]!,
    status: statuses[Math.floor(rng() * statuses.length)]!,
    afterMs: rng() < 0.8 ? 0 : Math.floor(rng() * 1500),
    worker: Math.floor(rng() * 4),
  }));
}

async function run(steps: Step[], workers: number) {
  const rig = await OutlierRig.single(POLICY, ENDPOINTS, { workers });
  for (const s of steps) {
    if (s.afterMs) rig.host.advance(s.afterMs);
    rig.send(s.endpoint, s.status, 1, s.worker % workers);
  }
  rig.host.advance(20_000); // every ejection ends
  const hosts = Object.fromEntries(ENDPOINTS.map((e) => [e, rig.hostRecord(e)]));
  const cluster = rig.clusterRecord();
  const stats = Object.fromEntries(STATS.map((s) => [s, rig.stat(s)]));
  const events = rig.host.logsAt("info").filter((l) => l.includes("gatewasm outlier:")).map((l) => l.replace(/^.*gatewasm outlier: /, ""));
  return { hosts, cluster: { ...cluster, tracked: [...cluster.tracked].sort() }, stats, events };
}

describe("four worker VMs, one detector (shared data with CAS)", () => {
  it("outcomes interleaved over 4 VMs give the state, stats and ejection log of one VM (seeded)", async () => {
    const seed = Number(process.env.SEED ?? 20261202);
    console.log(`outlier workers seed: ${seed} (SEED=... to reproduce)`);
    const steps = script(seed, 3000);
    const one = await run(steps, 1);
    const four = await run(steps, 4);
    // The script really exercises the detector.
    expect(one.stats.ejections_enforced_total).toBeGreaterThan(10);
    expect(one.stats.ejections_overflow).toBeGreaterThan(0);
    expect(one.stats.ejections_enforced_consecutive_gateway_failure).toBeGreaterThan(0);
    expect(Math.max(...Object.values(one.hosts).map((h) => h?.numEjections ?? 0))).toBeGreaterThan(3);
    expect(four).toEqual(one);
    // The interval ran once per interval, not once per worker: one un-ejection line per ejection.
    expect(four.events.filter((e) => e.startsWith("uneject")).length).toBe(four.stats.ejections_enforced_total);
  });
});

describe("a lost compare-and-swap is retried, not dropped", () => {
  it("another worker's write between our read and our write: we re-read and count on top of it", async () => {
    const rig = await OutlierRig.single({ maxEjectionPercent: 100 }, ["10.0.0.1:8080", "10.0.0.2:8080"], { workers: 2 });
    const key = `${KEY_PREFIX}${CLUSTER} 10.0.0.1:8080`;
    rig.send("10.0.0.1:8080", 500, 3, 0);
    expect(rig.hostRecord("10.0.0.1:8080")!.c5xx).toBe(3);
    const store = rig.host.sharedData;
    const get = store.getEntry.bind(store);
    let raced = 0;
    store.getEntry = (vmId, k) => {
      const entry = get(vmId, k);
      if (k === key && raced === 0 && entry) {
        raced++;
        // What worker 1 writes for its own 500 in the window between worker 0's read and set.
        const theirs = entry.value.slice();
        new DataView(theirs.buffer).setUint32(0, decodeHost(entry.value).c5xx + 1, true);
        store.setEntry(vmId, k, theirs, entry.cas);
      }
      return entry;
    };
    rig.send("10.0.0.1:8080", 500, 1, 0);
    store.getEntry = get;
    expect(raced).toBe(1);
    expect(rig.counter("gatewasm.outlier.cas_retries")).toBe(1);
    // 3 + theirs + ours = 5: the 5th consecutive 5xx, so the host is ejected — ours was not lost.
    expect(rig.hostRecord("10.0.0.1:8080")).toMatchObject({ ejected: true, c5xx: 0, numEjections: 1 });
    expect(rig.stat("ejections_enforced_consecutive_5xx")).toBe(1);
  });
});

describe("a host that never lets a CAS through", () => {
  it("does not hang the VM: the callback gives up after its retry budget, counted, and the request completes", async () => {
    const rig = await OutlierRig.single({ maxEjectionPercent: 100 }, ["10.0.0.1:8080"]);
    const store = rig.host.sharedData;
    const set = store.setEntry.bind(store);
    store.setEntry = () => 8; // CAS_MISMATCH, always
    const r = rig.host.request({ headers: [[":method", "GET"], [":scheme", "http"], [":authority", "a.example.com"], [":path", "/x"]], upstream: { status: 500, address: "10.0.0.1:8080" } });
    store.setEntry = set;
    expect(r.completed).toBe(true);
    expect(rig.host.isFailed()).toBe(false);
    expect(rig.counter("gatewasm.outlier.cas_gave_up")).toBe(1);
    expect(rig.counter("gatewasm.outlier.cas_retries")).toBe(1000);
    // Writes work again: the next outcome is counted.
    rig.send("10.0.0.1:8080", 500);
    expect(rig.hostRecord("10.0.0.1:8080")!.c5xx).toBe(1);
  });
});
