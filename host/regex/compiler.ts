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

/** A compiled fragment (compile.cc Frag): entry pc, unpatched outs (pc*2, +1 for Split.y). */
interface Frag {
  begin: number;
  end: number[];
  nullable: boolean;
}

/** Save slot marking a group beyond \9: a capture boundary for flattening, a Jmp in the output. */
const UNTRACKED_SLOT = 0xff;

/**
 * Compiles like RE2 (re2/compile.cc on the tree simplify.ts produced), then flattens like RE2
 * (re2/prog.cc Optimize + Flatten), so that the Pike VM keeps and drops the same threads as
 * RE2's NFA and BitState.
 *
 * Building: instructions are allocated in RE2's order (post-order, a fragment's own Split after
 * its children, pc 0 = Fail = RE2's NoMatch), with RE2's fragment algebra: Cat, Alt, Plus, Quest,
 * and Star, which is (x+)? when x is nullable.
 *
 * Flattening: RE2 executes a flattened program in which the only instructions an engine marks
 * as visited per position are "roots" (the start, every target of a byte, capture or assertion
 * instruction, and the "dominator roots" Flatten adds); the Split tree below a root is copied
 * into that root's list. So a thread may pass a Split at a position where another thread already
 * passed it, as long as they entered it from different roots: `(?:(?i:(?:_??|x)*))+` matches
 * "__" as one match in RE2, where a plain Pike VM prunes that path and matches "" first. We emit
 * each root's Split tree as private copies; byte, capture, assertion and match instructions stay
 * shared (their targets are roots, so sharing them prunes exactly what RE2 prunes).
 */
export function compileProgram(root: Node, ngroups: number, maxInsts: number, lead: Node[] = []): Program {
  const insts: Inst[] = [{ op: Op.Fail, a: 0, b: 0, x: 0, y: 0 }];
  const buildLimit = 4 * maxInsts + 64;
  const alloc = (op: Op, a = 0, b = 0, x = 0, y = 0): number => {
    if (insts.length >= buildLimit) throw new ProgramTooLarge();
    insts.push({ op, a, b, x, y });
    return insts.length - 1;
  };
  const patch = (list: number[], target: number): void => {
    for (const slot of list) {
      const i = insts[slot >> 1]!;
      if (slot & 1) i.y = target;
      else i.x = target;
    }
  };
  const NO_MATCH: Frag = { begin: 0, end: [], nullable: false };
  const isNoMatch = (f: Frag) => f.begin === 0;
  const nop = (): Frag => {
    const id = alloc(Op.Jmp);
    return { begin: id, end: [id * 2], nullable: true };
  };
  const cat = (a: Frag, b: Frag): Frag => {
    if (isNoMatch(a) || isNoMatch(b)) return NO_MATCH;
    const first = insts[a.begin]!;
    if (first.op === Op.Jmp && a.end.length === 1 && a.end[0] === a.begin * 2 && first.x === 0) {
      patch(a.end, b.begin); // elide a no-op
      return b;
    }
    patch(a.end, b.begin);
    return { begin: a.begin, end: b.end, nullable: a.nullable && b.nullable };
  };
  const alt = (a: Frag, b: Frag): Frag => {
    if (isNoMatch(a)) return b;
    if (isNoMatch(b)) return a;
    const id = alloc(Op.Split, 0, 0, a.begin, b.begin);
    return { begin: id, end: a.end.concat(b.end), nullable: a.nullable || b.nullable };
  };
  /** The loop Split: x first when greedy; returns its pc and the exit slot. */
  const loopSplit = (body: number, greedy: boolean): [number, number] => {
    const id = greedy ? alloc(Op.Split, 0, 0, body, 0) : alloc(Op.Split, 0, 0, 0, body);
    return [id, greedy ? id * 2 + 1 : id * 2];
  };
  const plus = (a: Frag, greedy: boolean): Frag => {
    const [id, exit] = loopSplit(a.begin, greedy);
    patch(a.end, id);
    return { begin: a.begin, end: [exit], nullable: a.nullable };
  };
  const quest = (a: Frag, greedy: boolean): Frag => {
    if (isNoMatch(a)) return nop();
    const [id, exit] = loopSplit(a.begin, greedy);
    return { begin: id, end: [exit, ...a.end], nullable: true };
  };
  const star = (a: Frag, greedy: boolean): Frag => {
    // compile.cc Star: a nullable body is compiled as (x+)? so that priorities stay right.
    if (a.nullable) return quest(plus(a, greedy), greedy);
    const [id, exit] = loopSplit(a.begin, greedy);
    patch(a.end, id);
    return { begin: id, end: [exit], nullable: true };
  };

  const compileClass = (r: Ranges): Frag => {
    const seqs = classSequences(r);
    if (seqs.length === 0) return NO_MATCH;
    // Prefix trie (shared leading byte ranges), built bottom-up with suffix sharing; the last
    // byte of every sequence is left unpatched (the class's exits).
    const trie: Trie = { kids: new Map() };
    for (const s of seqs) {
      let t = trie;
      for (const [lo, hi] of s) {
        const k = `${lo}-${hi}`;
        let kid = t.kids.get(k);
        if (!kid) t.kids.set(k, (kid = { lo, hi, node: { kids: new Map() } }));
        t = kid.node;
      }
    }
    const memo = new Map<string, number>();
    const exits: number[] = [];
    const build = (t: Trie): number[] => {
      const entries: number[] = [];
      for (const { lo, hi, node } of t.kids.values()) {
        const next = node.kids.size === 0 ? -1 : alternation(build(node));
        const key = `${lo},${hi},${next}`;
        let pc = memo.get(key);
        if (pc === undefined) {
          pc = alloc(Op.Byte, lo, hi, Math.max(next, 0));
          if (next < 0) exits.push(pc * 2);
          memo.set(key, pc);
        }
        entries.push(pc);
      }
      return entries;
    };
    const alternation = (entries: number[]): number => {
      let pc = entries[entries.length - 1]!;
      for (let i = entries.length - 2; i >= 0; i--) {
        const key = `s${entries[i]},${pc}`;
        let s = memo.get(key);
        if (s === undefined) memo.set(key, (s = alloc(Op.Split, 0, 0, entries[i]!, pc)));
        pc = s;
      }
      return pc;
    };
    return { begin: alternation(build(trie)), end: exits, nullable: false };
  };

  const compile = (n: Node): Frag => {
    switch (n.t) {
      case "empty":
        return nop();
      case "cc":
        return compileClass(n.r);
      case "assert": {
        const id = alloc(Op.Assert, n.k);
        return { begin: id, end: [id * 2], nullable: true };
      }
      case "cat": {
        let f = compile(n.subs[0]!);
        for (let i = 1; i < n.subs.length; i++) f = cat(f, compile(n.subs[i]!));
        return f;
      }
      case "alt": {
        const frags = n.subs.map(compile);
        let f = frags[0]!;
        for (let i = 1; i < frags.length; i++) f = alt(f, frags[i]!);
        return f;
      }
      case "cap": {
        const sub = compile(n.sub);
        if (isNoMatch(sub)) return NO_MATCH;
        const tracked = n.idx <= MAX_TRACKED_GROUP;
        const open = alloc(Op.Save, tracked ? 2 * n.idx : UNTRACKED_SLOT, 0, sub.begin);
        const close = alloc(Op.Save, tracked ? 2 * n.idx + 1 : UNTRACKED_SLOT);
        patch(sub.end, close);
        return { begin: open, end: [close * 2], nullable: sub.nullable };
      }
      case "rep": {
        // simplify.ts leaves only x*, x+ and x? (RE2 SimplifyRepeat).
        const sub = compile(n.sub);
        if (n.min === 0 && n.max === -1) return star(sub, n.greedy);
        if (n.min === 1 && n.max === -1) return plus(sub, n.greedy);
        if (n.min === 0 && n.max === 1) return quest(sub, n.greedy);
        throw new Error(`unsimplified repetition {${n.min},${n.max}}`);
      }
    }
  };

  // `lead` (a required prefix or leading \A that RE2 matches outside its program) goes in front;
  // RE2's own program, and so its start, is root + Match.
  let head: Frag | null = null;
  for (const n of lead) head = head ? cat(head, compile(n)) : compile(n);
  const body = cat(compile(root), { begin: alloc(Op.Match), end: [], nullable: false });
  const all = head ? cat(head, body) : body;
  const tracked = Math.min(ngroups, MAX_TRACKED_GROUP);
  const flat = flatten(insts, all.begin, body.begin, maxInsts);
  return { ...flat, ncap: 2 * (tracked + 1), ngroups };
}

const hasOut = (op: Op) => op === Op.Byte || op === Op.Save || op === Op.Assert || op === Op.Jmp || op === Op.Split;

/** re2/prog.cc Optimize (no-op elimination) and Flatten, emitted as described above. */
function flatten(insts: Inst[], start: number, re2Start: number, maxInsts: number): { insts: Inst[]; start: number } {
  const skipNops = (j: number): number => {
    while (j !== 0 && insts[j]!.op === Op.Jmp) j = insts[j]!.x;
    return j;
  };
  // Optimize: every reachable out skips no-op instructions.
  {
    const seen = new Set<number>([start]);
    const queue = [start];
    for (let k = 0; k < queue.length; k++) {
      const i = insts[queue[k]!]!;
      if (!hasOut(i.op)) continue;
      i.x = skipNops(i.x);
      if (i.op === Op.Split) i.y = skipNops(i.y);
      for (const t of i.op === Op.Split ? [i.x, i.y] : [i.x]) {
        if (!seen.has(t)) {
          seen.add(t);
          queue.push(t);
        }
      }
    }
  }
  re2Start = skipNops(re2Start);
  // MarkSuccessors: roots are the Fail instruction, the start and every target of a byte,
  // capture or assertion instruction; record the Split predecessors of each instruction.
  const roots = new Set<number>([0, start]);
  const preds = new Map<number, number[]>();
  {
    const seen = new Set<number>();
    const stack = [start];
    while (stack.length) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      const i = insts[id]!;
      if (i.op === Op.Split) {
        for (const t of [i.x, i.y]) {
          let p = preds.get(t);
          if (!p) preds.set(t, (p = []));
          p.push(id);
        }
        stack.push(i.y, i.x);
      } else if (i.op === Op.Byte || i.op === Op.Save || i.op === Op.Assert) {
        roots.add(i.x);
        stack.push(i.x);
      } else if (i.op === Op.Jmp) {
        stack.push(i.x);
      }
    }
  }
  // MarkDominator, from the highest-numbered root down (the order matters, as in RE2): an
  // instruction reachable through Splits from a root, but with a Split predecessor that is not,
  // becomes a root too.
  const sorted = [...roots].sort((a, b) => b - a);
  for (const r of sorted) {
    if (r === 0 || r === start || r === re2Start) continue;
    const reach = new Set<number>();
    const stack = [r];
    while (stack.length) {
      const id = stack.pop()!;
      if (reach.has(id)) continue;
      reach.add(id);
      if (id !== r && roots.has(id)) continue;
      const i = insts[id]!;
      if (i.op === Op.Split) stack.push(i.y, i.x);
      else if (i.op === Op.Jmp) stack.push(i.x);
    }
    for (const id of reach) {
      for (const p of preds.get(id) ?? []) {
        if (!reach.has(p)) {
          roots.add(id);
          break;
        }
      }
    }
  }

  // Emit: leaves (byte, capture, assertion, match, fail) once; each root's Split tree once per
  // root (its list), where reaching another root jumps to that root's entry.
  const out: Inst[] = [];
  const emit = (i: Inst): number => {
    if (out.length >= maxInsts) throw new ProgramTooLarge();
    out.push(i);
    return out.length - 1;
  };
  const entries = new Map<number, number>(); // root or leaf build pc -> output pc
  const jobs: (() => void)[] = [];
  const entry = (id: number): number => {
    const known = entries.get(id);
    if (known !== undefined) return known;
    const i = insts[id]!;
    if (i.op === Op.Split || i.op === Op.Jmp) {
      // A root whose list starts with Splits (or the start no-op): expand it later.
      const pc = emit({ op: Op.Jmp, a: 0, b: 0, x: 0, y: 0 });
      entries.set(id, pc);
      jobs.push(() => expandList(id, pc));
      return pc;
    }
    const pc = emit({ ...i });
    entries.set(id, pc);
    if (i.op === Op.Save && i.a === UNTRACKED_SLOT) out[pc] = { op: Op.Jmp, a: 0, b: 0, x: 0, y: 0 };
    if (hasOut(i.op)) jobs.push(() => (out[pc]!.x = entry(i.x)));
    return pc;
  };
  const expandList = (root: number, headPc: number): void => {
    const local = new Map<number, number>();
    const pending: [number, number][] = [];
    const ref = (id: number): number => {
      if (id === root) return headPc;
      if (roots.has(id)) return entry(id);
      const i = insts[id]!;
      if (i.op === Op.Jmp) return ref(i.x);
      if (i.op !== Op.Split) return entry(id); // a leaf: shared
      let pc = local.get(id);
      if (pc === undefined) {
        pc = emit({ op: Op.Split, a: 0, b: 0, x: 0, y: 0 });
        local.set(id, pc);
        pending.push([id, pc]);
      }
      return pc;
    };
    const head = insts[root]!;
    if (head.op === Op.Split) {
      out[headPc] = { op: Op.Split, a: 0, b: 0, x: 0, y: 0 };
      pending.push([root, headPc]);
    } else {
      out[headPc]!.x = ref(head.x); // the start no-op
    }
    while (pending.length) {
      const [id, pc] = pending.pop()!;
      const i = insts[id]!;
      out[pc]!.x = ref(i.x);
      out[pc]!.y = ref(i.y);
    }
  };
  const startPc = entry(start);
  while (jobs.length) jobs.pop()!();
  return { insts: out, start: startPc };
}

export function hasOnlyTextAnchors(p: Program): boolean {
  return p.insts.every((i) => i.op !== Op.Assert || i.a === Assert.BeginText || i.a === Assert.EndText);
}
