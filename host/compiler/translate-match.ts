// `HTTPMatchRequest` → route match: path, header and query-parameter matchers.
// Source: istio/istio pilot/pkg/networking/core/route/route.go (TranslateRouteMatch,
// translateHeaderMatch, translateQueryParamMatch, canBeConvertedToPresentMatch, IsCatchAllRoute).

import type { PathMatch, Route, ValueMatcher } from "../config/model.ts";
import { compileRegex } from "../regex/index.ts";
import { type DiagnosticSink, type Origin, at, isRecord } from "./common.ts";
import { compareStrings } from "./names.ts";
import { type MatchIn, originOf } from "./virtualservices.ts";

export interface TranslatedMatch {
  path: PathMatch;
  headers: ValueMatcher[];
  queryParams: ValueMatcher[];
  /** A matcher gatewasm cannot evaluate (JWT claims); like Envoy's dynamic metadata matchers it prevents catch-all. */
  hasUnsupported: boolean;
}

/** Compile a regex for the filter; a refusal is an error at that field. The pattern is kept as written. */
export function checkRegex(pattern: string, origin: Origin, sink: DiagnosticSink): void {
  const r = compileRegex(pattern);
  if (!r.ok) sink.report(origin, r.message, "error");
}

/** `canBeConvertedToPresentMatch`: absent/empty StringMatch, or `regex: "*"` (istio/istio#20629). */
function isPresenceMatch(sm: unknown): boolean {
  if (!isRecord(sm)) return true;
  if (typeof sm.exact === "string" || typeof sm.prefix === "string") return false;
  if (typeof sm.regex === "string") return sm.regex === "*";
  return true;
}

/** `translateHeaderMatch` / `translateQueryParamMatch` + `ConvertToEnvoyMatch`. */
function translateStringMatch(name: string, sm: unknown, origin: Origin, sink: DiagnosticSink): ValueMatcher {
  const out: ValueMatcher = { name, kind: "present", value: "", invert: false, treatMissingAsEmpty: false };
  if (isPresenceMatch(sm) || !isRecord(sm)) return out;
  if (typeof sm.exact === "string") {
    out.kind = "exact";
    out.value = sm.exact;
  } else if (typeof sm.prefix === "string") {
    out.kind = "prefix";
    out.value = sm.prefix;
  } else if (typeof sm.regex === "string") {
    out.kind = "regex";
    out.value = sm.regex;
    checkRegex(sm.regex, at(origin, "regex"), sink);
  }
  return out;
}

/** JWT claim keys become dynamic-metadata matchers in Istio (route.go translateMetadataMatch). */
function isJwtClaimKey(name: string): boolean {
  return name.startsWith("@request.auth.claims");
}

const HEADER_METHOD = ":method";
const HEADER_AUTHORITY = ":authority";
const HEADER_SCHEME = ":scheme";

/** `TranslateRouteMatch`; a null match is the catch-all prefix `/`. */
export function translateMatch(match: MatchIn | null, sink: DiagnosticSink): TranslatedMatch {
  const out: TranslatedMatch = {
    path: { kind: "prefix", value: "/", ignoreCase: false },
    headers: [],
    queryParams: [],
    hasUnsupported: false,
  };
  if (match === null) return out;
  const m = match.m;

  const headerMatchers: Array<{ sortName: string; matcher: ValueMatcher }> = [];
  for (const field of ["headers", "withoutHeaders"] as const) {
    if (!isRecord(m[field])) continue;
    for (const [name, sm] of Object.entries(m[field])) {
      const origin = originOf(match, field, name);
      if (isJwtClaimKey(name)) {
        out.hasUnsupported = true;
        sink.report(origin, `JWT claim matching (${name}) is not supported by gatewasm`, "error");
        continue;
      }
      const matcher = translateStringMatch(name.toLowerCase(), sm, origin, sink);
      if (field === "withoutHeaders") {
        matcher.invert = true;
        // treat_missing_header_as_empty conflicts with present_match.
        matcher.treatMissingAsEmpty = !isPresenceMatch(sm);
      }
      headerMatchers.push({ sortName: name, matcher });
    }
  }
  // "guarantee ordering of headers": sorted by name as written (stable: headers before withoutHeaders).
  headerMatchers.sort((a, b) => compareStrings(a.sortName, b.sortName));
  out.headers = headerMatchers.map((h) => h.matcher);

  const uri = m.uri;
  if (isRecord(uri)) {
    if (typeof uri.exact === "string") out.path = { kind: "exact", value: uri.exact, ignoreCase: false };
    else if (typeof uri.prefix === "string") out.path = { kind: "prefix", value: uri.prefix, ignoreCase: false };
    else if (typeof uri.regex === "string") {
      out.path = { kind: "regex", value: uri.regex, ignoreCase: false };
      checkRegex(uri.regex, at(originOf(match, "uri"), "regex"), sink);
    }
  }
  // case_sensitive=false: Envoy ignores it for safe_regex, so it is only carried for exact/prefix.
  if (m.ignoreUriCase === true && out.path.kind !== "regex") out.path.ignoreCase = true;

  if (m.method !== undefined && m.method !== null) out.headers.push(translateStringMatch(HEADER_METHOD, m.method, originOf(match, "method"), sink));
  if (m.authority !== undefined && m.authority !== null) out.headers.push(translateStringMatch(HEADER_AUTHORITY, m.authority, originOf(match, "authority"), sink));
  if (m.scheme !== undefined && m.scheme !== null) out.headers.push(translateStringMatch(HEADER_SCHEME, m.scheme, originOf(match, "scheme"), sink));

  if (isRecord(m.queryParams)) {
    // Istio iterates a Go map here (random order); all matchers are ANDed, so sorting changes nothing but stability.
    const names = Object.keys(m.queryParams).sort(compareStrings);
    for (const name of names) {
      out.queryParams.push(translateStringMatch(name, m.queryParams[name], originOf(match, "queryParams", name), sink));
    }
  }
  return out;
}

/**
 * `IsCatchAllRoute`: path prefix `/` or regex `.*`, and no header, query-parameter or metadata
 * matchers. `ignoreUriCase` is not looked at (Go checks only the path specifier), and method,
 * authority and scheme are header matchers, so they prevent catch-all.
 */
export function isCatchAll(route: Pick<Route, "path" | "headers" | "queryParams">, hasUnsupported = false): boolean {
  const p = route.path;
  const pathAll = p !== null && ((p.kind === "prefix" && p.value === "/") || (p.kind === "regex" && p.value === ".*"));
  return pathAll && route.headers.length === 0 && route.queryParams.length === 0 && !hasUnsupported;
}
