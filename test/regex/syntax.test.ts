// Syntax tables: what RE2 accepts we accept, what RE2 rejects we reject with a clear message.
// Sources: google/re2 doc/syntax.txt (supported / "NOT SUPPORTED" entries), re2/testing/parse_test.cc
// (bad regexps), Go regexp/syntax (Istio validates regexes with Go's regexp.Compile).
import { describe, expect, test } from "vitest";
import RE2 from "re2";
import { compileRegex, MAX_PATTERN_BYTES } from "../../host/regex/index.ts";

const re2Accepts = (p: string): boolean => {
  try {
    new RE2(p, "u");
    return true;
  } catch {
    return false;
  }
};

// [pattern, rule/source]
const REJECTED: [string, string][] = [
  ["(a)\\1", "syntax.txt: \\1 backreference NOT SUPPORTED"],
  ["(?P=n)", "syntax.txt: (?P=name) named backreference NOT SUPPORTED"],
  ["(?=a)", "syntax.txt: (?=re) lookahead NOT SUPPORTED"],
  ["(?!a)", "syntax.txt: (?!re) negative lookahead NOT SUPPORTED"],
  ["(?<=a)", "syntax.txt: (?<=re) lookbehind NOT SUPPORTED"],
  ["(?<!a)", "syntax.txt: (?<!re) negative lookbehind NOT SUPPORTED"],
  ["(?>a)", "syntax.txt: (?>re) atomic group NOT SUPPORTED"],
  ["a++", "syntax.txt: x++ possessive NOT SUPPORTED; parse_test: bad repetition operator"],
  ["a*+", "syntax.txt: x*+ possessive NOT SUPPORTED"],
  ["a?+", "syntax.txt: x?+ possessive NOT SUPPORTED"],
  ["a{2}+", "syntax.txt: x{n}+ possessive NOT SUPPORTED"],
  ["a**", "parse.cc: stacked repetition is an error (bad repetition operator: **)"],
  ["a*??", "parse.cc: bad repetition operator: *??"],
  ["x{2}{3}", "parse.cc: bad repetition operator: {2}{3}"],
  ["*a", "parse_test: missing argument to repetition operator"],
  ["a|*", "parse_test: missing argument to repetition operator"],
  ["(*)", "parse_test: missing argument to repetition operator"],
  ["(?i)*", "parse.cc: a flag group is no argument for a repetition"],
  ["\\Q\\E*", "parse.cc: empty \\Q\\E is no argument for a repetition"],
  ["a{1001}", "syntax.txt: repetition counts are limited to 1000"],
  ["a{2,1001}", "syntax.txt: repetition counts are limited to 1000"],
  ["x{2,1}", "parse.cc: invalid repetition size (max < min)"],
  ["(a{11}){100}", "parse.cc RepetitionWalker: nested counts multiply past 1000"],
  ["((a{2}){2}){251}", "parse.cc RepetitionWalker: nested counts multiply past 1000"],
  ["\\8", "parse.cc: \\8 invalid escape"],
  ["\\1", "parse.cc: lone \\1 is a backreference, invalid"],
  ["\\18", "parse.cc: \\1 not followed by an octal digit"],
  ["\\e", "syntax.txt: \\e NOT SUPPORTED"],
  ["\\G", "syntax.txt: \\G NOT SUPPORTED"],
  ["\\Z", "syntax.txt: \\Z NOT SUPPORTED"],
  ["\\X", "syntax.txt: \\X NOT SUPPORTED"],
  ["\\R", "syntax.txt: \\R NOT SUPPORTED"],
  ["\\h", "syntax.txt: \\h NOT SUPPORTED"],
  ["\\K", "syntax.txt: \\K NOT SUPPORTED"],
  ["\\N{DIGIT ONE}", "syntax.txt: \\N{name} NOT SUPPORTED"],
  ["\\o{1}", "syntax.txt: \\o{} NOT SUPPORTED"],
  ["\\é", "parse.cc: only ASCII punctuation may be escaped"],
  ["\\xg", "parse.cc: \\x needs two hex digits"],
  ["\\x4", "parse.cc: \\x needs two hex digits"],
  ["\\x{}", "parse.cc: \\x{} needs digits"],
  ["\\x{41", "parse.cc: \\x{ needs }"],
  ["\\x{110000}", "parse.cc: code point beyond 10FFFF"],
  ["a\\", "parse.cc: trailing backslash"],
  ["[\\b]", "parse.cc: \\b is no class member"],
  ["[a-\\d]", "parse.cc: a class cannot end a range"],
  ["[z-a]", "parse_test: invalid character class range z-a"],
  ["[\\x{41}-\\x{40}]", "parse_test: invalid character class range"],
  ["[]", "parse_test: missing ]"],
  ["[a", "parse_test: missing ]"],
  ["[[:foo:]]", "parse_test: invalid character class range [:foo:]"],
  ["\\p{Cn}", "unicode_groups: RE2 has no Cn"],
  ["\\p{LC}", "unicode_groups: RE2 has no LC"],
  ["\\p{L&}", "unicode_groups: no L&"],
  ["\\p{latin}", "unicode_groups: names are case-sensitive"],
  ["\\p{Garay}", "unicode_groups: Unicode 16 scripts are unknown to this RE2"],
  ["\\p{Greek", "parse.cc: \\p{ needs }"],
  ["a)", "parse_test: unexpected )"],
  ["(a", "parse_test: missing )"],
  ["(?x)a", "syntax.txt: only flags i m s U exist"],
  ["(?-)a", "parse.cc: negating nothing"],
  ["(?i-)a", "parse.cc: negating nothing"],
  ["(?i--s)a", "parse.cc: double negation"],
  ["(?P<>x)", "parse.cc: empty group name"],
  ["(?P<a-b>x)", "parse.cc: invalid group name"],
  ["(?P<n>a)(?P<n>b)", "parse.cc: duplicate capture group name"],
  ["(?P<n", "parse.cc: unterminated group name"],
];

// Accepted by RE2 (and by us): the less common corners of the syntax.
const ACCEPTED: [string, string][] = [
  ["(?P<n>a)", "syntax.txt: (?P<name>re)"],
  ["(?<n>a)", "syntax.txt: (?<name>re)"],
  ["(?P<1a>x)", "parse.cc: group names are word characters"],
  ["(?i)a", "syntax.txt: flags"],
  ["(?i:a)", "syntax.txt: (?flags:re)"],
  ["(?ims-U)a", "syntax.txt: set and clear flags"],
  ["(?U)a*", "syntax.txt: U ungreedy"],
  ["(?)", "parse.cc: empty flag group"],
  ["^*", "parse.cc: empty-width assertions may be repeated"],
  ["\\b*", "parse.cc: empty-width assertions may be repeated"],
  ["x{,3}", "parse.cc: {,n} is a literal"],
  ["a{", "parse.cc: unterminated { is a literal"],
  ["a{1", "parse.cc: unterminated { is a literal"],
  ["\\0", "syntax.txt: \\0 octal"],
  ["\\01", "syntax.txt: octal"],
  ["\\12", "syntax.txt: \\123 octal"],
  ["\\x{10FFFF}", "syntax.txt: \\x{10FFFF}"],
  ["\\a\\f\\t\\n\\r\\v", "syntax.txt: control escapes"],
  ["\\_\\-\\ \\/", "parse.cc: escaped ASCII punctuation"],
  ["[\\d-z]", "parse.cc: - after a class is a literal"],
  ["[]a]", "syntax.txt: leading ] is literal"],
  ["[^]a]", "syntax.txt: leading ] after ^ is literal"],
  ["[a-b-c]", "parse.cc: - is literal in Perl mode"],
  ["\\z\\A", "syntax.txt: \\A \\z"],
  ["\\pL\\p{Greek}\\PL\\P{Greek}\\p{^Greek}\\P{^Greek}\\pN\\p{Any}", "syntax.txt: Unicode classes"],
  ["[[:alpha:]][[:^alpha:]][[:word:]]", "syntax.txt: POSIX classes"],
  ["[[=a=]]", "parse.cc: [= is not special"],
  ["\\Qa.b\\E", "syntax.txt: \\Q...\\E"],
  ["\\Qab", "parse.cc: \\Q runs to the end"],
  ["\\Qa\\\\E", "parse.cc: inside \\Q only \\E is special"],
  ["(?s:.)", "syntax.txt: s flag"],
  ["()", "empty group"],
  ["(|)", "empty alternatives"],
  ["(?:)*", "repetition of empty"],
  ["a{0}", "x{0}"],
  ["(a{10}){100}", "RepetitionWalker: exactly 1000"],
  ["((a{2}){2}){250}", "RepetitionWalker: exactly 1000"],
  ["a{1000}", "max repeat 1000"],
  ["\\p{Kawi}\\p{Nag_Mundari}", "Unicode 15 scripts"],
  ["\\p{Greek}\\p{Latin}\\p{Han}\\p{Braille}\\p{Nko}\\p{SignWriting}\\p{Old_Italic}", "scripts"],
];

describe("RE2 syntax tables", () => {
  test.each(REJECTED)("rejects %s (%s)", (p) => {
    expect(re2Accepts(p), "oracle (npm re2) must reject it too").toBe(false);
    const c = compileRegex(p);
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.message).toMatch(/^invalid regex ".*": \S/);
  });

  test.each(ACCEPTED)("accepts %s (%s)", (p) => {
    expect(re2Accepts(p), "oracle accepts it").toBe(true);
    const c = compileRegex(p);
    expect(c.ok ? "ok" : c.message).toBe("ok");
  });

  test("\\C is rejected although C++ RE2 accepts it (Istio validates with Go regexp, which rejects \\C)", () => {
    expect(re2Accepts("a\\C")).toBe(true);
    const c = compileRegex("a\\C");
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.message).toContain("\\C");
  });

  test("every script name we accept is accepted by RE2", async () => {
    const { SCRIPTS } = await import("../../host/regex/unicode.ts");
    const bad = [...SCRIPTS].filter((s) => !re2Accepts(`\\p{${s}}`));
    expect(bad).toEqual([]);
  });

  test(`patterns over ${MAX_PATTERN_BYTES} bytes are rejected (Istio pkg/config/validation)`, () => {
    expect(compileRegex("a".repeat(MAX_PATTERN_BYTES)).ok).toBe(true);
    const c = compileRegex("a".repeat(MAX_PATTERN_BYTES + 1));
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.message).toContain("1024");
  });

  test("program size over the limit is a compile error (Envoy re2.max_program_size.error_level; Istio sets 32768)", () => {
    const c = compileRegex("\\pL{1000}");
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.message).toContain("max_program_size");
    const small = compileRegex("[a-z]{20}", { maxProgramSize: 10 });
    expect(small.ok).toBe(false);
    expect(compileRegex("[a-z]{20}", { maxProgramSize: 100 }).ok).toBe(true);
  });
});
