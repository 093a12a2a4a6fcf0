// Unit tests of the filter's byte-level internals, run inside the AssemblyScript test build.
import { describe, expect, it } from "vitest";
import { RECORD_WORDS, fnv1a } from "../../host/config/layout.ts";
import { loadTestModule, serializePairs } from "../support/test-module.ts";

const utf8 = (s: string) => new TextEncoder().encode(s);

describe("filter internals", () => {
  it("record layouts of host/config/layout.ts and assembly/config/layout.ts agree", async () => {
    const m = await loadTestModule();
    const words = Object.values(RECORD_WORDS);
    words.forEach((w, i) => expect(m.exports.layoutRecordWords(i), `record ${Object.keys(RECORD_WORDS)[i]}`).toBe(w));
    expect(m.exports.layoutRecordWords(words.length)).toBe(-1);
  });

  it("the filter hashes bytes exactly as the compiler does (FNV-1a, optional ASCII folding)", async () => {
    const m = await loadTestModule();
    for (const s of ["", "a", "Shop.Example.COM", "/productpage", "\u00e9\u00c9", "x".repeat(300)]) {
      const bytes = utf8(s);
      const ptr = m.put(bytes);
      expect(m.exports.testFnv1a(ptr, bytes.length, false) >>> 0).toBe(fnv1a(bytes));
      expect(m.exports.testFnv1a(ptr, bytes.length, true) >>> 0).toBe(fnv1a(bytes, true));
    }
  });

  // Envoy HeaderUtility::getPortStart (source/common/http/header_utility.cc): the last ':'
  // starts the port unless it is inside an IPv6 literal.
  it.each([
    ["foo.example.com", 15], ["foo.example.com:80", 15], ["foo.example.com:12345", 15],
    ["[::1]", 5], ["[::1]:8080", 5], ["10.0.0.1:80", 8], ["host:", 4],
  ])("hostLength(%s) = %i (Envoy getPortStart)", async (authority, expected) => {
    const m = await loadTestModule();
    const bytes = utf8(authority);
    expect(m.exports.testHostLength(m.put(bytes), bytes.length)).toBe(expected);
  });

  it("header maps are parsed as strictly as cpp-host's pairs_util (sizes, NULs, count limit)", async () => {
    const m = await loadTestModule();
    const good = serializePairs([[":path", "/"], ["x", ""]]);
    expect(m.exports.testParseHeaderMap(m.put(good), good.length)).toBe(2);
    expect(m.exports.testParseHeaderMap(m.put(new Uint8Array()), 0)).toBe(0);
    const truncated = good.slice(0, good.length - 1);
    expect(m.exports.testParseHeaderMap(m.put(truncated), truncated.length)).toBe(-1);
    const noNul = good.slice();
    noNul[noNul.length - 1] = 0x41;
    expect(m.exports.testParseHeaderMap(m.put(noNul), noNul.length)).toBe(-1);
    const tooMany = new Uint8Array(4);
    new DataView(tooMany.buffer).setUint32(0, 1025, true);
    expect(m.exports.testParseHeaderMap(m.put(tooMany), tooMany.length)).toBe(-1);
  });

  const lookup = async (pairs: Array<[string, string]>, name: string, query: boolean): Promise<string | null> => {
    const m = await loadTestModule();
    const bytes = serializePairs(pairs);
    const ptr = m.put(bytes);
    const key = utf8(name);
    const r = BigInt(m.exports.testLookup(ptr, bytes.length, m.put(key), key.length, query));
    if (r < 0n) return null;
    const offset = Number(r >> 32n) >>> 0;
    const len = Number(r & 0xffffffffn);
    return new TextDecoder().decode(m.bytes((ptr + offset) >>> 0, len));
  };

  // Envoy HeaderUtility::getAllOfHeaderAsString joins repeated headers with ",".
  it("repeated headers are joined with ',' for matching (Envoy getAllOfHeaderAsString)", async () => {
    expect(await lookup([[":path", "/"], ["x-a", "1"], ["y", "q"], ["x-a", "2"], ["x-a", ""]], "x-a", false)).toBe("1,2,");
    expect(await lookup([[":path", "/"], ["x-a", "only"]], "x-a", false)).toBe("only");
    expect(await lookup([[":path", "/"]], "x-a", false)).toBeNull();
  });

  // Envoy QueryParamsMulti::parseQueryString + getFirstValue: first occurrence, raw value,
  // `key` alone has the empty value; the fragment is not part of the query.
  it.each([
    ["/p?a=1&a=2", "a", "1"],
    ["/p?b&a=x%20y", "a", "x%20y"],
    ["/p?b&a=1", "b", ""],
    ["/p?b=&a=1", "b", ""],
    ["/p?ab=1", "a", null],
    ["/p", "a", null],
    ["/p?a=1#frag", "a", "1"],
    ["/p#?a=1", "a", null],
    ["/p?&&a=3&", "a", "3"],
  ])("query %s: first %s = %s (Envoy QueryParamsMulti)", async (path, name, expected) => {
    expect(await lookup([[":path", path]], name, true)).toBe(expected);
  });

  it("the path used for matching stops at '?' or '#' (Envoy PathUtil::removeQueryAndFragment)", async () => {
    const m = await loadTestModule();
    for (const [path, len] of [["/a/b?c", 4], ["/a#x?y", 2], ["/", 1], ["", 0]] as const) {
      await lookup([[":path", path]], "x", false);
      expect(m.exports.testPathOnlyLength()).toBe(len);
    }
  });
});
