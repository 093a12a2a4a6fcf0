// The parts of the current request that routing reads, located once per request inside the
// serialized header map (no copies): path without query, query string, authority, etc.
import { HeaderMapView } from "../http/header-map";
import { Scratch } from "../util/bytes";
import { AUTHORITY, PATH, lenOf, ptrOf } from "../http/texts";

export class Request {
  headers: HeaderMapView = new HeaderMapView();
  /** Joined values of repeated headers live here for the duration of one request. */
  scratch: Scratch = new Scratch();
  path: usize = 0;
  pathLen: usize = 0;
  /** `:path` up to (not including) `?` or `#`. */
  pathOnlyLen: usize = 0;
  /** Raw query: after `?`, up to `#` (Envoy ignores the fragment). 0 length when absent. */
  query: usize = 0;
  queryLen: usize = 0;
  hasQuery: bool = false;
  authority: usize = 0;
  authorityLen: usize = 0;
  hasAuthority: bool = false;
  /** Matched value of the last `headerValue` call. */
  valuePtr: usize = 0;
  valueLen: usize = 0;

  /** Locates the pseudo-headers; the header view must already be parsed. */
  locate(): void {
    const h = this.headers;
    this.scratch.reset();
    const p = h.find(ptrOf(PATH), lenOf(PATH));
    if (p >= 0) { this.path = h.value(p); this.pathLen = h.valueLength(p); } else { this.path = 0; this.pathLen = 0; }
    let end: usize = 0;
    while (end < this.pathLen) {
      const b = load<u8>(this.path + end);
      if (b == 0x3f /* ? */ || b == 0x23 /* # */) break;
      end++;
    }
    this.pathOnlyLen = end;
    this.hasQuery = end < this.pathLen && load<u8>(this.path + end) == 0x3f;
    if (this.hasQuery) {
      this.query = this.path + end + 1;
      let q: usize = 0;
      const rest = this.pathLen - end - 1;
      while (q < rest && load<u8>(this.query + q) != 0x23) q++;
      this.queryLen = q;
    } else { this.query = 0; this.queryLen = 0; }
    const a = h.find(ptrOf(AUTHORITY), lenOf(AUTHORITY));
    this.hasAuthority = a >= 0;
    if (a >= 0) { this.authority = h.value(a); this.authorityLen = h.valueLength(a); } else { this.authority = 0; this.authorityLen = 0; }
  }

  /**
   * Value of a header for matching: Envoy joins repeated headers with "," (HeaderUtility::
   * getAllOfHeaderAsString). Sets valuePtr/valueLen; false when the header is absent.
   */
  headerValue(name: usize, nameLen: usize): bool {
    const h = this.headers;
    const first = h.find(name, nameLen);
    if (first < 0) return false;
    const second = h.find(name, nameLen, first + 1);
    if (second < 0) {
      this.valuePtr = h.value(first);
      this.valueLen = h.valueLength(first);
      return true;
    }
    // Reserve the joined size up front so no pointer moves while copying.
    let total: usize = h.valueLength(first);
    for (let i = second; i >= 0; i = h.find(name, nameLen, i + 1)) total += 1 + h.valueLength(i);
    this.scratch.reserve(total);
    const start = this.scratch.at();
    this.scratch.append(h.value(first), h.valueLength(first));
    for (let i = second; i >= 0; i = h.find(name, nameLen, i + 1)) {
      this.scratch.appendByte(0x2c);
      this.scratch.append(h.value(i), h.valueLength(i));
    }
    this.valuePtr = start;
    this.valueLen = total;
    return true;
  }

  /**
   * First occurrence of a query parameter, raw (not percent-decoded), as Envoy's
   * QueryParamsMulti::parseQueryString + getFirstValue. `key` alone has value "".
   */
  queryValue(name: usize, nameLen: usize): bool {
    if (!this.hasQuery) return false;
    const q = this.query;
    const n = this.queryLen;
    let start: usize = 0;
    while (start <= n) {
      let end = start;
      while (end < n && load<u8>(q + end) != 0x26 /* & */) end++;
      if (end > start) {
        let eq = start;
        while (eq < end && load<u8>(q + eq) != 0x3d /* = */) eq++;
        if (eq - start == nameLen && memory.compare(q + start, name, nameLen) == 0) {
          this.valuePtr = eq < end ? q + eq + 1 : q + end;
          this.valueLen = eq < end ? end - eq - 1 : 0;
          return true;
        }
      }
      start = end + 1;
    }
    return false;
  }
}

/**
 * Host part of an authority for virtual-host selection: Envoy strips the port when
 * ignore_port_in_host_matching is set (HeaderUtility::getPortStart: last ':' unless it is
 * inside an IPv6 literal `[...]`).
 */
export function hostLength(authority: usize, len: usize): usize {
  let colon: isize = -1;
  for (let i = <isize>len - 1; i >= 0; i--) {
    const b = load<u8>(authority + i);
    if (b == 0x3a) { colon = i; break; }
    if (b == 0x5d /* ] */) return len;
  }
  return colon < 0 ? len : <usize>colon;
}
