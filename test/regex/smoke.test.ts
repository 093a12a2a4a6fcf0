import { test, expect } from "vitest";
import { loadEngine } from "/work/main/test/regex/wasm.ts";
import { compileRegex } from "/work/main/host/regex/index.ts";
test("smoke", async () => {
  const e = await loadEngine();
  for (const [p, s, want] of [["a+b", "aaab", true], ["a+b", "aaa", false], ["(?i)k", "\u212a", true], ["\\pL+", "héllo", true], ["^/api/v[0-9]+/.*$", "/api/v2/x", true], ["(a|b)*\\bc", "abc", false]] as const) {
    const c = compileRegex(p);
    if (!c.ok) throw new Error(c.message);
    const l = e.load(c.program)!;
    expect(l, p).toBeTruthy();
    const b = Buffer.from(s);
    expect(l.fullMatch(b), p + " " + s).toBe(want);
    expect(l.fullMatch(b, true), "pike " + p + " " + s).toBe(want);
  }
  const c = compileRegex("a(b*)");
  const l = e.load(c.ok ? c.program : new Uint8Array())!;
  expect(Buffer.from(l.replaceAll(Buffer.from("xabbyaz"), Buffer.from("<\\1>"))!).toString()).toBe("x<bb>y<>z");
});
