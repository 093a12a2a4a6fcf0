// The HTTP request driver: runs one stream through the filter in Envoy's order and handles
// pauses, deferred continues, local replies, resets and VM failures.
//   context create (lazily) → on_request_headers → body → trailers → upstream (simulated) →
//   on_response_headers → body → trailers → on_log → on_done → on_delete
// (envoy conn_manager_impl.cc doDeferredStreamDestroy: log, then destroyFilters).
import { HeaderMap } from "./header-map.ts";
import { displayPath, pathSegments } from "./properties.ts";
import { clientLocalReply, isGrpcRequest } from "./local-reply.ts";
import { HOST_CALL_NAMES } from "./abi.ts";
import { bytes, isHeadersContinue, type Stream } from "./stream.ts";
import type { Worker } from "./worker.ts";
import type {
  ClientResponse, HeadersInput, LocalReply, RequestResult, RequestSpec, ResponseSource, UpstreamRequest,
  UpstreamSpec,
} from "./types.ts";

const EMPTY = new Uint8Array(0);

const enum Step {
  ReqHeaders, ReqBody, ReqTrailers, Upstream, RespHeaders, RespBody, RespTrailers, Complete, Finished,
}

export const FAIL_STREAM_DETAILS = "wasm_fail_stream";

export class Flow {
  readonly stream: Stream;
  readonly worker: Worker;
  private readonly spec: RequestSpec;
  private readonly failOpen: boolean;
  private step = Step.ReqHeaders;
  private pausedNext = Step.ReqHeaders;
  private running = false;
  /** Direction the stream is paused in, or null. */
  paused: "request" | "response" | null = null;
  /** Stopped by a local reply / reset: waiting for its after-action. */
  private stopped = false;
  /** The filter is out of the picture (fail open): callbacks are skipped. */
  private bypass = false;
  private readonly onFinish: (() => void) | null;

  // Data still to deliver.
  private reqMap: HeaderMap;
  private reqBody: Uint8Array | null;
  private reqTrailers: HeaderMap | null;
  private respMap: HeaderMap | null = null;
  private respBody: Uint8Array | null = null;
  private respTrailers: HeaderMap | null = null;
  private source: ResponseSource = "upstream";

  // Results.
  upstreamRequest: UpstreamRequest | null = null;
  response: ClientResponse | null = null;
  reset = false;
  completed = false;
  failLocalReply: import("./types.ts").LocalReply | null = null;

  constructor(worker: Worker, spec: RequestSpec, failOpen: boolean, onFinish: (() => void) | null = null) {
    this.worker = worker;
    this.spec = spec;
    this.failOpen = failOpen;
    this.onFinish = onFinish;
    this.stream = worker.newStream();
    this.stream.flow = this;
    this.reqMap = HeaderMap.from(spec.headers);
    this.reqBody = spec.body === undefined ? null : bytes(spec.body);
    this.reqTrailers = spec.trailers === undefined ? null : HeaderMap.from(spec.trailers);
    if (spec.properties || spec.propertyList) {
      this.stream.properties = worker.host.encodeProperties(spec.properties, spec.propertyList);
    }
  }

  get finished(): boolean {
    return this.step === Step.Finished;
  }

  /** Runs steps until the stream pauses or finishes. */
  run(): void {
    if (this.running) return;
    this.running = true;
    try {
      while (this.paused === null && !this.stopped && this.step !== Step.Finished) this.exec();
    } finally {
      this.running = false;
    }
  }

  private exec(): void {
    const s = this.stream;
    const w = this.worker;
    // A VM that failed earlier (or a plugin that never configured): CHECK_HTTP in cpp-host context.cc.
    if (!this.bypass && this.step < Step.Complete && (w.failed || !w.pluginReady)) {
      if (this.failOpen) this.bypass = true;
      else return this.failStream();
    }
    switch (this.step) {
      case Step.ReqHeaders: {
        const eos = this.reqBody === null && this.reqTrailers === null;
        if (this.bypass) return this.next(Step.ReqBody);
        const a = s._requestHeaders(this.reqMap, eos);
        if (a === 2) {
          // ContinueAndEndStream: headers go on alone.
          this.reqBody = null;
          this.reqTrailers = null;
        }
        return this.afterCall(!isHeadersContinue(a), "request", Step.ReqBody);
      }
      case Step.ReqBody: {
        if (this.reqBody === null || this.bypass) return this.next(Step.ReqTrailers);
        const a = s._requestBody(this.reqBody, this.reqTrailers === null);
        return this.afterCall(a !== 0, "request", Step.ReqTrailers);
      }
      case Step.ReqTrailers: {
        if (this.reqTrailers === null || this.bypass) return this.next(Step.Upstream);
        const a = s._requestTrailers(this.reqTrailers);
        return this.afterCall(a !== 0, "request", Step.Upstream);
      }
      case Step.Upstream:
        // While the request travels upstream, Envoy's dispatchers run what was posted to them:
        // on_queue_ready for an enqueue made by the callbacks so far (measured in Envoy,
        // test/harness-envoy "shared data and queues").
        this.worker.host.runPosted();
        return this.callUpstream();
      case Step.RespHeaders: {
        const map = this.respMap!;
        if (this.bypass) {
          s.response.headers = map;
          return this.next(Step.RespBody);
        }
        const eos = this.respBody === null && this.respTrailers === null;
        const a = s._responseHeaders(map, eos);
        return this.afterCall(!isHeadersContinue(a), "response", Step.RespBody);
      }
      case Step.RespBody: {
        if (this.respBody === null) return this.next(Step.RespTrailers);
        if (this.bypass) {
          s.response.body = this.respBody;
          return this.next(Step.RespTrailers);
        }
        const a = s._responseBody(this.respBody, this.respTrailers === null);
        return this.afterCall(a !== 0, "response", Step.RespTrailers);
      }
      case Step.RespTrailers: {
        if (this.respTrailers === null) return this.next(Step.Complete);
        if (this.bypass) {
          s.response.trailers = this.respTrailers;
          return this.next(Step.Complete);
        }
        const a = s._responseTrailers(this.respTrailers);
        return this.afterCall(a !== 0, "response", Step.Complete);
      }
      case Step.Complete:
        return this.complete();
    }
  }

  private next(step: Step): void {
    this.step = step;
  }

  /** After a callback: failure, local reply (stops whatever was returned), pause, or go on. */
  private afterCall(stop: boolean, dir: "request" | "response", next: Step): void {
    const w = this.worker;
    if (w.failed) {
      // cpp-host CHECK_FAIL_HTTP: fail open continues, fail closed sends 503 wasm_fail_stream.
      w.afterClear();
      if (this.failOpen) {
        this.bypass = true;
        this.step = next;
        return;
      }
      return this.failStream();
    }
    if (this.stream.localReplySent) {
      this.stopped = true;
    } else if (stop) {
      this.paused = dir;
      this.pausedNext = next;
    } else {
      this.step = next;
    }
    w.drainAfter();
  }

  private callUpstream(): void {
    const s = this.stream;
    const up: UpstreamRequest = {
      headers: s.request.headers.toArray(),
      body: s.request.body ?? EMPTY,
      trailers: s.request.trailers ? s.request.trailers.toArray() : null,
    };
    this.upstreamRequest = up;
    const u = this.spec.upstream;
    const spec: UpstreamSpec = typeof u === "function" ? u(up) : u ?? {};
    const status = spec.status ?? 200;
    const map = new HeaderMap();
    map.add(":status", String(status));
    if (spec.headers) for (const [k, v] of iter(spec.headers)) map.add(k, v);
    this.respMap = map;
    this.respBody = spec.body === undefined ? null : bytes(spec.body);
    if (this.respBody !== null && this.respBody.length === 0) this.respBody = null;
    this.respTrailers = spec.trailers === undefined ? null : HeaderMap.from(spec.trailers);
    s.responseCode = status;
    s.responseCodeDetails = "via_upstream";
    s.upstreamAddress = spec.address ?? null;
    this.source = "upstream";
    this.step = Step.RespHeaders;
  }

  private complete(): void {
    const s = this.stream;
    if (!this.reset && this.response === null && s.response.headers) {
      const h = s.response.headers;
      this.response = {
        status: Number(h.get(":status") ?? 0),
        headers: h.toArray(),
        body: s.response.body ?? EMPTY,
        trailers: s.response.trailers ? s.response.trailers.toArray() : null,
        source: this.source,
      };
    }
    if (s.created && !this.bypass) {
      s._log();
      s._done();
      s._delete();
      this.worker.drainAfter();
    } else {
      this.worker.dropStreamContext(s.id);
    }
    this.completed = true;
    this.step = Step.Finished;
    if (this.onFinish) this.onFinish();
  }

  // ---------------------------------------------------------------- events

  /** Deferred continueDecoding()/continueEncoding(): resumes only a stream paused that way. */
  onContinue(dir: "request" | "response"): void {
    if (this.paused !== dir || this.finished) return;
    this.paused = null;
    this.step = this.pausedNext;
    this.run();
  }

  /**
   * Deferred sendLocalReply (envoy filter_manager.cc sendLocalReply): before the response
   * started it runs through the filter chain (our on_response_headers sees it); after the
   * response headers reached the filter but not the client it is sent directly; after that
   * the stream can only be reset.
   */
  onLocalReply(reply: LocalReply): void {
    if (this.finished) return;
    const s = this.stream;
    this.stopped = false;
    this.paused = null;
    const local = clientLocalReply(reply, isGrpcRequest(s.request.headers));
    s.responseCode = reply.status;
    if (this.step < Step.RespHeaders) {
      this.upstreamRequest = null;
      this.respMap = local.headers;
      this.respBody = local.body;
      this.respTrailers = null;
      this.source = "local_reply";
      this.step = Step.RespHeaders;
    } else if (this.step === Step.RespHeaders) {
      s.response.headers = local.headers;
      s.response.body = local.body;
      s.response.trailers = null;
      s.respHeaders = null;
      this.source = "local_reply";
      this.response = null;
      this.step = Step.Complete;
    } else {
      return this.onReset();
    }
    this.run();
  }

  /** proxy_close_stream or a client reset: the stream ends; on_log, on_done, on_delete still run. */
  onReset(): void {
    if (this.finished) return;
    this.reset = true;
    this.stopped = false;
    this.paused = null;
    this.response = null;
    this.step = Step.Complete;
    this.run();
  }

  /** cpp-host Context::failStream: 503, empty body, details wasm_fail_stream, gRPC UNAVAILABLE. */
  private failStream(): void {
    if (this.step > Step.RespHeaders) return this.onReset();
    const reply: LocalReply = {
      status: 503, details: FAIL_STREAM_DETAILS, body: EMPTY, headers: [], grpcStatus: 14,
    };
    this.failLocalReply = reply;
    const s = this.stream;
    const local = clientLocalReply(reply, isGrpcRequest(this.reqMap));
    s.responseCode = 503;
    s.responseCodeDetails = FAIL_STREAM_DETAILS;
    if (this.step <= Step.Upstream) this.upstreamRequest = null;
    this.response = {
      status: Number(local.headers.get(":status")),
      headers: local.headers.toArray(),
      body: EMPTY,
      trailers: null,
      source: "fail_closed",
    };
    this.stopped = false;
    this.paused = null;
    this.bypass = true;
    this.step = Step.Complete;
  }

  // ---------------------------------------------------------------- result

  result(): RequestResult {
    const s = this.stream;
    const hostCalls: Record<string, number> = {};
    const c = s.counts;
    for (let i = 0; i < c.length; i++) if (c[i] !== 0) hostCalls[HOST_CALL_NAMES[i]!] = c[i]!;
    return {
      completed: this.completed,
      reset: this.reset,
      paused: this.paused !== null,
      worker: this.worker.index,
      contextId: s.id,
      upstreamRequest: this.upstreamRequest,
      response: this.response,
      localReply: this.failLocalReply ?? s.localReply,
      routeCacheCleared: s.routeCacheCleared,
      hostCalls,
      logs: s.logs,
      actions: s.actions,
      propertyReads: s.propertyReads.map(displayPath),
      propertyReadPaths: s.propertyReads.map(pathSegments),
      foreignCalls: s.foreignCalls,
    };
  }
}

function iter(h: HeadersInput): Iterable<readonly [string, string]> {
  return Symbol.iterator in (h as object)
    ? (h as Iterable<readonly [string, string]>)
    : Object.entries(h as Record<string, string>);
}
