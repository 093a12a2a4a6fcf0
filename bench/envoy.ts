// The benchmark in a real Envoy (README, Performance): Istio alone vs our rollout alongside
// Istio's routes vs owner (Istio's routes replaced), side by side, with wrk on loopback.
//
// For each shape the Istio YAML (bench/istio-yaml.ts) goes through Istio's own translator
// (conformance/istio, `npm run setup:istio`), once alone and once with our EnvoyFilter per rollout
// (conformance/judge.ts rolloutYaml); each result runs in its own Envoy 1.36.4 (`--concurrency 1`,
// every thread pinned to CPU 0). wrk (one thread, 8 connections) runs on CPU 1, with the upstream:
// a second Envoy answering `direct_response` 200 on every cluster address (bench/fast-upstream.ts).
// The Envoys of a shape run at once and the wrk runs are interleaved, rounds × modes, so that a
// noisy moment on the shared machine does not land on one mode only; the best round counts.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { envoyBinary, ENVOY_ABSENT, EnvoyProcess, GATEWASM_WASM, header, sendRequest } from "../conformance/envoy/index.ts";
import { rolloutYaml } from "../conformance/judge.ts";
import { twentyHeaders } from "./synthetic.ts";
import { floorModule } from "./floor.ts";
import { headerSetterModule } from "./envoy-floors.ts";
import { DEFAULT_CLUSTER_HEADER } from "../host/config/model.ts";
import { istioBenchInputs, type IstioBenchShape } from "./istio-yaml.ts";
import { FastUpstream } from "./fast-upstream.ts";
import { cpuSeconds, pin, runWrk, tasksetAvailable, wrkAvailable, type WrkResult } from "./wrk.ts";

/**
 * istio: Istio's configuration alone; floor: the alongside rollout with a Wasm module that reads
 * the headers and does nothing (bench/floor.ts), so Istio's routes route; setter: the same with a
 * module that also sets the cluster header to the probe's cluster (bench/envoy-floors.ts), so the
 * generated route routes after Envoy's second match.
 */
type Mode = "istio" | "alongside" | "owner" | "floor" | "setter";
const MODE_LABEL: Record<Mode, string> = {
  istio: "Istio alone", alongside: "alongside", owner: "owner", floor: "Istio + no-op Wasm", setter: "Istio + header-setting Wasm",
};

interface Shape extends IstioBenchShape { label: string; modes: Mode[] }

const SHAPES: Shape[] = [
  { label: "10 routes", routes: 10, hosts: 1, modes: ["istio", "floor", "setter", "alongside", "owner"] },
  { label: "10,000 routes, 1,000 hosts", routes: 10_000, hosts: 1_000, modes: ["istio", "alongside", "owner"] },
  { label: "10,000 routes, one virtual host", routes: 10_000, hosts: 1, modes: ["istio", "alongside", "owner"] },
];

const ENVOY_CPU = "0";
const CLIENT_CPU = "1";

export interface ModeResult {
  mode: Mode;
  /** Our compiler: YAML → EnvoyFilter YAML (conformance/judge.ts rolloutYaml); 0 for Istio alone. */
  compileMs: number;
  translateMs: number;
  startMs: number;
  best: WrkResult;
  /** CPU time of the Envoy under test per wall second during the best run (1 = one core busy). */
  cpu: number;
  /** Envoy's busy time per request, seconds: the lowest of the rounds (steadier than req/s). */
  cpuPerRequest: number;
  allocated: number;
  rss: number;
}

export interface ShapeResult { shape: Shape; results: Map<Mode, ModeResult> }

export interface EnvoyBenchOptions {
  quick: boolean;
  /** Only these shapes (by index), for iterating. */
  shapes?: number[];
  log?: (line: string) => void;
  /** Another client of the Istio tool than conformance/istio/client.ts's. */
  istioClient?: { start(): Promise<IstioTool> };
}

export interface IstioTool {
  translate(req: Record<string, unknown>): Promise<{ bootstrap: object; clusters: Record<string, string>; errors: string[]; unmatchedPatches: unknown[] }>;
  close(): Promise<void>;
}

/** Why the real-Envoy section cannot run here, or null. */
async function missing(): Promise<{ why: string | null; istio?: { start(): Promise<IstioTool> } }> {
  const why: string[] = [];
  if (!envoyBinary()) why.push(ENVOY_ABSENT);
  if (!wrkAvailable()) why.push("wrk is not installed (apt-get install wrk; .ci/run installs it)");
  if (!tasksetAvailable()) why.push("taskset is not available (util-linux)");
  let istio: { start(): Promise<IstioTool> } | undefined;
  try {
    const client = await import("../conformance/istio/client.ts");
    if (!client.istioXdsAvailable()) why.push(`ISTIO TOOL ABSENT: no ${client.ISTIO_XDS_BINARY}; run npm run setup:istio`);
    else istio = { start: async () => client.startIstioXds()! as unknown as IstioTool };
  } catch (e) {
    why.push(`the Istio tool's client (conformance/istio/client.ts) cannot be loaded: ${(e as Error).message.split("\n")[0]}`);
  }
  return { why: why.length ? why.join("; ") : null, istio };
}

const MiB = 1024 * 1024;

export async function envoyBench(opts: EnvoyBenchOptions): Promise<ShapeResult[] | null> {
  const log = opts.log ?? ((line: string) => console.error(line));
  const found = await missing();
  const why = opts.istioClient ? found.why?.split("; ").filter((w) => !/Istio|istio/.test(w)).join("; ") || null : found.why;
  const IstioClient = opts.istioClient ?? found.istio;
  if (why || !IstioClient) {
    log(`\n!!! REAL ENVOY BENCH SKIPPED: ${why}\n`);
    return null;
  }
  const rounds = opts.quick ? 1 : 3;
  const seconds = opts.quick ? 2 : 5;
  const dir = mkdtempSync(join(tmpdir(), "gatewasm-bench-"));
  const floorPath = join(dir, "floor.wasm");
  writeFileSync(floorPath, await floorModule());
  const istio = await IstioClient.start();
  const upstream = await FastUpstream.start();
  pin(upstream.envoy.pid, CLIENT_CPU);
  const out: ShapeResult[] = [];
  try {
    const shapes = opts.shapes ? opts.shapes.map((i) => SHAPES[i]!) : SHAPES;
    for (const shape of shapes) {
      log(`  real Envoy, ${shape.label}:`);
      out.push({ shape, results: await benchShape(shape, istio, upstream, dir, floorPath, rounds, seconds, log) });
    }
  } finally {
    await upstream.stop();
    await istio.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

interface Running { mode: Mode; envoy: EnvoyProcess; compileMs: number; translateMs: number; startMs: number; runs: Array<{ wrk: WrkResult; cpu: number }> }

async function benchShape(shape: Shape, istio: IstioTool, upstream: FastUpstream, dir: string, floorPath: string, rounds: number, seconds: number, log: (l: string) => void): Promise<Map<Mode, ModeResult>> {
  const inputs = istioBenchInputs(shape);
  const running: Running[] = [];
  const requestHeaders = twentyHeaders(inputs.probe.authority, inputs.probe.path, inputs.probe.headers)
    .filter(([k]) => !k.startsWith(":") && k !== "x-forwarded-proto");
  try {
    for (const mode of shape.modes) {
      let yaml = inputs.yaml;
      let compileMs = 0;
      if (mode !== "istio") {
        const c0 = performance.now();
        let rollout = rolloutYaml(inputs.yaml, mode === "owner" ? "owner" : "alongside");
        compileMs = performance.now() - c0;
        if (mode === "floor") rollout = rollout.split(GATEWASM_WASM).join(floorPath);
        if (mode === "setter") {
          const setterPath = join(dir, "setter.wasm");
          writeFileSync(setterPath, await headerSetterModule(DEFAULT_CLUSTER_HEADER, inputs.probeCluster));
          rollout = rollout.split(GATEWASM_WASM).join(setterPath);
        }
        yaml += `\n---\n${rollout}`;
      }
      const t0 = performance.now();
      const translation = await istio.translate({
        yaml, labels: { istio: "ingressgateway" }, namespace: "istio-system",
        listenAddress: "127.0.0.1", upstreamPort: upstream.port, upstreamNet: "127.201", adminPort: 0,
      });
      const translateMs = performance.now() - t0;
      if (translation.errors.length) throw new Error(`Istio rejects the ${shape.label} inputs (${mode}):\n${translation.errors.slice(0, 5).join("\n")}`);
      if (mode !== "istio" && translation.unmatchedPatches.length) throw new Error(`Istio applied none of ${translation.unmatchedPatches.length} patches (${shape.label}, ${mode})`);
      const t1 = performance.now();
      const envoy = await EnvoyProcess.start(translation.bootstrap, { concurrency: 1, logLevel: "warning", readyTimeoutMs: 120_000 });
      const startMs = performance.now() - t1;
      running.push({ mode, envoy, compileMs, translateMs, startMs, runs: [] });
      pin(envoy.pid, ENVOY_CPU);
      // The probe must be routed to its cluster in every mode, or the figures mean nothing.
      const response = await sendRequest(envoy.target(8080), { authority: inputs.probe.authority, path: inputs.probe.path, headers: requestHeaders.filter(([k]) => k !== "host") });
      const address = header(response.headers, "x-upstream-address");
      const cluster = Object.entries(translation.clusters).find(([, ip]) => ip === address)?.[0];
      if (response.status !== 200 || cluster !== inputs.probeCluster) {
        throw new Error(`${shape.label} (${mode}): the probe got ${response.status} from ${cluster ?? address ?? "no upstream"}, want 200 from ${inputs.probeCluster}\n${envoy.logTail(20)}`);
      }
      log(`    ${MODE_LABEL[mode]}: our compile ${fmtMs(compileMs)}, Istio translation ${fmtMs(translateMs)}, Envoy start → LIVE ${fmtMs(startMs)}`);
    }
    for (let round = 0; round < rounds; round++) {
      for (const r of running) {
        const wrk = (s: number) => runWrk({
          url: `http://${r.envoy.ip}:8080${inputs.probe.path}`,
          headers: [["Host", inputs.probe.authority], ...requestHeaders],
          seconds: s, connections: 8, threads: 1, cpus: CLIENT_CPU,
        });
        await wrk(1); // warm-up: connections, V8 tiers, allocator steady state
        const cpu0 = await cpuSeconds(r.envoy.pid), up0 = await cpuSeconds(upstream.envoy.pid);
        const w0 = performance.now();
        const result = await wrk(seconds);
        const wall = (performance.now() - w0) / 1000;
        const cpu = (await cpuSeconds(r.envoy.pid) - cpu0) / wall;
        const upCpu = (await cpuSeconds(upstream.envoy.pid) - up0) / wall;
        if (result.failures) throw new Error(`${shape.label} (${r.mode}): ${result.failures} failed requests in the wrk run\n${result.raw}`);
        r.runs.push({ wrk: result, cpu });
        log(`    round ${round + 1} ${MODE_LABEL[r.mode]}: ${fmtRps(result.requestsPerSecond)} req/s, p50 ${fmtUs(result.p50Us)}, p99 ${fmtUs(result.p99Us)}, Envoy CPU ${(cpu * 100).toFixed(0)} %, upstream CPU ${(upCpu * 100).toFixed(0)} %`);
      }
    }
    const results = new Map<Mode, ModeResult>();
    for (const r of running) {
      const best = r.runs.reduce((a, b) => (b.wrk.requestsPerSecond > a.wrk.requestsPerSecond ? b : a));
      const memory = await r.envoy.memory();
      results.set(r.mode, { mode: r.mode, compileMs: r.compileMs, translateMs: r.translateMs, startMs: r.startMs, best: best.wrk, cpu: best.cpu, cpuPerRequest: Math.min(...r.runs.map((x) => x.cpu / x.wrk.requestsPerSecond)), allocated: memory.allocated, rss: memory.rss });
    }
    return results;
  } finally {
    for (const r of running) await r.envoy.stop();
  }
}

function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`;
}
function fmtUs(us: number): string {
  return us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(0)} µs`;
}
function fmtRps(rps: number): string {
  return rps >= 10_000 ? `${(rps / 1000).toFixed(1)}k` : rps >= 1000 ? `${(rps / 1000).toFixed(2)}k` : rps.toFixed(0);
}
function fmtMiB(bytes: number): string {
  return `${(bytes / MiB).toFixed(0)} MiB`;
}

const COLUMNS: Mode[] = ["istio", "alongside", "owner"];

/** The README's real-Envoy table (markdown lines). */
export function envoyTable(shapes: ShapeResult[], quick: boolean): string[] {
  const lines = [
    `| real Envoy 1.36.4 (wrk -t1 -c8, best of ${quick ? 1 : 3} × ${quick ? 2 : 5} s) | Istio alone | alongside | owner | note |`,
    "| --- | --- | --- | --- | --- |",
  ];
  const cells = (s: ShapeResult, f: (m: ModeResult) => string) => COLUMNS.map((m) => { const r = s.results.get(m); return r ? f(r) : "—"; }).join(" | ");
  for (const s of shapes) {
    const l = s.shape.label;
    lines.push(`| ${l}: req/s | ${cells(s, (r) => fmtRps(r.best.requestsPerSecond))} | best round; Envoy's CPU use in it ${cells(s, (r) => `${(r.cpu * 100).toFixed(0)} %`).split(" | ").join(" / ")} |`);
    lines.push(`| ${l}: Envoy CPU per request | ${cells(s, (r) => fmtUs(perRequest(r) * 1e6))} | busy time ÷ requests, lowest round; steadier than req/s on a shared machine |`);
    lines.push(`| ${l}: latency p50 / p99 | ${cells(s, (r) => `${fmtUs(r.best.p50Us)} / ${fmtUs(r.best.p99Us)}`)} | 8 requests always in flight |`);
    lines.push(`| ${l}: memory allocated / RSS | ${cells(s, (r) => `${fmtMiB(r.allocated)} / ${fmtMiB(r.rss)}`)} | admin /memory, /proc; after the runs |`);
    lines.push(`| ${l}: our compile; Istio translation; Envoy start → LIVE | ${cells(s, (r) => `${r.compileMs ? fmtMs(r.compileMs) : "—"}; ${fmtMs(r.translateMs)}; ${fmtMs(r.startMs)}`)} | rolloutYaml (YAML → EnvoyFilter); one istio-xds translate call (its input includes the EnvoyFilter); bootstrap to admin /ready (Wasm compiled, on_configure run) |`);
    const istio = s.results.get("istio");
    const floors: Array<[Mode, string]> = [
      ["floor", "bench/floor.ts: reads the headers, does nothing (the cost of any Wasm filter)"],
      ["setter", "bench/envoy-floors.ts: reads the headers, sets the cluster header (Envoy matches again); owner minus the filter's own routing"],
    ];
    for (const [mode, what] of floors) {
      const f = s.results.get(mode);
      if (!f || !istio) continue;
      lines.push(`| ${l}: ${MODE_LABEL[mode]} | ${fmtRps(f.best.requestsPerSecond)} req/s; ${fmtUs(perRequest(f) * 1e6)} CPU | — | — | ${what}; ${pct(f, istio)} req/s, CPU per request ${cpuRatio(f, istio)} vs Istio alone |`);
    }
  }
  const owner = (i: number, m: Mode = "owner") => shapes.find((s) => s.shape === SHAPES[i])?.results.get(m);
  const istio = (i: number) => owner(i, "istio");
  const small = owner(0), smallIstio = istio(0), big = owner(2), bigIstio = istio(2);
  if (small && smallIstio) {
    const diff = small.best.requestsPerSecond / smallIstio.best.requestsPerSecond - 1;
    lines.push(`| owner vs Istio alone, 10 routes | — | — | ${pct(small, smallIstio)} | req/s; target within 5 %: ${diff >= -0.05 ? "met" : "not met"}; CPU per request ${cpuRatio(small, smallIstio)} |`);
  }
  if (big && bigIstio) {
    const ratio = big.best.requestsPerSecond / bigIstio.best.requestsPerSecond;
    lines.push(`| owner vs Istio alone, 10,000 routes in one virtual host | — | — | ${ratio.toFixed(1)}× | req/s; target ≥ 10×: ${ratio >= 10 ? "met" : "not met"}; CPU per request ${cpuRatio(big, bigIstio)} |`);
  }
  return lines;
}

function perRequest(r: ModeResult): number {
  return r.cpuPerRequest;
}

/** How much CPU per request `a` needs compared with `b` (÷ when less, × when more). */
function cpuRatio(a: ModeResult, b: ModeResult): string {
  const x = perRequest(a) / perRequest(b);
  return x < 1 ? `÷${(1 / x).toFixed(2)}` : `×${x.toFixed(2)}`;
}

function pct(a: ModeResult, b: ModeResult): string {
  const d = (a.best.requestsPerSecond / b.best.requestsPerSecond - 1) * 100;
  return `${d >= 0 ? "+" : "−"}${Math.abs(d).toFixed(1)} %`;
}

/**
 * The section as `npm run bench` runs it: measures, prints the table (stdout) and, with
 * `--readme`, writes it into README.md (bench/readme.ts).
 */
export async function envoySection(opts: { quick: boolean; readme: boolean; shapes?: number[] }): Promise<string[] | null> {
  // `--shapes 0,2`: some shapes only (0: 10 routes, 1: 1,000 hosts, 2: one virtual host), for iterating.
  const at = process.argv.indexOf("--shapes");
  const shapes = opts.shapes ?? (at > 0 ? process.argv[at + 1]!.split(",").map(Number) : undefined);
  const results = await envoyBench({ quick: opts.quick, shapes });
  if (!results) return null;
  const lines = envoyTable(results, opts.quick);
  console.log("");
  for (const line of lines) console.log(line);
  return lines;
}
