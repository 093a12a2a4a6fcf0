// Lowers the parsed AST to a byte-level NFA program (the Pike VM form), RE2-style:
// code points become UTF-8 byte sequences, classes become alternations of byte ranges.

import { MAX_RUNE, type Ranges } from "./charclass.ts";
import { Assert, type Node } from "./parser.ts";

export const enum Op {
  Byte = 1, // a=lo, b=hi, x=next
  Split = 2, // x preferred, y alternative
  Jmp = 3, // x
  Save = 4, // a=slot, x=next
  Assert = 5, // a=Assert kind, x=next
  Match = 6,
  Fail = 7,
}

export interface Inst {
  op: Op;
  a: number;
  b: number;
  x: number;
  y: number;
}

/** Capture groups beyond \9 cannot be referenced by a substitution, so they are not tracked. */
export const MAX_TRACKED_GROUP = 9;

export interface Program {
  insts: Inst[];
  start: number;
  ncap: number; // slots tracked by the VM: 2 * (min(ngroups, 9) + 1)
  ngroups: number;
}

export class ProgramTooLarge extends Error {}

type Seq = [number, number][];

/** UTF-8 byte-range sequences matching exactly the code points lo..hi (same-length split). */
export function utf8Sequences(lo: number, hi: number, out: Seq[]): void {
  if (lo > hi) return;
  for (const b of [0x7f, 0x7ff, 0xffff]) {
    if (lo <= b && b < hi) {
      utf8Sequences(lo, b, out);
      utf8Sequences(b + 1, hi, out);
      return;
    }
  }
  if (hi <= 0x7f) {
    out.push([[lo, hi]]);
    return;
  }
  const n = lo <= 0x7ff ? 2 : lo <= 0xffff ? 3 : 4;
  for (let i = 1; i < n; i++) {
    const m = (1 << (6 * i)) - 1;
    if ((lo & ~m) !== (hi & ~m)) {
      if ((lo & m) !== 0) {
        utf8Sequences(lo, lo | m, out);
        utf8Sequences((lo | m) + 1, hi, out);
        return;
      }
      if ((hi & m) !== m) {
        utf8Sequences(lo, (hi & ~m) - 1, out);
        utf8Sequences(hi & ~m, hi, out);
        return;
      }
    }
  }
  const a = encodeUtf8(lo);
  const b = encodeUtf8(hi);
  out.push(a.map((x, i) => [x, b[i]!] as [number, number]));
}

/** UTF-8 encoding of any code point 0..10FFFF, surrogates included (as RE2 encodes ranges). */
export function encodeUtf8(c: number): number[] {
  if (c < 0x80) return [c];
  if (c < 0x800) return [0xc0 | (c >> 6), 0x80 | (c & 0x3f)];
  if (c < 0x10000) return [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)];
  return [0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)];
}

/**
 * RE2 compiles a class range covering all of 80-10FFFF (as in `.` or `[^a]`) loosely: any lead
 * byte C2-DF, E0-EF, F0-F4 followed by the right number of continuation bytes, so overlong
 * 3/4-byte forms, surrogates and F4 90.. sequences match too (re2/compile.cc Add_80_10ffff;
 * confirmed against the oracle in test/regex).
 */
const LOOSE_80_10FFFF: Seq[] = [
  [[0xc2, 0xdf], [0x80, 0xbf]],
  [[0xe0, 0xef], [0x80, 0xbf], [0x80, 0xbf]],
  [[0xf0, 0xf4], [0x80, 0xbf], [0x80, 0xbf], [0x80, 0xbf]],
];

export function classSequences(r: Ranges): Seq[] {
  const seqs: Seq[] = [];
  for (let i = 0; i < r.length; i += 2) {
    const lo = r[i]!;
    const hi = r[i + 1]!;
    if (lo <= 0x80 && hi === MAX_RUNE) {
      if (lo < 0x80) seqs.push([[lo, 0x7f]]);
      seqs.push(...LOOSE_80_10FFFF);
    } else {
      utf8Sequences(lo, hi, seqs);
    }
  }
  return seqs;
}

interface Trie {
  kids: Map<string, { lo: number; hi: number; node: Trie }>;
}

function nullable(n: Node): boolean {
  switch (n.t) {
    case "empty":
    case "assert":
      return true;
    case "cc":
      return false;
    case "cat":
      return n.subs.every(nullable);
    case "alt":
      return n.subs.some(nullable);
    case "rep":
      return n.min === 0 || nullable(n.sub);
    case "cap":
      return nullable(n.sub);
  }
}

export function compileProgram(root: Node, ngroups: number, maxInsts: number): Program {
  const insts: Inst[] = [];
  const memo = new Map<string, number>();
  const emit = (op: Op, a = 0, b = 0, x = 0, y = 0): number => {
    if (insts.length >= maxInsts) throw new ProgramTooLarge();
    insts.push({ op, a, b, x, y });
    return insts.length - 1;
  };
  /** Hash-consed instruction (safe for immutable ones: Byte, Split of known targets). */
  const shared = (op: Op, a: number, b: number, x: number, y: number): number => {
    const key = `${op},${a},${b},${x},${y}`;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    const pc = emit(op, a, b, x, y);
    memo.set(key, pc);
    return pc;
  };
  const alternation = (entries: number[], next: number): number => {
    if (entries.length === 0) return next;
    let pc = entries[entries.length - 1]!;
    for (let i = entries.length - 2; i >= 0; i--) pc = shared(Op.Split, 0, 0, entries[i]!, pc);
    return pc;
  };
  let failPc = -1;

  const compileClass = (r: Ranges, next: number): number => {
    const seqs = classSequences(r);
    if (seqs.length === 0) {
      if (failPc < 0) failPc = emit(Op.Fail);
      return failPc;
    }
    // Prefix trie (shared leading byte ranges), compiled bottom-up with suffix sharing.
    const root: Trie = { kids: new Map() };
    for (const s of seqs) {
      let t = root;
      for (const [lo, hi] of s) {
        const k = `${lo}-${hi}`;
        let kid = t.kids.get(k);
        if (!kid) t.kids.set(k, (kid = { lo, hi, node: { kids: new Map() } }));
        t = kid.node;
      }
    }
    const build = (t: Trie): number => {
      if (t.kids.size === 0) return next;
      const entries: number[] = [];
      for (const { lo, hi, node } of t.kids.values()) entries.push(shared(Op.Byte, lo, hi, build(node), 0));
      return alternation(entries, next);
    };
    return build(root);
  };

  const star = (sub: Node, greedy: boolean, next: number): number => {
    if (nullable(sub)) {
      // RE2 (compile.cc Star): a nullable body is compiled as (x+)? so that priorities stay right.
      const body = plus(sub, greedy, next);
      return emit(Op.Split, 0, 0, greedy ? body : next, greedy ? next : body);
    }
    const loop = emit(Op.Split);
    const body = compile(sub, loop);
    insts[loop]!.x = greedy ? body : next;
    insts[loop]!.y = greedy ? next : body;
    return loop;
  };
  const plus = (sub: Node, greedy: boolean, next: number): number => {
    const loop = emit(Op.Split);
    const body = compile(sub, loop);
    insts[loop]!.x = greedy ? body : next;
    insts[loop]!.y = greedy ? next : body;
    return body;
  };
  const quest = (sub: Node, greedy: boolean, next: number): number => {
    const body = compile(sub, next);
    return emit(Op.Split, 0, 0, greedy ? body : next, greedy ? next : body);
  };

  const compile = (n: Node, next: number): number => {
    switch (n.t) {
      case "empty":
        return next;
      case "cc":
        return compileClass(n.r, next);
      case "assert":
        return emit(Op.Assert, n.k, 0, next);
      case "cat": {
        let pc = next;
        for (let i = n.subs.length - 1; i >= 0; i--) pc = compile(n.subs[i]!, pc);
        return pc;
      }
      case "alt": {
        const entries = n.subs.map((s) => compile(s, next));
        let pc = entries[entries.length - 1]!;
        for (let i = entries.length - 2; i >= 0; i--) pc = emit(Op.Split, 0, 0, entries[i]!, pc);
        return pc;
      }
      case "cap": {
        if (n.idx > MAX_TRACKED_GROUP) return compile(n.sub, next);
        const close = emit(Op.Save, 2 * n.idx + 1, 0, next);
        const body = compile(n.sub, close);
        return emit(Op.Save, 2 * n.idx, 0, body);
      }
      case "rep": {
        const { sub, min, max, greedy } = n;
        // Simplification as RE2 (simplify.cc): x{n,} = x^(n-1) x+, x{n,m} = x^n (x(x)?)? ...
        if (max === -1) {
          if (min === 0) return star(sub, greedy, next);
          let pc = plus(sub, greedy, next);
          for (let i = 1; i < min; i++) pc = compile(sub, pc);
          return pc;
        }
        if (min === 0 && max === 0) return next;
        let pc = next;
        if (max > min) {
          // Innermost first: (x(x(x)?)?)?
          pc = quest(sub, greedy, next);
          for (let i = min + 1; i < max; i++) {
            const inner = pc;
            const body = compile(sub, inner);
            pc = emit(Op.Split, 0, 0, greedy ? body : next, greedy ? next : body);
          }
        }
        for (let i = 0; i < min; i++) pc = compile(sub, pc);
        return pc;
      }
    }
  };

  const match = emit(Op.Match);
  const start = compile(root, match);
  const tracked = Math.min(ngroups, MAX_TRACKED_GROUP);
  return { insts, start, ncap: 2 * (tracked + 1), ngroups };
}

export function hasOnlyTextAnchors(p: Program): boolean {
  return p.insts.every((i) => i.op !== Op.Assert || i.a === Assert.BeginText || i.a === Assert.EndText);
}
