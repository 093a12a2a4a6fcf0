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
import type { HttpCallAnswer, HttpCallRecord, HostOptions, RequestResult, RequestSpec } from "./types.ts";

/** The module cannot be loaded the way Envoy would load it. */
export class ProxyWasmLoadError extends Error {
  override name = "ProxyWasmLoadError";
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

export class ProxyWasmHost extends HostCore {
  readonly workers: Worker[] = [];
  /** on_configure result per worker (false: the plugin refused its configuration). */
  configured: boolean[] = [];
  private rr = 0;

  private constructor(opts: HostOptions) {
    super(opts);
  }

  /** Compiles once, then starts every worker VM: start phase, root context, vm_start, configure. */
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
    const n = opts.workers ?? 1;
    for (let i = 0; i < n; i++) {
      const w = new Worker(host, i, new VmMetrics(host.stats));
      try {
        w.instantiate(module);
      } catch (e) {
        throw new ProxyWasmLoadError(`worker ${i}: ${(e as Error).message}`);
      }
      w.startVm();
      if (w.failed) throw new ProxyWasmLoadError(`worker ${i}: VM start failed: ${w.trapMessage}`);
      const root = w.createRootContext(true);
      w.rootContextId = root.id;
      if (w.failed) throw new ProxyWasmLoadError(`worker ${i}: ${w.trapMessage}`);
      const ok = w.configure(root, host.pluginConfig);
      if (ok) w.activateRoot(root.id, host.pluginConfig);
      host.configured.push(ok);
      host.workers.push(w);
    }
    host.settle();
    return host;
  }

  /**
   * A new plugin configuration for every worker (an Envoy config update). As in cpp-host
   * `getOrCreateThreadLocalPlugin`, plugins are cached by a key that includes the configuration
   * bytes: bytes a live root context already accepted get that root back (no new root context,
   * no on_configure). Otherwise a new root context gets on_context_create + on_configure; if it
   * accepts, new streams use it and the old root context retires: it keeps its streams, timer
   * and configuration until its last stream is gone (each Envoy stream holds the plugin handle),
   * then gets on_done (→ on_delete, or waits for proxy_done). If it refuses, the old one keeps
   * serving (Envoy NACKs the update) and the refused root context is shut down at once (Envoy
   * checks a configuration on a canary VM, destroyed with its root contexts).
   */
  configure(config: Uint8Array | string): boolean[] {
    const bytesCfg = toBytes(config);
    const out: boolean[] = [];
    for (const w of this.workers) {
      if (w.failed) {
        out.push(false);
        continue;
      }
      const live = w.rootWithConfig(bytesCfg);
      if (live !== undefined) {
        w.activateRoot(live, bytesCfg);
        out.push(true);
        continue;
      }
      const root = w.createRootContext(false);
      const ok = w.configure(root, bytesCfg);
      if (ok) w.activateRoot(root.id, bytesCfg);
      else w.shutdownRoot(root.id);
      out.push(ok);
    }
    this.pluginConfig = bytesCfg;
    this.configured = out.map((ok, i) => ok || this.workers[i]!.pluginReady);
    this.settle();
    return out;
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
      for (const w of this.workers) if (w.deliverQueueReady()) more = true;
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
      for (const w of this.workers) {
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

  /** Answers a pending proxy_http_call (by token or record); `"fail"` = connection reset. */
  respondHttpCall(call: number | HttpCallRecord, answer: HttpCallAnswer | "fail"): void {
    const rec = typeof call === "number" ? this.pendingHttpCalls.find((c) => c.token === call) : call;
    if (!rec) throw new Error(`no pending http call ${typeof call === "number" ? call : call.token}`);
    this.answerHttpCall(rec, answer);
  }

  private answerHttpCall(rec: HttpCallRecord, answer: HttpCallAnswer | "fail"): void {
    const i = this.pendingHttpCalls.indexOf(rec);
    if (i >= 0) this.pendingHttpCalls.splice(i, 1);
    const w = this.workers[rec.worker]!;
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
