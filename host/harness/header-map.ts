// An Envoy header map as the Wasm filter sees it (envoy source/common/http/header_map_impl.cc):
// insertion-ordered entries, keys lower-cased on every write (Http::LowerCaseString),
// pseudo-headers kept in front of ordinary headers, `get` returns the first value.
import type { HeaderPair } from "./pairs.ts";

export class HeaderMap {
  pairs: HeaderPair[];

  constructor(pairs: HeaderPair[] = []) {
    this.pairs = pairs;
  }

  /**
   * A map taken verbatim: keys keep their case, pairs their order (pseudo-headers wherever they
   * are). Pass it as request/response headers for a map no Envoy codec would produce.
   */
  static raw(pairs: Iterable<readonly [string, string]>): HeaderMap {
    return new HeaderMap([...pairs].map(([k, v]) => [k, v] as HeaderPair));
  }

  /**
   * Builds a map from caller input as Envoy's codecs leave it: keys lower-cased, pseudo-headers
   * before ordinary headers, order otherwise kept. A HeaderMap (e.g. `HeaderMap.raw`) is copied verbatim.
   */
  static from(input: Iterable<readonly [string, string]> | Record<string, string> | HeaderMap): HeaderMap {
    if (input instanceof HeaderMap) return input.clone();
    const map = new HeaderMap();
    const it = Symbol.iterator in (input as object)
      ? (input as Iterable<readonly [string, string]>)
      : Object.entries(input as Record<string, string>);
    for (const [k, v] of it) map.add(k, v);
    return map;
  }

  get size(): number {
    return this.pairs.length;
  }

  /** HeaderMap::byteSize(): sum of key and value lengths. */
  byteSize(): number {
    let n = 0;
    for (const [k, v] of this.pairs) n += Buffer.byteLength(k) + Buffer.byteLength(v);
    return n;
  }

  /** First value for `key` (already lower-case or not), or undefined. */
  get(key: string): string | undefined {
    const lk = lower(key);
    for (const p of this.pairs) if (p[0] === lk) return p[1];
    return undefined;
  }

  /** All values of `key` joined by "," (Envoy attributes.rst request.headers). */
  getJoined(key: string): string | undefined {
    const lk = lower(key);
    let out: string | undefined;
    for (const p of this.pairs) if (p[0] === lk) out = out === undefined ? p[1] : out + "," + p[1];
    return out;
  }

  /** addCopy: appends; pseudo-headers go after the last pseudo-header. */
  add(key: string, value: string): void {
    const lk = lower(key);
    if (lk.charCodeAt(0) === 58 /* ':' */) {
      let i = 0;
      while (i < this.pairs.length && this.pairs[i]![0].charCodeAt(0) === 58) i++;
      this.pairs.splice(i, 0, [lk, value]);
    } else {
      this.pairs.push([lk, value]);
    }
  }

  /**
   * setCopy: every value of `key` goes, then the new one is added (Envoy header_map_impl.cc
   * HeaderMapImpl::setCopy with envoy.reloadable_features.http_set_copy_replace_all_headers,
   * on by default).
   */
  set(key: string, value: string): void {
    this.remove(key);
    this.add(key, value);
  }

  /** remove: drops every entry of `key`. */
  remove(key: string): void {
    const lk = lower(key);
    let w = 0;
    const ps = this.pairs;
    for (let r = 0; r < ps.length; r++) if (ps[r]![0] !== lk) ps[w++] = ps[r]!;
    ps.length = w;
  }

  /** setHeaderMapPairs: removes all keys, then adds each pair (envoy context.cc). */
  replaceAll(pairs: readonly HeaderPair[]): void {
    this.pairs = [];
    for (const [k, v] of pairs) this.add(k, v);
  }

  /** A copy of the entries (the only place that copies). */
  toArray(): HeaderPair[] {
    return this.pairs.map((p) => [p[0], p[1]] as HeaderPair);
  }

  clone(): HeaderMap {
    return new HeaderMap(this.toArray());
  }
}

/** ASCII lower-casing (absl::AsciiStrToLower), fast path for already-lower keys. */
export function lower(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
  }
  return s;
}
