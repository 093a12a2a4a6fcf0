// RE2-compatible regular expressions compiled to byte automata the filter runs in linear time.
// See docs/regex.md for the design, the bounds and the binary layout.

import { compileProgram, ProgramTooLarge, hasOnlyTextAnchors } from "./compiler.ts";
import { buildDfa } from "./dfa.ts";
import { encodeProgram } from "./encode.ts";
import { parseRegex, RegexSyntaxError } from "./parser.ts";
import { simplifyLikeRe2 } from "./simplify.ts";

export type RegexCompileResult =
  | { ok: true; program: Uint8Array }
  | { ok: false; message: string };

export interface RegexCompileOptions {
  /**
   * Maximum number of VM instructions. Defaults to 32768, the value Istio sets for Envoy's
   * re2.max_program_size.error_level (Envoy's own default is 100). Our instruction count is
   * close to, but not identical with, RE2's program size.
   */
  maxProgramSize?: number;
  /** Build the DFA form when it fits the bounds (default true). The Pike VM form is always present. */
  dfa?: boolean;
}

/** Istio's validation rejects longer regexes. */
export const MAX_PATTERN_BYTES = 1024;
export const DEFAULT_MAX_PROGRAM_SIZE = 32768;

export { MAX_DFA_CELLS, MAX_DFA_STATES } from "./dfa.ts";

export function compileRegex(pattern: string, options: RegexCompileOptions = {}): RegexCompileResult {
  const fail = (why: string): RegexCompileResult => ({
    ok: false,
    message: `invalid regex ${JSON.stringify(pattern.length > 80 ? pattern.slice(0, 80) + "…" : pattern)}: ${why}`,
  });
  const bytes = Buffer.byteLength(pattern, "utf8");
  if (bytes > MAX_PATTERN_BYTES) return fail(`regex is ${bytes} bytes long, the limit is ${MAX_PATTERN_BYTES}`);
  const maxInsts = options.maxProgramSize ?? DEFAULT_MAX_PROGRAM_SIZE;
  try {
    const parsed = parseRegex(pattern);
    // RE2 rewrites the tree before compiling it; the program's shape decides captures.
    const shaped = simplifyLikeRe2(parsed.root);
    const prog = compileProgram(shaped.root, parsed.ngroups, maxInsts, shaped.lead);
    const dfa = options.dfa !== false && hasOnlyTextAnchors(prog) ? buildDfa(prog) : null;
    return { ok: true, program: encodeProgram(prog, dfa) };
  } catch (e) {
    if (e instanceof RegexSyntaxError) return fail(e.message);
    if (e instanceof ProgramTooLarge) {
      return fail(`compiled program exceeds the maximum program size of ${maxInsts} instructions (re2.max_program_size.error_level)`);
    }
    throw e;
  }
}

/** Number of capturing groups, or a syntax error message. */
export function regexGroupCount(pattern: string): number | string {
  try {
    return parseRegex(pattern).ngroups;
  } catch (e) {
    if (e instanceof RegexSyntaxError) return e.message;
    throw e;
  }
}

/**
 * Checks a uriRegexRewrite substitution the way RE2::Rewrite reads it: \0-\9 refer to groups,
 * \\ is a backslash, any other escape is invalid. Returns an error message or null.
 */
export function validateSubstitution(pattern: string, substitution: string): string | null {
  const n = regexGroupCount(pattern);
  if (typeof n === "string") return n;
  for (let i = 0; i < substitution.length; i++) {
    if (substitution[i] !== "\\") continue;
    const c = substitution[++i];
    if (c !== undefined && c >= "0" && c <= "9") {
      if (Number(c) > n) return `substitution refers to \\${c} but the regex has ${n} capturing group(s)`;
    } else if (c !== "\\") {
      return `invalid rewrite escape \\${c ?? ""} (only \\0-\\9 and \\\\ are allowed)`;
    }
  }
  return null;
}
