// Public types of the harness API.
import type { HeaderPair } from "./pairs.ts";
import type { PropertyList, PropertyPathInput, PropertyValue } from "./properties.ts";
import type { HeaderMap } from "./header-map.ts";
import type { HostProfile, LogLevelName } from "./abi.ts";

export type { HeaderPair, PropertyValue, PropertyList, PropertyPathInput, LogLevelName, HostProfile };
/**
 * Headers a test hands the host. Pairs and records are normalised as Envoy's codecs leave a map
 * (keys lower-cased, pseudo-headers first, order otherwise kept); a `HeaderMap.raw(pairs)` is taken
 * verbatim (copied per request) — for maps no Envoy codec would produce.
 */
export type HeadersInput = ReadonlyArray<readonly [string, string]> | Record<string, string> | HeaderMap;
export type BodyInput = string | Uint8Array;

export interface HostOptions {
  /** Envoy PluginConfig.root_id; answered as `plugin_root_id`. Default "" (gatewasm: GATEWASM_PRESET). */
  rootId?: string;
  /** PluginConfig.name; answered as `plugin_name`. Default "". */
  pluginName?: string;
  /** VmConfig.vm_id; answered as `plugin_vm_id`, keys shared data and queues. Default "". */
  vmId?: string;
  pluginConfig?: BodyInput;
  vmConfig?: BodyInput;
  /** Worker VMs (Envoy: one per worker thread). Default 1. */
  workers?: number;
  /** PluginConfig.fail_open. Default false (fail closed: 503 wasm_fail_stream). */
  failOpen?: boolean;
  /** Seed of random_get's PRNG. Default 1. */
  seed?: number;
  /** Wall clock at start, ms since the epoch. Default 1_700_000_000_000. */
  startTimeMs?: number;
  /** Monotonic clock (WASI clock 1) at start, ns; Envoy's is time since boot. Default one hour. */
  monotonicStartNs?: bigint;
  /**
   * Which host to mirror where cpp-host changed under Envoy: "envoy-1.36" (default, the judge's
   * Envoy 1.36.4) or "cpp-host-main" (more WASI functions, poll_oneoff answers 0 events).
   */
  hostProfile?: HostProfile;
  /**
   * Level returned by proxy_get_log_level; lower-level logs are dropped like Envoy does. Default
   * "trace" (everything; a default Envoy runs at "info", as GATEWASM_PRESET does).
   */
  logLevel?: LogLevelName;
  /** Static properties: `{ "a.b": v }` ("." separates segments; NUL-joined names are used as is). */
  properties?: Record<string, PropertyValue>;
  /** Static properties whose paths are segment arrays: `[[["filter_state", "envoy.filters.http.lua"], v]]`. */
  propertyList?: PropertyList;
  /** WASI environment (Envoy VmConfig.environment_variables.key_values). Default none. */
  environment?: Record<string, string>;
  /** Cluster names proxy_http_call accepts. */
  clusters?: string[];
  /** Fault injection: see HostCallHook; also settable later as `host.onHostCall`. */
  onHostCall?: HostCallHook;
  /**
   * Check each new configuration on a throwaway canary VM first, as Envoy does (cpp-host
   * WasmHandleBase::canary). Default true; false configures the worker VMs directly.
   */
  canary?: boolean;
  /** Give the main thread a plugin VM of its own, as Envoy does (configured, ticking, no requests). Default true. */
  mainThreadVm?: boolean;
  /** Extra foreign functions (Envoy registers clear_route_cache, compress, ...). */
  foreignFunctions?: Record<string, (args: Uint8Array) => Uint8Array | void>;
}

export interface UpstreamSpec {
  /** :status; default 200. */
  status?: number;
  headers?: HeadersInput;
  body?: BodyInput;
  trailers?: HeadersInput;
  /** `upstream.address` property ("ip:port"). */
  address?: string;
}

export interface UpstreamRequest {
  headers: HeaderPair[];
  body: Uint8Array;
  trailers: HeaderPair[] | null;
}

export interface RequestSpec {
  /** Worker VM; default: round-robin over workers, starting at 0. */
  worker?: number;
  headers: HeadersInput;
  body?: BodyInput;
  trailers?: HeadersInput;
  upstream?: UpstreamSpec | ((req: UpstreamRequest) => UpstreamSpec);
  /** Per-request properties, e.g. {"destination.port": 8080n}. */
  properties?: Record<string, PropertyValue>;
  /** Per-request properties whose paths are segment arrays (a segment may hold dots). */
  propertyList?: PropertyList;
}

export interface LocalReply {
  status: number;
  /** Response code details, whitespace replaced by "_" (envoy context.cc sendLocalResponse). */
  details: string;
  body: Uint8Array;
  /** Headers the module passed (keys lower-cased). */
  headers: HeaderPair[];
  /** null when the module passed a value outside 0..16 (e.g. -1). */
  grpcStatus: number | null;
}

export type ResponseSource = "upstream" | "local_reply" | "fail_closed";

export interface ClientResponse {
  status: number;
  headers: HeaderPair[];
  body: Uint8Array;
  trailers: HeaderPair[] | null;
  source: ResponseSource;
}

/**
 * Which VM: a worker's, or one of Envoy's main-thread VMs: "main" (the main thread's own plugin
 * VM: configured and ticking, serving no requests), "base" (started only), "canary" (checks a
 * configuration, then dropped).
 */
export type VmRole = "worker" | "main" | "base" | "canary";

export interface LogEntry {
  /** Worker index; -1 for the main thread's VMs (see `vm`). */
  worker: number;
  vm: VmRole;
  level: number;
  levelName: LogLevelName;
  message: string;
  /** Context the line is charged to: the effective context if the module set one, else the one whose callback ran (0 outside callbacks). */
  contextId: number;
}

/** One call into a VM outside a stream while booting or updating (start functions, root-context callbacks). */
export interface VmCallRecord {
  vm: VmRole;
  worker: number;
  /** Export called: "_initialize", "main", "_start", "proxy_on_context_create", "proxy_on_vm_start", "proxy_on_configure", "proxy_on_done", ... */
  callback: string;
  contextId: number;
  /** What the export returned (null for a function without a result). */
  result: number | null;
  hostCalls: Record<string, number>;
  logs: LogEntry[];
  /** The VM failed during this call (v8.cc message), else null. */
  trap: string | null;
}

/** A host call as the fault-injection hook sees it. */
export interface HostCallInfo {
  /** Import name ("proxy_get_header_map_value", "fd_write", ...). */
  name: string;
  /** Import module ("env", "wasi_snapshot_preview1", "wasi_unstable"). */
  module: string;
  worker: number;
  vm: VmRole;
  /** Context the call acts for (effective context, else the current one). */
  contextId: number;
  /** Raw arguments (i64 as bigint). */
  args: readonly unknown[];
}

/**
 * Called before every host call (after the start/malloc restrictions): return a number to make
 * the import return it without running (a status, or a WASI errno), undefined to run it.
 */
export type HostCallHook = (call: HostCallInfo) => number | undefined;

export interface RequestResult {
  /** The stream ran to the end (on_log / on_done / on_delete ran). */
  completed: boolean;
  /** Stream reset (proxy_close_stream, or a local reply after the response started). */
  reset: boolean;
  /** Headers were still paused when the driver returned. */
  paused: boolean;
  worker: number;
  contextId: number;
  upstreamRequest: UpstreamRequest | null;
  response: ClientResponse | null;
  localReply: LocalReply | null;
  routeCacheCleared: boolean;
  hostCalls: Record<string, number>;
  logs: LogEntry[];
  actions: Array<{ callback: string; action: number }>;
  /** Property paths the module read during this request, "."-joined. */
  propertyReads: string[];
  /** The same reads as segment arrays (unambiguous when a segment holds a dot). */
  propertyReadPaths: string[][];
  /** Foreign functions the module called ("clear_route_cache", ...). */
  foreignCalls: string[];
}

export interface HttpCallRecord {
  /** Worker index; -1 for a callout the canary made (dropped with it). */
  worker: number;
  token: number;
  rootContextId: number;
  cluster: string;
  headers: HeaderPair[];
  body: Uint8Array;
  trailers: HeaderPair[];
  timeoutMs: number;
  deadlineMs: number;
}

export interface HttpCallAnswer {
  headers?: HeadersInput;
  body?: BodyInput;
  trailers?: HeadersInput;
}
