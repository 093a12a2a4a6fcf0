// Benchmark rows for the outlier tracker (issue 10): what tracking adds per request (host calls,
// time through the harness against the same route untracked), and linear memory over 1,000,000
// outcomes across 10,000 endpoints. `npm run bench -- --only outlier` runs these rows alone.
import { performance } from "node:perf_hooks";
import { GATEWASM_PRESET, ProxyWasmHost } from "../host/harness/index.ts";
import { encodeFilterConfig } from "../host/config/encode.ts";
import type { FilterConfig, OutlierPolicy } from "../host/config/model.ts";
import { twentyHeaders } from "./synthetic.ts";

type Row = (c: string, value: string, note?: string) => void;
const NO_OPS = { set: [], add: [], remove: [] };
const CLUSTER = "outbound|80||r.bench.svc.cluster.local";
const POLICY: OutlierPolicy = {
  consecutive5xx: 5, enforcingConsecutive5xx: 100, consecutiveGatewayFailure: 5, enforcingConsecutiveGatewayFailure: 0,
  splitExternalLocalOriginErrors: false, consecutiveLocalOriginFailure: 5, enforcingConsecutiveLocalOriginFailure: 100,
  intervalMs: 10_000, baseEjectionTimeMs: 30_000, maxEjectionTimeMs: 300_000, maxEjectionPercent: 10, minHealthPercent: 0,
};

function config(endpoints: string[] | null): FilterConfig {
  return {
    version: 1, clusterHeader: "x-gatewasm-cluster",
    routeTables: [{ name: "http.80", port: 80, tls: false, sniHosts: [], virtualHosts: [{ name: "r:80", domain: "*", requireTls: false, routes: [{
      name: "r", virtualService: "bench/outlier", path: { kind: "prefix", value: "/", ignoreCase: false }, headers: [], queryParams: [],
      action: { kind: "route", destinations: [{ cluster: CLUSTER, clusterExists: true, weight: 0, requestHeaders: NO_OPS, responseHeaders: NO_OPS, authority: null }], rewriteUri: null, rewriteRegex: null, authority: null, timeoutMs: 0, retries: null },
      requestHeaders: NO_OPS, responseHeaders: NO_OPS, fault: null,
    }] }] }],
    ...(endpoints === null ? {} : { outliers: { [CLUSTER]: { policy: POLICY, endpoints } } }),
  };
}

const headers = twentyHeaders("r.example.com", "/api/items", []);

/**
 * µs per request through the harness (request and response callbacks), best of 5 rounds taken
 * in turn across the cases, so that a noisy moment on the shared machine does not land on one.
 */
function timeInTurns(cases: Array<{ host: ProxyWasmHost; status: (i: number) => number; address: (i: number) => string }>, n: number): number[] {
  const specs = cases.map((c) => {
    let i = 0;
    return { headers, upstream: () => { i++; return { status: c.status(i), address: c.address(i) }; } };
  });
  cases.forEach((c, k) => c.host.runRequests(Math.min(20_000, n), specs[k]!));
  const best = cases.map(() => Infinity);
  for (let round = 0; round < 5; round++) {
    cases.forEach((c, k) => {
      const start = performance.now();
      c.host.runRequests(n, specs[k]!);
      best[k] = Math.min(best[k]!, ((performance.now() - start) * 1000) / n);
    });
  }
  return best;
}

export async function outlierSection(wasm: string, row: Row, quick: boolean): Promise<void> {
  const n = quick ? 20_000 : 100_000;
  const eps = Array.from({ length: 16 }, (_, k) => `10.1.0.${k + 1}:8080`);
  const untracked = await ProxyWasmHost.load(wasm, { ...GATEWASM_PRESET, pluginConfig: encodeFilterConfig(config(null)) });
  const tracked = await ProxyWasmHost.load(wasm, { ...GATEWASM_PRESET, pluginConfig: encodeFilterConfig(config(eps)) });
  const ok = () => 200;
  const at = (i: number) => eps[i % eps.length]!;
  // Every 3rd response a 500 in the last case: each outcome changes the host record (one write).
  const [base, success, mixed] = timeInTurns([
    { host: untracked, status: ok, address: at }, { host: tracked, status: ok, address: at },
    { host: tracked, status: (i) => (i % 3 === 0 ? 500 : 200), address: at },
  ], n) as [number, number, number];
  const calls = (h: ProxyWasmHost, status: number) => {
    const r = h.request({ headers, upstream: { status, address: eps[0]! } });
    return Object.entries(r.hostCalls).reduce((a, [, v]) => a + v, 0);
  };
  const c0 = calls(untracked, 200);
  row("outlier tracking: host calls added per request", `+${calls(tracked, 200) - c0} (success), +${calls(tracked, 500) - c0} (a 5xx)`,
    `untracked cluster: +0; a success reads upstream.address, :status and the host record, writes nothing; a counted error also writes it (CAS)`);
  row("outlier tracking: time per request through the harness", `+${(success - base).toFixed(2)} µs (successes), +${(mixed - base).toFixed(2)} µs (1 in 3 a 5xx)`,
    `${base.toFixed(2)} µs untracked, same route and 20 headers; the difference is the filter's tracking plus the harness's host calls`);

  // Memory: 1,000,000 outcomes across 10,000 endpoints (listed), 3 in 10 a 5xx, the clock moving
  // 1 ms per outcome so that intervals, ejections (10 % of 10,000 allowed) and un-ejections run.
  const total = quick ? 100_000 : 1_000_000;
  const many = Array.from({ length: 10_000 }, (_, k) => `10.${2 + (k >> 16)}.${(k >> 8) & 255}.${k & 255}:8080`);
  const host = await ProxyWasmHost.load(wasm, { ...GATEWASM_PRESET, pluginConfig: encodeFilterConfig(config(many)) });
  let seed = 12345;
  const rand = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed / 4294967296; };
  let k = 0;
  const spec = { headers, upstream: () => ({ status: rand() < 0.3 ? 500 : 200, address: many[(k++ * 7919) % many.length]! }) };
  const step = (count: number) => { for (let i = 0; i < count; i += 1000) { host.runRequests(1000, spec); host.advance(1000); } };
  const warm = total / 10;
  const start = performance.now();
  step(warm);
  const before = host.memoryBytes();
  step(total - warm);
  const seconds = (performance.now() - start) / 1000;
  const ejections = Number(host.metric(`gatewasm.cluster.${CLUSTER}.outlier_detection.ejections_enforced_total`)?.value ?? 0n);
  const overflow = Number(host.metric(`gatewasm.cluster.${CLUSTER}.outlier_detection.ejections_overflow`)?.value ?? 0n);
  row(`outlier tracking: linear memory over ${total.toLocaleString("en-US")} outcomes, 10,000 endpoints`,
    `${(before / 1024).toFixed(0)} KiB → ${(host.memoryBytes() / 1024).toFixed(0)} KiB`,
    `after ${warm.toLocaleString("en-US")} → after all; 3 in 10 a 5xx, ${ejections} ejections, ${overflow} overflows, ${(seconds).toFixed(1)} s (seed 12345)`);
}
