// `npm run bench`: the filter's request-path cost through the harness. Benchmarks, not tests:
// numbers are printed as a table (README "Performance"), nothing is asserted here.
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { readFileSync } from "node:fs";
import { ProxyWasmHost, serializePairs } from "../host/harness/index.ts";
import { LeanHost } from "./lean-host.ts";
import { encodeFilterConfig } from "../host/config/encode.ts";
import { syntheticTable, twentyHeaders } from "./synthetic.ts";
import { floorModule } from "./floor.ts";
import { faultBurst, regexAmongRoutes, regexLengthCases } from "./regex-and-faults.ts";

const WASM = fileURLToPath(new URL("../build/gatewasm.wasm", import.meta.url));
const quick = process.argv.includes("--quick");
const TIMED = quick ? 20_000 : 200_000;
const LONG_RUN = quick ? 50_000 : 1_000_000;

interface Row { case: string; value: string; note: string }
const rows: Row[] = [];
const row = (c: string, value: string, note = ""): void => { rows.push({ case: c, value, note }); console.error(`  ${c}: ${value} ${note}`); };

function timePerRequest(host: ProxyWasmHost, spec: Parameters<ProxyWasmHost["runRequests"]>[1], n: number): number {
  host.runRequests(Math.min(20_000, n), spec); // warm-up: JIT tiers, allocator steady state
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const start = performance.now();
    host.runRequests(n, spec);
    best = Math.min(best, ((performance.now() - start) * 1000) / n);
  }
  return best;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function routingCase(routes: number, longRun: boolean): Promise<number> {
  const table = syntheticTable(routes, 42);
  const bytes = encodeFilterConfig(table.config);
  const host = await ProxyWasmHost.load(WASM, { pluginConfig: bytes });
  if (!host.configured.every(Boolean)) throw new Error(`config of ${routes} routes refused: ${host.logs.map((l) => l.message).join("; ")}`);
  const loads: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    host.configure(bytes);
    loads.push(performance.now() - start);
  }
  const spec = { headers: twentyHeaders(table.probe.authority, table.probe.path, table.probe.headers) };
  const check = host.request(spec);
  const cluster = check.upstreamRequest?.headers.find(([k]) => k === "x-gatewasm-cluster")?.[1];
  if (!cluster) throw new Error(`probe request of the ${routes}-route table was not routed`);
  const calls = Object.values(check.hostCalls).reduce((a, b) => a + b, 0);
  const throughHarness = timePerRequest(host, spec, TIMED);
  const perRequest = filterTimes.get(routes)!;
  const label = `${routes.toLocaleString("en-US")} routes`;
  row(`routing, ${label}: filter time per request`, `${perRequest.toFixed(2)} µs`, `20 headers; ${throughHarness.toFixed(2)} µs through the harness`);
  row(`routing, ${label}: host calls per request`, String(calls), Object.entries(check.hostCalls).map(([k, v]) => `${k.replace("proxy_", "")}×${v}`).join(" "));
  row(`routing, ${label}: config load (on_configure)`, `${median(loads).toFixed(1)} ms`, `${(bytes.length / 1024).toFixed(0)} KiB config`);
  if (longRun) {
    const before = host.memoryBytes();
    host.runRequests(LONG_RUN, spec);
    row(`routing, ${label}: linear memory`, `${(before / 1024).toFixed(0)} KiB → ${(host.memoryBytes() / 1024).toFixed(0)} KiB`, `after warm-up → after ${LONG_RUN.toLocaleString("en-US")} more requests`);
  }
  return perRequest;
}

async function floorCase(): Promise<number> {
  const host = await ProxyWasmHost.load(await floorModule(), { pluginConfig: "" });
  const spec = { headers: twentyHeaders("svc-0.bench.example.com", "/api/v1/x?q=1", []) };
  const perRequest = timePerRequest(host, spec, TIMED);
  row("harness floor (a module that reads the headers and does nothing)", `${perRequest.toFixed(2)} µs`, "what the harness itself costs per request");
  return perRequest;
}

/**
 * Filter-only time per table size, measured in interleaved rounds (best of each) so that a
 * noisy moment on the machine does not land on one size only.
 */
function interleavedFilterTimes(sizes: number[]): Map<number, number> {
  const cases = sizes.map((routes) => {
    const table = syntheticTable(routes, 42);
    const host = LeanHost.create(readFileSync(WASM), encodeFilterConfig(table.config));
    const headers = serializePairs(twentyHeaders(table.probe.authority, table.probe.path, table.probe.headers));
    return { routes, host, headers, best: Infinity };
  });
  for (let round = 0; round < 5; round++) {
    for (const c of cases) c.best = Math.min(c.best, c.host.time(c.headers, TIMED / 2));
  }
  return new Map(cases.map((c) => [c.routes, c.best]));
}

console.error(`gatewasm bench (${quick ? "quick" : "full"}): Node ${process.version}`);
const filterTimes = interleavedFilterTimes([10, 1_000, 10_000]);
await floorCase();
const small = await routingCase(10, false);
await routingCase(1_000, false);
const large = await routingCase(10_000, true);
row("routing cost ratio, 10,000 vs 10 routes", `${(large / small).toFixed(2)}×`, "filter time; target ≤ 2×");
await regexAmongRoutes(WASM, row, quick);
await regexLengthCases(WASM, row, quick);
await faultBurst(WASM, row);

console.log("| case | value | note |");
console.log("| --- | --- | --- |");
for (const r of rows) console.log(`| ${r.case} | ${r.value} | ${r.note} |`);
