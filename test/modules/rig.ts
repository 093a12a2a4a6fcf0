// Runs modules we did not write (built by `npm run setup:modules`, conformance/modules/) in a
// real Envoy and in the harness with the same plugin settings, and puts what each shows into one
// comparable shape: the client's response, the request the upstream got, the module's log lines.
// Envoy adds headers of its own that the harness does not model (docs/harness.md, "Measured
// against real Envoy"); those are left out of both sides by name, never by value.
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  allocateLoopback,
  bootstrap,
  EnvoyProcess,
  httpListener,
  REPO_ROOT,
  RecordingUpstream,
  staticCluster,
  type HeaderPairs,
  type RecordedRequest,
  type Response,
} from "../../conformance/envoy/index.ts";
import { ProxyWasmHost, type HostOptions, type RequestResult } from "../../host/harness/index.ts";

export const GO_MODULES_DIR = join(REPO_ROOT, "build", "modules", "go");
export const GO_MODULES = ["headers", "body", "httpcall", "shareddata", "metrics", "ticks"] as const;
export type GoModule = (typeof GO_MODULES)[number];

export const goModulePath = (name: GoModule) => join(GO_MODULES_DIR, `${name}.wasm`);

export const GO_ABSENT = "GO-SDK MODULES ABSENT: build/modules/go/*.wasm missing; run npm run setup:modules (needs Go ≥ 1.24)";

/** "" when every Go-SDK module is built; else the reason, after failing (CI) or warning. */
export function goModulesAbsent(what: string): string {
  const missing = GO_MODULES.some((m) => !existsSync(goModulePath(m))) ? GO_ABSENT : "";
  if (missing && process.env.CI) throw new Error(`the Go-SDK modules must be built in CI (${what}): ${missing}`);
  if (missing) console.warn(`${what.toUpperCase()} SKIPPED: ${missing}`);
  return missing;
}

/** One Wasm HTTP filter, one listener: how both hosts are told to run a module. */
export interface Plugin {
  /** PluginConfig.name (Envoy's `plugin_name`). */
  name: string;
  /** PluginConfig.root_id; "" as in the SDK examples' envoy.yaml. */
  rootId: string;
  /** VmConfig.vm_id; unique per plugin here, so log lines and shared data are told apart. */
  vmId: string;
  wasm: string;
  /** PluginConfig.configuration, a google.protobuf.StringValue as the SDK examples pass it. */
  config?: string;
  /** VmConfig.configuration, a google.protobuf.StringValue too. */
  vmConfig?: string;
  /** The listener's port. */
  port: number;
}

export const BACKEND = "backend";
/** The cluster the httpcall module calls out to. */
export const AUTH = "auth";

function filter(p: Plugin): object {
  const config: Record<string, unknown> = {
    name: p.name,
    root_id: p.rootId,
    vm_config: { vm_id: p.vmId, runtime: "envoy.wasm.runtime.v8", code: { local: { filename: p.wasm } } },
    failure_policy: "FAIL_CLOSED",
  };
  if (p.config !== undefined) config.configuration = { "@type": "type.googleapis.com/google.protobuf.StringValue", value: p.config };
  if (p.vmConfig !== undefined) {
    (config.vm_config as Record<string, unknown>).configuration = { "@type": "type.googleapis.com/google.protobuf.StringValue", value: p.vmConfig };
  }
  return {
    name: "envoy.filters.http.wasm",
    typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm", config },
  };
}

export interface ModuleRig {
  envoy: EnvoyProcess;
  upstream: RecordingUpstream;
  stop(): Promise<void>;
}

/**
 * One Envoy with a listener per plugin (its filter, then the router to `backend`), and the
 * recording upstream behind `backend`, `auth` and any other cluster named in `opts.clusters`. `--concurrency 1`: one worker, so per-VM
 * state (counters, tick lists) is comparable with a one-worker harness. Wasm logs at debug.
 */
export async function startModuleRig(plugins: Plugin[], opts: { clusters?: string[] } = {}): Promise<ModuleRig> {
  const ips = new Map([BACKEND, AUTH, ...(opts.clusters ?? [])].map((c) => [c, allocateLoopback()]));
  const upstream = await RecordingUpstream.start({ clusters: Object.fromEntries([...ips].map(([c, ip]) => [ip, c])) });
  const listeners = plugins.map((p) =>
    httpListener({
      name: `listener_${p.vmId}`,
      port: p.port,
      httpFilters: [filter(p)],
      virtualHosts: [{ name: "all", domains: ["*"], routes: [{ match: { prefix: "/" }, route: { cluster: BACKEND } }] }],
    }),
  );
  try {
    // V8 compiles each ~2.7 MB Go module on the main thread before Envoy is ready.
    const envoy = await EnvoyProcess.start(bootstrap(listeners, [...ips].map(([c, ip]) => staticCluster(c, ip, upstream.port))), {
      componentLogLevel: "wasm:debug",
      readyTimeoutMs: 30_000 + 15_000 * plugins.length,
    });
    return { envoy, upstream, stop: async () => { await envoy.stop(); await upstream.stop(); } };
  } catch (e) {
    await upstream.stop();
    throw e;
  }
}

export interface WasmLogLine {
  /** Envoy's main thread (canary and main-thread VMs) or a worker. */
  thread: "main" | "worker";
  level: string;
  /** What the module logged, without Envoy's "wasm log <plugin> <root_id> <vm_id>:" prefix. */
  message: string;
}

const LINE = /^\[[^\]]+\]\[(\d+)\]\[(\w+)\]\[wasm\] \[[^\]]+\] wasm log ([^:]*): (.*)$/;

/**
 * The module's log lines for one vm_id, in order. Envoy prefixes them with the plugin name,
 * root id and vm id (context.cc `log`, `Context::log_prefix`); the main thread is the one that
 * logged Envoy's first line.
 */
export function wasmLogs(log: string, vmId: string): WasmLogLine[] {
  const lines = log.split("\n");
  const mainTid = /^\[[^\]]+\]\[(\d+)\]/.exec(lines[0] ?? "")?.[1];
  const out: WasmLogLine[] = [];
  // A message with a newline goes on on the next lines (Envoy prints it verbatim); those lines
  // lack the "[date][tid]" head. The last line of the file is cut off by the split, not a newline.
  let last: WasmLogLine | null = null;
  lines.forEach((line, i) => {
    if (!/^\[\d{4}-/.test(line)) {
      if (last && i < lines.length - 1) last.message += `\n${line}`;
      return;
    }
    last = null;
    const m = LINE.exec(line);
    if (!m) return;
    const prefix = m[3]!.split(" ");
    if (prefix[prefix.length - 1] !== vmId) return;
    last = { thread: m[1] === mainTid ? "main" : "worker", level: m[2]!, message: m[4]! };
    out.push(last);
  });
  return out;
}

/** Log lines of one vm_id that Envoy printed after `since` lines of that vm_id. */
export function newWasmLogs(envoy: EnvoyProcess, vmId: string, since: number): WasmLogLine[] {
  return wasmLogs(envoy.log(), vmId).slice(since);
}

// Headers the connection manager, codecs and router add or rewrite on their own (the harness's
// filter chain has none of them); compared on neither side.
const ENVOY_RESPONSE_HEADERS = new Set(["date", "server", "connection", "keep-alive", "transfer-encoding", "content-length", "x-envoy-upstream-service-time"]);
const ENVOY_REQUEST_HEADERS = new Set(["x-forwarded-proto", "x-request-id", "x-envoy-expected-rq-timeout-ms", "x-envoy-internal", "transfer-encoding", "content-length", "connection", "host", ":scheme"]);

export const comparableResponseHeaders = (h: HeaderPairs | ReadonlyArray<readonly [string, string]>): HeaderPairs =>
  h.filter(([n]) => !ENVOY_RESPONSE_HEADERS.has(n) && n !== ":status").map(([n, v]) => [n, v]);

export const comparableRequestHeaders = (h: HeaderPairs | ReadonlyArray<readonly [string, string]>): HeaderPairs =>
  h.filter(([n]) => !ENVOY_REQUEST_HEADERS.has(n)).map(([n, v]) => [n, v]);

/** A recorded upstream request as the header list a filter would have seen (pseudo-headers first). */
export function upstreamHeaders(r: RecordedRequest): HeaderPairs {
  return [[":authority", r.authority ?? ""], [":path", r.path], [":method", r.method], ...r.headers.filter(([n]) => n !== "host")];
}

export interface Observed {
  status: number;
  body: string;
  headers: HeaderPairs;
  /** The request the upstream got (null: none), comparable headers and body. */
  upstream: { headers: HeaderPairs; body: string } | null;
  logs: string[];
}

export function observedInEnvoy(r: Response, upstreamRequest: RecordedRequest | undefined, logs: WasmLogLine[]): Observed {
  return {
    status: r.status,
    body: r.body,
    headers: comparableResponseHeaders(r.headers),
    upstream: upstreamRequest ? { headers: comparableRequestHeaders(upstreamHeaders(upstreamRequest)), body: upstreamRequest.body.toString() } : null,
    logs: logs.map((l) => l.message),
  };
}

/**
 * The request headers Envoy's connection manager hands the filter chain for an HTTP/1 request
 * with these client headers: the pseudo-headers (:scheme http), the client's headers in order,
 * then x-forwarded-proto and x-request-id (the value differs per request, so a fixed one here;
 * neither is compared).
 */
export function envoyRequestHeaders(method: string, authority: string, path: string, headers: HeaderPairs, bodyLength?: number): HeaderPairs {
  return [
    [":authority", authority],
    [":path", path],
    [":method", method],
    [":scheme", "http"],
    ...headers,
    ...(bodyLength !== undefined ? ([["content-length", String(bodyLength)]] as HeaderPairs) : []),
    ["x-forwarded-proto", "http"],
    ["x-request-id", "00000000-0000-4000-8000-000000000000"],
  ];
}

/** What the recording upstream answers on `backend` by default, as response headers. */
export const BACKEND_RESPONSE: HeaderPairs = [["x-upstream-cluster", BACKEND]];
export const BACKEND_BODY = `cluster=${BACKEND}\n`;

/**
 * The same plugin in the harness: one worker (Envoy runs --concurrency 1), the same names and
 * configuration, Envoy's log level (the rig runs wasm:debug, so proxy_get_log_level says debug),
 * and the rig's clusters for callouts.
 */
export function loadInHarness(p: Plugin, opts: HostOptions = {}): Promise<ProxyWasmHost> {
  return ProxyWasmHost.load(p.wasm, {
    rootId: p.rootId,
    pluginName: p.name,
    vmId: p.vmId,
    ...(p.config !== undefined ? { pluginConfig: p.config } : {}),
    ...(p.vmConfig !== undefined ? { vmConfig: p.vmConfig } : {}),
    logLevel: "debug",
    clusters: [BACKEND, AUTH],
    workers: 1,
    ...opts,
  });
}

const text = new TextDecoder();

/** A harness request's result in the shape observedInEnvoy gives. */
export function observedInHarness(r: RequestResult): Observed {
  return {
    status: r.response?.status ?? -1,
    body: r.response ? text.decode(r.response.body) : "",
    headers: comparableResponseHeaders(r.response?.headers ?? []),
    upstream: r.upstreamRequest ? { headers: comparableRequestHeaders(r.upstreamRequest.headers), body: text.decode(r.upstreamRequest.body) } : null,
    logs: r.logs.map((l) => l.message),
  };
}

/** The backend's answer as the harness's upstream: what RecordingUpstream sends by default. */
export const backendUpstream = {
  status: 200,
  // Node's HTTP server sends these after the handler's header (and a date, which differs per
  // response and is left out of every comparison); Envoy hands the filter all of them.
  headers: [...BACKEND_RESPONSE, ["connection", "keep-alive"], ["keep-alive", "timeout=5"], ["content-length", String(BACKEND_BODY.length)]] as HeaderPairs,
  body: BACKEND_BODY,
};
