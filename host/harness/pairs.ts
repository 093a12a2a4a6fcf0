// The header-map wire format (proxy-wasm spec v0.2.1 "Map serialization"):
//   u32 count, count × (u32 key_len, u32 value_len), then each key and value followed by NUL.
// All integers little-endian. The parser is as strict as cpp-host src/pairs_util.cc toPairs:
// any malformed input (missing NUL, overrun, trailing bytes, limits exceeded) yields `null`
// (cpp-host returns an empty list; the caller decides what that means).
import { PAIRS_MAX_BYTES, PAIRS_MAX_COUNT } from "./abi.ts";

export type HeaderPair = [string, string];

const utf8 = new TextDecoder("utf-8");
const encoder = new TextEncoder();

/** Decodes a serialized map; `null` when malformed (cpp-host pairs_util.cc toPairs). */
export function parsePairs(buf: Uint8Array): HeaderPair[] | null {
  const len = buf.length;
  // cpp-host: an empty buffer is an empty map.
  if (len === 0) return [];
  if (len > PAIRS_MAX_BYTES) return null;
  if (len < 4) return null;
  const dv = new DataView(buf.buffer, buf.byteOffset, len);
  const count = dv.getUint32(0, true);
  if (count > PAIRS_MAX_COUNT) return null;
  let sizesEnd = 4 + count * 8;
  if (sizesEnd > len) return null;
  const out: HeaderPair[] = new Array(count);
  let pos = sizesEnd;
  for (let i = 0; i < count; i++) {
    const kl = dv.getUint32(4 + i * 8, true);
    const vl = dv.getUint32(8 + i * 8, true);
    if (pos + kl + 1 > len || buf[pos + kl] !== 0) return null;
    const key = utf8.decode(buf.subarray(pos, pos + kl));
    pos += kl + 1;
    if (pos + vl + 1 > len || buf[pos + vl] !== 0) return null;
    const value = utf8.decode(buf.subarray(pos, pos + vl));
    pos += vl + 1;
    out[i] = [key, value];
  }
  if (pos !== len) return null;
  return out;
}

/** Byte size of the serialized form of `pairs`. */
export function pairsByteLength(pairs: readonly HeaderPair[]): number {
  let n = 4 + pairs.length * 8;
  for (const [k, v] of pairs) n += Buffer.byteLength(k) + Buffer.byteLength(v) + 2;
  return n;
}

/** Serializes `pairs` into `out` (which must be at least pairsByteLength long). */
export function writePairs(pairs: readonly HeaderPair[], out: Uint8Array): number {
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const count = pairs.length;
  dv.setUint32(0, count, true);
  let pos = 4 + count * 8;
  for (let i = 0; i < count; i++) {
    const [k, v] = pairs[i]!;
    const kw = encoder.encodeInto(k, out.subarray(pos)).written;
    out[pos + kw] = 0;
    pos += kw + 1;
    const vw = encoder.encodeInto(v, out.subarray(pos)).written;
    out[pos + vw] = 0;
    pos += vw + 1;
    dv.setUint32(4 + i * 8, kw, true);
    dv.setUint32(8 + i * 8, vw, true);
  }
  return pos;
}

/** Serializes `pairs` into a new array. */
export function serializePairs(pairs: readonly HeaderPair[]): Uint8Array {
  const out = new Uint8Array(pairsByteLength(pairs));
  writePairs(pairs, out);
  return out;
}
