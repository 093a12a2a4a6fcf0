// ProxyWasmHost: loads a proxy-wasm 0.2.1 module into N worker VMs the way Envoy does and
// drives requests, time, callouts and configuration updates through them.
import { readFile } from "node:fs/promises";
import {
  ABI_0_1_0, ABI_0_2_0, ABI_0_2_1, ENV_0_2_1_ONLY, ENV_EXTRA_IMPORTS, ENV_IMPORTS, PROFILE, WASI_MODULES,
  type AbiVersion, type HostProfile,
} from "./abi.ts";
import { HostCore, toBytes } from "./core.ts";
import { Flow } from "./flow.ts";
import { HeaderMap } from "./header-map.ts";
import { VmMetrics, type Metric } from "./metrics.ts";
import { bytes } from "./stream.ts";
import { Worker } from "./worker.ts";
import { createHash } from "node:crypto";
import type {
  HttpCallAnswer, HttpCallRecord, HostOptions, LogEntry, RequestResult, RequestSpec, VmCallRecord, VmRole,
} from "./types.ts";

/**
 * The module cannot be loaded the way Envoy would load it. `logs` holds what the module logged
 * before it failed (a Go panic's text, a C++ CHECK line), also quoted at the end of the message;
 * `boot` every VM call made while loading.
 */
export class ProxyWasmLoadError extends Error {
  override name = "ProxyWasmLoadError";
  constructor(message: string, readonly logs: LogEntry[] = [], readonly boot: VmCallRecord[] = []) {
    super(message + quoteLogs(logs));
  }
}

/** The module's last words: its warn-and-above lines (else its last lines), at most 20. */
function quoteLogs(logs: readonly LogEntry[]): string {
  if (logs.length === 0) return "";
  const loud = logs.filter((l) => l.level >= 3);
  const pick = (loud.length > 0 ? loud : logs).slice(-20);
  return "\nmodule logs:\n" + pick.map((l) => `  [${l.levelName}] ${l.message}`).join("\n");
}

/** A request that may still be paused (host.send). */
export class PendingRequest {
  constructor(private readonly flow: Flow, private readonly host: ProxyWasmHost) {}
  get done(): boolean {
    return this.flow.finished;
  }
  get result(): RequestResult {
    return this.flow.result();
  }
  get contextId(): number {
    return this.flow.stream.id;
  }
  /** The client goes away: Envoy resets the stream, then on_log, on_done, on_delete. */
  cancel(): void {
    this.flow.onReset();
    this.host.settle();
  }
}

/**
 * Checks the ABI version export and the imports against what Envoy links (cpp-host
 * src/bytecode_util.cc getAbiVersion, src/wasm.cc registerCallbacks); returns the ABI version.
 */
export function checkModule(module: WebAssembly.Module, profile: HostProfile = "envoy-1.36"): AbiVersion {
  // getAbiVersion walks the export section in order and stops at the first version export.
  let abi: string | undefined;
  for (const e of WebAssembly.Module.exports(module)) {
    if (e.kind === "function" && (e.name === ABI_0_2_1 || e.name === ABI_0_2_0 || e.name === ABI_0_1_0)) {
      abi = e.name;
      break;
    }
  }
  if (abi === undefined) throw new ProxyWasmLoadError("Missing or unknown Proxy-Wasm ABI version");
  if (abi === ABI_0_1_0) {
    throw new ProxyWasmLoadError(
      `module exports ${ABI_0_1_0}; cpp-host runs it with the 0.1.0 imports and callbacks, which this harness does not provide (it runs 0.2.0 and 0.2.1)`,
    );
  }
  const wasi = PROFILE[profile].wasi;
  for (const imp of WebAssembly.Module.imports(module)) {
    const q = `${imp.module}.${imp.name}`;
    const env = imp.module === "env" &&
      ((imp.name in ENV_IMPORTS && !(abi === ABI_0_2_0 && ENV_0_2_1_ONLY.has(imp.name))) ||
        (ENV_EXTRA_IMPORTS as readonly string[]).includes(imp.name));
    const ok = imp.kind === "function" &&
      (env || ((WASI_MODULES as readonly string[]).includes(imp.module) && wasi.has(imp.name)));
    if (!ok) {
      throw new ProxyWasmLoadError(
        `module imports ${q} (${imp.kind}), which Envoy does not provide to a ${abi} module` +
          (profile === "envoy-1.36" && PROFILE["cpp-host-main"].wasi.has(imp.name) &&
              (WASI_MODULES as readonly string[]).includes(imp.module)
            ? " (Envoy 1.36 does not; cpp-host main does: hostProfile \"cpp-host-main\")"
            : "") +
          (q === "env.abort" ? " (build AssemblyScript with --use abort=<your abort>)" : ""),
      );
    }
  }
  if (!WebAssembly.Module.exports(module).some((e) => e.name === "malloc" || e.name === "proxy_on_memory_allocate")) {
    throw new ProxyWasmLoadError("Wasm module is missing malloc function.");
  }
  return abi as AbiVersion;
}

/** cpp-host keys plugins by a SHA-256 of their configuration (c932df1); name and root_id are fixed per host. */
function pluginKey(config: Uint8Array): string {
  return createHash("sha256").update(config).digest("hex");
}

export class ProxyWasmHost extends HostCore {
  readonly workers: Worker[] = [];
  /** on_configure result per worker (false: the plugin refused its configuration). */
  configured: boolean[] = [];
  /** Every VM call made while loading: base VM start, canary, each worker's start and plugin. */
  readonly boot: VmCallRecord[] = [];
  /** The VM calls of the last `configure()` (canary and workers). */
  lastUpdate: VmCallRecord[] = [];
  /** Envoy's base VM on the main thread: instantiated and started, never configured (cpp-host createWasm). */
  base: Worker | null = null;
  /**
   * The main thread's own plugin VM: Envoy's thread-local slot covers the main thread as well as
   * the workers, so it gets a root context, on_vm_start, on_configure, updates and ticks like a
   * worker's, but never a request. null with `mainThreadVm: false`.
   */
  mainThread: Worker | null = null;
  private readonly useMainThread: boolean;
  private module!: WebAssembly.Module;
  private readonly useCanary: boolean;
  /** cpp-host plugin_canary_cache_: canary verdict per plugin key (SHA-256 of the configuration, c932df1). */
  private readonly canaryCache = new Map<string, boolean>();
  private rr = 0;

  private constructor(opts: HostOptions) {
    super(opts);
    this.useCanary = opts.canary ?? true;
    this.useMainThread = opts.mainThreadVm ?? true;
    this.runPosted = () => this.settle();
  }

  /**
   * Loads a module as Envoy does (envoy source/extensions/common/wasm/wasm.cc createWasm →
   * cpp-host createWasm, getOrCreateThreadLocalPlugin): the base VM on the main thread is
   * instantiated and started (`_initialize`/`main`/`_start`); a canary clone is started and gets
   * the plugin (root context, on_vm_start, on_configure) and is dropped; then every worker VM is
   * instantiated, started, and gets its own root context, on_vm_start and on_configure. A module
   * that fails to start, or whose on_vm_start returns 0, is a load error; a refused configuration
   * is not (`configured`: the workers then serve nothing — fail closed/open).
   */
  static async load(wasm: Uint8Array | string, opts: HostOptions = {}): Promise<ProxyWasmHost> {
    const code = typeof wasm === "string" ? new Uint8Array(await readFile(wasm)) : wasm;
    let module: WebAssembly.Module;
    try {
      module = await WebAssembly.compile(code as Uint8Array<ArrayBuffer>);
    } catch (e) {
      throw new ProxyWasmLoadError(`cannot compile module: ${(e as Error).message}`);
    }
    const host = new ProxyWasmHost(opts);
    host.abiVersion = checkModule(module, host.profile);
    host.module = module;
    host.base = host.startVm("base", -1, host.boot);
    let accepted = true;
    if (host.useCanary) {
      const verdict = host.canaryVerdict(host.pluginConfig, host.boot);
      if (verdict === "start failed") host.loadError("canary VM: Failed to start base Wasm");
      accepted = verdict === "accepted";
    }
    // ThreadLocal::set runs on the main thread first, then posts to every worker.
    if (host.useMainThread) host.mainThread = host.pluginVm("main", -1, accepted, host.boot);
    const n = opts.workers ?? 1;
    for (let i = 0; i < n; i++) host.addWorkerVm(accepted);
    host.settle();
    return host;
  }

  /**
   * A worker VM added now (Envoy creates one per worker thread from the base VM): instantiated,
   * started and — if the current configuration was accepted — given its plugin. Returns it.
   */
  addWorker(): Worker {
    const accepted = this.useCanary
      ? this.canaryCache.get(pluginKey(this.pluginConfig)) !== false
      : this.workers.some((w) => w.pluginReady) || this.workers.length === 0;
    this.lastUpdate = [];
    const w = this.addWorkerVm(accepted, this.lastUpdate);
    this.settle();
    return w;
  }

  private addWorkerVm(accepted: boolean, recorder: VmCallRecord[] = this.boot): Worker {
    const i = this.workers.length;
    this.configured.push(false);
    const w = this.pluginVm("worker", i, accepted, recorder);
    this.workers.push(w);
    this.configured[i] = w.pluginReady;
    return w;
  }

  /** A thread-local VM (worker or main thread): started, then its plugin if the configuration was accepted. */
  private pluginVm(role: VmRole, i: number, accepted: boolean, recorder: VmCallRecord[]): Worker {
    const w = this.startVm(role, i, recorder);
    if (!accepted) return w;
    const label = role === "worker" ? `worker ${i}` : `${role} VM`;
    w.recorder = recorder;
    try {
      const { ctx, ok: started } = w.startRoot();
      // cpp-host getOrCreateThreadLocalPlugin: "Failed to start thread-local Wasm".
      if (!started) {
        if (!w.failed) w.markFailed("Failed to start thread-local Wasm");
        this.loadError(`${label}: ${w.trapMessage}`);
      }
      w.rootContextId = ctx.id;
      const ok = w.configure(ctx, this.pluginConfig);
      if (ok) w.activateRoot(ctx.id, this.pluginConfig);
    } finally {
      w.recorder = null;
    }
    return w;
  }

  /** A VM instantiated from the module and started (cpp-host WasmBase::initialize → startVm). */
  private startVm(role: VmRole, index: number, recorder: VmCallRecord[]): Worker {
    const w = new Worker(this, index, new VmMetrics(this.stats), role);
    const label = role === "worker" ? `worker ${index}` : `${role} VM`;
    try {
      w.instantiate(this.module);
    } catch (e) {
      this.loadError(`${label}: ${(e as Error).message}`);
    }
    w.recorder = recorder;
    try {
      w.startVm();
    } finally {
      w.recorder = null;
    }
    if (w.failed) this.loadError(`${label}: VM start failed: ${w.trapMessage}`);
    return w;
  }

  /**
   * cpp-host WasmHandleBase::canary: a fresh VM from the module is started, gets the plugin
   * (root context, on_vm_start, on_configure) and is dropped without on_done; the verdict is
   * cached per plugin key, so the same bytes are never checked twice.
   */
  private canaryVerdict(config: Uint8Array, recorder: VmCallRecord[]): "accepted" | "refused" | "start failed" {
    const key = pluginKey(config);
    const cached = this.canaryCache.get(key);
    if (cached !== undefined) return cached ? "accepted" : "refused";
    const c = this.startVm("canary", -1, recorder);
    c.recorder = recorder;
    let verdict: "accepted" | "refused" | "start failed";
    try {
      const { ctx, ok: started } = c.startRoot();
      if (!started) verdict = "start failed";
      else verdict = c.configure(ctx, config) ? "accepted" : "refused";
    } finally {
      c.recorder = null;
    }
    // Dropped with its root context: its pending callouts and timers go with it.
    for (let i = this.pendingHttpCalls.length - 1; i >= 0; i--) {
      if (this.httpCallVm.get(this.pendingHttpCalls[i]!) === c) this.pendingHttpCalls.splice(i, 1);
    }
    if (verdict !== "start failed") this.canaryCache.set(key, verdict === "accepted");
    return verdict;
  }

  private loadError(message: string): never {
    throw new ProxyWasmLoadError(message, this.logs.slice(), this.boot.slice());
  }

  /**
   * A new plugin configuration for every worker (an Envoy config update). First the canary
   * (cached per configuration bytes): if it refuses, Envoy NACKs the update and no worker VM
   * sees it — every entry is false and the old root contexts keep serving. Then per worker, as
   * in cpp-host `getOrCreateThreadLocalPlugin`: bytes a live root context already accepted get
   * that root back (no new root context, no on_configure); otherwise a new root context gets
   * on_context_create, on_vm_start and on_configure; if it accepts, new streams use it and the
   * old root context retires: it keeps its streams, timer and configuration until its last
   * stream is gone (each Envoy stream holds the plugin handle), then gets on_done (→ on_delete,
   * or waits for proxy_done). A worker VM that refuses what the canary accepted (its state
   * differs from a fresh VM's) keeps its old root context and shuts the refused one down.
   */
  configure(config: Uint8Array | string): boolean[] {
    const bytesCfg = toBytes(config);
    this.lastUpdate = [];
    if (this.useCanary && this.canaryVerdict(bytesCfg, this.lastUpdate) !== "accepted") {
      this.settle();
      return this.workers.map(() => false);
    }
    const out: boolean[] = [];
    if (this.mainThread) this.updateVm(this.mainThread, bytesCfg);
    for (const w of this.workers) out.push(this.updateVm(w, bytesCfg));
    this.pluginConfig = bytesCfg;
    this.configured = out.map((ok, i) => ok || this.workers[i]!.pluginReady);
    this.settle();
    return out;
  }

  /** One thread-local VM takes an update the canary accepted (getOrCreateThreadLocalPlugin). */
  private updateVm(w: Worker, bytesCfg: Uint8Array): boolean {
    {
      if (w.failed) return false;
      const live = w.rootWithConfig(bytesCfg);
      if (live !== undefined) {
        w.activateRoot(live, bytesCfg);
        return true;
      }
      w.recorder = this.lastUpdate;
      let ok = false;
      let root: number;
      try {
        const started = w.startRoot();
        root = started.ctx.id;
        ok = started.ok && w.configure(started.ctx, bytesCfg);
      } finally {
        w.recorder = null;
      }
      if (ok) w.activateRoot(root, bytesCfg);
      else w.shutdownRoot(root);
      return ok;
    }
  }

  /** The VMs that live on: the main thread's plugin VM and the workers'. */
  private liveVms(): Worker[] {
    return this.mainThread ? [this.mainThread, ...this.workers] : this.workers;
  }

  private pickWorker(spec: RequestSpec): Worker {
    if (spec.worker !== undefined) {
      const w = this.workers[spec.worker];
      if (!w) throw new RangeError(`no worker ${spec.worker} (workers: ${this.workers.length})`);
      return w;
    }
    const w = this.workers[this.rr]!;
    this.rr = (this.rr + 1) % this.workers.length;
    return w;
  }

  /** Runs one request as far as it goes now; see RequestResult. */
  request(spec: RequestSpec): RequestResult {
    const flow = new Flow(this.pickWorker(spec), spec, this.failOpen);
    flow.run();
    this.settle();
    return flow.result();
  }

  /** Like request() but returns a handle to a stream that may stay paused. */
  send(spec: RequestSpec): PendingRequest {
    const flow = new Flow(this.pickWorker(spec), spec, this.failOpen);
    flow.run();
    this.settle();
    return new PendingRequest(flow, this);
  }

  /**
   * Benchmark path: runs `n` requests with no result objects. Returns the number that
   * completed. The spec (and its upstream) is reused for every request.
   */
  runRequests(n: number, spec: RequestSpec): number {
    let completed = 0;
    for (let i = 0; i < n; i++) {
      const flow = new Flow(this.pickWorker(spec), spec, this.failOpen);
      flow.run();
      if (flow.finished) completed++;
    }
    this.settle();
    return completed;
  }

  /** Delivers queued proxy_on_queue_ready notifications until none are left. */
  settle(): void {
    let more = true;
    while (more) {
      more = false;
      for (const w of this.liveVms()) if (w.deliverQueueReady()) more = true;
    }
  }

  // ---------------------------------------------------------------- time

  now(): number {
    return this.nowMs;
  }

  /**
   * Moves the clock forward, firing every due tick (per root context per worker, in time
   * order) and failing HTTP callouts whose timeout elapsed.
   */
  advance(ms: number): void {
    const target = this.nowMs + ms;
    for (;;) {
      let best: { due: number; w: Worker | null; root: number; call: HttpCallRecord | null } | null = null;
      for (const w of this.liveVms()) {
        for (const [root, t] of w.timers) {
          if (t.dueMs <= target && (best === null || t.dueMs < best.due)) best = { due: t.dueMs, w, root, call: null };
        }
      }
      for (const c of this.pendingHttpCalls) {
        if (c.timeoutMs > 0 && c.deadlineMs <= target && (best === null || c.deadlineMs < best.due)) {
          best = { due: c.deadlineMs, w: null, root: 0, call: c };
        }
      }
      if (best === null) break;
      this.nowMs = Math.max(this.nowMs, best.due);
      if (best.call) {
        // Envoy's async client times out with the router's 504 local reply.
        this.answerHttpCall(best.call, {
          headers: [[":status", "504"], ["content-length", "24"], ["content-type", "text/plain"]],
          body: "upstream request timeout",
        });
        continue;
      }
      const w = best.w!;
      const t = w.timers.get(best.root)!;
      // Envoy Wasm::tickHandler re-arms after the tick with the current period.
      t.dueMs = this.nowMs + t.periodMs;
      w.fireTick(best.root);
      this.settle();
    }
    this.nowMs = target;
    this.settle();
  }

  // ---------------------------------------------------------------- callouts

  /**
   * Answers a pending proxy_http_call (by record, or by token: tokens are per VM, so with several
   * workers pass the record); `"fail"` = connection reset.
   */
  respondHttpCall(call: number | HttpCallRecord, answer: HttpCallAnswer | "fail"): void {
    const rec = typeof call === "number" ? this.pendingHttpCalls.find((c) => c.token === call) : call;
    if (!rec) throw new Error(`no pending http call ${typeof call === "number" ? call : call.token}`);
    this.answerHttpCall(rec, answer);
  }

  private answerHttpCall(rec: HttpCallRecord, answer: HttpCallAnswer | "fail"): void {
    const i = this.pendingHttpCalls.indexOf(rec);
    if (i >= 0) this.pendingHttpCalls.splice(i, 1);
    const w = this.httpCallVm.get(rec) as Worker | undefined;
    if (!w || !this.liveVms().includes(w)) return; // the canary that made it is gone
    if (answer === "fail") {
      w.deliverHttpCallResponse(rec.rootContextId, rec.token, null);
    } else {
      w.deliverHttpCallResponse(rec.rootContextId, rec.token, {
        headers: HeaderMap.from(answer.headers ?? [[":status", "200"]]),
        body: answer.body === undefined ? new Uint8Array(0) : bytes(answer.body),
        trailers: HeaderMap.from(answer.trailers ?? []),
      });
    }
    this.settle();
  }

  // ---------------------------------------------------------------- read-back

  metric(name: string): Metric | undefined {
    return this.stats.byName.get(name);
  }

  metrics(): Map<string, Metric> {
    return this.stats.byName;
  }

  logsAt(level: "trace" | "debug" | "info" | "warn" | "error" | "critical"): string[] {
    return this.logs.filter((l) => l.levelName === level).map((l) => l.message);
  }

  isFailed(worker = 0): boolean {
    return this.workers[worker]!.failed;
  }

  trapMessage(worker = 0): string | null {
    return this.workers[worker]!.trapMessage;
  }

  memoryBytes(worker = 0): number {
    return this.workers[worker]!.memoryBytes();
  }

  /** Shared data value for `key` of this host's vm_id. */
  sharedValue(key: string): { value: Uint8Array; cas: number } | undefined {
    return this.sharedData.getEntry(this.vmId, key);
  }
}
