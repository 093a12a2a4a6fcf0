// Differential test focused on the program's shape: captures (GlobalReplace with \1-\9) and full
// matches on regexes built from adjacent repetitions of one atom, nested possibly-empty loops,
// lazy operators and flag groups. The language does not depend on the shape, but which thread
// survives does: RE2 coalesces a*?a?? into a*? (simplify.cc CoalesceWalker), squashes (?:x*)+
// (parse.cc PushRepeatOp), factors alternations (parse.cc FactorAlternation) and runs a flattened
// program (prog.cc Flatten); host/regex/simplify.ts and compiler.ts reproduce those steps.
// Reproduce a failure with SEED=<printed seed> npx vitest run test/regex/shapes.test.ts
import { describe, expect, test } from "vitest";
import RE2 from "re2";
import { compileRegex, regexGroupCount } from "../../host/regex/index.ts";
import { genShapeInputs, genShapeRegex, rng } from "./gen.ts";
import { loadEngine } from "./wasm.ts";
import { re2GlobalReplace } from "./oracle.ts";

const SEED = process.env.SEED === "random" ? (Date.now() % 1_000_000_007) >>> 0 : Number(process.env.SEED ?? 20261121);
const REGEXES = Number(process.env.SHAPE_COUNT ?? 800);

describe(`shape differential vs RE2 (SEED=${SEED})`, () => {
  test("captures and full matches agree with RE2 on loop-heavy generated regexes", async () => {
    const engine = await loadEngine();
    const r = rng(SEED ^ 0x5eed);
    const failures: string[] = [];
    let compiled = 0;
    let pairs = 0;
    for (let k = 0; k < REGEXES && failures.length < 10; k++) {
      const p = genShapeRegex(r);
      const inputs = genShapeInputs(r);
      let full: RE2;
      let global: RE2;
      try {
        full = new RE2(`^(?:${p})$`, "u");
        global = new RE2(p, "gu");
      } catch {
        // RE2 rejects it (stacked repetition such as a{0,2}*): so must we.
        if (compileRegex(p).ok) failures.push(`RE2 rejects ${JSON.stringify(p)} but compileRegex accepted it`);
        continue;
      }
      const c = compileRegex(p);
      if (!c.ok) {
        failures.push(`compileRegex rejected ${JSON.stringify(p)}: ${c.message}`);
        continue;
      }
      const prog = engine.load(c.program)!;
      const ngroups = regexGroupCount(p) as number;
      const refs = Array.from({ length: Math.min(ngroups, 9) }, (_, i) => `\\${i + 1}`).join(",");
      const subst = Buffer.from(ngroups > 0 ? `<${refs}|\\0>` : "[\\0]");
      compiled++;
      for (const input of inputs) {
        pairs++;
        const want = full.test(input);
        if (prog.fullMatch(input) !== want || prog.fullMatch(input, true) !== want) {
          failures.push(`full match ${JSON.stringify(p)} on ${JSON.stringify(input.toString())}: RE2=${want}`);
          break;
        }
        const w = re2GlobalReplace(global, input, subst, ngroups);
        const g = prog.replaceAll(input, subst);
        if (!g || Buffer.compare(Buffer.from(g), w) !== 0) {
          failures.push(`replace ${JSON.stringify(p)} on ${JSON.stringify(input.toString())} with ${subst}: RE2=${JSON.stringify(w.toString())} ours=${g ? JSON.stringify(Buffer.from(g).toString()) : "null"}`);
          break;
        }
      }
      prog.free();
    }
    console.log(`SEED=${SEED}: ${compiled} shape regexes, ${pairs} input pairs`);
    expect(failures, `SEED=${SEED}\n${failures.join("\n")}`).toEqual([]);
    expect(compiled).toBeGreaterThanOrEqual(REGEXES / 2);
  });
});
