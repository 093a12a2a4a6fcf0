// One worker VM: a module instance with its own memory, contexts, timers and metric ids,
// implementing every `env.proxy_*` import of ABI 0.2.1 and cpp-host's WASI subset.
// Sources: proxy-wasm-cpp-host src/exports.cc (argument checks, status codes),
// src/context.cc (callback conventions), include/proxy-wasm/wasm.h (memory copy rules);
// envoy source/extensions/common/wasm/context.cc (maps, buffers, properties, local replies).
import {
  ABI_0_2_0, BufferType, ENV_0_2_1_ONLY, ENV_EXTRA_IMPORTS, ENV_IMPORTS, HOST_CALL_INDEX, HOST_CALL_NAMES,
  LOG_LEVEL_NAMES, MapType, RANDOM_GET_MAX_BYTES, Status, StreamType, WASI_MODULES,
} from "./abi.ts";
import { ENVOY_FOREIGN_FUNCTIONS, deliverForeignResult } from "./foreign.ts";
import { HeaderMap, lower } from "./header-map.ts";
import { parsePairs, pairsByteLength, writePairs, type HeaderPair } from "./pairs.ts";
import type { VmMetrics } from "./metrics.ts";
import type { LocalReply, LogEntry, VmCallRecord, VmRole } from "./types.ts";
import type { HostCore } from "./core.ts";
import { Stream } from "./stream.ts";

const utf8 = new TextDecoder("utf-8");
const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);
const I = Object.fromEntries(HOST_CALL_NAMES.map((n, i) => [n, i])) as Record<string, number>;

/** A root or stream context of this VM. */
export interface Context {
  id: number;
  /** Root context id (itself for a root context). */
  rootId: number;
  stream: Stream | null;
}

interface Timer {
  periodMs: number;
  dueMs: number;
}

/** A deferred action run after the VM call returns (cpp-host addAfterVmCallAction). */
type AfterAction = () => void;

export class Worker {
  /** Worker index (Envoy worker thread); -1 for the main thread's VMs. */
  readonly index: number;
  /** "worker", or one of Envoy's main-thread VMs: "main" (plugin, no requests), "base" (started only), "canary". */
  readonly role: VmRole;
  readonly host: HostCore;
  instance!: WebAssembly.Instance;
  exports!: Record<string, unknown>;
  memory!: WebAssembly.Memory;
  readonly metrics: VmMetrics;

  // Memory views, refreshed when the memory grows.
  private buf: ArrayBuffer = new ArrayBuffer(0);
  private u8 = new Uint8Array(0);
  private dv = new DataView(this.buf);
  private malloc!: (size: number) => number;

  failed = false;
  trapMessage: string | null = null;
  /** on_configure of the active root context returned true. */
  pluginReady = false;

  readonly contexts = new Map<number, Context>();
  /** The root context new streams attach to. */
  rootContextId = 0;
  /** Live stream contexts per root context (each holds its plugin handle, as in Envoy). */
  private readonly streamsOf = new Map<number, number>();
  /** Replaced root contexts waiting for their last stream (Envoy ~PluginHandleBase). */
  private readonly retiring = new Set<number>();
  /** Configuration bytes of the root contexts that accepted one (part of cpp-host's plugin key). */
  private readonly rootConfigs = new Map<number, Uint8Array>();
  private nextContextId = 1;
  /** Root contexts whose on_done returned false, waiting for proxy_done (cpp-host pending_done_). */
  private readonly pendingDone = new Set<number>();

  // Callback state (cpp-host current_context_ / effective_context_id_).
  current: Context | null = null;
  private effective: Context | null = null;
  private restricted: ReadonlySet<string> | null = null;
  private restrictedPhase = "";
  counts: Uint32Array;
  readonly idleCounts: Uint32Array;
  private after: AfterAction[] = [];
  /** While set, every root-context VM call is recorded here (boot and configuration updates). */
  recorder: VmCallRecord[] | null = null;
  private recording: VmCallRecord | null = null;

  // Buffers only visible during specific callbacks.
  private pluginConfig: Uint8Array | null = null;
  private httpCallResponse: { headers: HeaderMap; body: Uint8Array; trailers: HeaderMap } | null = null;
  private lastStatus: { code: number; message: string } = { code: 0, message: "" };

  readonly timers = new Map<number, Timer>();
  /** Last HTTP callout token of this VM (cpp-host next_http_call_id_, starting at HttpCall = 0). */
  nextHttpCallId = 0;
  readonly queueReady: Array<[number, number]> = [];
  /** Root-context property writes (set_property outside a stream). */
  private readonly rootProps = new Map<string, Uint8Array>();

  constructor(host: HostCore, index: number, metrics: VmMetrics, role: VmRole = "worker") {
    this.host = host;
    this.index = index;
    this.role = role;
    this.metrics = metrics;
    this.idleCounts = new Uint32Array(HOST_CALL_NAMES.length);
    this.counts = this.idleCounts;
  }

  // ---------------------------------------------------------------- instantiate / start

  instantiate(module: WebAssembly.Module): void {
    this.instance = new WebAssembly.Instance(module, this.buildImports());
    this.exports = this.instance.exports as Record<string, unknown>;
    const mem = this.exports.memory;
    if (!(mem instanceof WebAssembly.Memory)) throw new Error("Wasm module does not export its memory");
    this.memory = mem;
    const malloc = (this.exports.malloc ?? this.exports.proxy_on_memory_allocate) as
      | ((n: number) => number)
      | undefined;
    // cpp-host src/wasm.cc getFunctions: "Wasm module is missing malloc function."
    if (typeof malloc !== "function") throw new Error("Wasm module is missing malloc function.");
    this.malloc = malloc;
    this.refresh();
  }

  /** `_initialize` (+ `main`) or `_start` with the start-phase import restrictions. */
  startVm(): void {
    this.restricted = this.host.tables.startAllowed;
    this.restrictedPhase = "VM start";
    try {
      const init = this.fn("_initialize");
      if (init) {
        this.invoke(null, "_initialize", init);
        // cpp-host main also calls __main_void when there is no main (e55d150); Envoy 1.36 does not.
        const main = this.fn("main");
        const mainVoid = this.host.tables.mainVoid ? this.fn("__main_void") : undefined;
        if (main && !this.failed) this.invoke(null, "main", main, 0, 0);
        else if (mainVoid && !this.failed) this.invoke(null, "__main_void", mainVoid);
      } else {
        const start = this.fn("_start");
        if (start) this.invoke(null, "_start", start);
      }
    } finally {
      this.restricted = null;
    }
  }

  fn(name: string): ((...args: never[]) => unknown) | undefined {
    const f = this.exports[name];
    return typeof f === "function" ? (f as (...args: never[]) => unknown) : undefined;
  }

  // ---------------------------------------------------------------- calls into the VM

  /**
   * Calls an export with `ctx` as the current context (cpp-host SaveRestoreContext): the
   * effective context is reset, host calls are counted against the context's stream, and a
   * trap marks the VM failed (cpp-host WasmVm::fail) instead of propagating.
   */
  invoke(ctx: Context | null, name: string, f: (...args: never[]) => unknown, ...args: unknown[]): number {
    const prevCur = this.current;
    const prevEff = this.effective;
    const prevCounts = this.counts;
    const prevRec = this.recording;
    this.current = ctx;
    this.effective = null;
    let rec: VmCallRecord | null = null;
    if (this.recorder !== null && !ctx?.stream) {
      // Boot/update calls get counts of their own (not on the request path).
      rec = { vm: this.role, worker: this.index, callback: name, contextId: ctx?.id ?? 0, result: null,
        hostCalls: {}, logs: [], trap: null };
      this.recorder.push(rec);
      this.recording = rec;
      this.counts = new Uint32Array(HOST_CALL_NAMES.length);
    } else {
      this.counts = ctx?.stream ? ctx.stream.counts : this.idleCounts;
    }
    const wasFailed = this.failed;
    let r: unknown = 0;
    try {
      r = (f as (...a: unknown[]) => unknown)(...args);
    } catch (e) {
      this.fail(name, e);
    } finally {
      if (rec !== null) {
        rec.result = typeof r === "number" ? r : typeof r === "bigint" ? Number(r) : null;
        if (!wasFailed && this.failed) rec.trap = this.trapMessage;
        for (let i = 0; i < this.counts.length; i++) if (this.counts[i] !== 0) rec.hostCalls[HOST_CALL_NAMES[i]!] = this.counts[i]!;
      }
      this.recording = prevRec;
      this.current = prevCur;
      this.effective = prevEff;
      this.counts = prevCounts;
    }
    return typeof r === "number" ? r >>> 0 : typeof r === "bigint" ? Number(BigInt.asUintN(32, r)) : 0;
  }

  /** Runs an export by name if it exists and the VM has not failed; returns its result or `dflt`. */
  callback(ctx: Context | null, name: string, dflt: number, ...args: unknown[]): number {
    if (this.failed) return dflt;
    const f = this.fn(name);
    if (!f) return dflt;
    return this.invoke(ctx, name, f, ...args);
  }

  /** Marks the VM failed; v8.cc getFailMessage format. */
  fail(functionName: string, e: unknown): void {
    const msg = e instanceof WebAssembly.RuntimeError
      ? `Uncaught RuntimeError: ${e.message}`
      : e instanceof Error ? `Uncaught ${e.name}: ${e.message}` : `Uncaught ${String(e)}`;
    this.markFailed(`Function: ${functionName} failed: ${msg}`);
  }

  markFailed(message: string): void {
    if (!this.failed) {
      this.failed = true;
      this.trapMessage = message;
    }
    this.emitLog(4, message);
  }

  afterPush(a: AfterAction): void {
    this.after.push(a);
  }

  /** Drops pending after-VM-call actions (the VM failed during the call). */
  afterClear(): void {
    this.after.length = 0;
  }

  /**
   * Runs the deferred after-VM-call actions (cpp-host doAfterVmCallActions). The batch is
   * taken before running it, so an action's own VM calls drain only what they queued: one
   * tick that resumes thousands of streams runs them one after another, not nested.
   */
  drainAfter(): void {
    while (this.after.length > 0) {
      const batch = this.after;
      this.after = [];
      for (const action of batch) action();
    }
  }

  /** Allocates a context id (ids start at 1 and are never reused within a VM). */
  newContext(rootId: number, stream: Stream | null): Context {
    const id = this.nextContextId++;
    const ctx: Context = { id, rootId: rootId === 0 ? id : rootId, stream };
    this.contexts.set(id, ctx);
    if (stream) this.streamsOf.set(ctx.rootId, (this.streamsOf.get(ctx.rootId) ?? 0) + 1);
    return ctx;
  }

  /**
   * A stream context is gone. Its plugin handle goes with it: the last stream of a replaced
   * root context starts that root's shutdown (envoy Context holds a PluginHandleSharedPtr;
   * cpp-host ~PluginHandleBase → WasmBase::startShutdown(plugin key) → on_done, on_delete).
   */
  dropStreamContext(id: number): void {
    const ctx = this.contexts.get(id);
    if (!ctx) return;
    this.contexts.delete(id);
    const left = (this.streamsOf.get(ctx.rootId) ?? 1) - 1;
    if (left > 0) {
      this.streamsOf.set(ctx.rootId, left);
      return;
    }
    this.streamsOf.delete(ctx.rootId);
    if (this.retiring.has(ctx.rootId)) this.shutdownRoot(ctx.rootId);
  }

  /** Live stream contexts of a root context. */
  streamCount(rootId: number): number {
    return this.streamsOf.get(rootId) ?? 0;
  }

  /** Root contexts replaced by an update whose streams are still running. */
  get retiringRoots(): number[] {
    return [...this.retiring];
  }

  /** The root context (active or retiring) that accepted exactly these bytes, if any. */
  rootWithConfig(config: Uint8Array): number | undefined {
    for (const [id, bytes] of this.rootConfigs) {
      if (bytes.length === config.length && Buffer.compare(bytes, config) === 0) return id;
    }
    return undefined;
  }

  /** `id` accepted `config` and now serves new streams; the previous root retires. */
  activateRoot(id: number, config: Uint8Array): void {
    const old = this.rootContextId;
    this.rootConfigs.set(id, config);
    this.retiring.delete(id);
    this.rootContextId = id;
    this.pluginReady = true;
    if (old !== id && old !== 0) this.retireRoot(old);
  }

  /** A replaced root context: shut down now if no stream holds it, else after its last one. */
  private retireRoot(id: number): void {
    if (this.streamCount(id) === 0) this.shutdownRoot(id);
    else this.retiring.add(id);
  }

  // ---------------------------------------------------------------- root context lifecycle

  /**
   * A new root context for a plugin: cpp-host WasmBase::start → ContextBase::onStart runs
   * on_context_create(root, 0) and then on_vm_start — for every new root context (every new
   * plugin key on this VM), not once per VM. `ok` false: on_vm_start returned 0 or the VM failed.
   */
  startRoot(): { ctx: Context; ok: boolean } {
    const ctx = this.newContext(0, null);
    this.callback(ctx, "proxy_on_context_create", 0, ctx.id, 0);
    let ok = !this.failed;
    if (ok) {
      const r = this.callback(ctx, "proxy_on_vm_start", 1, ctx.id, this.host.vmConfig.length);
      ok = !this.failed && r !== 0;
    }
    this.drainAfter();
    return { ctx, ok };
  }

  /** proxy_on_configure with PLUGIN_CONFIGURATION visible during the call. */
  configure(ctx: Context, config: Uint8Array): boolean {
    this.pluginConfig = config;
    let ok: number;
    try {
      ok = this.callback(ctx, "proxy_on_configure", 1, ctx.id, config.length);
    } finally {
      this.pluginConfig = null;
    }
    this.drainAfter();
    return !this.failed && ok !== 0;
  }

  /** Root shutdown: on_done; true ⇒ on_delete, false ⇒ wait for proxy_done. */
  shutdownRoot(id: number): void {
    const ctx = this.contexts.get(id);
    this.retiring.delete(id);
    this.rootConfigs.delete(id);
    if (!ctx) return;
    this.timers.delete(id);
    const done = this.callback(ctx, "proxy_on_done", 1, id);
    if (done !== 0 || this.failed) this.deleteRoot(ctx);
    else this.pendingDone.add(id);
    this.drainAfter();
  }

  private deleteRoot(ctx: Context): void {
    this.pendingDone.delete(ctx.id);
    this.callback(ctx, "proxy_on_delete", 0, ctx.id);
    this.contexts.delete(ctx.id);
  }

  // ---------------------------------------------------------------- ticks, queues, callouts

  fireTick(rootId: number): void {
    const ctx = this.contexts.get(rootId);
    if (!ctx) return;
    this.callback(ctx, "proxy_on_tick", 0, rootId);
    this.drainAfter();
  }

  deliverQueueReady(): boolean {
    if (this.queueReady.length === 0) return false;
    const [rootId, token] = this.queueReady.shift()!;
    const ctx = this.contexts.get(rootId);
    if (ctx) {
      this.callback(ctx, "proxy_on_queue_ready", 0, rootId, token);
      this.drainAfter();
    }
    return true;
  }

  /** proxy_on_http_call_response on the root context; failure ⇒ num_headers 0, BROKEN_CONNECTION. */
  deliverHttpCallResponse(
    rootId: number,
    token: number,
    resp: { headers: HeaderMap; body: Uint8Array; trailers: HeaderMap } | null,
  ): void {
    const ctx = this.contexts.get(rootId);
    if (!ctx) return;
    if (resp === null) {
      this.lastStatus = { code: Status.BROKEN_CONNECTION, message: "reset" };
      this.callback(ctx, "proxy_on_http_call_response", 0, rootId, token, 0, 0, 0);
    } else {
      this.lastStatus = { code: Status.OK, message: "" };
      this.httpCallResponse = resp;
      try {
        this.callback(ctx, "proxy_on_http_call_response", 0, rootId, token, resp.headers.size,
          resp.body.length, resp.trailers.size);
      } finally {
        this.httpCallResponse = null;
      }
    }
    this.drainAfter();
  }

  // ---------------------------------------------------------------- memory helpers

  private refresh(): void {
    this.buf = this.memory.buffer;
    this.u8 = new Uint8Array(this.buf);
    this.dv = new DataView(this.buf);
  }

  /** Borrowed view of module memory, or null when out of bounds. Valid until the next malloc. */
  read(ptr: number, len: number): Uint8Array | null {
    if (this.memory.buffer !== this.buf) this.refresh();
    ptr >>>= 0;
    len >>>= 0;
    if (ptr + len > this.u8.length) return null;
    return this.u8.subarray(ptr, ptr + len);
  }

  readString(ptr: number, len: number): string | null {
    const b = this.read(ptr, len);
    return b === null ? null : utf8.decode(b);
  }

  setU32(ptr: number, v: number): boolean {
    if (this.memory.buffer !== this.buf) this.refresh();
    ptr >>>= 0;
    if (ptr + 4 > this.u8.length) return false;
    this.dv.setUint32(ptr, v >>> 0, true);
    return true;
  }

  setU64(ptr: number, v: bigint): boolean {
    if (this.memory.buffer !== this.buf) this.refresh();
    ptr >>>= 0;
    if (ptr + 8 > this.u8.length) return false;
    this.dv.setBigUint64(ptr, BigInt.asUintN(64, v), true);
    return true;
  }

  /** Calls the module's malloc with callbacks restricted as in cpp-host allocMemory. 0 = failure. */
  alloc(size: number): number {
    const prevR = this.restricted;
    const prevP = this.restrictedPhase;
    this.restricted = this.host.tables.mallocAllowed;
    this.restrictedPhase = "malloc";
    let p = 0;
    try {
      p = (this.malloc(size) as number) >>> 0;
    } catch (e) {
      this.fail("malloc", e);
      p = 0;
    } finally {
      this.restricted = prevR;
      this.restrictedPhase = prevP;
    }
    if (p === 0 || this.read(p, size) === null) return 0;
    return p;
  }

  /**
   * copyToPointerSize (include/proxy-wasm/wasm.h): empty ⇒ ptr 0, len 0 without allocating;
   * otherwise malloc + copy. INVALID_MEMORY_ACCESS when malloc fails or a slot is out of bounds.
   */
  copyOut(bytes: Uint8Array, ptrPtr: number, lenPtr: number): number {
    let p = 0;
    if (bytes.length > 0) {
      p = this.alloc(bytes.length);
      if (p === 0) return Status.INVALID_MEMORY_ACCESS;
      this.u8.set(bytes, p);
    }
    if (!this.setU32(ptrPtr, p) || !this.setU32(lenPtr, bytes.length)) return Status.INVALID_MEMORY_ACCESS;
    return Status.OK;
  }

  /** Serializes pairs straight into module memory. */
  private copyPairsOut(pairs: readonly HeaderPair[], ptrPtr: number, lenPtr: number): number {
    const n = pairsByteLength(pairs);
    const p = this.alloc(n);
    if (p === 0) return Status.INVALID_MEMORY_ACCESS;
    writePairs(pairs, this.u8.subarray(p, p + n));
    if (!this.setU32(ptrPtr, p) || !this.setU32(lenPtr, n)) return Status.INVALID_MEMORY_ACCESS;
    return Status.OK;
  }

  // ---------------------------------------------------------------- context resolution

  /** cpp-host contextOrEffectiveContext(). */
  ctx(): Context {
    if (this.effective && this.contexts.has(this.effective.id)) return this.effective;
    if (this.current) return this.current;
    return this.contexts.get(this.rootContextId) ?? { id: 0, rootId: 0, stream: null };
  }

  /**
   * A module log line, charged like cpp-host does (contextOrEffectiveContext()->log): to the
   * effective context when the module set one, so a callout response or a tick that acts for a
   * stream logs into that stream's result.
   */
  emitLog(level: number, message: string): void {
    if (level < this.host.logLevel) return;
    const c = this.effective !== null && this.contexts.has(this.effective.id) ? this.effective : this.current;
    const entry: LogEntry = {
      worker: this.index,
      vm: this.role,
      level,
      levelName: LOG_LEVEL_NAMES[level]!,
      message,
      contextId: c?.id ?? 0,
    };
    this.host.logs.push(entry);
    if (c?.stream) c.stream.logs.push(entry);
    if (this.recording !== null) this.recording.logs.push(entry);
  }

  /** A line Envoy writes to its own log at trace level (envoy Context::error), not a module log. */
  hostTrace(message: string): void {
    this.host.hostTrace.push({ worker: this.index, message, contextId: this.current?.id ?? 0 });
  }

  private restrictedCall(qualified: string): number {
    // cpp-host: a restricted host call fails the VM (the call never reaches the host).
    throw new WebAssembly.RuntimeError(`restricted_callback: ${qualified} cannot be called during ${this.restrictedPhase}`);
  }

  // ---------------------------------------------------------------- header maps

  /** Envoy Context::getMap / getConstMap: null ⇒ unavailable in this phase. */
  private mapFor(type: number, write: boolean): HeaderMap | null | undefined {
    const s = this.ctx().stream;
    switch (type) {
      case MapType.HTTP_REQUEST_HEADERS:
        if (!s) return null;
        if (s.logPhase) return write ? null : s.log.requestHeaders;
        return s.reqHeaders;
      case MapType.HTTP_REQUEST_TRAILERS:
        if (!s) return null;
        if (s.logPhase) return write ? null : s.log.requestTrailers;
        // envoy getMap: trailers can be added from the last request body callback.
        if (write && s.reqTrailers === null && s.reqBodyActive && s.reqBodyEos && !s.request.trailers) {
          s.request.trailers = new HeaderMap();
          s.reqTrailers = s.request.trailers;
        }
        return s.reqTrailers;
      case MapType.HTTP_RESPONSE_HEADERS:
        if (!s) return null;
        if (s.logPhase) return write ? null : s.log.responseHeaders;
        return s.respHeaders;
      case MapType.HTTP_RESPONSE_TRAILERS:
        if (!s) return null;
        if (s.logPhase) return write ? null : s.log.responseTrailers;
        if (write && s.respTrailers === null && s.respBodyActive && s.respBodyEos && !s.response.trailers) {
          s.response.trailers = new HeaderMap();
          s.respTrailers = s.response.trailers;
        }
        return s.respTrailers;
      case MapType.HTTP_CALL_RESPONSE_HEADERS:
        return write ? null : this.httpCallResponse?.headers ?? null;
      case MapType.HTTP_CALL_RESPONSE_TRAILERS:
        return write ? null : this.httpCallResponse?.trailers ?? null;
      case MapType.GRPC_CALL_INITIAL_METADATA:
      case MapType.GRPC_CALL_TRAILING_METADATA:
        return null;
      default:
        return undefined; // out of range
    }
  }

  /** Missing map ⇒ BAD_ARGUMENT, except NOT_FOUND in the access-log phase (envoy context.cc). */
  private missingMap(): number {
    return this.ctx().stream?.logPhase ? Status.NOT_FOUND : Status.BAD_ARGUMENT;
  }

  private requestHeadersModified(type: number): void {
    // Envoy clears the route cache when a <= 0.2.1 module modifies request headers (PR #14318).
    if (type === MapType.HTTP_REQUEST_HEADERS) {
      const s = this.ctx().stream;
      if (s) s.routeCacheCleared = true;
    }
  }

  // ---------------------------------------------------------------- properties

  private getProperty(path: string): Uint8Array | null {
    const ctx = this.ctx();
    const s = ctx.stream;
    if (s) {
      s.propertyReads.push(path);
      const p = s.properties?.get(path);
      if (p) return p;
      const derived = s.derivedProperty(path);
      if (derived) return derived;
      const set = s.setProps.get(path);
      if (set) return set;
    } else {
      const set = this.rootProps.get(path);
      if (set) return set;
    }
    switch (path) {
      case "plugin_root_id": return this.host.rootIdBytes;
      case "plugin_name": return this.host.pluginNameBytes;
      case "plugin_vm_id": return this.host.vmIdBytes;
    }
    return this.host.staticProperties.get(path) ?? null;
  }

  // ---------------------------------------------------------------- imports

  private buildImports(): WebAssembly.Imports {
    const env: Record<string, (...a: never[]) => unknown> = {};
    const wasi: Record<string, (...a: never[]) => unknown> = {};
    const impl = this.envImpl();
    for (const name of Object.keys(ENV_IMPORTS)) {
      // cpp-host registerCallbacks links proxy_get_log_level only for 0.2.1 modules.
      if (this.host.abiVersion === ABI_0_2_0 && ENV_0_2_1_ONLY.has(name)) continue;
      env[name] = this.guard("env", name, impl[name]!);
    }
    const extra = {
      emscripten_notify_memory_growth: () => { this.counts[I.emscripten_notify_memory_growth!]++; },
      pthread_equal: (a: number, b: number) => { this.counts[I.pthread_equal!]++; return a === b ? 1 : 0; },
    } as Record<string, (...a: never[]) => unknown>;
    for (const name of ENV_EXTRA_IMPORTS) env[name] = extra[name]!;
    const wimpl = this.wasiImpl();
    for (const name of this.host.tables.wasi) wasi[name] = wimpl[name]!;
    const imports: WebAssembly.Imports = { env };
    for (const m of WASI_MODULES) {
      const mod: Record<string, (...a: never[]) => unknown> = {};
      for (const name of this.host.tables.wasi) mod[name] = this.guard(m, name, wasi[name]!);
      imports[m] = mod;
    }
    return imports;
  }

  /** Wraps an import with the restricted-phase check and the host-call counter. */
  private guard(mod: string, name: string, f: (...a: never[]) => unknown): (...a: never[]) => unknown {
    const qualified = `${mod}.${name}`;
    const idx = HOST_CALL_INDEX.get(name)!;
    const w = this;
    const call = f as (...a: unknown[]) => unknown;
    return function (...args: unknown[]) {
      if (w.restricted !== null && !w.restricted.has(qualified)) return w.restrictedCall(qualified);
      w.counts[idx]++;
      const hook = w.host.onHostCall;
      if (hook !== null) {
        const r = hook({ name, module: mod, worker: w.index, vm: w.role, contextId: w.ctx().id, args });
        if (r !== undefined) return r;
      }
      return call(...args);
    } as (...a: never[]) => unknown;
  }

  private envImpl(): Record<string, (...a: never[]) => unknown> {
    const w = this;
    const S = Status;
    const impl = {
      // -- logging
      proxy_log(level: number, ptr: number, len: number): number {
        level >>>= 0;
        if (level > 5) return S.BAD_ARGUMENT;
        const msg = w.readString(ptr, len);
        if (msg === null) return S.INVALID_MEMORY_ACCESS;
        w.emitLog(level, msg);
        return S.OK;
      },
      proxy_get_log_level(out: number): number {
        return w.setU32(out, w.host.logLevel) ? S.OK : S.INVALID_MEMORY_ACCESS;
      },
      proxy_get_current_time_nanoseconds(out: number): number {
        return w.setU64(out, w.host.nowNs()) ? S.OK : S.INVALID_MEMORY_ACCESS;
      },
      proxy_set_tick_period_milliseconds(period: number): number {
        // Envoy Wasm::setTimerPeriod: one timer per root context; 0 disables.
        const rootId = w.ctx().rootId;
        period >>>= 0;
        if (period === 0) w.timers.delete(rootId);
        else w.timers.set(rootId, { periodMs: period, dueMs: w.host.nowMs + period });
        return S.OK;
      },
      proxy_set_effective_context(id: number): number {
        const c = w.contexts.get(id >>> 0);
        if (!c) return S.BAD_ARGUMENT;
        w.effective = c;
        // Later host calls act for `c` (contextOrEffectiveContext): count them on its stream, so
        // the request's result shows the continue_stream / send_local_response that decided it.
        if (w.recording === null) w.counts = c.stream ? c.stream.counts : w.idleCounts;
        return S.OK;
      },
      proxy_done(): number {
        const ctx = w.ctx();
        if (!w.pendingDone.has(ctx.id)) return S.NOT_FOUND;
        w.after.push(() => w.deleteRoot(ctx));
        return S.OK;
      },
      proxy_get_status(codePtr: number, msgPtr: number, msgLen: number): number {
        if (!w.setU32(codePtr, w.lastStatus.code)) return S.INVALID_MEMORY_ACCESS;
        return w.copyOut(encoder.encode(w.lastStatus.message), msgPtr, msgLen);
      },
      proxy_call_foreign_function(np: number, nl: number, ap: number, al: number, rp: number, rl: number): number {
        const name = w.readString(np, nl);
        const args = w.read(ap, al);
        if (name === null || args === null) return S.INVALID_MEMORY_ACCESS;
        const s = w.ctx().stream;
        if (name === "clear_route_cache") {
          // envoy foreign.cc (1.33+): Context::clearRouteCache on the stream.
          if (s) {
            s.foreignCalls.push(name);
            s.routeCacheCleared = true;
          }
          return w.setU32(rp, 0) && w.setU32(rl, 0) ? S.OK : S.INVALID_MEMORY_ACCESS;
        }
        const f = w.host.foreignFunctions.get(name);
        const envoy = f ? undefined : ENVOY_FOREIGN_FUNCTIONS.get(name);
        if (!f && !envoy) return S.NOT_FOUND;
        if (s) s.foreignCalls.push(name);
        if (envoy) return deliverForeignResult(w, envoy(args.slice()), rp >>> 0, rl >>> 0);
        const out = f!(args.slice());
        return w.copyOut(out ?? EMPTY, rp, rl);
      },

      // -- buffers
      proxy_get_buffer_status(type: number, lenPtr: number, flagsPtr: number): number {
        const b = w.bufferFor(type >>> 0);
        if (typeof b === "number") return b;
        if (!w.setU32(lenPtr, b.bytes.length) || !w.setU32(flagsPtr, 0)) return S.INVALID_MEMORY_ACCESS;
        return S.OK;
      },
      proxy_get_buffer_bytes(type: number, start: number, max: number, ptrPtr: number, lenPtr: number): number {
        const b = w.bufferFor(type >>> 0);
        if (typeof b === "number") return b;
        start >>>= 0;
        max >>>= 0;
        const size = b.bytes.length;
        // exports.cc get_buffer_bytes: clamp to the buffer (start past the end reads nothing);
        // nothing to read ⇒ ptr 0, size 0 written and OK.
        const len = start > size ? 0 : Math.min(max, size - start);
        if (len === 0) return w.setU32(ptrPtr, 0) && w.setU32(lenPtr, 0) ? S.OK : S.INVALID_MEMORY_ACCESS;
        return w.copyOut(b.bytes.subarray(start, start + len), ptrPtr, lenPtr);
      },
      proxy_set_buffer_bytes(type: number, start: number, length: number, ptr: number, len: number): number {
        const b = w.bufferFor(type >>> 0);
        if (typeof b === "number") return b;
        const data = w.read(ptr, len);
        if (data === null) return S.INVALID_MEMORY_ACCESS;
        if (!b.set) return S.BAD_ARGUMENT;
        // envoy context.cc Buffer::copyFrom: start 0 drains `length` then prepends;
        // start >= size appends; anything else is BAD_ARGUMENT.
        start >>>= 0;
        length >>>= 0;
        const cur = b.bytes;
        let next: Uint8Array;
        if (start === 0) {
          const rest = cur.subarray(Math.min(length, cur.length));
          next = new Uint8Array(data.length + rest.length);
          next.set(data, 0);
          next.set(rest, data.length);
        } else if (start >= cur.length) {
          next = new Uint8Array(cur.length + data.length);
          next.set(cur, 0);
          next.set(data, cur.length);
        } else {
          return S.BAD_ARGUMENT;
        }
        b.set(next);
        return S.OK;
      },

      // -- header maps
      proxy_get_header_map_size(type: number, out: number): number {
        const m = w.mapFor(type >>> 0, false);
        if (m === undefined) return S.BAD_ARGUMENT;
        if (m === null) return w.missingMap();
        return w.setU32(out, m.byteSize()) ? S.OK : S.INVALID_MEMORY_ACCESS;
      },
      proxy_get_header_map_pairs(type: number, ptrPtr: number, lenPtr: number): number {
        const m = w.mapFor(type >>> 0, false);
        if (m === undefined) return S.BAD_ARGUMENT;
        // A map Envoy does not hold (trailers not there yet, trailers missing in on_log) reads as
        // no pairs, and no pairs are handed over as ptr 0, size 0 (exports.cc
        // get_header_map_pairs: pairs.empty()) — measured by test/harness-envoy.
        if (m === null || m.size === 0) {
          return w.setU32(ptrPtr, 0) && w.setU32(lenPtr, 0) ? S.OK : S.INVALID_MEMORY_ACCESS;
        }
        return w.copyPairsOut(m.pairs, ptrPtr, lenPtr);
      },
      proxy_set_header_map_pairs(type: number, ptr: number, len: number): number {
        const m = w.mapFor(type >>> 0, true);
        if (m === undefined) return S.BAD_ARGUMENT;
        const data = w.read(ptr, len);
        if (data === null) return S.INVALID_MEMORY_ACCESS;
        if (m === null) return S.BAD_ARGUMENT;
        // cpp-host toPairs yields an empty list on malformed input; the map is then emptied.
        m.replaceAll(parsePairs(data) ?? []);
        w.requestHeadersModified(type >>> 0);
        return S.OK;
      },
      proxy_get_header_map_value(type: number, kp: number, kl: number, vpp: number, vlp: number): number {
        const m = w.mapFor(type >>> 0, false);
        if (m === undefined) return S.BAD_ARGUMENT;
        const key = w.readString(kp, kl);
        if (key === null) return S.INVALID_MEMORY_ACCESS;
        if (m === null) return w.missingMap();
        const v = m.get(key);
        if (v === undefined) return S.NOT_FOUND;
        return w.copyOut(encoder.encode(v), vpp, vlp);
      },
      proxy_add_header_map_value(type: number, kp: number, kl: number, vp: number, vl: number): number {
        const m = w.mapFor(type >>> 0, true);
        if (m === undefined) return S.BAD_ARGUMENT;
        const key = w.readString(kp, kl);
        const value = w.readString(vp, vl);
        if (key === null || value === null) return S.INVALID_MEMORY_ACCESS;
        if (m === null) return S.BAD_ARGUMENT;
        m.add(key, value);
        w.requestHeadersModified(type >>> 0);
        return S.OK;
      },
      proxy_replace_header_map_value(type: number, kp: number, kl: number, vp: number, vl: number): number {
        const m = w.mapFor(type >>> 0, true);
        if (m === undefined) return S.BAD_ARGUMENT;
        const key = w.readString(kp, kl);
        const value = w.readString(vp, vl);
        if (key === null || value === null) return S.INVALID_MEMORY_ACCESS;
        if (m === null) return S.BAD_ARGUMENT;
        m.set(key, value);
        w.requestHeadersModified(type >>> 0);
        return S.OK;
      },
      proxy_remove_header_map_value(type: number, kp: number, kl: number): number {
        const m = w.mapFor(type >>> 0, true);
        if (m === undefined) return S.BAD_ARGUMENT;
        const key = w.readString(kp, kl);
        if (key === null) return S.INVALID_MEMORY_ACCESS;
        if (m === null) return S.BAD_ARGUMENT;
        m.remove(key);
        w.requestHeadersModified(type >>> 0);
        return S.OK;
      },

      // -- properties
      proxy_get_property(pp: number, pl: number, vpp: number, vlp: number): number {
        const path = w.readString(pp, pl);
        if (path === null) return S.INVALID_MEMORY_ACCESS;
        const v = w.getProperty(path);
        if (v === null) return S.NOT_FOUND;
        return w.copyOut(v, vpp, vlp);
      },
      proxy_set_property(pp: number, pl: number, vp: number, vl: number): number {
        const path = w.readString(pp, pl);
        const v = w.read(vp, vl);
        if (path === null || v === null) return S.INVALID_MEMORY_ACCESS;
        // Envoy stores it as filter state "wasm.<path>" on the stream.
        const s = w.ctx().stream;
        (s ? s.setProps : w.rootProps).set(path, v.slice());
        return S.OK;
      },

      // -- stream control
      proxy_continue_stream(type: number): number {
        type >>>= 0;
        // Envoy 1.36.4 answers DOWNSTREAM with OK (nothing to resume in an HTTP context) and
        // UPSTREAM with UNIMPLEMENTED — measured by test/harness-envoy ("context and stream control").
        if (type === StreamType.UPSTREAM) return S.UNIMPLEMENTED;
        if (type > StreamType.UPSTREAM) return S.BAD_ARGUMENT;
        if (type === StreamType.DOWNSTREAM) return S.OK;
        const s = w.ctx().stream;
        if (s) s.requestContinue(type === StreamType.HTTP_REQUEST ? "request" : "response");
        return S.OK;
      },
      proxy_close_stream(type: number): number {
        type >>>= 0;
        if (type > StreamType.UPSTREAM) return S.BAD_ARGUMENT;
        const s = w.ctx().stream;
        if (s && type <= StreamType.HTTP_RESPONSE) s.requestReset();
        return S.OK;
      },
      proxy_send_local_response(
        status: number, dp: number, dl: number, bp: number, bl: number, hp: number, hl: number, grpc: number,
      ): number {
        const details = w.readString(dp, dl);
        const body = w.read(bp, bl);
        const hdrs = w.read(hp, hl);
        if (details === null || body === null || hdrs === null) return S.INVALID_MEMORY_ACCESS;
        const pairs = parsePairs(hdrs) ?? [];
        const g = grpc | 0;
        const reply: LocalReply = {
          status: status >>> 0,
          details: details.replace(/\s/g, "_"),
          body: body.slice(),
          headers: pairs.map(([k, v]) => [lower(k), v] as HeaderPair),
          grpcStatus: g >= 0 && g <= 16 ? g : null,
        };
        const s = w.ctx().stream;
        // Envoy defers sendLocalReply until the VM call returns; cpp-host stopNextIteration(true).
        if (s) s.requestLocalReply(reply);
        return S.OK;
      },

      // -- HTTP / gRPC callouts
      proxy_http_call(
        up: number, ul: number, hp: number, hl: number, bp: number, bl: number, tp: number, tl: number,
        timeout: number, tokenPtr: number,
      ): number {
        const cluster = w.readString(up, ul);
        const hb = w.read(hp, hl);
        const body = w.read(bp, bl);
        const tb = w.read(tp, tl);
        if (cluster === null || hb === null || body === null || tb === null) return S.INVALID_MEMORY_ACCESS;
        const headers = HeaderMap.from(parsePairs(hb) ?? []);
        const trailers = parsePairs(tb) ?? [];
        if (!w.host.clusters.has(cluster)) return S.BAD_ARGUMENT;
        if (headers.get(":path") === undefined || headers.get(":method") === undefined ||
          headers.get(":authority") === undefined) return S.BAD_ARGUMENT;
        // cpp-host wasm.h nextHttpCallId: per VM, the callout type (HttpCall = 0) in the low two
        // bits, += 4 per call: 4, 8, 12, ... (Envoy 1.36.4 gave the probe's first call 4).
        const token = (w.nextHttpCallId += 4);
        if (!w.setU32(tokenPtr, token)) return S.INVALID_MEMORY_ACCESS;
        w.host.recordHttpCall({
          worker: w.index, token, rootContextId: w.ctx().rootId, cluster, headers: headers.pairs,
          body: body.slice(), trailers, timeoutMs: timeout >>> 0, deadlineMs: w.host.nowMs + (timeout >>> 0),
        }, w);
        return S.OK;
      },
      // No gRPC cluster is configured in the harness: Envoy fails to create the async client.
      proxy_grpc_call(): number { return S.BAD_ARGUMENT; },
      proxy_grpc_stream(): number { return S.BAD_ARGUMENT; },
      proxy_grpc_send(): number { return S.NOT_FOUND; },
      proxy_grpc_cancel(): number { return S.NOT_FOUND; },
      proxy_grpc_close(): number { return S.NOT_FOUND; },

      // -- shared data and queues (keyed by vm_id)
      proxy_get_shared_data(kp: number, kl: number, vpp: number, vlp: number, casPtr: number): number {
        const key = w.readString(kp, kl);
        if (key === null) return S.INVALID_MEMORY_ACCESS;
        const e = w.host.sharedData.getEntry(w.host.vmId, key);
        if (!e) return S.NOT_FOUND;
        const st = w.copyOut(e.value, vpp, vlp);
        if (st !== S.OK) return st;
        return w.setU32(casPtr, e.cas) ? S.OK : S.INVALID_MEMORY_ACCESS;
      },
      proxy_set_shared_data(kp: number, kl: number, vp: number, vl: number, cas: number): number {
        const key = w.readString(kp, kl);
        const v = w.read(vp, vl);
        if (key === null || v === null) return S.INVALID_MEMORY_ACCESS;
        return w.host.sharedData.setEntry(w.host.vmId, key, v, cas >>> 0);
      },
      proxy_register_shared_queue(np: number, nl: number, tokenPtr: number): number {
        const name = w.readString(np, nl);
        if (name === null) return S.INVALID_MEMORY_ACCESS;
        const token = w.host.queues.register(w.host.vmId, name, w, w.ctx().rootId);
        return w.setU32(tokenPtr, token) ? S.OK : S.INVALID_MEMORY_ACCESS;
      },
      proxy_resolve_shared_queue(vp: number, vl: number, np: number, nl: number, tokenPtr: number): number {
        const vmId = w.readString(vp, vl);
        const name = w.readString(np, nl);
        if (vmId === null || name === null) return S.INVALID_MEMORY_ACCESS;
        const token = w.host.queues.resolve(vmId === "" ? w.host.vmId : vmId, name);
        if (token === undefined) return S.NOT_FOUND;
        return w.setU32(tokenPtr, token) ? S.OK : S.INVALID_MEMORY_ACCESS;
      },
      proxy_enqueue_shared_queue(token: number, vp: number, vl: number): number {
        const v = w.read(vp, vl);
        if (v === null) return S.INVALID_MEMORY_ACCESS;
        return w.host.queues.enqueue(token >>> 0, v);
      },
      proxy_dequeue_shared_queue(token: number, vpp: number, vlp: number): number {
        const r = w.host.queues.dequeue(token >>> 0);
        if (typeof r === "number") return r;
        return w.copyOut(r, vpp, vlp);
      },

      // -- metrics
      proxy_define_metric(type: number, np: number, nl: number, idPtr: number): number {
        type >>>= 0;
        if (type > 2) return S.BAD_ARGUMENT;
        const name = w.readString(np, nl);
        if (name === null) return S.INVALID_MEMORY_ACCESS;
        const id = w.metrics.define(type, name);
        return w.setU32(idPtr, id) ? S.OK : S.INVALID_MEMORY_ACCESS;
      },
      proxy_increment_metric(id: number, delta: bigint): number {
        return w.metrics.increment(id >>> 0, delta);
      },
      proxy_record_metric(id: number, value: bigint): number {
        return w.metrics.record(id >>> 0, BigInt.asUintN(64, value));
      },
      proxy_get_metric(id: number, out: number): number {
        const r = w.metrics.get(id >>> 0);
        if (typeof r === "number") return r;
        return w.setU64(out, r) ? S.OK : S.INVALID_MEMORY_ACCESS;
      },
    };
    return impl as unknown as Record<string, (...a: never[]) => unknown>;
  }

  /** Envoy Context::getBuffer. A number is the status to return. */
  private bufferFor(type: number): { bytes: Uint8Array; set: ((b: Uint8Array) => void) | null } | number {
    const s = this.ctx().stream;
    switch (type) {
      case BufferType.HTTP_REQUEST_BODY:
        // Outside the body phase Envoy wraps a null buffer: size 0, writes rejected.
        if (s && s.reqBodyActive && s.request.body) {
          return { bytes: s.request.body, set: (b) => { s.request.body = b; } };
        }
        return { bytes: EMPTY, set: null };
      case BufferType.HTTP_RESPONSE_BODY:
        if (s && s.respBodyActive && s.response.body) {
          return { bytes: s.response.body, set: (b) => { s.response.body = b; } };
        }
        return { bytes: EMPTY, set: null };
      case BufferType.DOWNSTREAM_DATA:
      case BufferType.UPSTREAM_DATA:
        return { bytes: EMPTY, set: null };
      case BufferType.HTTP_CALL_RESPONSE_BODY:
        return this.httpCallResponse ? { bytes: this.httpCallResponse.body, set: null } : Status.NOT_FOUND;
      case BufferType.VM_CONFIGURATION:
        return { bytes: this.host.vmConfig, set: null };
      case BufferType.PLUGIN_CONFIGURATION:
        return this.pluginConfig ? { bytes: this.pluginConfig, set: null } : Status.NOT_FOUND;
      case BufferType.GRPC_CALL_MESSAGE:
      case BufferType.FOREIGN_FUNCTION_ARGUMENTS:
        return Status.NOT_FOUND;
      default:
        return Status.BAD_ARGUMENT;
    }
  }

  /**
   * WASI as cpp-host src/exports.cc implements it (return values and out-slot writes exactly),
   * Envoy's `Context::error` being a trace log line (envoy context.cc), so `fd_seek`, `fd_close`
   * and `proc_exit` only log there and return: `proc_exit` does not stop the module — whatever
   * the module does next (wasi-libc and Go trap with `unreachable`) decides.
   */
  private wasiImpl(): Record<string, (...a: never[]) => unknown> {
    const w = this;
    // WASI errno values (wasi-libc api.h).
    const SUCCESS = 0, BADF = 8, NOTDIR = 20, FAULT = 21, INVAL = 28, NOENT = 44, NOSYS = 52, NOTSUP = 58;
    const stdio = (fd: number) => fd === 1 || fd === 2;
    const stdioOk = (fd: number) => (stdio(fd) ? SUCCESS : BADF);
    /** writevImpl: fd 1 ⇒ info, fd 2 ⇒ error; one trailing newline dropped (a lone "\n" logs ""). */
    const writev = (fd: number, iovs: number, iovsLen: number): number => {
      if (!stdio(fd)) return -BADF;
      const parts: Uint8Array[] = [];
      let total = 0;
      for (let i = 0; i < iovsLen >>> 0; i++) {
        const iov = w.read(iovs + i * 8, 8);
        if (iov === null) return -FAULT;
        const dv = new DataView(iov.buffer, iov.byteOffset, 8);
        const len = dv.getUint32(4, true);
        if (len === 0) continue;
        const data = w.read(dv.getUint32(0, true), len);
        if (data === null) return -FAULT;
        parts.push(data.slice());
        total += len;
      }
      if (total > 0) {
        let text = utf8.decode(Buffer.concat(parts));
        if (text.endsWith("\n")) text = text.slice(0, -1);
        w.emitLog(fd === 1 ? 2 : 4, text);
      }
      return total;
    };
    const impl = {
      fd_write(fd: number, iovs: number, iovsLen: number, nwritten: number): number {
        const n = writev(fd, iovs, iovsLen);
        if (n < 0) return -n;
        return w.setU32(nwritten, n) ? SUCCESS : FAULT;
      },
      fd_pwrite(fd: number, iovs: number, iovsLen: number, _offset: bigint, nwritten: number): number {
        const n = writev(fd, iovs, iovsLen);
        if (n < 0) return -n;
        return w.setU32(nwritten, n) ? SUCCESS : FAULT;
      },
      fd_read(): number { return NOSYS; },
      fd_pread(): number { return NOSYS; },
      fd_seek(): number { w.hostTrace("wasi_unstable fd_seek"); return SUCCESS; },
      fd_close(): number { w.hostTrace("wasi_unstable fd_close"); return SUCCESS; },
      fd_fdstat_get(fd: number, out: number): number {
        if (!stdio(fd)) return BADF;
        // {filetype 0, flags 0, rights_base FD_WRITE (64), rights_inheriting 0}; cpp-host ignores
        // a failed write here.
        const b = w.read(out, 24);
        if (b !== null) {
          b.fill(0);
          b[8] = 64;
        }
        return SUCCESS;
      },
      fd_fdstat_set_flags(): number { return NOSYS; },
      fd_fdstat_set_rights(fd: number): number { return stdioOk(fd); },
      fd_advise(): number { return SUCCESS; },
      fd_allocate(fd: number): number { return stdioOk(fd); },
      fd_datasync(fd: number): number { return stdioOk(fd); },
      fd_sync(fd: number): number { return stdioOk(fd); },
      fd_filestat_set_size(fd: number): number { return stdioOk(fd); },
      fd_filestat_set_times(fd: number): number { return stdioOk(fd); },
      fd_filestat_get(): number { return BADF; },
      fd_readdir(_fd: number, _buf: number, _len: number, _cookie: bigint, nread: number): number {
        return w.setU32(nread, 0) ? NOTDIR : FAULT;
      },
      fd_renumber(fd: number, to: number): number { return stdio(fd) && stdio(to) ? NOTSUP : BADF; },
      fd_tell(fd: number, out: number): number {
        if (!stdio(fd)) return BADF;
        return w.setU64(out, 0n) ? SUCCESS : FAULT;
      },
      fd_prestat_get(): number { return BADF; },
      fd_prestat_dir_name(): number { return NOSYS; },
      path_open(): number { return NOENT; },
      path_filestat_get(): number { return NOTSUP; },
      path_create_directory(): number { return NOTSUP; },
      path_filestat_set_times(): number { return NOTSUP; },
      path_link(): number { return NOTSUP; },
      path_readlink(_fd: number, _p: number, _pl: number, _b: number, _bl: number, out: number): number {
        return w.setU32(out, 0) ? NOTSUP : FAULT;
      },
      path_remove_directory(): number { return NOTSUP; },
      path_rename(): number { return NOTSUP; },
      path_symlink(): number { return NOTSUP; },
      path_unlink_file(): number { return NOTSUP; },
      // setDatatype(retptr0, 0UL) writes 8 bytes.
      sock_accept(_fd: number, _flags: number, out: number): number { return w.setU64(out, 0n) ? NOTSUP : FAULT; },
      sock_recv(_fd: number, _d: number, _dl: number, _f: number, out0: number, out1: number): number {
        if (!w.setU32(out0, 0)) return FAULT;
        const b = w.read(out1, 2);
        if (b === null) return FAULT;
        b.fill(0);
        return NOTSUP;
      },
      sock_send(_fd: number, _d: number, _dl: number, _f: number, out: number): number {
        return w.setU32(out, 0) ? NOTSUP : FAULT;
      },
      sock_shutdown(): number { return NOTSUP; },
      environ_get(arrayPtr: number, bufPtr: number): number {
        let a = arrayPtr >>> 0, p = bufPtr >>> 0;
        for (const e of w.host.environment) {
          if (!w.setU32(a, p)) return FAULT;
          const dst = w.read(p, e.length);
          if (dst === null) return FAULT;
          dst.set(e);
          p += e.length;
          a += 4;
        }
        return SUCCESS;
      },
      environ_sizes_get(countPtr: number, sizePtr: number): number {
        if (!w.setU32(countPtr, w.host.environment.length)) return FAULT;
        const size = w.host.environment.reduce((n, e) => n + e.length, 0);
        return w.setU32(sizePtr, size) ? SUCCESS : FAULT;
      },
      args_get(): number { return SUCCESS; },
      args_sizes_get(countPtr: number, sizePtr: number): number {
        return w.setU32(countPtr, 0) && w.setU32(sizePtr, 0) ? SUCCESS : FAULT;
      },
      clock_time_get(id: number, _precision: bigint, out: number): number {
        // 0 realtime, 1 monotonic (both from the injected clock); CPU-time clocks ENOTSUP.
        let t: bigint;
        if (id === 0) t = w.host.nowNs();
        else if (id === 1) t = w.host.monotonicNs();
        else return NOTSUP;
        return w.setU64(out, t) ? SUCCESS : FAULT;
      },
      clock_res_get(id: number, out: number): number {
        if (id !== 0 && id !== 1) return NOTSUP;
        return w.setU64(out, 1n) ? SUCCESS : FAULT;
      },
      random_get(ptr: number, len: number): number {
        if (len >>> 0 > RANDOM_GET_MAX_BYTES) return INVAL;
        if (len >>> 0 === 0) return SUCCESS;
        const b = w.read(ptr, len);
        if (b === null) return FAULT;
        w.host.fillRandom(b);
        return SUCCESS;
      },
      sched_yield(): number { return SUCCESS; },
      poll_oneoff(_in: number, _out: number, _n: number, nevents: number): number {
        // cpp-host main: no polling, 0 events, success (Go's runtime requires it, cpp-host #497);
        // Envoy 1.36's cpp-host: ENOSYS, nothing written.
        if (!w.host.tables.pollOneoffSucceeds) return NOSYS;
        return w.setU32(nevents, 0) ? SUCCESS : FAULT;
      },
      proc_exit(code: number): void {
        w.hostTrace(`wasi_unstable proc_exit(${code >>> 0})`);
      },
    };
    return impl as unknown as Record<string, (...a: never[]) => unknown>;
  }

  // ---------------------------------------------------------------- queue owner

  notifyQueueReady(rootContextId: number, token: number): void {
    this.queueReady.push([rootContextId, token]);
  }

  // ---------------------------------------------------------------- low-level API

  /** A new HTTP stream context on the active root context (created lazily on first callback). */
  newStream(): Stream {
    return new Stream(this);
  }

  /** Calls an export with the root context current (for tests). */
  call(name: string, ...args: unknown[]): number {
    const f = this.fn(name);
    if (!f) throw new Error(`module does not export ${name}`);
    const r = this.invoke(this.contexts.get(this.rootContextId) ?? null, name, f, ...args);
    this.drainAfter();
    return r;
  }

  /** Bytes of linear memory. */
  memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** Writes bytes into module memory (tests). */
  writeBytes(ptr: number, bytes: Uint8Array | string): void {
    const b = typeof bytes === "string" ? encoder.encode(bytes) : bytes;
    const view = this.read(ptr, b.length);
    if (!view) throw new RangeError(`write of ${b.length} bytes at ${ptr} is out of bounds`);
    view.set(b);
  }

  readU32(ptr: number): number {
    const b = this.read(ptr, 4);
    if (!b) throw new RangeError(`read at ${ptr} is out of bounds`);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
  }

  readU64(ptr: number): bigint {
    const b = this.read(ptr, 8);
    if (!b) throw new RangeError(`read at ${ptr} is out of bounds`);
    return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
  }

  readBytes(ptr: number, len: number): Uint8Array {
    const b = this.read(ptr, len);
    if (!b) throw new RangeError(`read at ${ptr} is out of bounds`);
    return b.slice();
  }
}
