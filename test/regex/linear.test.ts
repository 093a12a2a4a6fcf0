// Linear time: the step counter exported by the engine (instructions visited + bytes stepped)
// grows linearly with the input for patterns that are exponential for backtracking engines.
// Rule: RE2 guarantees time linear in the input (google/re2 README; Pike VM / DFA).
import { beforeAll, describe, expect, test } from "vitest";
import { compileRegex } from "../../host/regex/index.ts";
import { loadEngine, type Engine } from "./wasm.ts";

let engine: Engine;
beforeAll(async () => {
  engine = await loadEngine();
});

const SIZES = [1, 16, 256, 4096, 65536];
const PATTERNS: [string, string][] = [
  ["(a|aa)*b", "a"],
  ["(x+x+)+y", "x"],
  ["(.*){20}z", "x"],
  ["(?:a*)*\\bb", "a"], // \b keeps it on the Pike VM
];

describe("linear time (step counter)", () => {
  test.each(PATTERNS)("%s on %s^n", (p, ch) => {
    const c = compileRegex(p);
    if (!c.ok) throw new Error(c.message);
    const ninst = c.program[12]! | (c.program[13]! << 8);
    const l = engine.load(c.program)!;
    const ex = engine.exports;
    const rows: string[] = [];
    for (const mode of ["default", "pike", "replace"] as const) {
      const perByte: number[] = [];
      for (const n of SIZES) {
        const input = Buffer.alloc(n, ch);
        ex.regexResetSteps();
        // GlobalReplace restarts a search after each match (quadratic worst case, as in RE2), so
        // it is measured on inputs up to 4 KiB only.
        if (mode === "replace") l.replaceAll(input.subarray(0, Math.min(n, 4096)), Buffer.from("r"));
        else expect(l.fullMatch(input, mode === "pike")).toBe(false);
        const steps = Number(ex.regexSteps());
        const len = mode === "replace" ? Math.min(n, 4096) : n;
        if (mode !== "replace" || n <= 4096) rows.push(`${mode} n=${len}: ${steps} steps`);
        if (mode !== "replace") {
          // Each byte: every instruction at most once in the closure and once in the step.
          expect(steps).toBeLessThanOrEqual((2 * ninst + 2) * (n + 1));
          perByte.push(steps / n);
        }
      }
      if (mode !== "replace") {
        // Flat cost per byte: the 64 KiB run costs no more per byte than the 4 KiB run (+1%).
        expect(perByte[4]!).toBeLessThanOrEqual(perByte[3]! * 1.01 + 1);
      }
    }
    console.log(`${p} (${ninst} insts):\n  ${rows.join("\n  ")}`);
    l.free();
  });
});
