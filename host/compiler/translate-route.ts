// `HTTPRoute` (+ one of its matches) → one filter route: match, action, header operations, fault.
// Sources: istio/istio pilot/pkg/networking/core/route/route.go (BuildHTTPRoutesForVirtualService,
// sourceMatchHTTP, TranslateRoute, applyHTTPRouteDestination, processDestination,
// processWeightedDestination, GetDestinationCluster, ApplyRedirect, ApplyDirectResponse,
// TranslateHeadersOperations, translateAppendHeaders, setTimeout, TranslateFault,
// translatePercentToFractionalPercent, translateIntegerToFractionalPercent),
// pilot/pkg/networking/core/route/retry/retry.go (ConvertPolicy, parseRetryOn).

import type { Destination, FaultConfig, HeaderOperations, RetryPolicy, Route, RouteAction } from "../config/model.ts";
import { type DiagnosticSink, type Origin, asArray, asNumber, asString, at, isRecord, parseDurationMs } from "./common.ts";
import { compareStrings, labelsSubsetOf } from "./names.ts";
import type { Registry } from "./registry.ts";
import { subsetFailoverEnabled } from "./failover.ts";
import { checkRegex, isCatchAll, translateMatch } from "./translate-match.ts";
import { type MatchIn, type RouteIn, type VirtualServiceIn, originOf } from "./virtualservices.ts";

export interface RouteContext {
  vs: VirtualServiceIn;
  /** Gateway server port number as written in the Gateway. */
  port: number;
  /** `<gwNs>/<gwName>` of the server being built. */
  gatewayName: string;
  /** `server.tls != nil` (RouteOptions.IsTLS), used for redirect port defaults. */
  isTls: boolean;
  proxyLabels: Record<string, string>;
  proxyNamespace: string;
  registry: Registry;
  sink: DiagnosticSink;
}

export interface TranslatedRoute {
  route: Route;
  catchAll: boolean;
  origin: Origin;
  /** The route could not be built (already reported): it keeps its place for catch-all logic but is not emitted. */
  failed: boolean;
}

// ---- header operations ----

export function emptyHeaderOperations(): HeaderOperations {
  return { set: [], add: [], remove: [] };
}

/** `isInternalHeader`: `:`-prefixed or `host` (case-insensitive). */
function isInternalHeader(key: string): boolean {
  return key.startsWith(":") || key.toLowerCase() === "host";
}

function isAuthorityHeader(key: string): boolean {
  const k = key.toLowerCase();
  return k === ":authority" || k === "host";
}

/**
 * Header values are Envoy format strings. gatewasm does not substitute `%VAR%` specifiers, so any
 * specifier other than the literal `%%` is an error; `%%` becomes `%`.
 */
function translateHeaderValue(value: string, origin: Origin, sink: DiagnosticSink): string {
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c !== "%") {
      out += c;
      continue;
    }
    if (value[i + 1] === "%") {
      out += "%";
      i++;
      continue;
    }
    sink.report(origin, `Envoy format variables are not supported by gatewasm (value ${JSON.stringify(value)})`, "error");
    return value;
  }
  return out;
}

interface TranslatedHeaders {
  request: HeaderOperations;
  response: HeaderOperations;
  /** Request set/add of `:authority`/`host`: set beats add. "" when none. */
  authority: string;
}

/** `translateAppendHeaders`: sorted by key, internal keys dropped, authority picked out. */
function translateAppendHeaders(map: unknown, origin: Origin, sink: DiagnosticSink): { list: Array<[string, string]>; authority: string } {
  if (!isRecord(map)) return { list: [], authority: "" };
  let authority = "";
  const entries: Array<[string, string]> = [];
  for (const key of Object.keys(map).sort(compareStrings)) {
    const value = typeof map[key] === "string" ? map[key] : String(map[key] ?? "");
    if (isAuthorityHeader(key)) authority = value; // host_rewrite_literal: a literal, not a format string
    if (isInternalHeader(key)) continue;
    entries.push([key.toLowerCase(), translateHeaderValue(value, at(origin, key), sink)]);
  }
  return { list: entries, authority };
}

function dropInternal(keys: unknown): string[] {
  return asArray(keys).filter((k): k is string => typeof k === "string" && !isInternalHeader(k)).map((k) => k.toLowerCase());
}

/** `TranslateHeadersOperations`. */
export function translateHeaders(headers: unknown, origin: Origin, sink: DiagnosticSink): TranslatedHeaders {
  const out: TranslatedHeaders = { request: emptyHeaderOperations(), response: emptyHeaderOperations(), authority: "" };
  if (!isRecord(headers)) return out;
  const req = isRecord(headers.request) ? headers.request : {};
  const resp = isRecord(headers.response) ? headers.response : {};
  const reqSet = translateAppendHeaders(req.set, at(origin, "request", "set"), sink);
  const reqAdd = translateAppendHeaders(req.add, at(origin, "request", "add"), sink);
  out.request = { set: reqSet.list, add: reqAdd.list, remove: dropInternal(req.remove) };
  out.response = {
    set: translateAppendHeaders(resp.set, at(origin, "response", "set"), sink).list,
    add: translateAppendHeaders(resp.add, at(origin, "response", "add"), sink).list,
    remove: dropInternal(resp.remove),
  };
  // "If authority is set in 'add' and 'set', pick the one from 'set'".
  out.authority = reqSet.authority !== "" ? reqSet.authority : reqAdd.authority;
  return out;
}

// ---- fault ----

/** gRPC status names (`pkg/util/grpc` SupportedGRPCStatus). */
export const GRPC_STATUS_CODES: Record<string, number> = {
  OK: 0, CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5,
  ALREADY_EXISTS: 6, PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9,
  ABORTED: 10, OUT_OF_RANGE: 11, UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14,
  DATA_LOSS: 15, UNAUTHENTICATED: 16,
};

const UINT32_MAX = 0xffff_ffff;

/**
 * `translatePercentToFractionalPercent`: `uint32(p.Value * 10000)` per million. The product is an
 * IEEE-754 double in Go and in JS alike, and Go's float→uint32 conversion truncates toward zero,
 * so `Math.trunc` reproduces it: 33.33 ⇒ 333299.99999999994 ⇒ 333299.
 */
export function percentToPerMillion(value: number): number {
  const v = Math.trunc(value * 10000);
  if (!Number.isFinite(v) || v < 0) return 0;
  return Math.min(v, UINT32_MAX);
}

/** `TranslateFault`; null when neither delay nor abort survives translation. */
export function translateFault(fault: unknown, origin: Origin, sink: DiagnosticSink): FaultConfig | null {
  if (!isRecord(fault)) return null;
  const out: FaultConfig = { delayMs: 0, delayPerMillion: 0, abortHttpStatus: 0, abortGrpcStatus: -1, abortPerMillion: 0 };
  let hasDelay = false;
  let hasAbort = false;
  const delay = fault.delay;
  if (isRecord(delay)) {
    if (delay.fixedDelay !== undefined && delay.fixedDelay !== null) {
      const ms = parseDurationMs(delay.fixedDelay);
      if (ms === null) {
        sink.report(at(origin, "delay", "fixedDelay"), `invalid duration ${JSON.stringify(delay.fixedDelay)}`, "error");
      } else {
        hasDelay = true;
        out.delayMs = ms;
        if (isRecord(delay.percentage)) out.delayPerMillion = percentToPerMillion(asNumber(delay.percentage.value));
        // Legacy integer `percent` is a FractionalPercent over HUNDRED: percent/100 = percent*10000 per million.
        else out.delayPerMillion = Math.min(Math.max(0, Math.trunc(asNumber(delay.percent))) * 10000, UINT32_MAX);
      }
    } else {
      // "Exponential faults are not yet supported": the delay is dropped.
      sink.report(at(origin, "delay"), "only fixedDelay is supported: this delay is ignored (as Istio does)", "warning");
    }
  }
  const abort = fault.abort;
  if (isRecord(abort)) {
    if (typeof abort.httpStatus === "number") {
      hasAbort = true;
      out.abortHttpStatus = abort.httpStatus;
      out.abortGrpcStatus = -1;
    } else if (typeof abort.grpcStatus === "string" && abort.grpcStatus in GRPC_STATUS_CODES) {
      hasAbort = true;
      out.abortHttpStatus = 0;
      out.abortGrpcStatus = GRPC_STATUS_CODES[abort.grpcStatus]!;
    } else {
      sink.report(at(origin, "abort"), "only httpStatus and grpcStatus aborts are supported: this abort is ignored (as Istio does)", "warning");
    }
    // Unset percentage: Envoy's default 0 % (never aborts); the legacy `percent` no longer exists on Abort.
    if (hasAbort && isRecord(abort.percentage)) out.abortPerMillion = percentToPerMillion(asNumber(abort.percentage.value));
  }
  return hasDelay || hasAbort ? out : null;
}

// ---- retries ----

/** `http.StatusText(i) != ""` in Go's net/http. */
const GO_HTTP_STATUS_CODES = new Set([
  100, 101, 102, 103,
  200, 201, 202, 203, 204, 205, 206, 207, 208, 226,
  300, 301, 302, 303, 304, 305, 307, 308,
  400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418,
  421, 422, 423, 424, 425, 426, 428, 429, 431, 451,
  500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
]);

/** retry.go `defaultRetryOn`, used when `retryOn` is not set. */
export const DEFAULT_RETRY_ON = "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";

/** retry.go `ConvertPolicy`: unset ⇒ null (Istio's default policy); attempts ≤ 0 ⇒ no retries. */
export function translateRetries(retries: unknown, origin: Origin, sink: DiagnosticSink): RetryPolicy | null {
  if (!isRecord(retries)) return null;
  const attempts = Math.trunc(asNumber(retries.attempts));
  if (attempts <= 0) return { attempts: 0, retryOn: "", perTryTimeoutMs: 0, retriableStatusCodes: [] };
  let retryOn = DEFAULT_RETRY_ON;
  const codes: number[] = [];
  const spec = asString(retries.retryOn);
  if (spec !== "") {
    const parts: string[] = [];
    for (const raw of spec.split(",")) {
      const part = raw.trim();
      if (part === "") continue;
      // strconv.Atoi + http.StatusText: integers with a standard status text are status codes.
      if (/^[+-]?\d+$/.test(part) && GO_HTTP_STATUS_CODES.has(Number(part))) codes.push(Number(part));
      else parts.push(part);
    }
    retryOn = parts.join(",");
    if (codes.length > 0 && !retryOn.includes("retriable-status-codes")) retryOn += ",retriable-status-codes";
  }
  let perTryTimeoutMs = 0;
  if (retries.perTryTimeout !== undefined && retries.perTryTimeout !== null) {
    const ms = parseDurationMs(retries.perTryTimeout);
    if (ms === null) sink.report(at(origin, "perTryTimeout"), `invalid duration ${JSON.stringify(retries.perTryTimeout)}`, "error");
    else perTryTimeoutMs = ms;
  }
  return { attempts, retryOn, perTryTimeoutMs, retriableStatusCodes: codes };
}

// ---- actions ----

const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);

/** `ApplyRedirect`; null (with an error) for a redirect code Envoy cannot express. */
function translateRedirect(redirect: Record<string, any>, origin: Origin, ctx: RouteContext): RouteAction | null {
  const code = typeof redirect.redirectCode === "number" ? redirect.redirectCode : 0;
  const status = code === 0 ? 301 : code;
  if (!REDIRECT_CODES.has(status)) {
    // Istio logs "Redirect Code %d is not yet supported" and emits a route with no action, which Envoy rejects.
    ctx.sink.report(at(origin, "redirectCode"), `redirect code ${code} is not supported (Istio supports 301, 302, 303, 307 and 308)`, "error");
    return null;
  }
  const prefixRewrite = asString(redirect.prefixRewrite);
  const uri = asString(redirect.uri);
  const scheme = asString(redirect.scheme);
  let port = 0;
  const hasPort = typeof redirect.port === "number";
  const derive = asString(redirect.derivePort);
  if (hasPort || derive !== "") {
    if (hasPort) port = redirect.port;
    else if (derive === "FROM_REQUEST_PORT") port = ctx.port; // "we always generate routes in the context of a specific request port"
    // FROM_PROTOCOL_DEFAULT: Istio sets no port_redirect ("Envoy's default behavior").
    const effectiveScheme = scheme !== "" ? scheme : ctx.isTls ? "https" : "http";
    // "Do not put explicit :80 or :443 when its http/https"
    if (port === 80 && effectiveScheme === "http") port = 0;
    if (port === 443 && effectiveScheme === "https") port = 0;
  }
  return {
    kind: "redirect",
    status,
    path: prefixRewrite === "" && uri !== "" ? uri : null,
    prefixRewrite: prefixRewrite !== "" ? prefixRewrite : null,
    authority: asString(redirect.authority) || null,
    scheme: scheme || null,
    port,
  };
}

/** `ApplyDirectResponse`. */
function translateDirectResponse(dr: Record<string, any>, origin: Origin, sink: DiagnosticSink): RouteAction {
  let body = "";
  if (isRecord(dr.body)) {
    if (typeof dr.body.string === "string") body = dr.body.string;
    else if (typeof dr.body.bytes === "string") {
      const bytes = Buffer.from(dr.body.bytes, "base64");
      body = bytes.toString("utf8");
      if (!Buffer.from(body, "utf8").equals(bytes)) {
        sink.report(at(origin, "body", "bytes"), "directResponse body bytes that are not UTF-8 text are not supported by gatewasm", "error");
      }
    }
  }
  return { kind: "direct_response", status: asNumber(dr.status), body };
}

/** `GetDestinationCluster` + does Istio build that cluster for the gateway? */
function translateDestination(
  dst: Record<string, any>,
  origin: Origin,
  ctx: RouteContext,
): { cluster: string; clusterExists: boolean } {
  const d = isRecord(dst.destination) ? dst.destination : {};
  const host = asString(d.host);
  const subset = asString(d.subset);
  const svc = ctx.registry.lookup(host, ctx.vs.namespace);
  let port = ctx.port;
  const explicitPort = isRecord(d.port) && typeof d.port.number === "number" && d.port.number > 0;
  if (explicitPort) port = d.port.number;
  else if (svc !== null && svc.ports.length === 1) port = svc.ports[0]!;
  const cluster = `outbound|${port}|${subset}|${host}`;
  let problem = "";
  if (svc === null) problem = `host ${host} is not a Service or ServiceEntry visible to namespace ${ctx.proxyNamespace}`;
  else if (!svc.ports.includes(port)) problem = `${host} has no port ${port}`;
  else if (subset !== "" && !ctx.registry.subsets(svc).has(subset)) problem = `no DestinationRule for ${host} defines subset ${subset}`;
  else if (!ctx.registry.hasEndpoints(svc, subset)) {
    problem = subset === ""
      ? `${host} is a STATIC ServiceEntry without endpoints, and Istio builds no cluster without endpoints`
      : `no endpoint of ${host} (resolution ${asString((svc.res.spec as Record<string, unknown>).resolution) || "NONE"}) has the labels of subset ${subset}, and Istio builds no cluster without endpoints`;
  }
  if (problem !== "") {
    ctx.sink.report(at(origin, "destination"), `${problem}: cluster ${cluster} does not exist and requests routed to it get 503`, "warning");
  }
  return { cluster, clusterExists: problem === "" };
}

/** `applyHTTPRouteDestination` (without mirrors and CORS, which the filter does not implement). */
function translateRouteAction(
  route: RouteIn,
  headerAuthority: string,
  ctx: RouteContext,
): RouteAction | null {
  const h = route.h;
  let timeoutMs = 0; // setTimeout: unset ⇒ 0, Istio disables Envoy's 15 s default
  if (h.timeout !== undefined && h.timeout !== null) {
    const ms = parseDurationMs(h.timeout);
    if (ms === null) ctx.sink.report(originOf(route, "timeout"), `invalid duration ${JSON.stringify(h.timeout)}`, "error");
    else timeoutMs = ms;
  }
  let authority = headerAuthority;
  let rewriteUri: string | null = null;
  let rewriteRegex: { match: string; substitution: string } | null = null;
  if (isRecord(h.rewrite)) {
    const ro = originOf(route, "rewrite");
    if (isRecord(h.rewrite.uriRegexRewrite)) {
      const match = asString(h.rewrite.uriRegexRewrite.match);
      checkRegex(match, at(ro, "uriRegexRewrite", "match"), ctx.sink);
      rewriteRegex = { match, substitution: asString(h.rewrite.uriRegexRewrite.rewrite) };
    } else if (asString(h.rewrite.uri) !== "") {
      rewriteUri = h.rewrite.uri;
    }
    if (asString(h.rewrite.authority) !== "") authority = h.rewrite.authority;
  }
  const retries = translateRetries(h.retries, originOf(route, "retries"), ctx.sink);

  const dests = asArray(h.route);
  const routeOrigin = originOf(route, "route");
  if (dests.length === 0) {
    ctx.sink.report(route.origin, "HTTP route, redirect or direct_response is required", "error");
    return null;
  }
  const destinations: Destination[] = [];
  if (dests.length === 1) {
    // A single destination: its weight is ignored. Its header operations stay on the destination;
    // the encoder appends them after the route's (one Envoy parser, so its `set` wins), and its
    // authority applies only when the route has none (processDestination).
    const dst = isRecord(dests[0]) ? dests[0] : {};
    const o = at(routeOrigin, 0);
    const { cluster, clusterExists } = translateDestination(dst, o, ctx);
    const ops = translateHeaders(dst.headers, at(o, "headers"), ctx.sink);
    destinations.push({
      cluster,
      clusterExists,
      weight: 100,
      requestHeaders: ops.request,
      responseHeaders: ops.response,
      authority: ops.authority !== "" ? ops.authority : null,
    });
  } else {
    dests.forEach((dst, i) => {
      if (!isRecord(dst)) return;
      const weight = asNumber(dst.weight);
      if (weight === 0) return; // "Ignore 0 weighted clusters if there are other clusters in the route."
      const o = at(routeOrigin, i);
      const { cluster, clusterExists } = translateDestination(dst, o, ctx);
      const ops = translateHeaders(dst.headers, at(o, "headers"), ctx.sink);
      destinations.push({
        cluster,
        clusterExists,
        weight,
        requestHeaders: ops.request,
        responseHeaders: ops.response,
        authority: ops.authority !== "" ? ops.authority : null,
      });
    });
    if (destinations.length === 0) {
      ctx.sink.report(routeOrigin, "the weights of the destinations sum to 0", "error");
      return null;
    }
  }
  const action: RouteAction = {
    kind: "route",
    destinations,
    weighted: dests.length > 1,
    rewriteUri,
    rewriteRegex,
    authority: authority !== "" ? authority : null,
    timeoutMs,
    retries,
  };
  // Failover moves weight between destinations: a route left with one has nothing to move.
  if (destinations.length > 1 && subsetFailoverEnabled(ctx.vs.res)) action.failover = true;
  return action;
}

/**
 * Istio's `GetRouteOperation`: the path part is the match's prefix + "*", exact path or regex
 * ("/*" without a uri match); with one destination (a plain \`cluster\`) it is
 * \`host:port<path>\` from the cluster name, else \`<VirtualService name>:<server port><path>\`.
 */
function routeOperation(out: Route, route: RouteIn, ctx: RouteContext): string {
  const p = out.path;
  const path = p === null ? "/*" : p.kind === "prefix" ? `${p.value}*` : p.value;
  if (out.action.kind === "route" && asArray(route.h.route).length === 1) {
    const [, port, , host] = out.action.destinations[0]!.cluster.split("|");
    return `${host}:${port}${path}`;
  }
  return `${ctx.vs.res.metadata.name}:${ctx.port}${path}`;
}

/** `sourceMatchHTTP`: match.gateways, else sourceLabels ⊆ gateway labels and sourceNamespace. */
function sourceMatches(m: Record<string, any>, ctx: RouteContext): boolean {
  const gateways = asArray(m.gateways);
  if (gateways.length > 0) return gateways.includes(ctx.gatewayName);
  if (!labelsSubsetOf(isRecord(m.sourceLabels) ? m.sourceLabels : {}, ctx.proxyLabels)) return false;
  const sns = asString(m.sourceNamespace);
  return sns === "" || sns === ctx.proxyNamespace;
}

/** `TranslateRoute`: null when the match is dropped for this server or the route cannot be built. */
export function translateRoute(route: RouteIn, match: MatchIn | null, ctx: RouteContext): TranslatedRoute | null {
  if (match !== null) {
    const mp = typeof match.m.port === "number" ? match.m.port : 0;
    if (mp !== 0 && mp !== ctx.port) return null;
    if (!sourceMatches(match.m, ctx)) return null;
  }
  const h = route.h;
  let name = asString(h.name);
  if (match !== null && asString(match.m.name) !== "") name = `${name}.${match.m.name}`;

  const tm = translateMatch(match, ctx.sink);
  const headerOps = translateHeaders(h.headers, originOf(route, "headers"), ctx.sink);
  const out: Route = {
    name: name === "" ? null : name,
    virtualService: ctx.vs.key,
    path: tm.path,
    headers: tm.headers,
    queryParams: tm.queryParams,
    action: { kind: "direct_response", status: 0, body: "" },
    requestHeaders: headerOps.request,
    responseHeaders: headerOps.response,
    fault: null,
  };

  let action: RouteAction | null;
  if (isRecord(h.redirect)) action = translateRedirect(h.redirect, originOf(route, "redirect"), ctx);
  else if (isRecord(h.directResponse)) action = translateDirectResponse(h.directResponse, originOf(route, "directResponse"), ctx.sink);
  else action = translateRouteAction(route, headerOps.authority, ctx);
  if (h.fault !== undefined && h.fault !== null) out.fault = translateFault(h.fault, originOf(route, "fault"), ctx.sink);
  if (h.mirror || asArray(h.mirrors).length > 0) {
    ctx.sink.report(originOf(route, h.mirror ? "mirror" : "mirrors"), "traffic mirroring is not supported by gatewasm: requests are not mirrored", "warning");
  }
  if (isRecord(h.corsPolicy)) {
    ctx.sink.report(originOf(route, "corsPolicy"), "corsPolicy is not supported by gatewasm: CORS headers are not added and preflight requests are routed like other requests", "warning");
  }
  const catchAll = isCatchAll(out, tm.hasUnsupported);
  if (action !== null) out.action = action;
  if (action?.kind === "route") out.decoratorOperation = routeOperation(out, route, ctx);
  return { route: out, catchAll, origin: route.origin, failed: action === null };
}

/**
 * `BuildHTTPRoutesForVirtualService`: routes in order, one per match; a route without match, or
 * a catch-all match, ends the VirtualService (later routes are unreachable and reported).
 */
export function translateVirtualService(ctx: RouteContext): TranslatedRoute[] {
  const out: TranslatedRoute[] = [];
  const routes = ctx.vs.routes;
  for (let i = 0; i < routes.length; i++) {
    const route = routes[i]!;
    let catchAll = false;
    if (route.matches.length === 0) {
      const r = translateRoute(route, null, ctx);
      if (r) out.push(r);
      catchAll = true;
    } else {
      for (let j = 0; j < route.matches.length; j++) {
        const r = translateRoute(route, route.matches[j]!, ctx);
        if (r === null) continue;
        out.push(r);
        if (r.catchAll) {
          catchAll = true;
          if (j + 1 < route.matches.length) {
            ctx.sink.report(route.matches[j + 1]!.origin, "unreachable match: an earlier match of this route matches every request", "warning");
          }
          break;
        }
      }
    }
    if (catchAll) {
      if (i + 1 < routes.length) {
        ctx.sink.report(routes[i + 1]!.origin, "unreachable route: an earlier route of this VirtualService matches every request; this and later routes are ignored", "warning");
      }
      break;
    }
  }
  return out;
}
