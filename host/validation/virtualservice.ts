// VirtualService webhook rules: istio/istio @86c9f01f pkg/config/validation/validation.go
// (ValidateVirtualService, validateGatewayNames, validateHTTPRouteDestinations, validateCORSPolicy,
// validateHTTPFaultInjection*, validateDestination, validateHTTPRedirect, validateHTTPDirectResponse,
// validateHTTPMirrors, validateHTTPRewrite, validateStringMatch*, validateExportTo,
// analyzeUnreachableHTTPRules) and pkg/config/validation/virtualservice.go (validateHTTPRoute,
// validateHTTPRouteConflict, validateHTTPRouteMatchRequest, validateAuthorityRewrite).

import type { FieldPath } from "../resources/types.ts";
import {
  isAuthorityHeader,
  isDNS1123Label,
  isIPAddress,
  isJwtClaimKey,
  validateCorsHeaderName,
  validateFQDN,
  validateHeaderOpName,
  validateHeaderOpNameWithAuthority,
  validateHeaderValue,
  validateLabels,
  validateMatchHeaderName,
  validateRegex,
  validateWildcardDomain,
} from "./names.ts";
import { parseDurationNs } from "./duration.ts";
import { arr, durationError, isObj, isSet, num, obj, portError, Report, str, strMap, type Obj } from "./report.ts";
import { validateExportTo } from "./export-to.ts";

const MESH = "mesh";

export function validateVirtualService(report: Report): void {
  const spec = report.resource.spec as Obj;
  const S: FieldPath = ["spec"];
  const hosts = arr(spec.hosts);
  const gateways = arr(spec.gateways);
  const isDelegate = hosts.length === 0;

  if (isDelegate) {
    if (gateways.length > 0) report.error([...S, "gateways"], "vs-delegate", "delegate virtual service must have no gateways specified");
    if (arr(spec.tls).length > 0) report.error([...S, "tls"], "vs-delegate", "delegate virtual service must have no tls route specified");
    if (arr(spec.tcp).length > 0) report.error([...S, "tcp"], "vs-delegate", "delegate virtual service must have no tcp route specified");
  }

  let appliesToGateway = false;
  let appliesToMesh = true;
  if (gateways.length > 0) {
    validateGatewayNames(report, gateways, [...S, "gateways"]);
    appliesToGateway = !gateways.includes(MESH);
    appliesToMesh = !appliesToGateway;
  }

  if (!appliesToGateway) {
    arr(spec.http).forEach((http, i) => {
      arr(obj(http)?.match).forEach((m, j) => {
        for (const field of ["headers", "withoutHeaders"]) {
          for (const [key] of strMap(obj(m)?.[field])) {
            if (isJwtClaimKey(key)) {
              report.error([...S, "http", i, "match", j, field, key], "vs-jwt-claim-mesh", `JWT claim based routing (key: ${key}) is only supported for gateway, found no gateways: [${gateways.map(String).join(" ")}]`);
            }
          }
        }
      });
    });
  }

  let allHostsValid = true;
  hosts.forEach((h, i) => {
    const host = str(h);
    const err = validateWildcardDomain(host);
    if (err !== null) {
      if (!isIPAddress(host)) {
        report.error([...S, "hosts", i], "vs-host", err);
        allHostsValid = false;
      }
    } else if (appliesToMesh && host === "*") {
      report.error([...S, "hosts", i], "vs-host", "wildcard host * is not allowed for virtual services bound to the mesh gateway");
      allHostsValid = false;
    }
  });
  if (allHostsValid) {
    for (let i = 0; i < hosts.length; i++) {
      for (let j = i + 1; j < hosts.length; j++) {
        if (hostMatches(str(hosts[i]), str(hosts[j]))) {
          report.error([...S, "hosts", j], "vs-duplicate-host", `duplicate hosts in virtual service: ${str(hosts[i])} & ${str(hosts[j])}`);
        }
      }
    }
  }

  if (arr(spec.http).length === 0 && arr(spec.tcp).length === 0 && arr(spec.tls).length === 0) {
    report.error(S, "vs-no-routes", "http, tcp or tls must be provided in virtual service");
  }
  arr(spec.http).forEach((http, i) => {
    const at: FieldPath = [...S, "http", i];
    if (!isObj(http)) {
      report.error(at, "vs-http-null", "http route may not be null");
      return;
    }
    validateHTTPRoute(report, http, at, isDelegate);
  });
  arr(spec.tls).forEach((tls, i) => validateTLSRoute(report, obj(tls) ?? {}, [...S, "tls", i]));
  arr(spec.tcp).forEach((tcp, i) => validateTCPRoute(report, obj(tcp) ?? {}, [...S, "tcp", i]));
  validateExportTo(report, spec.exportTo, { isServiceEntry: false, isDestinationRuleWithSelector: false });
  analyzeUnreachableHTTPRules(report, arr(spec.http));
}

/** host.Name.Matches (pkg/config/host/name.go): wildcard-aware overlap. */
export function hostMatches(a: string, b: string): boolean {
  const aw = a.startsWith("*");
  const bw = b.startsWith("*");
  if (aw && bw) return a.length < b.length ? b.slice(1).endsWith(a.slice(1)) : a.slice(1).endsWith(b.slice(1));
  if (aw) return b.endsWith(a.slice(1));
  if (bw) return a.endsWith(b.slice(1));
  return a === b;
}

/** validateGatewayNames. Quirk kept from Istio: checking stops at the first name without "/". */
export function validateGatewayNames(report: Report, names: unknown[], at: FieldPath): void {
  for (let i = 0; i < names.length; i++) {
    const name = str(names[i]);
    const path = [...at, i];
    const slash = name.indexOf("/");
    if (slash < 0) {
      if (name.includes(".")) {
        const parts = name.split(".");
        report.warn(path, "vs-gateway-legacy-name", `using legacy gatewayName format "${name}"; prefer the <namespace>/<name> format: "${parts[1]}/${parts[0]}"`);
      }
      report.check(path, "vs-gateway-name", validateFQDN(name));
      return;
    }
    const ns = name.slice(0, slash);
    const gw = name.slice(slash + 1);
    if (ns === "" || gw === "") report.error(path, "vs-gateway-name", "config namespace and gateway name cannot be empty");
    if (!isDNS1123Label(ns)) report.error(path, "vs-gateway-name", `invalid value for namespace: "${ns}"`);
    if (!isDNS1123Label(gw)) report.error(path, "vs-gateway-name", `invalid value for gateway name: "${gw}"`);
  }
}

function validateHTTPRoute(report: Report, http: Obj, at: FieldPath, isDelegateVs: boolean): void {
  validateHTTPRouteConflict(report, http, at, isDelegateVs);
  validateHTTPRouteMatchRequest(report, http, at);
  validateHeaderOperations(report, obj(http.headers), [...at, "headers"]);
  validateCORSPolicy(report, obj(http.corsPolicy), [...at, "corsPolicy"]);
  validateHTTPFaultInjection(report, http.fault, [...at, "fault"]);

  if (isSet(http.mirrorPercent)) {
    const value = num(http.mirrorPercent);
    if (value > 100) report.error([...at, "mirrorPercent"], "vs-mirror-percent", `mirror_percent must have a max value of 100 (it has ${value})`);
    report.warn([...at, "mirrorPercent"], "vs-mirror-percent-deprecated", 'using deprecated setting "mirrorPercent", use "mirrorPercentage" instead');
  }
  const mirrorPercentage = obj(http.mirrorPercentage);
  if (mirrorPercentage) {
    const value = num(mirrorPercentage.value);
    if (value > 100) report.error([...at, "mirrorPercentage", "value"], "vs-mirror-percent", `mirror_percentage must have a max value of 100 (it has ${value})`);
    if (value < 0) report.error([...at, "mirrorPercentage", "value"], "vs-mirror-percent", `mirror_percentage must have a min value of 0 (it has ${value})`);
  }
  validateDestination(report, obj(http.mirror), [...at, "mirror"]);
  validateHTTPMirrors(report, arr(http.mirrors), [...at, "mirrors"]);
  validateHTTPRedirect(report, obj(http.redirect), arr(http.match), [...at, "redirect"]);
  validateHTTPDirectResponse(report, obj(http.directResponse), [...at, "directResponse"]);
  validateHTTPRetry(report, obj(http.retries), [...at, "retries"]);
  validateHTTPRewrite(report, obj(http.rewrite), [...at, "rewrite"]);
  validateAuthorityRewrite(report, obj(http.rewrite), obj(http.headers), at);
  validateRouteDestinations(report, arr(http.route), [...at, "route"], true);
  if (isSet(http.timeout)) report.check([...at, "timeout"], "duration", durationError(http.timeout));
}

function validateHTTPRouteConflict(report: Report, http: Obj, at: FieldPath, isDelegateVs: boolean): void {
  const name = str(http.name);
  const has = (k: string) => isSet(http[k]);
  const hasRoute = arr(http.route).length > 0;
  if (!isDelegateVs && has("delegate")) {
    // Root route: only delegate may be specified.
    if (has("redirect")) report.error([...at, "redirect"], "vs-root-route", `root HTTP route ${name} must not specify redirect`);
    if (has("route")) report.error([...at, "route"], "vs-root-route", `root HTTP route ${name} must not specify route`);
    return;
  }
  if (isDelegateVs && has("delegate")) report.error([...at, "delegate"], "vs-delegate-nested", "delegate HTTP route cannot contain delegate");
  if (has("redirect")) {
    if (hasRoute) report.error([...at, "route"], "vs-route-action", "HTTP route cannot contain both route and redirect");
    if (has("fault")) report.error([...at, "fault"], "vs-route-action", "HTTP route cannot contain both fault and redirect");
    if (has("rewrite")) report.error([...at, "rewrite"], "vs-route-action", "HTTP route rule cannot contain both rewrite and redirect");
    if (has("directResponse")) report.error([...at, "directResponse"], "vs-route-action", "HTTP route rule cannot contain both direct_response and redirect");
  } else if (has("directResponse")) {
    if (hasRoute) report.error([...at, "route"], "vs-route-action", "HTTP route cannot contain both route and direct_response");
    if (has("fault")) report.error([...at, "fault"], "vs-route-action", "HTTP route cannot contain both fault and direct_response");
    if (has("rewrite")) report.error([...at, "rewrite"], "vs-route-action", "HTTP route rule cannot contain both rewrite and direct_response");
  } else if (!hasRoute) {
    report.error(at, "vs-route-action", "HTTP route, redirect or direct_response is required");
  }
  if (has("mirror") && arr(http.mirrors).length > 0) report.error([...at, "mirrors"], "vs-mirror-both", "HTTP route cannot contain both mirror and mirrors");
}

type MatchKind = "exact" | "prefix" | "regex" | undefined;
function matchKind(sm: Obj | undefined): MatchKind {
  if (!sm) return undefined;
  for (const k of ["exact", "prefix", "regex"] as const) if (isSet(sm[k])) return k;
  return undefined;
}

/** validateStringMatch: prefix must not be empty; regex rules (validateStringMatchRegexp). */
function validateStringMatch(report: Report, sm: unknown, where: string, at: FieldPath, allowEmptyPrefix = false): void {
  const m = obj(sm);
  const kind = matchKind(m);
  if (kind === "prefix" && !allowEmptyPrefix && str(m!.prefix) === "") {
    report.error([...at, "prefix"], "vs-string-match", `"${where}": prefix string match should not be empty`);
  }
  if (kind === "regex") validateStringRegexField(report, str(m!.regex), where, [...at, "regex"]);
}

function validateStringRegexField(report: Report, re: string, where: string, at: FieldPath): void {
  if (re === "") {
    report.error(at, "vs-regex", `"${where}": regex string match should not be empty`);
    return;
  }
  const err = validateRegex(re);
  if (err) report.error(at, "vs-regex", `"${where}": ${err}`);
}

function validateHTTPRouteMatchRequest(report: Report, http: Obj, at: FieldPath): void {
  arr(http.match).forEach((raw, j) => {
    const match = obj(raw);
    if (!match) return;
    const m: FieldPath = [...at, "match", j];
    for (const [name, header] of strMap(match.headers)) {
      const hp = [...m, "headers", name];
      if (!isSet(header)) report.error(hp, "vs-header-match", `header match ${name} cannot be null`);
      report.check(hp, "vs-header-name", validateMatchHeaderName(name));
      validateStringMatch(report, header, "headers", hp);
    }
    for (const [name, header] of strMap(match.withoutHeaders)) {
      const hp = [...m, "withoutHeaders", name];
      report.check(hp, "vs-header-name", validateMatchHeaderName(name));
      // `regex: "*"` is not an RE2 regex: it means "header present" (canBeConvertedToPresentMatch).
      if (isSet(header) && str(obj(header)?.regex) !== "*") validateStringMatch(report, header, "withoutHeaders", hp);
    }
    // uri allows an empty prefix (Envoy route prefix), scheme/method/authority do not.
    const uri = obj(match.uri);
    if (matchKind(uri) === "regex") validateStringRegexField(report, str(uri!.regex), "uri", [...m, "uri", "regex"]);
    validateStringMatch(report, match.scheme, "scheme", [...m, "scheme"]);
    validateStringMatch(report, match.method, "method", [...m, "method"]);
    validateStringMatch(report, match.authority, "authority", [...m, "authority"]);
    for (const [name, qp] of strMap(match.queryParams)) validateStringMatch(report, qp, "queryParams", [...m, "queryParams", name]);

    if (isSet(match.port) && num(match.port) !== 0) report.check([...m, "port"], "port", portError(num(match.port)));
    for (const { key, message } of validateLabels(obj(match.sourceLabels) ?? {})) report.error([...m, "sourceLabels", key], "labels", message);
    validateGatewayNames(report, arr(match.gateways), [...m, "gateways"]);
    const sourceNamespace = str(match.sourceNamespace);
    if (sourceNamespace !== "" && !isDNS1123Label(sourceNamespace)) {
      report.error([...m, "sourceNamespace"], "vs-source-namespace", `sourceNamespace match ${sourceNamespace} is invalid`);
    }
  });
}

/** Header operations of a route or of one destination. */
function validateHeaderOperations(report: Report, headers: Obj | undefined, at: FieldPath): void {
  if (!headers) return;
  for (const side of ["request", "response"] as const) {
    const ops = obj(headers[side]);
    if (!ops) continue;
    for (const op of ["set", "add"] as const) {
      for (const [name, value] of strMap(ops[op])) {
        const p = [...at, side, op, name];
        report.check(p, "vs-header-op-name", side === "request" ? validateHeaderOpNameWithAuthority(name) : validateHeaderOpName(name));
        report.check(p, "vs-header-value", validateHeaderValue(str(value)));
      }
    }
    arr(ops.remove).forEach((name, i) => report.check([...at, side, "remove", i], "vs-header-op-name", validateHeaderOpName(str(name))));
  }
}

/** validateAuthorityRewrite: the authority may be rewritten in one place only. */
function validateAuthorityRewrite(report: Report, rewrite: Obj | undefined, headers: Obj | undefined, at: FieldPath): void {
  let current = str(rewrite?.authority);
  const request = obj(headers?.request);
  for (const op of ["set", "add"] as const) {
    for (const [k, v] of strMap(request?.[op])) {
      if (!isAuthorityHeader(k)) continue;
      if (current !== "") {
        report.error([...at, "headers", "request", op, k], "vs-authority-twice", `authority header cannot be set multiple times: have "${current}", attempting to set "${str(v)}"`);
        return;
      }
      current = str(v);
    }
  }
}

// validation.go supportedCORSMethods (Go net/http method names, case-sensitive) plus "*".
const CORS_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE", "*"]);

function validateCORSPolicy(report: Report, policy: Obj | undefined, at: FieldPath): void {
  if (!policy) return;
  arr(policy.allowOrigins).forEach((o, i) => {
    const origin = obj(o);
    const kind = matchKind(origin);
    const value = kind ? str(origin![kind]) : "";
    if (value === "") {
      report.error([...at, "allowOrigins", i], "vs-cors-origin", `'${value}' is not a valid match type for CORS allow origins`);
      return;
    }
    if (kind === "regex") validateStringRegexField(report, value, "corsPolicy.allowOrigins", [...at, "allowOrigins", i, "regex"]);
  });
  arr(policy.allowMethods).forEach((m, i) => {
    if (!CORS_METHODS.has(str(m))) report.error([...at, "allowMethods", i], "vs-cors-method", `"${str(m)}" is not a supported HTTP method`);
  });
  for (const field of ["allowHeaders", "exposeHeaders"] as const) {
    arr(policy[field]).forEach((h, i) => report.check([...at, field, i], "vs-cors-header", validateCorsHeaderName(str(h))));
  }
  if (isSet(policy.maxAge)) {
    report.check([...at, "maxAge"], "duration", durationError(policy.maxAge));
    const ns = parseDurationNs(str(policy.maxAge));
    if (ns !== null && ns % 1e9 !== 0) report.error([...at, "maxAge"], "vs-cors-max-age", "max_age duration is accurate only to seconds precision");
  }
}

/** Percent.value: 0, or in [0.0001, 100] (validatePercentage). */
function percentageError(p: Obj | undefined): string | null {
  if (!p) return null;
  const v = num(p.value);
  if (v < 0 || v > 100 || (v > 0 && v < 0.0001)) return `percentage ${v} is neither 0.0, nor in range [0.0001, 100.0]`;
  return null;
}

// pkg/util/grpc SupportedGRPCStatus: the 17 canonical gRPC status names.
const GRPC_STATUS = new Set([
  "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE",
  "DATA_LOSS", "UNAUTHENTICATED",
]);

/** validateHTTPStatus: 200 ≤ status ≤ 600 (the message says 200-599; 600 passes, as in Istio). */
function httpStatusError(status: number): string | null {
  return status < 200 || status > 600 ? `HTTP status ${status} is not in range 200-599` : null;
}

function validateHTTPFaultInjection(report: Report, raw: unknown, at: FieldPath): void {
  const fault = obj(raw);
  if (!fault) return;
  const abort = obj(fault.abort);
  const delay = obj(fault.delay);
  if (!abort && !delay) report.error(at, "vs-fault-empty", "HTTP fault injection must have an abort and/or a delay");
  if (abort) {
    const a = [...at, "abort"];
    report.check([...a, "percentage", "value"], "vs-fault-percentage", percentageError(obj(abort.percentage)));
    if (isSet(abort.grpcStatus)) {
      const s = str(abort.grpcStatus);
      if (!GRPC_STATUS.has(s)) {
        report.error([...a, "grpcStatus"], "vs-fault-grpc-status", `gRPC status "${s}" is not supported. See https://github.com/grpc/grpc/blob/master/doc/statuscodes.md for a list of supported codes, for example 'NOT_FOUND'`);
      }
    } else if (isSet(abort.http2Error)) {
      report.error([...a, "http2Error"], "vs-fault-http2", "HTTP/2 abort fault injection not supported yet");
    } else if (isSet(abort.httpStatus)) {
      report.check([...a, "httpStatus"], "vs-fault-http-status", httpStatusError(num(abort.httpStatus)));
    } else {
      report.warn(a, "vs-fault-abort-no-type", "abort configured, but error type not set");
    }
  }
  if (delay) {
    const d = [...at, "delay"];
    report.check([...d, "percentage", "value"], "vs-fault-percentage", percentageError(obj(delay.percentage)));
    if (isSet(delay.fixedDelay)) report.check([...d, "fixedDelay"], "duration", durationError(delay.fixedDelay));
    else if (isSet(delay.exponentialDelay)) {
      report.check([...d, "exponentialDelay"], "duration", durationError(delay.exponentialDelay));
      report.error([...d, "exponentialDelay"], "vs-fault-exponential-delay", "exponentialDelay not supported yet");
    }
  }
}

export function validateDestination(report: Report, dest: Obj | undefined, at: FieldPath): void {
  if (!dest) return;
  const host = str(dest.host);
  if (host === "*") report.error([...at, "host"], "vs-destination-host", `invalid destination host ${host}`);
  else report.check([...at, "host"], "vs-destination-host", validateWildcardDomain(host));
  if (isSet(dest.subset)) {
    const subset = str(dest.subset);
    if (subset === "") report.error([...at, "subset"], "subset-name", "subset name cannot be empty");
    else if (!isDNS1123Label(subset)) report.error([...at, "subset"], "subset-name", `subset name is invalid: ${subset}`);
  }
  const port = obj(dest.port);
  if (port) report.check([...at, "port", "number"], "port", portError(num(port.number)));
}

function validateHTTPMirrors(report: Report, mirrors: unknown[], at: FieldPath): void {
  mirrors.forEach((raw, i) => {
    const mirror = obj(raw);
    const p = [...at, i];
    if (!mirror) return report.error(p, "vs-mirror", "mirror cannot be null");
    const dest = obj(mirror.destination);
    if (!dest) return report.error(p, "vs-mirror", "destination is required for mirrors");
    validateDestination(report, dest, [...p, "destination"]);
    const percentage = obj(mirror.percentage);
    if (percentage) {
      const v = num(percentage.value);
      if (v > 100) report.error([...p, "percentage", "value"], "vs-mirror-percent", `mirror percentage must have a max value of 100 (it has ${v})`);
      if (v < 0) report.error([...p, "percentage", "value"], "vs-mirror-percent", `mirror percentage must have a min value of 0 (it has ${v})`);
    }
  });
}

/** validateHTTPRedirect: Istio returns the first problem only; so do we. */
function validateHTTPRedirect(report: Report, redirect: Obj | undefined, matches: unknown[], at: FieldPath): void {
  if (!redirect) return;
  const uri = str(redirect.uri);
  const prefixRewrite = str(redirect.prefixRewrite);
  if (uri !== "" && prefixRewrite !== "") return report.error([...at, "prefixRewrite"], "vs-redirect", "redirect may only specify one of uri or prefix_rewrite");
  if (prefixRewrite !== "") {
    for (let j = 0; j < matches.length; j++) {
      const u = obj(obj(matches[j])?.uri);
      if (u && matchKind(u) !== "prefix") {
        return report.error([...at, "prefixRewrite"], "vs-redirect", "redirect prefix_rewrite requires all URI matches to use prefix match type");
      }
    }
  }
  if (uri === "" && prefixRewrite === "" && str(redirect.authority) === "" && !isSet(redirect.port) && !isSet(redirect.derivePort) && str(redirect.scheme) === "") {
    return report.error(at, "vs-redirect", "redirect must specify URI, authority, scheme, or port");
  }
  const code = num(redirect.redirectCode);
  if (code !== 0 && (code < 300 || code > 399)) return report.error([...at, "redirectCode"], "vs-redirect-code", `${code} is not a valid redirect code, must be 3xx`);
  const scheme = str(redirect.scheme);
  if (scheme !== "" && scheme !== "http" && scheme !== "https") return report.error([...at, "scheme"], "vs-redirect-scheme", 'invalid redirect scheme, must be "http" or "https"');
  if (num(redirect.port) > 0) report.check([...at, "port"], "port", portError(num(redirect.port)));
}

const KiB = 1024;
const MiB = 1024 * KiB;

function validateHTTPDirectResponse(report: Report, dr: Obj | undefined, at: FieldPath): void {
  if (!dr) return;
  const body = obj(dr.body);
  if (body) {
    // `bytes` is base64 in YAML; its size is the decoded size.
    const size = isSet(body.string) ? Buffer.byteLength(str(body.string)) : isSet(body.bytes) ? Buffer.from(str(body.bytes), "base64").length : 0;
    if (size > MiB) report.error([...at, "body"], "vs-direct-response-body", "large direct_responses may impact control plane performance, must be less than 1MB");
    else if (size > 100 * KiB) report.warn([...at, "body"], "vs-direct-response-body", "large direct_responses may impact control plane performance");
  }
  report.check([...at, "status"], "vs-direct-response-status", httpStatusError(num(dr.status)));
}

// agent/validation.go supportedRetryOnPolicies (Envoy x-envoy-retry-on and x-envoy-retry-grpc-on).
const RETRY_ON = new Set([
  "5xx", "gateway-error", "reset", "reset-before-request", "connect-failure", "retriable-4xx", "refused-stream",
  "retriable-status-codes", "retriable-headers", "envoy-ratelimited", "http3-post-connect-failure",
  "cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable",
]);

// Go net/http StatusText: the codes with a standard reason phrase.
const HTTP_STATUS_TEXT = new Set([
  100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308,
  400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 421, 422, 423, 424,
  425, 426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
]);

function validateHTTPRetry(report: Report, retries: Obj | undefined, at: FieldPath): void {
  if (!retries) return;
  const attempts = num(retries.attempts);
  if (attempts < 0) report.error([...at, "attempts"], "vs-retry-attempts", "attempts cannot be negative");
  if (attempts === 0 && (isSet(retries.perTryTimeout) || str(retries.retryOn) !== "" || isSet(retries.retryRemoteLocalities))) {
    report.error([...at, "attempts"], "vs-retry-disabled", "http retry policy configured when attempts are set to 0 (disabled)");
  }
  if (isSet(retries.perTryTimeout)) report.check([...at, "perTryTimeout"], "duration", durationError(retries.perTryTimeout));
  const retryOn = str(retries.retryOn);
  if (retryOn !== "") {
    for (const policy of retryOn.split(",")) {
      // Go strconv.Atoi: optional sign, decimal digits only.
      const code = /^[+-]?[0-9]+$/.test(policy) ? Number(policy) : 0;
      if (!HTTP_STATUS_TEXT.has(code) && !RETRY_ON.has(policy)) {
        report.error([...at, "retryOn"], "vs-retry-on", `"${policy}" is not a valid retryOn policy`);
      }
    }
  }
  if (isSet(retries.backoff)) report.check([...at, "backoff"], "duration", durationError(retries.backoff));
}

function validateHTTPRewrite(report: Report, rewrite: Obj | undefined, at: FieldPath): void {
  if (!rewrite) return;
  const uri = str(rewrite.uri);
  const regexRewrite = obj(rewrite.uriRegexRewrite);
  if (uri !== "" && regexRewrite) return report.error([...at, "uriRegexRewrite"], "vs-rewrite", "rewrite may only contain one of URI or UriRegexRewrite");
  if (uri === "" && !regexRewrite && str(rewrite.authority) === "") {
    return report.error(at, "vs-rewrite", "rewrite must specify at least one of URI, UriRegexRewrite, or authority. Only one of URI or UriRegexRewrite may be specified");
  }
  if (regexRewrite) {
    const rp = [...at, "uriRegexRewrite"];
    if (str(regexRewrite.match) === "" || str(regexRewrite.rewrite) === "") {
      return report.error(rp, "vs-rewrite", "UriRegexRewrite has errors: UriRegexRewrite requires both Rewrite and Match fields to be specified");
    }
    const err = validateRegex(str(regexRewrite.match));
    if (err) report.error([...rp, "match"], "vs-regex", `UriRegexRewrite has errors: "HTTPRewrite.UriRegexRewrite.Match": ${err}`);
  }
}

/**
 * validateHTTPRouteDestinations / validateRouteDestinations (the L4 form has no header
 * operations): destinations required, weights ≥ 0, several destinations need Σw > 0.
 */
function validateRouteDestinations(report: Report, routes: unknown[], at: FieldPath, withHeaders = false): void {
  let total = 0;
  routes.forEach((raw, i) => {
    const p = [...at, i];
    const rd = obj(raw);
    if (!rd) return report.error(p, "vs-destination", "weight may not be nil");
    if (!obj(rd.destination)) report.error([...p, "destination"], "vs-destination", "destination is required");
    if (withHeaders) validateHeaderOperations(report, obj(rd.headers), [...p, "headers"]);
    validateDestination(report, obj(rd.destination), [...p, "destination"]);
    const weight = num(rd.weight);
    if (weight < 0) report.error([...p, "weight"], "vs-weight", `weight ${weight} < 0`);
    total += weight;
  });
  if (routes.length > 1 && total === 0) report.error(at, "vs-weight-total", "total destination weight = 0");
}

function validateL4Match(report: Report, match: Obj, at: FieldPath): void {
  if (isSet(match.port) && num(match.port) !== 0) report.check([...at, "port"], "port", portError(num(match.port)));
  for (const { key, message } of validateLabels(obj(match.sourceLabels) ?? {})) report.error([...at, "sourceLabels", key], "labels", message);
  validateGatewayNames(report, arr(match.gateways), [...at, "gateways"]);
}

/** validateTCPRoute (L4; compiled by no gatewasm table, validated for completeness). */
function validateTCPRoute(report: Report, tcp: Obj, at: FieldPath): void {
  arr(tcp.match).forEach((m, j) => {
    if (!isObj(m)) return report.error([...at, "match", j], "vs-tcp-match", "tcp match may not be nil");
    validateL4Match(report, m, [...at, "match", j]);
  });
  if (arr(tcp.route).length === 0) report.error(at, "vs-tcp-route", "TCP route is required");
  validateRouteDestinations(report, arr(tcp.route), [...at, "route"]);
}

/** validateTLSRoute, simplified: matches with SNI hosts and a route are required. */
function validateTLSRoute(report: Report, tls: Obj, at: FieldPath): void {
  const matches = arr(tls.match);
  if (matches.length === 0) report.error(at, "vs-tls-match", "TLS route must have at least one match condition");
  matches.forEach((m, j) => {
    const match = obj(m) ?? {};
    const mp = [...at, "match", j];
    const sni = arr(match.sniHosts);
    if (sni.length === 0) report.error(mp, "vs-tls-match", "TLS match must have at least one SNI host");
    sni.forEach((h, k) => {
      const host = str(h);
      if (validateWildcardDomain(host) !== null && !isIPAddress(host)) report.error([...mp, "sniHosts", k], "vs-tls-sni", validateWildcardDomain(host)!);
    });
    validateL4Match(report, match, mp);
  });
  if (arr(tls.route).length === 0) report.error(at, "vs-tls-route", "TLS route is required");
  validateRouteDestinations(report, arr(tls.route), [...at, "route"]);
}

/**
 * Warnings for rules that can never match (analyzeUnreachableHTTPRules, reduced): a route after
 * one without `match` is unreachable; a match identical to an earlier one is ineffective.
 */
function analyzeUnreachableHTTPRules(report: Report, routes: unknown[]): void {
  let catchAllAt = -1;
  const seen = new Map<string, string>();
  routes.forEach((raw, i) => {
    const http = obj(raw);
    if (!http) return;
    const name = str(http.name) !== "" ? `"${str(http.name)}"` : `#${i}`;
    if (catchAllAt >= 0) {
      report.warn(["spec", "http", i], "vs-unreachable-rule", `virtualService rule ${name} not used (only the last rule can have no matches)`);
      return;
    }
    const matches = arr(http.match);
    if (matches.length === 0) {
      catchAllAt = i;
      return;
    }
    matches.forEach((m, j) => {
      const match = obj(m);
      if (!match) return;
      const { name: _n, ...rest } = match;
      const key = stableJson(rest);
      const prior = seen.get(key);
      if (prior !== undefined) {
        report.warn(["spec", "http", i, "match", j], "vs-ineffective-match", `virtualService rule ${name} match #${j} is not used (duplicate/overlapping match in rule ${prior})`);
      } else {
        seen.set(key, name);
      }
    });
  });
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`;
  if (isObj(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stableJson(v[k])}`).join(",")}}`;
  return JSON.stringify(v) ?? "null";
}
