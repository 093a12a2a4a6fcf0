// Binary layout of a compiled regex (see docs/regex.md "Program layout"). Little-endian.

import { Op, type Program } from "./compiler.ts";
import type { Dfa } from "./dfa.ts";

export const MAGIC = 0x31585247; // "GRX1"
export const VERSION = 1;
export const HEADER_SIZE = 40;
export const INST_SIZE = 12;
export const DFA_HEADER_SIZE = 16;
export const FLAG_HAS_DFA = 1;
export const FLAG_DFA_EMPTY_ACCEPT = 2;

export function encodeProgram(p: Program, dfa: Dfa | null): Uint8Array {
  const instBytes = p.insts.length * INST_SIZE;
  const dfaOffset = HEADER_SIZE + instBytes;
  let dfaLen = 0;
  let acceptPad = 0;
  if (dfa) {
    acceptPad = (4 - (dfa.nstates % 4)) % 4;
    dfaLen = DFA_HEADER_SIZE + 256 + dfa.nstates + acceptPad + dfa.table.length * 2;
  }
  const total = dfaOffset + dfaLen;
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint32(0, MAGIC, true);
  v.setUint16(4, VERSION, true);
  v.setUint16(6, (dfa ? FLAG_HAS_DFA : 0) | (dfa?.emptyAccept ? FLAG_DFA_EMPTY_ACCEPT : 0), true);
  v.setUint32(8, total, true);
  v.setUint32(12, p.insts.length, true);
  v.setUint32(16, p.start, true);
  v.setUint32(20, p.ncap, true);
  v.setUint32(24, p.ngroups, true);
  v.setUint32(28, dfa ? dfaOffset : 0, true);
  v.setUint32(32, dfaLen, true);
  v.setUint32(36, 0, true);
  p.insts.forEach((i, k) => {
    const o = HEADER_SIZE + k * INST_SIZE;
    out[o] = i.op;
    out[o + 1] = i.a;
    out[o + 2] = i.b;
    v.setUint32(o + 4, i.op === Op.Match || i.op === Op.Fail ? 0 : i.x, true);
    v.setUint32(o + 8, i.op === Op.Split ? i.y : 0, true);
  });
  if (dfa) {
    let o = dfaOffset;
    v.setUint32(o, dfa.nstates, true);
    v.setUint32(o + 4, dfa.nclasses, true);
    v.setUint32(o + 8, dfa.start, true);
    v.setUint32(o + 12, 0, true);
    o += DFA_HEADER_SIZE;
    out.set(dfa.classOf, o);
    o += 256;
    out.set(dfa.accept, o);
    o += dfa.nstates + acceptPad;
    for (let k = 0; k < dfa.table.length; k++) v.setUint16(o + k * 2, dfa.table[k]!, true);
  }
  return out;
}
