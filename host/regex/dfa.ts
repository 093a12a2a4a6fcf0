// Subset construction of a full-match DFA over byte equivalence classes.
// Only for programs whose assertions are text anchors (^ $ \A \z without (?m)); \b, \B and
// multi-line anchors need look-behind/look-ahead context and stay on the Pike VM.

import { Assert } from "./parser.ts";
import { Op, type Program } from "./compiler.ts";

/** Bounds: at most this many states (dead state included) ... */
export const MAX_DFA_STATES = 4096;
/** ... and at most this many table cells (states x byte classes, u16 each: 128 KiB). */
export const MAX_DFA_CELLS = 65536;

export interface Dfa {
  nstates: number;
  nclasses: number;
  start: number;
  classOf: Uint8Array; // 256 entries
  accept: Uint8Array; // per state: accepts if the input ends here (non-empty input)
  emptyAccept: boolean; // the empty input matches
  table: Uint16Array; // nstates * nclasses
}

export function byteClasses(p: Program): { classOf: Uint8Array; nclasses: number; reps: number[] } {
  const boundary = new Uint8Array(257);
  for (const i of p.insts) {
    if (i.op === Op.Byte) {
      boundary[i.a] = 1;
      boundary[i.b + 1] = 1;
    }
  }
  const classOf = new Uint8Array(256);
  const reps: number[] = [];
  let cls = -1;
  for (let b = 0; b < 256; b++) {
    if (b === 0 || boundary[b]) {
      cls++;
      reps.push(b);
    }
    classOf[b] = cls;
  }
  return { classOf, nclasses: cls + 1, reps };
}

export function buildDfa(p: Program): Dfa | null {
  const { insts } = p;
  const seen = new Uint32Array(insts.length);
  let stamp = 0;
  const closure = (seeds: number[], atStart: boolean): number[] => {
    stamp++;
    const leaves: number[] = [];
    const stack = seeds.slice().reverse();
    while (stack.length) {
      const pc = stack.pop()!;
      if (seen[pc] === stamp) continue;
      seen[pc] = stamp;
      const i = insts[pc]!;
      switch (i.op) {
        case Op.Byte:
        case Op.Match:
          leaves.push(pc);
          break;
        case Op.Split:
          stack.push(i.y, i.x);
          break;
        case Op.Jmp:
        case Op.Save:
          stack.push(i.x);
          break;
        case Op.Assert:
          if (i.a === Assert.BeginText) {
            if (atStart) stack.push(i.x);
          } else leaves.push(pc); // EndText: decided when the input ends
          break;
        case Op.Fail:
          break;
      }
    }
    return leaves.sort((a, b) => a - b);
  };
  const acceptsAtEnd = (leaves: number[], atStart: boolean): boolean => {
    stamp++;
    const stack = leaves.slice();
    while (stack.length) {
      const pc = stack.pop()!;
      if (seen[pc] === stamp) continue;
      seen[pc] = stamp;
      const i = insts[pc]!;
      if (i.op === Op.Match) return true;
      if (i.op === Op.Split) stack.push(i.x, i.y);
      else if (i.op === Op.Jmp || i.op === Op.Save) stack.push(i.x);
      else if (i.op === Op.Assert && (i.a === Assert.EndText || (i.a === Assert.BeginText && atStart))) stack.push(i.x);
    }
    return false;
  };

  const { classOf, nclasses } = byteClasses(p);
  const maxStates = Math.min(MAX_DFA_STATES, Math.floor(MAX_DFA_CELLS / nclasses));
  const ids = new Map<string, number>();
  const sets: number[][] = [[]]; // state 0: dead
  ids.set("", 0);
  const startSet = closure([p.start], true);
  const emptyAccept = acceptsAtEnd(startSet, true);
  const intern = (set: number[]): number => {
    const key = set.join(",");
    let id = ids.get(key);
    if (id === undefined) {
      if (sets.length >= maxStates) return -1;
      id = sets.length;
      sets.push(set);
      ids.set(key, id);
    }
    return id;
  };
  const start = intern(startSet);
  // start 0: the regex can never match (e.g. [^\x00-\x{10FFFF}]); a DFA needs at least one live
  // state (regexPrepare requires nstates >= 2), so leave it to the Pike VM.
  if (start <= 0) return null;
  const rows: number[][] = [new Array<number>(nclasses).fill(0)];
  // Seeds (successor pcs) per byte class, gathered leaf by leaf; identical seed lists share
  // one closure (many classes, e.g. all continuation bytes, behave the same).
  const seedMemo = new Map<string, number>();
  const perClass: number[][] = Array.from({ length: nclasses }, () => []);
  for (let s = 1; s < sets.length; s++) {
    const row = new Array<number>(nclasses).fill(0);
    for (const list of perClass) list.length = 0;
    for (const pc of sets[s]!) {
      const i = insts[pc]!;
      if (i.op !== Op.Byte) continue;
      for (let c = classOf[i.a]!; c <= classOf[i.b]!; c++) perClass[c]!.push(i.x);
    }
    for (let c = 0; c < nclasses; c++) {
      const seeds = perClass[c]!;
      if (seeds.length === 0) continue;
      const key = seeds.join(",");
      let t = seedMemo.get(key);
      if (t === undefined) {
        t = intern(closure(seeds, false));
        if (t < 0) return null;
        seedMemo.set(key, t);
      }
      row[c] = t;
    }
    rows.push(row);
  }
  const nstates = sets.length;
  const accept = new Uint8Array(nstates);
  for (let s = 1; s < nstates; s++) accept[s] = acceptsAtEnd(sets[s]!, false) ? 1 : 0;
  const table = new Uint16Array(nstates * nclasses);
  rows.forEach((row, s) => row.forEach((t, c) => (table[s * nclasses + c] = t)));
  return { nstates, nclasses, start, classOf, accept, emptyAccept, table };
}
