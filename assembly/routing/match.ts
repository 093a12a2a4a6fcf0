// Route matching beyond the path index: regex paths, header and query-parameter matchers,
// with Envoy's semantics (HeaderUtility::matchHeaders, QueryParameterMatcher::matches).
import { Config } from "../config/config";
import { MatcherF, MatcherKind, MatcherSource, NONE, PathKind, RouteF, Section } from "../config/layout";
import { bytesEqual, startsWith } from "../util/bytes";
import { Request } from "./request";
import { regexFullMatch } from "../regex";

function stringMatches(c: Config, kind: u32, valueOff: u32, valueLen: u32, ptr: usize, len: usize): bool {
  if (kind == MatcherKind.Exact) return bytesEqual(ptr, len, c.stringPtr(valueOff), valueLen);
  if (kind == MatcherKind.Prefix) return startsWith(ptr, len, c.stringPtr(valueOff), valueLen);
  return regexFullMatch(c.regexPtr(valueOff), valueLen, ptr, <u32>len);
}

function matcherPasses(c: Config, m: u32, req: Request): bool {
  const W = MatcherF.Words;
  const kind = c.word(Section.Matchers, W, m, MatcherF.Kind);
  const name = c.stringPtr(c.word(Section.Matchers, W, m, MatcherF.NameOff));
  const nameLen = <usize>c.word(Section.Matchers, W, m, MatcherF.NameLen);
  const valueOff = c.word(Section.Matchers, W, m, MatcherF.ValueOff);
  const valueLen = c.word(Section.Matchers, W, m, MatcherF.ValueLen);
  if (c.word(Section.Matchers, W, m, MatcherF.Source) == MatcherSource.Query) {
    // Query parameters: absent ⇒ no match; presence ⇒ match; otherwise the first value.
    if (!req.queryValue(name, nameLen)) return false;
    if (kind == MatcherKind.Present) return true;
    return stringMatches(c, kind, valueOff, valueLen, req.valuePtr, req.valueLen);
  }
  const invert = c.word(Section.Matchers, W, m, MatcherF.Invert) != 0;
  const present = req.headerValue(name, nameLen);
  if (kind == MatcherKind.Present) return present != invert;
  if (!present) {
    // An absent header fails a string matcher even when inverted, unless
    // treat_missing_header_as_empty (Istio sets it for withoutHeaders).
    if (c.word(Section.Matchers, W, m, MatcherF.MissingAsEmpty) == 0) return false;
    return stringMatches(c, kind, valueOff, valueLen, 0, 0) != invert;
  }
  return stringMatches(c, kind, valueOff, valueLen, req.valuePtr, req.valueLen) != invert;
}

/**
 * Whether route `r` matches, given that the path index already selected it for its exact or
 * prefix path. Regex paths are full-matched against the path without query and fragment.
 */
export function routeMatches(c: Config, r: u32, req: Request): bool {
  const W = RouteF.Words;
  if (c.word(Section.Routes, W, r, RouteF.PathKind) == PathKind.Regex) {
    const off = c.word(Section.Routes, W, r, RouteF.PathOff);
    if (!regexFullMatch(c.regexPtr(off), c.word(Section.Routes, W, r, RouteF.PathLen), req.path, <u32>req.pathOnlyLen)) return false;
  }
  const start = c.word(Section.Routes, W, r, RouteF.MatcherStart);
  const end = start + c.word(Section.Routes, W, r, RouteF.MatcherCount);
  for (let m = start; m < end; m++) {
    if (!matcherPasses(c, m, req)) return false;
  }
  return true;
}

