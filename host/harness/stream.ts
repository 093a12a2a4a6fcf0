// One HTTP stream context and its Envoy-side state (envoy source/extensions/common/wasm/context.cc
// decodeHeaders/decodeData/decodeTrailers/encode*/log/onDestroy). The low-level methods run one
// callback each with Envoy's header-map visibility rules; the request driver lives in flow.ts.
import { HOST_CALL_NAMES } from "./abi.ts";
import { HeaderMap } from "./header-map.ts";
import type { Context, Worker } from "./worker.ts";
import type { Flow } from "./flow.ts";
import type { HeadersInput, LocalReply, LogEntry } from "./types.ts";

const encoder = new TextEncoder();

function int64(v: number | bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigInt64(0, BigInt(v), true);
  return out;
}

function toMap(h: HeadersInput | HeaderMap): HeaderMap {
  return h instanceof HeaderMap ? h : HeaderMap.from(h);
}

export class Stream {
  readonly worker: Worker;
  readonly context: Context;
  created = false;
  deleted = false;
  flow: Flow | null = null;

  // Data of the stream (what goes upstream / to the client).
  readonly request: { headers: HeaderMap; body: Uint8Array | null; trailers: HeaderMap | null } = {
    headers: new HeaderMap(), body: null, trailers: null,
  };
  readonly response: { headers: HeaderMap | null; body: Uint8Array | null; trailers: HeaderMap | null } = {
    headers: null, body: null, trailers: null,
  };

  // Envoy's pointers: null ⇒ the map is not available (BAD_ARGUMENT).
  reqHeaders: HeaderMap | null = null;
  reqTrailers: HeaderMap | null = null;
  respHeaders: HeaderMap | null = null;
  respTrailers: HeaderMap | null = null;
  reqBodyActive = false;
  reqBodyEos = false;
  respBodyActive = false;
  respBodyEos = false;
  logPhase = false;
  readonly log: {
    requestHeaders: HeaderMap | null; requestTrailers: HeaderMap | null;
    responseHeaders: HeaderMap | null; responseTrailers: HeaderMap | null;
  } = { requestHeaders: null, requestTrailers: null, responseHeaders: null, responseTrailers: null };

  // Observations.
  readonly counts = new Uint32Array(HOST_CALL_NAMES.length);
  readonly logs: LogEntry[] = [];
  /** Wire paths (NUL-joined) read during this stream. */
  readonly propertyReads: string[] = [];
  readonly foreignCalls: string[] = [];
  readonly actions: Array<{ callback: string; action: number }> = [];
  routeCacheCleared = false;
  localReply: LocalReply | null = null;
  /** Set by proxy_send_local_response during the current callback (cpp-host stopNextIteration). */
  localReplySent = false;

  // Stream info behind properties.
  properties: Map<string, Uint8Array> | null = null;
  readonly setProps = new Map<string, Uint8Array>();
  readonly startNs: bigint;
  responseCode: number | null = null;
  responseCodeDetails: string | null = null;
  upstreamAddress: string | null = null;

  constructor(worker: Worker) {
    this.worker = worker;
    this.context = worker.newContext(worker.rootContextId, this);
    this.startNs = worker.host.nowNs();
  }

  get id(): number {
    return this.context.id;
  }

  // ---------------------------------------------------------------- requests from host calls

  /** proxy_continue_stream: Envoy nulls the direction's maps now and continues after the VM call. */
  requestContinue(dir: "request" | "response"): void {
    if (dir === "request") {
      this.reqHeaders = null;
      this.reqTrailers = null;
      this.reqBodyActive = false;
    } else {
      this.respHeaders = null;
      this.respTrailers = null;
      this.respBodyActive = false;
    }
    const flow = this.flow;
    if (flow) this.worker.afterPush(() => flow.onContinue(dir));
  }

  requestLocalReply(reply: LocalReply): void {
    this.localReply = reply;
    this.localReplySent = true;
    this.responseCodeDetails = reply.details;
    const flow = this.flow;
    if (flow) this.worker.afterPush(() => flow.onLocalReply(reply));
  }

  requestReset(): void {
    if (this.responseCodeDetails === null) this.responseCodeDetails = "wasm_close_stream";
    const flow = this.flow;
    if (flow) this.worker.afterPush(() => flow.onReset());
  }

  // ---------------------------------------------------------------- callbacks (no after-actions)

  private cb(name: string, dflt: number, ...args: unknown[]): number {
    this.localReplySent = false;
    const r = this.worker.callback(this.context, name, dflt, ...args);
    this.actions.push({ callback: name, action: r });
    return r;
  }

  ensureCreated(): void {
    if (this.created) return;
    this.created = true;
    this.worker.callback(this.context, "proxy_on_context_create", 0, this.id, this.context.rootId);
  }

  _requestHeaders(h: HeadersInput | HeaderMap, eos: boolean): number {
    const map = toMap(h);
    this.request.headers = map;
    this.reqHeaders = map;
    this.ensureCreated();
    const r = this.cb("proxy_on_request_headers", 0, this.id, map.size, eos ? 1 : 0);
    if (isHeadersContinue(r) && !this.localReplySent) this.reqHeaders = null;
    return r;
  }

  _requestBody(body: Uint8Array, eos: boolean): number {
    this.request.body = body;
    this.reqBodyActive = true;
    this.reqBodyEos = eos;
    const r = this.cb("proxy_on_request_body", 0, this.id, body.length, eos ? 1 : 0);
    if (r === 0 && !this.localReplySent) this.reqBodyActive = false;
    return r;
  }

  _requestTrailers(t: HeadersInput | HeaderMap): number {
    const map = toMap(t);
    this.request.trailers = map;
    this.reqTrailers = map;
    const r = this.cb("proxy_on_request_trailers", 0, this.id, map.size);
    if (r === 0 && !this.localReplySent) this.reqTrailers = null;
    return r;
  }

  _responseHeaders(h: HeadersInput | HeaderMap, eos: boolean): number {
    const map = toMap(h);
    this.response.headers = map;
    this.respHeaders = map;
    this.ensureCreated();
    const r = this.cb("proxy_on_response_headers", 0, this.id, map.size, eos ? 1 : 0);
    if (isHeadersContinue(r) && !this.localReplySent) this.respHeaders = null;
    return r;
  }

  _responseBody(body: Uint8Array, eos: boolean): number {
    this.response.body = body;
    this.respBodyActive = true;
    this.respBodyEos = eos;
    const r = this.cb("proxy_on_response_body", 0, this.id, body.length, eos ? 1 : 0);
    if (r === 0 && !this.localReplySent) this.respBodyActive = false;
    return r;
  }

  _responseTrailers(t: HeadersInput | HeaderMap): number {
    const map = toMap(t);
    this.response.trailers = map;
    this.respTrailers = map;
    const r = this.cb("proxy_on_response_trailers", 0, this.id, map.size);
    if (r === 0 && !this.localReplySent) this.respTrailers = null;
    return r;
  }

  /** envoy Context::log: access-log copies readable, writes BAD_ARGUMENT, missing maps NOT_FOUND. */
  _log(): void {
    this.ensureCreated();
    this.log.requestHeaders = this.request.headers;
    this.log.requestTrailers = this.request.trailers;
    this.log.responseHeaders = this.response.headers;
    this.log.responseTrailers = this.response.trailers;
    this.logPhase = true;
    try {
      this.worker.callback(this.context, "proxy_on_log", 0, this.id);
    } finally {
      this.logPhase = false;
    }
  }

  /** envoy Context::onDestroy: onDone() then onDelete(); on_done's result is ignored for streams. */
  _done(): void {
    if (!this.created) return;
    this.worker.callback(this.context, "proxy_on_done", 1, this.id);
  }

  _delete(): void {
    if (this.deleted) return;
    this.deleted = true;
    if (this.created) this.worker.callback(this.context, "proxy_on_delete", 0, this.id);
    this.worker.dropStreamContext(this.id);
  }

  // ---------------------------------------------------------------- public low-level API

  requestHeaders(h: HeadersInput, eos = false): number { return this.after(this._requestHeaders(h, eos)); }
  requestBody(b: string | Uint8Array, eos = true): number { return this.after(this._requestBody(bytes(b), eos)); }
  requestTrailers(t: HeadersInput): number { return this.after(this._requestTrailers(t)); }
  responseHeaders(h: HeadersInput, eos = false): number { return this.after(this._responseHeaders(h, eos)); }
  responseBody(b: string | Uint8Array, eos = true): number { return this.after(this._responseBody(bytes(b), eos)); }
  responseTrailers(t: HeadersInput): number { return this.after(this._responseTrailers(t)); }
  logCallback(): void { this._log(); this.worker.drainAfter(); }
  done(): void { this._done(); this.worker.drainAfter(); }
  delete(): void { this._delete(); this.worker.drainAfter(); }

  /** Runs any export with this stream as the current context (maps as the stream's state allows). */
  call(name: string, ...args: unknown[]): number {
    const f = this.worker.fn(name);
    if (!f) throw new Error(`module does not export ${name}`);
    return this.after(this.worker.invoke(this.context, name, f, ...args));
  }

  private after(r: number): number {
    this.worker.drainAfter();
    return r;
  }

  // ---------------------------------------------------------------- properties

  /**
   * Properties Envoy derives from the stream (attributes.rst). Header-derived `request.*` come
   * from the request headers Envoy still holds (context.cc getProperty → RequestWrapper over
   * `request_headers_`, or the access-log copy in on_log): once the request callbacks continued
   * they are NOT_FOUND — measured in real Envoy by test/modules/go-sdk.test.ts. Likewise
   * `response.headers.*`. `request.time` and `response.code` come from the stream info.
   */
  derivedProperty(path: string): Uint8Array | null {
    const h = this.reqHeaders ?? (this.logPhase ? this.log.requestHeaders : null) ?? NO_HEADERS;
    switch (path) {
      case "request\u0000path": return str(h.get(":path"));
      case "request\u0000url_path": {
        const p = h.get(":path");
        return p === undefined ? null : str(p.split("?")[0]!);
      }
      case "request\u0000query": {
        const p = h.get(":path");
        if (p === undefined) return null;
        const i = p.indexOf("?");
        return str(i < 0 ? "" : p.slice(i + 1));
      }
      case "request\u0000host": return str(h.get(":authority"));
      case "request\u0000method": return str(h.get(":method"));
      case "request\u0000scheme": return str(h.get(":scheme"));
      case "request\u0000id": return str(h.get("x-request-id"));
      case "request\u0000referer": return str(h.get("referer"));
      case "request\u0000useragent": return str(h.get("user-agent"));
      case "request\u0000time": return int64(this.startNs);
      case "response\u0000code": return this.responseCode === null ? null : int64(this.responseCode);
      case "response\u0000code_details": return this.responseCodeDetails === null ? null : str(this.responseCodeDetails);
      case "upstream\u0000address": return this.upstreamAddress === null ? null : str(this.upstreamAddress);
    }
    if (path.startsWith("request\u0000headers\u0000")) return str(h.getJoined(path.slice(16)));
    if (path.startsWith("response\u0000headers\u0000")) {
      const r = this.respHeaders ?? (this.logPhase ? this.log.responseHeaders : null);
      return r ? str(r.getJoined(path.slice(17))) : null;
    }
    return null;
  }
}

/** No headers held: every header-derived property is NOT_FOUND. */
const NO_HEADERS = new HeaderMap();

function str(s: string | undefined): Uint8Array | null {
  return s === undefined ? null : encoder.encode(s);
}

export function bytes(b: string | Uint8Array): Uint8Array {
  return typeof b === "string" ? encoder.encode(b) : b;
}

/** cpp-host convertVmCallResultToFilterHeadersStatus: 0 Continue, 2 ContinueAndEndStream. */
export function isHeadersContinue(r: number): boolean {
  return r === 0 || r === 2;
}
