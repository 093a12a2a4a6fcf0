// Seeded grammar generator of RE2 regexes (with sample strings) for the differential tests.

import { mulberry32 } from "../../host/util/mulberry32.ts";

export const rng = mulberry32;

export interface Gen {
  pattern: string;
  /** Produces a string that often matches the pattern (as UTF-8 bytes). */
  sample: (r: () => number) => number[];
}

const enc = (s: string): number[] => [...Buffer.from(s, "utf8")];

// Alphabet: ASCII letters with case variants, digits, separators, multi-byte UTF-8 of every
// length, case-folding specials (Kelvin sign, long s), Greek, newline.
const LITS = ["a", "b", "c", "A", "B", "k", "K", "s", "S", "0", "7", "_", "-", " ", "/", "\n", "é", "É", "ж", "Ж", "€", "😀", "\u212a", "\u017f", "σ", "Σ", "ς", "ß", "ẞ", "中"];
const SPECIAL = new Set([..."\\.+*?()|[]{}^$"]);
/** Invalid or unusual UTF-8 byte strings used as data. */
const RAW: number[][] = [[0xff], [0x80], [0xc3], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xc0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82]];

interface ClassSpec {
  text: string;
  members: string[]; // some members, for sampling
}

const CLASSES: ClassSpec[] = [
  { text: ".", members: ["a", "é", "€", "😀", "-"] },
  { text: "[abc]", members: ["a", "b", "c"] },
  { text: "[^abc]", members: ["d", "é", "\n"] },
  { text: "[a-cé-ж]", members: ["b", "é", "ж", "ё"] },
  { text: "[^a-z]", members: ["A", "0", "€"] },
  { text: "\\d", members: ["0", "7"] },
  { text: "\\D", members: ["a", "€"] },
  { text: "\\w", members: ["a", "_", "Z"] },
  { text: "\\W", members: ["-", " ", "é"] },
  { text: "\\s", members: [" ", "\n", "\t"] },
  { text: "\\S", members: ["a", "é"] },
  { text: "\\pL", members: ["a", "é", "ж", "中"] },
  { text: "\\PL", members: ["0", "-", "€"] },
  { text: "\\p{Greek}", members: ["σ", "Σ", "ς"] },
  { text: "\\p{Lu}", members: ["A", "É", "Ж"] },
  { text: "\\pN", members: ["0", "7"] },
  { text: "\\p{Han}", members: ["中"] },
  { text: "[[:alpha:]]", members: ["a", "K"] },
  { text: "[[:^digit:]x]", members: ["x", "a"] },
  { text: "[\\d\\p{Greek}-]", members: ["1", "σ", "-"] },
  { text: "[^\\x{0}-\\x{7ff}]", members: ["€", "😀"] },
  { text: "\\x{e9}", members: ["é"] },
  { text: "[\\x{1F600}-\\x{1F64F}]", members: ["😀"] },
  { text: "[k\\x{212a}]", members: ["k", "\u212a"] },
  { text: "\\Q.+\\E", members: [".+"] },
  { text: "[^\\n]", members: ["a", "é"] },
  { text: "\\S", members: ["x"] },
];

function litText(c: string): string {
  if (c === "\n") return "\\n";
  return SPECIAL.has(c) ? "\\" + c : c;
}

export function genRegex(r: () => number, depth = 0): Gen {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const alts = depth > 2 ? 1 : r() < 0.25 ? 2 + Math.floor(r() * 2) : 1;
  const branches: Gen[] = [];
  for (let i = 0; i < alts; i++) {
    const n = 1 + Math.floor(r() * (depth > 1 ? 2 : 4));
    const items: Gen[] = [];
    for (let j = 0; j < n; j++) items.push(repeat(r, atom(r, depth), depth));
    branches.push({
      pattern: items.map((g) => g.pattern).join(""),
      sample: (rr) => items.flatMap((g) => g.sample(rr)),
    });
  }
  if (branches.length === 1) return branches[0]!;
  return {
    pattern: branches.map((b) => b.pattern).join("|"),
    sample: (rr) => branches[Math.floor(rr() * branches.length)]!.sample(rr),
  };

  function atom(r: () => number, depth: number): Gen {
    const x = r();
    if (x < 0.35) {
      const c = pick(LITS);
      return { pattern: litText(c), sample: () => enc(c) };
    }
    if (x < 0.6) {
      const cs = pick(CLASSES);
      return { pattern: cs.text, sample: (rr) => enc(cs.members[Math.floor(rr() * cs.members.length)]!) };
    }
    if (x < 0.68) {
      const a = pick(["^", "$", "\\b", "\\B", "\\A", "\\z"]);
      return { pattern: a, sample: () => [] };
    }
    if (depth < 3 && x < 0.95) {
      const inner = genRegex(r, depth + 1);
      const kind = pick(["(", "(?:", "(?i:", "(?s:", "(?m:", "(?U:", "(?P<g" + Math.floor(r() * 1e6) + ">", "(?i)(?:", "(?-i:"]);
      const close = kind === "(?i)(?:" ? ")" : ")";
      const pattern = kind === "(?i)(?:" ? `(?:(?i)${inner.pattern})` : kind + inner.pattern + close;
      const folds = kind.includes("i");
      return {
        pattern,
        sample: (rr) => {
          const s = inner.sample(rr);
          if (folds && rr() < 0.5) return enc(Buffer.from(s).toString("utf8").toUpperCase());
          return s;
        },
      };
    }
    const raw = pick(RAW);
    // An escape matching such bytes does not exist in UTF-8 mode; use '.' and rely on inputs.
    return { pattern: "(?:.|" + litText(pick(LITS)) + ")", sample: () => (r() < 0.5 ? raw : enc("a")) };
  }
}

function repeat(r: () => number, g: Gen, depth: number): Gen {
  const x = r();
  if (x < 0.6) return g;
  const lazy = r() < 0.3 ? "?" : "";
  let op: string;
  let min: number;
  let max: number;
  if (x < 0.72) [op, min, max] = ["*", 0, 3];
  else if (x < 0.82) [op, min, max] = ["+", 1, 3];
  else if (x < 0.9) [op, min, max] = ["?", 0, 1];
  else {
    min = Math.floor(r() * 3);
    const kind = r();
    if (kind < 0.33) [op, max] = [`{${min}}`, min];
    else if (kind < 0.66) [op, max] = [`{${min},}`, min + 2];
    else {
      max = min + Math.floor(r() * 3);
      op = `{${min},${max}}`;
    }
    if (depth > 0 && max > 3) max = 3;
  }
  return {
    pattern: wrap(g.pattern) + op + lazy,
    sample: (rr) => {
      const n = min + Math.floor(rr() * (max - min + 1));
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push(...g.sample(rr));
      return out;
    },
  };
}

/** A repetition needs a single atom: wrap anything longer (or an anchor) in (?:...). */
function wrap(p: string): string {
  if (/^(\\.|[^\\]|\[[^\]]*\]|\\p\{\w+\}|\\x\{\w+\})$/u.test(p) && !/^[\^$]$/.test(p)) return p;
  return `(?:${p})`;
}

export function genInputs(r: () => number, g: Gen, count: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const mode = r();
    let bytes: number[];
    if (mode < 0.5) {
      bytes = g.sample(r);
    } else if (mode < 0.75) {
      // sample, then mutate
      bytes = g.sample(r);
      const k = Math.floor(r() * 3);
      for (let j = 0; j < k; j++) {
        const at = Math.floor(r() * (bytes.length + 1));
        const m = r();
        if (m < 0.4) bytes.splice(at, 1);
        else if (m < 0.8) bytes.splice(at, 0, ...enc(LITS[Math.floor(r() * LITS.length)]!));
        else bytes.splice(at, 0, ...RAW[Math.floor(r() * RAW.length)]!);
      }
    } else {
      bytes = [];
      const n = Math.floor(r() * 6);
      for (let j = 0; j < n; j++) {
        bytes.push(...(r() < 0.15 ? RAW[Math.floor(r() * RAW.length)]! : enc(LITS[Math.floor(r() * LITS.length)]!)));
      }
    }
    out.push(Uint8Array.from(bytes));
  }
  return out;
}

// ---- Shape-focused generator (test/regex/shapes.test.ts) ----
// Small alphabet, lots of adjacent repetitions of the same atom, nested (possibly empty) loops
// with flag groups in between, lazy operators and captures: the constructs whose capture
// results depend on RE2's tree rewrites (parse.cc, simplify.cc) and on its flattened program
// (prog.cc Flatten), not only on the language.

const SHAPE_ATOMS = ["a", "a", "a", "b", "[ab]", "[a]", "[Aa]", "(?i:a)", "(?i)a", ".", "(?s:.)", "\\b", "\\B", "^", "$", "(?:)", "k", "[Kk]", "(?i:k)", "_", "ab", "aab", "(?:a|b)", "(?:b|a)", "(?:ab|ac)", "(?:a|ab)", "\\x{61}", "[^b]", "é"];
const SHAPE_ALPHABET = ["a", "a", "a", "b", "A", "k", "\u212a", "_", "\n", "é"];
const SHAPE_INPUTS = ["", "a", "aa", "aab", "aaab", "ab", "abab", "Aa", "kK\u212a"];

export function genShapeRegex(r: () => number, depth = 0): string {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const quant = () => pick(["*", "+", "?", "*?", "+?", "??", "{0,2}", "{0,}?", "{1,2}?"]);
  const loop = () => pick(["*", "+", "*?", "+?", "?", "??"]);
  const n = 1 + Math.floor(r() * 3);
  const favourite = pick(SHAPE_ATOMS);
  let s = "";
  for (let i = 0; i < n; i++) {
    let a: string;
    const x = r();
    if (x < 0.15) {
      // A run of repetitions of one atom inside loops, e.g. (a*?a??)*?b or (?:(?i:(?:a??|b)*))+.
      const t = pick(["a", "[ab]", ".", "(?s:.)", "(?i:a)", "[Aa]", "\\B", "(?:a|b)"]);
      const u = r() < 0.7 ? t : pick(["a", "[ab]", ".", "(?:b|a)"]);
      const inner = `${t}${quant()}${u}${quant()}${r() < 0.3 ? pick(SHAPE_ATOMS) : ""}`;
      const y = r();
      if (y < 0.3) a = `(?:${pick(["(?i:", "(?s:", "(?U:", "(", "(?:"])}(?:${t}${loop()}|${u})${loop()})${loop()})${loop()}`;
      else if (y < 0.6) a = `(${inner})${pick(["*", "+", "*?", "+?"])}`;
      else a = `(?:(${inner})${loop()})${pick(["*", "+", "*?", "+?"])}`;
      if (r() < 0.5) a += pick(["b", "a", "\\b", "$"]);
    } else if (x < 0.4) {
      a = favourite;
    } else if (depth < 3 && x < 0.7) {
      const inner = r() < 0.3 ? genShapeRegex(r, depth + 1) + "|" + genShapeRegex(r, depth + 1) : genShapeRegex(r, depth + 1);
      a = pick(["(", "(?:", "(?:", "(?i:", "(?U:", "(?s:"]) + inner + ")";
    } else {
      a = pick(SHAPE_ATOMS);
    }
    if (r() < 0.6) {
      const single = a.length === 1 || a.startsWith("(") || a.startsWith("[") || a.startsWith("\\");
      a = (single ? a : `(?:${a})`) + pick(["*", "+", "?", "*?", "+?", "??", "{0,2}", "{1,}", "{2}", "{0,}?", "{1,2}?"]);
    }
    s += a;
  }
  return s;
}

export function genShapeInputs(r: () => number): Buffer[] {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const random = Array.from({ length: 6 }, () => Array.from({ length: Math.floor(r() * 6) }, () => pick(SHAPE_ALPHABET)).join(""));
  return SHAPE_INPUTS.concat(random).map((s) => Buffer.from(s, "utf8"));
}
