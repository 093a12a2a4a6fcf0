// `npm run bench`: the filter's request-path cost through the harness. Benchmarks, not tests:
// numbers are printed as a table (README "Performance"), nothing is asserted here.
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { readFileSync } from "node:fs";
import { GATEWASM_PRESET, ProxyWasmHost, serializePairs } from "../host/harness/index.ts";
import { LeanHost } from "./lean-host.ts";
import { encodeFilterConfig } from "../host/config/encode.ts";
import { syntheticTable, twentyHeaders } from "./synthetic.ts";
import { floorModule } from "./floor.ts";
import { faultBurst, regexAmongRoutes, regexLengthCases } from "./regex-and-faults.ts";
import { envoySection } from "./envoy.ts";
import { outlierSection } from "./outlier.ts";
import { envoyInstructionsSection } from "./envoy-instructions.ts";
import { updateReadme } from "./readme.ts";

const WASM = fileURLToPath(new URL("../build/gatewasm.wasm", import.meta.url));
const quick = process.argv.includes("--quick");
const TIMED = quick ? 20_000 : 200_000;
const LONG_RUN = quick ? 50_000 : 1_000_000;
// `--only envoy`: the real-Envoy section alone (bench/envoy.ts); `--only instructions`: Envoy's
// instructions a request under callgrind, with stand-in modules (bench/envoy-instructions.ts); `--readme`: write the tables
// into README.md (bench/readme.ts).
const only = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1] : undefined;
const readme = process.argv.includes("--readme");

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
  const host = await ProxyWasmHost.load(WASM, { ...GATEWASM_PRESET, pluginConfig: bytes });
  if (!host.configured.every(Boolean)) throw new Error(`config of ${routes} routes refused: ${host.logs.map((l) => l.message).join("; ")}`);
  // The same bytes would get the live plugin back (no on_configure, as in Envoy): alternate
  // with a copy that differs in one global word so that each update is a real configure.
  const variant = encodeFilterConfig({ ...table.config, maxActiveFaults: 99_999 });
  const loads: number[] = [];
  for (let i = 0; i < 6; i++) {
    const start = performance.now();
    host.configure(i % 2 === 0 ? variant : bytes);
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

/**
 * Linear memory over configuration updates, accepted and refused mixed (issue 9.4): each
 * update is followed by a request that uses the rewrite buffers, one in ten with a 60 KB
 * header; a plugin's buffers must not outlive it, and a refused blob must leave nothing.
 */
async function configUpdates(): Promise<void> {
  const small = syntheticTable(10, 7).config;
  for (const vh of small.routeTables[0]!.virtualHosts) for (const r of vh.routes) if (r.action.kind === "route") r.action.rewriteUri = "/rw/";
  const a = encodeFilterConfig(small);
  const b = encodeFilterConfig({ ...small, maxActiveFaults: 5000 });
  const refused = a.slice(0, a.length - 4);
  const table = syntheticTable(10, 7);
  const plain = { headers: twentyHeaders(table.probe.authority, table.probe.path, table.probe.headers) };
  const big = { headers: [...plain.headers, ["x-big", "v".repeat(60_000)]] as Array<[string, string]> };
  const host = await ProxyWasmHost.load(WASM, { ...GATEWASM_PRESET, pluginConfig: a });
  const updates = quick ? 20_000 : 100_000;
  let at1000 = 0;
  const start = performance.now();
  for (let i = 1; i <= updates; i++) {
    host.configure(i % 4 === 3 ? refused : i % 2 === 0 ? b : a);
    host.request(i % 10 === 0 ? big : plain);
    if (i % 1000 === 0) host.logs.length = 0;
    if (i === 1000) at1000 = host.memoryBytes();
  }
  const perUpdate = ((performance.now() - start) * 1000) / updates;
  row("configuration updates: linear memory", `${(at1000 / 1024).toFixed(0)} KiB → ${(host.memoryBytes() / 1024).toFixed(0)} KiB`,
    `after 1,000 → after ${updates.toLocaleString("en-US")} updates (1 in 4 refused), a request after each (1 in 10 with a 60 KB header); ${perUpdate.toFixed(0)} µs per update + request`);
}

console.error(`gatewasm bench (${quick ? "quick" : "full"}): Node ${process.version}`);
if (only === "envoy") {
  const envoy = await envoySection({ quick, readme });
  if (readme && envoy) updateReadme({ envoy });
  process.exit(0);
}
if (only === "outlier") {
  await outlierSection(WASM, row, quick);
  for (const r of rows) console.log(`| ${r.case} | ${r.value} | ${r.note} |`);
  process.exit(0);
}
if (only === "instructions") {
  const instructions = await envoyInstructionsSection();
  if (instructions) for (const line of instructions) console.log(line);
  if (readme && instructions) updateReadme({ instructions });
  process.exit(0);
}
if (process.argv.includes("--only-updates")) {
  await configUpdates();
  for (const r of rows) console.log(`| ${r.case} | ${r.value} | ${r.note} |`);
  process.exit(0);
}
const filterTimes = interleavedFilterTimes([10, 1_000, 10_000]);
await floorCase();
const small = await routingCase(10, false);
await routingCase(1_000, false);
const large = await routingCase(10_000, true);
row("routing cost ratio, 10,000 vs 10 routes", `${(large / small).toFixed(2)}×`, "filter time; target ≤ 2×");
await regexAmongRoutes(WASM, row, quick);
await regexLengthCases(WASM, row, quick);
await faultBurst(WASM, row);
await configUpdates();
await outlierSection(WASM, row, quick);

console.log("| case | value | note |");
console.log("| --- | --- | --- |");
for (const r of rows) console.log(`| ${r.case} | ${r.value} | ${r.note} |`);
const envoy = await envoySection({ quick, readme });
if (readme) updateReadme({ harness: ["| case | value | note |", "| --- | --- | --- |", ...rows.map((r) => `| ${r.case} | ${r.value} | ${r.note} |`)], envoy: envoy ?? undefined });
