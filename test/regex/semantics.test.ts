// Named RE2 rules, each checked against the oracle (npm re2) and our engine.
import { beforeAll, describe, expect, test } from "vitest";
import RE2 from "re2";
import { compileRegex, regexGroupCount, validateSubstitution } from "../../host/regex/index.ts";
import { loadEngine, type Engine, type Loaded } from "./wasm.ts";
import { re2GlobalReplace } from "./oracle.ts";

let engine: Engine;
beforeAll(async () => {
  engine = await loadEngine();
});

function load(p: string): Loaded {
  const c = compileRegex(p);
  if (!c.ok) throw new Error(c.message);
  const l = engine.load(c.program);
  if (!l) throw new Error("regexPrepare failed");
  return l;
}
const bytes = (x: string | number[]) => (typeof x === "string" ? Buffer.from(x, "utf8") : Buffer.from(x));
const oracleFull = (p: string, input: Buffer) => new RE2(`^(?:${p})$`, "u").test(input);

// [rule (source), pattern, input, expected full match]
const FULL: [string, string, string | number[], boolean][] = [
  ["UTF-8 mode: . never matches an invalid byte (re2.h Options::encoding)", ".", [0xff], false],
  ["UTF-8 mode: (?s). never matches an invalid byte", "(?s).", [0xff], false],
  ["UTF-8 mode: [^a] never matches a lone continuation byte", "[^a]", [0x80], false],
  ["compile.cc Add_80_10ffff: . accepts an overlong 3-byte form", ".", [0xe0, 0x80, 0x80], true],
  ["compile.cc Add_80_10ffff: . accepts an encoded surrogate", ".", [0xed, 0xa0, 0x80], true],
  ["compile.cc Add_80_10ffff: . accepts F4 90 80 80 (beyond 10FFFF)", ".", [0xf4, 0x90, 0x80, 0x80], true],
  ["compile.cc: . rejects C0 80 (lead byte outside C2-F4)", ".", [0xc0, 0x80], false],
  ["compile.cc: exact ranges do not accept overlong forms", "[\\x{800}-\\x{FFFF}]", [0xe0, 0x80, 0x80], false],
  ["syntax.txt: $ without (?m) is \\z, not before a final newline", "a$", "a\n", false],
  ["syntax.txt: (?m)$ matches before a newline", "(?m)a$\\n", "a\n", true],
  ["syntax.txt: (?m)^ matches after a newline", "a\\n(?m)^b", "a\nb", true],
  ["syntax.txt: ^ without (?m) is \\A", "a\\n^b", "a\nb", false],
  ["syntax.txt: . does not match \\n without (?s)", "a.b", "a\nb", false],
  ["syntax.txt: (?s). matches \\n", "(?s)a.b", "a\nb", true],
  ["syntax.txt: [^a] matches \\n (ClassNL)", "[^a]", "\n", true],
  ["unicode_casefold: (?i)k matches KELVIN SIGN", "(?i)k", "\u212a", true],
  ["unicode_casefold: (?i)s matches LONG S", "(?i)s", "\u017f", true],
  ["unicode_casefold: (?i)σ matches final sigma", "(?i)σ", "ς", true],
  ["unicode_casefold: (?i)i does not match dotless ı (no simple fold)", "(?i)i", "ı", false],
  ["parse.cc AddUGroup: (?i)\\W excludes KELVIN SIGN (negation after folding)", "(?i)\\W", "\u212a", false],
  ["perl_groups: \\s is [\\t\\n\\f\\r ], not \\v", "\\s", "\v", false],
  ["perl_groups: [[:space:]] includes \\v", "[[:space:]]", "\v", true],
  ["perl_groups: \\d is ASCII only", "\\d", "٣", false],
  ["syntax.txt: \\b is ASCII word boundary", "é\\b", "é", false],
  ["syntax.txt: \\pN includes superscripts", "\\pN", "²", true],
  ["unicode_groups: C is Cc|Cf|Co|Cs, unassigned excluded", "\\pC", "\u0378", false],
  ["FullMatch: leftmost-first alternation still full-matches the longer branch", "a|ab", "ab", true],
  ["FullMatch: non-greedy makes no difference to full match", "a+?", "aaa", true],
  ["syntax.txt: \\Q...\\E quotes, only \\E ends it", "\\Qa\\\\E", "a\\", true],
  ["syntax.txt: octal \\12 is newline", "\\12", "\n", true],
  ["x{0} matches only empty", "a{0}", "", true],
  // parse.cc PushRegexp turns [Kk] into a case-folding literal k; FactorAlternation round 3 then
  // adds its whole fold orbit to the merged class, so the alternation matches U+212A (KELVIN
  // SIGN) although [Kk] alone does not.
  ["parse.cc FactorAlternation round 3: [Kk]|x matches the Kelvin sign", "[Kk]|x", "\u212a", true],
  ["parse.cc PushRegexp: [Kk] alone does not match the Kelvin sign", "[Kk]", "\u212a", false],
  ["empty regex matches only empty", "", "", true],
  ["empty regex full-match on non-empty input", "", "x", false],
  ["simplify.cc: a class with no code point is NoMatch (the program still loads)", "[^\\x00-\\x{10FFFF}]", "", false],
  ["compile.cc Cat: NoMatch makes the whole concatenation NoMatch", "a[^\\x00-\\x{10FFFF}]|b", "b", true],
];

describe("full-match rules", () => {
  test.each(FULL)("%s", (_rule, p, input, want) => {
    const b = bytes(input);
    expect(oracleFull(p, b), "oracle").toBe(want);
    const l = load(p);
    expect(l.fullMatch(b)).toBe(want);
    expect(l.fullMatch(b, true)).toBe(want);
    l.free();
  });
});

// [rule, pattern, input, substitution, expected]
const REPLACE: [string, string, string, string, string][] = [
  ["re2.cc GlobalReplace: no empty match right after a match", "a*", "baaac", "X", "XbXcX"],
  ["re2.cc GlobalReplace: empty matches advance one UTF-8 character", "x*", "é€", "-", "-é-€-"],
  ["re2.cc Rewrite: \\0 is the whole match, \\1 a group", "(a)(b)?", "ab a", "[\\0:\\1:\\2]", "[ab:a:b] [a:a:]"],
  ["re2.cc Rewrite: \\\\ is a backslash", "b", "abc", "\\\\", "a\\c"],
  ["re2.cc Rewrite: an invalid escape stops that rewrite", "b", "abc", "<\\q>", "a<c"],
  ["re2.cc GlobalReplace: a reference past the group count changes nothing", "(b)", "abc", "\\2", "abc"],
  ["leftmost-first: non-greedy group", "<(.+?)>", "<a><b>", "[\\1]", "[a][b]"],
  ["leftmost-first: greedy group", "<(.+)>", "<a><b>", "[\\1]", "[a><b]"],
  ["leftmost-first: alternation order", "a|ab", "abab", "X", "XbXb"],
  ["compile.cc Star: nullable body is (x+)? (captures)", "(a*)*", "b", "[\\1]", "[]b[]"],
  // Regression (differential SEED=20261121): RE2 coalesces a*?a?? into a{0,}? = a*? before
  // compiling (simplify.cc CoalesceWalker), which changes which loop iteration's capture survives.
  ["simplify.cc CoalesceWalker: (a*?a??)*?b is (a*?)*?b, group 1 = aa", "(a*?a??)*?b", "aab", "[\\1|\\0]", "[aa|aab]"],
  ["simplify.cc CoalesceWalker: (.*?.??)*?b, group 1 = aaa", "(.*?.??)*?b", "aaab", "[\\1]", "[aaa]"],
  ["simplify.cc CoalesceWalker: no coalescing across greediness, (a*?a?)*?b", "(a*?a?)*?b", "aab", "[\\1]", "[a]"],
  // Regression (differential SEED=8): RE2 runs a flattened program (prog.cc Flatten) in which only
  // "root" instructions are marked visited per position; the Split tree under a root is copied
  // into its list, so a path may pass a Split another list already passed at that position.
  ["prog.cc Flatten: Splits are per root list, (?:(?i:(?:_??|x)*))+ on __", "(?:(?i:(?:_??|x)*))+", "__", "[\\0]", "[__]"],
  ["prog.cc Flatten: without a flags change the loops squash (parse.cc PushRepeatOp)", "(?:(?:_??|x)*)+", "__", "[\\0]", "[]_[]_[]"],
  // prog.cc MarkDominator: an instruction reachable from a root with a Split predecessor
  // outside that root's tree becomes a root of its own.
  ["prog.cc Flatten MarkDominator: dominator roots", "(?:(?U:(?:.*|.)?)?)+.??", "a", "[\\0]", "[]a[]"],
  // Regression (shapes SEED=388091894): Flatten treats the program's start specially, and RE2's
  // program starts after a leading ^ (compile.cc IsAnchorStart) or ^literal (regexp.cc
  // RequiredPrefix, matched with memcmp), so those change which threads survive.
  ["compile.cc IsAnchorStart: RE2's program starts after a leading ^", "^(?:(a*)*?)*", "aa", "<\\1|\\0>", "<|>aa"],
  ["compile.cc IsAnchorStart: only the first ^ is removed", "^^(?:(a*)*?)*", "aa", "<\\1|\\0>", "<aa|aa>"],
  ["regexp.cc RequiredPrefix: ^a is matched outside the program", "^a(?:(a*)*?)*", "aa", "<\\1|\\0>", "<|a>a"],
  ["without ^ the same loop captures aa", "a(?:(a*)*?)*", "aa", "<\\1|\\0>", "<a|aa>"],
  ["context: ^ only at the start of the text", "^a", "aaa", "X", "Xaa"],
  ["context: \\b sees the text before the search start", "\\ba", "aa a", "X", "Xa X"],
  ["Istio uriRegexRewrite example", "^/service/([^/]+)(/.*)$", "/service/foo/v1/api", "\\2/instance/\\1", "/v1/api/instance/foo"],
];

describe("GlobalReplace rules", () => {
  test.each(REPLACE)("%s", (_rule, p, input, subst, want) => {
    const oracle = re2GlobalReplace(new RE2(p, "gu"), bytes(input), bytes(subst), regexGroupCount(p) as number);
    expect(oracle.toString("utf8"), "oracle").toBe(want);
    const l = load(p);
    expect(Buffer.from(l.replaceAll(bytes(input), bytes(subst))!).toString("utf8")).toBe(want);
    l.free();
  });

  test("returns -1 (not a partial write) when the output does not fit", () => {
    const l = load("a");
    expect(l.replaceAll(bytes("aaaa"), bytes("xyz"), 11)).toBeNull();
    expect(Buffer.from(l.replaceAll(bytes("aaaa"), bytes("xyz"), 12)!).toString()).toBe("xyzxyzxyzxyz");
    l.free();
  });

  test("validateSubstitution mirrors RE2::Rewrite's escapes", () => {
    expect(validateSubstitution("(a)", "\\1\\\\x")).toBeNull();
    expect(validateSubstitution("(a)", "\\2")).toMatch(/1 capturing group/);
    expect(validateSubstitution("(a)", "\\q")).toMatch(/invalid rewrite escape/);
  });
});
