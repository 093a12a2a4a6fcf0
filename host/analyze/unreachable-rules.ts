// Rules and matches of one VirtualService that can never be used: IST0130
// (VirtualServiceUnreachableRule) and IST0131 (VirtualServiceIneffectiveMatch).
// Source: istio/istio pkg/config/validation/validation.go (analyzeUnreachableHTTPRules,
// analyzeUnreachableTCPRules, analyzeUnreachableTLSRules, genMatchHTTPRoutes,
// coveredValidation, asJSON, routeName, requestName), reported by the schema analyzer
// (pkg/config/analysis/analyzers/schema/validation.go).
//
// Istio points these at the resource; gatewasm points them at the rule or the match.
// What another VirtualService's catch-all hides on the same gateway host is the compiler's
// finding (GWA0001), since only the merged route table shows it.
import { asArray, asNumber, asString, isRecord } from "../compiler/common.ts";
import type { FieldPath, Resource } from "../resources/types.ts";
import { findingAt } from "./finding.ts";
import { type AnalyzeContext, ofKind } from "./context.ts";

/** HTTPMatchRequest fields that are proto maps: encoding/json keeps every entry of a map. */
const MAP_FIELDS = new Set(["headers", "queryParams", "withoutHeaders", "sourceLabels"]);

/**
 * `asJSON` without the name: encoding/json of the proto omits zero-valued fields (`omitempty`),
 * so a field written as false, 0, "" or {} is the same match as one not written — but a map
 * entry is kept even when its value is empty (`x-canary: {}` is a presence match).
 */
function canonical(v: unknown, isMap = false): string | undefined {
  if (v === null || v === undefined || v === false || v === 0 || v === "") return undefined;
  if (Array.isArray(v)) return v.length === 0 ? undefined : `[${v.map((x) => canonical(x) ?? "null").join(",")}]`;
  if (isRecord(v)) {
    const parts = Object.keys(v).sort().flatMap((k) => {
      const c = isMap ? canonical(v[k]) ?? "{}" : canonical(v[k], MAP_FIELDS.has(k));
      return c === undefined ? [] : [`${JSON.stringify(k)}:${c}`];
    });
    return parts.length === 0 ? undefined : `{${parts.join(",")}}`;
  }
  return JSON.stringify(v);
}

function matchKey(match: unknown): string {
  if (!isRecord(match)) return "null";
  const { name: _name, ...rest } = match;
  return canonical(rest) ?? "{}";
}

function routeName(route: Record<string, any>, n: number, http: boolean): string {
  return http && asString(route.name) !== "" ? JSON.stringify(route.name) : `#${n}`;
}

function requestName(match: unknown, n: number, http: boolean): string {
  return http && isRecord(match) && asString(match.name) !== "" ? JSON.stringify(match.name) : `#${n}`;
}

interface PrefixMatch {
  routeStr: string;
  matchStr: string;
  prefix: string;
  port: number;
  method: string;
  authority: string;
  headers: Map<string, string>;
  queryParams: Map<string, string>;
  withoutHeaders: Map<string, string>;
  path: FieldPath;
}

function exactOrPrefix(sm: unknown): string {
  if (!isRecord(sm)) return "";
  if (asString(sm.exact) !== "") return `exact:${sm.exact}`;
  if (asString(sm.prefix) !== "") return `prefix:${sm.prefix}`;
  return "";
}

function valueMap(m: unknown): Map<string, string> {
  return new Map(Object.entries(isRecord(m) ? m : {}).map(([k, v]) => [k, exactOrPrefix(v)]));
}

/** `genMatchHTTPRoutes`: only matches with a uri prefix take part in the overlap check. */
function prefixMatch(route: Record<string, any>, match: Record<string, any>, rulen: number, matchn: number, path: FieldPath): PrefixMatch | null {
  if (!isRecord(match.uri)) return null;
  const prefix = asString(match.uri.prefix);
  if (prefix === "") return null;
  return {
    routeStr: routeName(route, rulen, true),
    matchStr: requestName(match, matchn, true),
    prefix,
    port: asNumber(match.port),
    method: exactOrPrefix(match.method) || "exact:GET", // "if no method information, it should be GET by default"
    authority: exactOrPrefix(match.authority),
    headers: valueMap(match.headers),
    queryParams: valueMap(match.queryParams),
    withoutHeaders: valueMap(match.withoutHeaders),
    path,
  };
}

function mapCovered(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const bv = b.get(k);
    if (bv === undefined) return false;
    if (v !== bv && !v.startsWith(bv)) return false;
  }
  return true;
}

/** `coveredValidation(a, b)`: does the earlier prefix match `a` take every request of `b`? */
function covered(a: PrefixMatch, b: PrefixMatch): boolean {
  if (!b.prefix.startsWith(a.prefix)) return false;
  if (b.port !== a.port) return false;
  if (a.method !== b.method && !a.method.startsWith(b.method)) return false;
  if (a.authority !== b.authority && !a.authority.startsWith(b.authority)) return false;
  return mapCovered(a.headers, b.headers) && mapCovered(a.queryParams, b.queryParams) && mapCovered(a.withoutHeaders, b.withoutHeaders);
}

function analyzeRules(ctx: AnalyzeContext, vs: Resource, kind: "http" | "tcp" | "tls"): void {
  const http = kind === "http";
  const routes = asArray(vs.spec[kind]);
  const seen = new Map<string, number>();
  let emptyAt = -1;
  const prefixes: PrefixMatch[] = [];
  const unused = (path: FieldPath, rule: string, reason: string) =>
    ctx.findings.push(findingAt(vs, path, "VirtualServiceUnreachableRule", rule, reason));
  const ineffective = (path: FieldPath, rule: string, match: string, dup: string) =>
    ctx.findings.push(findingAt(vs, path, "VirtualServiceIneffectiveMatch", rule, match, dup));
  routes.forEach((raw, rulen) => {
    if (!isRecord(raw)) return;
    const rulePath: FieldPath = ["spec", kind, rulen];
    const matches = asArray(raw.match);
    if (matches.length === 0) {
      if (emptyAt >= 0) unused(rulePath, routeName(raw, rulen, http), "only the last rule can have no matches");
      emptyAt = rulen;
      return;
    }
    let duplicates = 0;
    matches.forEach((m, matchn) => {
      const matchPath: FieldPath = [...rulePath, "match", matchn];
      if (emptyAt >= 0) {
        unused(rulePath, routeName(raw, rulen, http), "route without matches defined before");
        return;
      }
      const key = matchKey(m);
      const dup = seen.get(key);
      if (dup !== undefined) {
        ineffective(matchPath, routeName(raw, rulen, http), requestName(m, matchn, http), routeName(routes[dup], dup, http));
        duplicates++;
        return;
      }
      seen.set(key, rulen);
      if (http && isRecord(m)) {
        const p = prefixMatch(raw, m, rulen, matchn, matchPath);
        if (p) prefixes.push(p);
      }
    });
    if (duplicates === matches.length) unused(rulePath, routeName(raw, rulen, http), "all matches used by prior rules");
  });
  // Every earlier prefix match whose prefix starts the later one's (and differs: duplicates were
  // reported above), found through the later prefix's own prefixes rather than by trying every
  // pair, so a VirtualService with thousands of matches stays linear in their number; reported in
  // Istio's pair order.
  const byPrefix = new Map<string, number[]>();
  const pairs: Array<[number, number]> = [];
  prefixes.forEach((b, j) => {
    for (let len = 1; len < b.prefix.length; len++) {
      for (const i of byPrefix.get(b.prefix.slice(0, len)) ?? []) if (covered(prefixes[i]!, b)) pairs.push([i, j]);
    }
    const list = byPrefix.get(b.prefix) ?? [];
    list.push(j);
    byPrefix.set(b.prefix, list);
  });
  pairs.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  for (const [i, j] of pairs) {
    const a = prefixes[i]!;
    const b = prefixes[j]!;
    ineffective(b.path, b.routeStr, `${b.matchStr} of prefix ${b.prefix}`, `${a.matchStr} of prefix ${a.prefix} on ${a.routeStr}`);
  }
}

export function analyzeUnreachableRules(ctx: AnalyzeContext): void {
  for (const vs of ofKind(ctx, "VirtualService")) {
    for (const kind of ["http", "tcp", "tls"] as const) analyzeRules(ctx, vs, kind);
  }
}
