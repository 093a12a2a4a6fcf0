// Test entry points for the filter's internals (exported by assembly/test-entry.ts only).
import { DestF, FaultF, HeaderOpF, MatcherF, OutlierF, RouteF, TableF, TrieF, VHostF, WildF } from "../config/layout";
import { HeaderMapView } from "../http/header-map";
import { Request, hostLength } from "../routing/request";
import { fnv1a, fnv1aLower } from "../util/bytes";

/** Record sizes in words, in the order of host/config/layout.ts RECORD_WORDS. */
export function layoutRecordWords(i: i32): i32 {
  const words: i32[] = [TableF.Words, WildF.Words, VHostF.Words, RouteF.Words, MatcherF.Words, DestF.Words,
    HeaderOpF.Words, TrieF.Words, FaultF.Words, OutlierF.Words];
  return i >= 0 && i < words.length ? words[i] : -1;
}

export function testFnv1a(ptr: usize, len: usize, lower: bool): u32 {
  return lower ? fnv1aLower(ptr, len) : fnv1a(ptr, len);
}

export function testHostLength(ptr: usize, len: usize): usize {
  return hostLength(ptr, len);
}

const view = new HeaderMapView();

/** Number of pairs in a serialized map, or -1 when the filter would refuse it. */
export function testParseHeaderMap(ptr: usize, len: usize): i32 {
  return view.parse(ptr, len) ? view.count : -1;
}

const request = new Request();

/**
 * Parses `pairs` as request headers, then looks up `name`: -1 when absent, else
 * (offset of the value from `pairs`) << 32 | length. `query` selects query parameters.
 */
export function testLookup(pairs: usize, pairsLen: usize, name: usize, nameLen: usize, query: bool): i64 {
  if (!request.headers.parse(pairs, pairsLen)) return -2;
  request.locate();
  const found = query ? request.queryValue(name, nameLen) : request.headerValue(name, nameLen);
  if (!found) return -1;
  return (<i64>(request.valuePtr - pairs) << 32) | <i64>request.valueLen;
}

/** Path length without query/fragment, for the last `testLookup`'s headers. */
export function testPathOnlyLength(): usize { return request.pathOnlyLen; }
