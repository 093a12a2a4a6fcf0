// Benchmark cases for regex matching (issue: RE2-exact regexes) and fault delays.
import { performance } from "node:perf_hooks";
import { readFileSync } from "node:fs";
import { GATEWASM_PRESET, ProxyWasmHost, serializePairs } from "../host/harness/index.ts";
import { LeanHost } from "./lean-host.ts";
import { encodeFilterConfig } from "../host/config/encode.ts";
import type { FilterConfig, Route } from "../host/config/model.ts";
import { syntheticTable, twentyHeaders } from "./synthetic.ts";

type Row = (c: string, value: string, note?: string) => void;
const NO_OPS = { set: [], add: [], remove: [] };

function route(name: string, extra: Partial<Route>): Route {
  return {
    name, virtualService: "bench/regex", path: { kind: "prefix", value: "/", ignoreCase: false }, headers: [], queryParams: [],
    action: { kind: "route", destinations: [{ cluster: "outbound|80||r.bench.svc.cluster.local", clusterExists: true, weight: 0, requestHeaders: NO_OPS, responseHeaders: NO_OPS, authority: null }], rewriteUri: null, rewriteRegex: null, authority: null, timeoutMs: 0, retries: null },
    requestHeaders: NO_OPS, responseHeaders: NO_OPS, fault: null, ...extra,
  };
}

/** Pathological patterns matched (full match) against a header of growing length. */
export async function regexLengthCases(wasm: string, row: Row, quick: boolean): Promise<void> {
  // The first three run on the DFA form; `\b` forces the Pike VM form (docs/regex.md).
  for (const pattern of ["(a|aa)*b", "(x+x+)+y", "(.*){20}z", "(a|aa)*\\bb"]) {
    const config: FilterConfig = { version: 1, clusterHeader: "x-gatewasm-cluster", routeTables: [{ name: "http.80", port: 80, tls: false, sniHosts: [], virtualHosts: [{
      name: "r:80", domain: "*", requireTls: false,
      routes: [route("rx", { headers: [{ name: "x-input", kind: "regex", value: pattern, invert: false, treatMissingAsEmpty: false }] }), route("rest", {})],
    }] }] };
    const host = LeanHost.create(readFileSync(wasm), encodeFilterConfig(config));
    const filler = pattern.startsWith("(a") ? "a" : pattern.startsWith("(x") ? "x" : "q";
    const cells: string[] = [];
    let last = 0;
    for (const length of [1, 64, 1024, 16 * 1024, 64 * 1024]) {
      const headers = serializePairs(twentyHeaders("r.example.com", "/", [["x-input", filler.repeat(length)]]));
      const n = length >= 16 * 1024 ? (quick ? 50 : 300) : quick ? 2000 : 20_000;
      last = host.time(headers, n);
      cells.push(`${length >= 1024 ? `${length / 1024} KiB` : `${length} B`}: ${last.toFixed(1)} µs`);
    }
    row(`regex full match \`${pattern}\` vs header length`, cells.join(", "), `${((last * 1000) / (64 * 1024)).toFixed(1)} ns/byte at 64 KiB; filter time per request`);
  }
}

/** 10 regex routes among 10,000: a non-regex request's cost with and without them. */
export async function regexAmongRoutes(wasm: string, row: Row, quick: boolean): Promise<void> {
  const n = quick ? 20_000 : 200_000;
  const plain = syntheticTable(10_000, 42);
  const withRegex = syntheticTable(10_000, 42);
  const vhosts = withRegex.config.routeTables[0]!.virtualHosts;
  // Ten regex routes: nine in other hosts, one in the probed host ahead of the probe's route.
  for (let i = 0; i < 9; i++) vhosts[i * 97]!.routes.unshift(route(`rx${i}`, { path: { kind: "regex", value: `/api/v[0-9]+/item-${i}/[a-z]+`, ignoreCase: false } }));
  vhosts[vhosts.length - 1]!.routes.unshift(route("rx-probe-host", { path: { kind: "regex", value: "/api/v[0-9]+/never/[a-z]+", ignoreCase: false } }));
  const cost = (table: ReturnType<typeof syntheticTable>): number => {
    const host = LeanHost.create(readFileSync(wasm), encodeFilterConfig(table.config));
    return host.time(serializePairs(twentyHeaders(table.probe.authority, table.probe.path, table.probe.headers)), n);
  };
  row("routing, 10,000 routes, non-regex request, 10 regex routes added", `${cost(plain).toFixed(2)} µs → ${cost(withRegex).toFixed(2)} µs`,
    "filter time; one regex route sits ahead of the match in the probed host, so it is evaluated");
}

/** 10,000 concurrently delayed requests over 4 workers, twice: memory before and after. */
export async function faultBurst(wasm: string, row: Row): Promise<void> {
  const config: FilterConfig = { version: 1, clusterHeader: "x-gatewasm-cluster", routeTables: [{ name: "http.80", port: 80, tls: false, sniHosts: [], virtualHosts: [{
    name: "f:80", domain: "*", requireTls: false,
    routes: [route("delayed", { fault: { delayMs: 1000, delayPerMillion: 1_000_000, abortHttpStatus: 0, abortGrpcStatus: -1, abortPerMillion: 0 } })],
  }] }] };
  const host = await ProxyWasmHost.load(wasm, { ...GATEWASM_PRESET, pluginConfig: encodeFilterConfig(config), workers: 4 });
  const spec = (i: number) => ({ headers: twentyHeaders("f.example.com", "/", []), worker: i % 4 });
  for (let i = 0; i < 100; i++) host.request(spec(i)); // fault path warmed up (delayed, then resumed)
  host.advance(1100);
  const memory = () => [0, 1, 2, 3].reduce((sum, w) => sum + host.memoryBytes(w), 0);
  const before = memory();
  const burst = (): number => {
    const pending = Array.from({ length: 10_000 }, (_, i) => host.send(spec(i)));
    const start = performance.now();
    host.advance(1000 + 10);
    const ms = performance.now() - start;
    if (!pending.every((p) => p.done && p.result.upstreamRequest)) throw new Error("not every delayed request resumed");
    return ms;
  };
  const first = burst();
  const afterFirst = memory();
  burst();
  const afterSecond = memory();
  row("fault delay burst: 10,000 delayed requests over 4 workers", `all resumed; resume pass ${first.toFixed(0)} ms`, "1 s fixed delay, 10 ms tick");
  row("fault delay burst: linear memory (4 workers)", `${(before / 1024).toFixed(0)} KiB → ${(afterFirst / 1024).toFixed(0)} KiB → ${(afterSecond / 1024).toFixed(0)} KiB`, "before → after burst 1 → after burst 2 (Wasm memory never shrinks; no growth on repeat = no leak)");
}
