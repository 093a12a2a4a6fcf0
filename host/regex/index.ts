// RE2-compatible regular expressions compiled to byte automata the filter runs in linear time.
// Placeholder interface until the regex issue lands: every regex is refused with a clear message.

export type RegexCompileResult =
  | { ok: true; program: Uint8Array }
  | { ok: false; message: string };

export function compileRegex(pattern: string): RegexCompileResult {
  return { ok: false, message: `regular expressions are not supported yet (pattern ${JSON.stringify(pattern)})` };
}
