// RE2-compatible regex execution over raw bytes: DFA (when the compiler produced one) or a
// Pike VM with captures. Programs come from host/regex (layout in docs/regex.md).
//
// Guarantees:
//  * regexPrepare validates every field and offset of a program once (configure time) and
//    grows the scratch memory; matching never allocates afterwards.
//  * Matching runs in O(input length x program size) (Pike VM) or O(input length) (DFA), and
//    never traps: every per-call access is bounds-checked against the prepared capacity.

const MAGIC: u32 = 0x31585247; // "GRX1"
const VERSION: u32 = 1;
const HEADER_SIZE: u32 = 40;
const INST_SIZE: u32 = 12;
const DFA_HEADER_SIZE: u32 = 16;
const FLAG_HAS_DFA: u32 = 1;
const FLAG_DFA_EMPTY_ACCEPT: u32 = 2;

const OP_BYTE: u8 = 1;
const OP_SPLIT: u8 = 2;
const OP_JMP: u8 = 3;
const OP_SAVE: u8 = 4;
const OP_ASSERT: u8 = 5;
const OP_MATCH: u8 = 6;
const OP_FAIL: u8 = 7;

const A_BEGIN_TEXT: u8 = 1;
const A_END_TEXT: u8 = 2;
const A_BEGIN_LINE: u8 = 3;
const A_END_LINE: u8 = 4;
const A_WORD: u8 = 5;
const A_NOT_WORD: u8 = 6;

/** Capture slots tracked: \0..\9. */
const MAX_CAP: u32 = 20;
/** Hard ceilings a program must respect (the compiler's own limits are lower). */
const MAX_INSTS: u32 = 1 << 20;
const MAX_DFA_STATES: u32 = 4096;

// ---- scratch (grown by regexPrepare only) ----
let capInsts: u32 = 0; // instruction capacity of the scratch below
let visited: usize = 0; // u32 generation stamp per instruction
let listA: usize = 0; // per list: pcs u32[cap] then caps i32[cap * MAX_CAP]
let listB: usize = 0;
let stack: usize = 0; // closure stack: (u32 tag/pc, i32 value) x (3 * cap + 4)
let work: usize = 0; // i32[MAX_CAP]: captures of the thread being expanded
let best: usize = 0; // i32[MAX_CAP]: captures of the current best match
let gen: u32 = 0;

/** Instruction/byte steps executed since the last regexResetSteps (for linear-time tests). */
let steps: u64 = 0;

export function regexSteps(): u64 {
  return steps;
}

export function regexResetSteps(): void {
  steps = 0;
}

@inline function u32At(p: usize, off: u32): u32 {
  return load<u32>(p + <usize>off);
}

/** Header checks repeated on every call (O(1)); regexPrepare did the full validation. */
function headerOk(program: usize, programLen: usize): bool {
  if (program == 0 || programLen < <usize>HEADER_SIZE) return false;
  if (u32At(program, 0) != MAGIC) return false;
  if (<usize>u32At(program, 8) != programLen) return false;
  const ninst = u32At(program, 12);
  if (ninst == 0 || ninst > capInsts) return false;
  if (u32At(program, 16) >= ninst) return false;
  const ncap = u32At(program, 20);
  if (ncap < 2 || ncap > MAX_CAP) return false;
  const instEnd = <u64>HEADER_SIZE + <u64>ninst * <u64>INST_SIZE;
  if (instEnd > <u64>programLen) return false;
  if ((<u32>load<u16>(program + 6) & FLAG_HAS_DFA) != 0) {
    // O(1) layout check; per-byte steps additionally bound the state index.
    const dfaOff = u32At(program, 28);
    if (<u64>dfaOff < instEnd || <u64>dfaOff + <u64>DFA_HEADER_SIZE + 256 > <u64>programLen) return false;
    const d = program + <usize>dfaOff;
    const nstates = <u64>load<u32>(d);
    const nclasses = <u64>load<u32>(d, 4);
    if (nstates < 2 || nstates > <u64>MAX_DFA_STATES || nclasses == 0 || nclasses > 256) return false;
    if (<u64>load<u32>(d, 8) >= nstates) return false;
    const need = <u64>dfaOff + <u64>DFA_HEADER_SIZE + 256 + nstates + ((4 - (nstates & 3)) & 3) + nstates * nclasses * 2;
    if (need > <u64>programLen) return false;
  }
  return true;
}

function growScratch(ninst: u32): void {
  if (ninst <= capInsts) return;
  if (visited != 0) {
    heap.free(visited);
    heap.free(listA);
    heap.free(listB);
    heap.free(stack);
  } else {
    work = heap.alloc(<usize>MAX_CAP * 4);
    best = heap.alloc(<usize>MAX_CAP * 4);
  }
  const n = <usize>ninst;
  visited = heap.alloc(n * 4);
  memory.fill(visited, 0, n * 4);
  const listSize = n * 4 + n * <usize>MAX_CAP * 4;
  listA = heap.alloc(listSize);
  listB = heap.alloc(listSize);
  stack = heap.alloc((3 * n + 4) * 8);
  capInsts = ninst;
  gen = 0;
}

/**
 * Validates a compiled program (every offset and index bounds-checked) and sizes the scratch
 * memory for it. Call once per program at configure time; returns false if the program is
 * malformed, in which case it must not be used.
 */
export function regexPrepare(program: usize, programLen: usize): bool {
  if (program == 0 || programLen < <usize>HEADER_SIZE || programLen > 0x7fffffff) return false;
  if (u32At(program, 0) != MAGIC) return false;
  if (<u32>load<u16>(program + 4) != VERSION) return false;
  const flags = <u32>load<u16>(program + 6);
  if (<usize>u32At(program, 8) != programLen) return false;
  const ninst = u32At(program, 12);
  const start = u32At(program, 16);
  const ncap = u32At(program, 20);
  const dfaOff = u32At(program, 28);
  const dfaLen = u32At(program, 32);
  if (ninst == 0 || ninst > MAX_INSTS || start >= ninst) return false;
  if (ncap < 2 || ncap > MAX_CAP || (ncap & 1) != 0) return false;
  const instEnd = <u64>HEADER_SIZE + <u64>ninst * <u64>INST_SIZE;
  if (instEnd > <u64>programLen) return false;
  for (let k: u32 = 0; k < ninst; k++) {
    const p = program + <usize>(HEADER_SIZE + k * INST_SIZE);
    const op = load<u8>(p);
    const a = load<u8>(p, 1);
    const b = load<u8>(p, 2);
    const x = load<u32>(p, 4);
    const y = load<u32>(p, 8);
    if (op == OP_BYTE) {
      if (a > b || x >= ninst) return false;
    } else if (op == OP_SPLIT) {
      if (x >= ninst || y >= ninst) return false;
    } else if (op == OP_JMP) {
      if (x >= ninst) return false;
    } else if (op == OP_SAVE) {
      if (a < 2 || <u32>a >= ncap || x >= ninst) return false; // slots 0/1 belong to the engine
    } else if (op == OP_ASSERT) {
      if (a < A_BEGIN_TEXT || a > A_NOT_WORD || x >= ninst) return false;
    } else if (op != OP_MATCH && op != OP_FAIL) {
      return false;
    }
  }
  if ((flags & FLAG_HAS_DFA) != 0) {
    if (<u64>dfaOff != instEnd || <u64>dfaOff + <u64>dfaLen != <u64>programLen) return false;
    if (dfaLen < DFA_HEADER_SIZE + 256) return false;
    const d = program + <usize>dfaOff;
    const nstates = load<u32>(d);
    const nclasses = load<u32>(d, 4);
    const dstart = load<u32>(d, 8);
    if (nstates < 2 || nstates > MAX_DFA_STATES || nclasses == 0 || nclasses > 256 || dstart >= nstates) return false;
    const pad = (4 - (nstates & 3)) & 3;
    const need = <u64>DFA_HEADER_SIZE + 256 + <u64>nstates + <u64>pad + <u64>nstates * <u64>nclasses * 2;
    if (need != <u64>dfaLen) return false;
    const classMap = d + <usize>DFA_HEADER_SIZE;
    for (let b = 0; b < 256; b++) if (<u32>load<u8>(classMap + <usize>b) >= nclasses) return false;
    const table = classMap + 256 + <usize>(nstates + pad);
    const cells = <usize>nstates * <usize>nclasses;
    for (let k: usize = 0; k < cells; k++) if (<u32>load<u16>(table + k * 2) >= nstates) return false;
  } else if (dfaOff != 0 || dfaLen != 0 || instEnd != <u64>programLen) {
    return false;
  }
  growScratch(ninst);
  return true;
}

// ---- DFA ----

function dfaFullMatch(program: usize, input: usize, inputLen: usize): bool {
  const flags = <u32>load<u16>(program + 4 + 2);
  if (inputLen == 0) return (flags & FLAG_DFA_EMPTY_ACCEPT) != 0;
  const d = program + <usize>u32At(program, 28);
  const nstates = load<u32>(d);
  const nclasses = <usize>load<u32>(d, 4);
  let state = <usize>load<u32>(d, 8);
  const classMap = d + <usize>DFA_HEADER_SIZE;
  const accept = classMap + 256;
  const table = accept + <usize>(nstates + ((4 - (nstates & 3)) & 3));
  steps += <u64>inputLen;
  for (let i: usize = 0; i < inputLen; i++) {
    let cls = <usize>load<u8>(classMap + <usize>load<u8>(input + i));
    if (cls >= nclasses) cls = 0; // only reachable with an unprepared program
    state = <usize>load<u16>(table + (state * nclasses + cls) * 2);
    if (state == 0 || state >= <usize>nstates) return false;
  }
  return load<u8>(accept + state) != 0;
}

// ---- Pike VM ----

@inline function isWordByte(c: u32): bool {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x5f;
}

function assertHolds(kind: u8, input: usize, len: usize, pos: usize): bool {
  if (kind == A_BEGIN_TEXT) return pos == 0;
  if (kind == A_END_TEXT) return pos == len;
  if (kind == A_BEGIN_LINE) return pos == 0 || load<u8>(input + pos - 1) == 0x0a;
  if (kind == A_END_LINE) return pos == len || load<u8>(input + pos) == 0x0a;
  const before = pos > 0 && isWordByte(<u32>load<u8>(input + pos - 1));
  const after = pos < len && isWordByte(<u32>load<u8>(input + pos));
  return kind == A_WORD ? before != after : before == after;
}

let listCount: u32 = 0; // count of the list being built (nlist)

/** Pushes a pc on the closure stack (out-of-range pcs only come from unprepared programs). */
@inline function pushPc(sp: usize, pc: u32, ninst: u32): usize {
  if (pc >= ninst) return sp;
  store<u32>(stack + sp * 8, pc);
  return sp + 1;
}

/**
 * Adds the thread (pc, captures in `work`) and its epsilon closure to `list` at input
 * position pos, in priority order. Leaves (Byte/Match) get a copy of the captures.
 */
function addThread(program: usize, list: usize, ncap: u32, pc0: u32, input: usize, len: usize, pos: usize): void {
  const insts = program + <usize>HEADER_SIZE;
  const ninst = u32At(program, 12);
  const capsBase = list + <usize>capInsts * 4;
  let sp: usize = 0;
  // stack entry: tag (pc, or 0x80000000|slot for a capture restore) and a value
  sp = pushPc(0, pc0, ninst);
  while (sp > 0) {
    sp--;
    const tag = load<u32>(stack + sp * 8);
    if ((tag & 0x80000000) != 0) {
      // A capture restore. Pcs are pushed only when < ninst (<= MAX_INSTS < 2^31), so an
      // unprepared program's huge target cannot pose as a restore of an out-of-range slot.
      const slot = <usize>(tag & 0x7fffffff);
      if (slot < <usize>MAX_CAP) store<i32>(work + slot * 4, load<i32>(stack + sp * 8, 4));
      continue;
    }
    const pc = tag;
    if (pc >= ninst) continue; // only reachable with an unprepared program
    const vis = visited + <usize>pc * 4;
    if (load<u32>(vis) == gen) continue;
    store<u32>(vis, gen);
    steps++;
    const ip = insts + <usize>pc * <usize>INST_SIZE;
    const op = load<u8>(ip);
    if (op == OP_BYTE || op == OP_MATCH) {
      const idx = listCount++;
      store<u32>(list + <usize>idx * 4, pc);
      memory.copy(capsBase + <usize>idx * <usize>MAX_CAP * 4, work, <usize>ncap * 4);
    } else if (op == OP_SPLIT) {
      sp = pushPc(sp, load<u32>(ip, 8), ninst);
      sp = pushPc(sp, load<u32>(ip, 4), ninst);
    } else if (op == OP_JMP) {
      sp = pushPc(sp, load<u32>(ip, 4), ninst);
    } else if (op == OP_SAVE) {
      const slot = <usize>load<u8>(ip, 1);
      if (slot < 2 || slot >= <usize>MAX_CAP) continue; // only reachable with an unprepared program
      store<u32>(stack + sp * 8, 0x80000000 | <u32>slot);
      store<i32>(stack + sp * 8, load<i32>(work + slot * 4), 4);
      store<i32>(work + slot * 4, <i32>pos);
      sp = pushPc(sp + 1, load<u32>(ip, 4), ninst);
    } else if (op == OP_ASSERT) {
      if (assertHolds(load<u8>(ip, 1), input, len, pos)) sp = pushPc(sp, load<u32>(ip, 4), ninst);
    }
    // OP_FAIL: nothing
  }
}

function nextGen(): void {
  gen++;
  if (gen == 0) {
    memory.fill(visited, 0, <usize>capInsts * 4);
    gen = 1;
  }
}

/**
 * Runs the Pike VM. anchored+fullMatch: does input[0..len] match entirely (captures unused).
 * Otherwise: leftmost-first search starting at `from` (context is the whole input); on success
 * the match captures are in `best` (slot 0/1 = match bounds) and true is returned.
 */
function pike(program: usize, input: usize, len: usize, from: usize, fullMatch: bool): bool {
  const start = u32At(program, 16);
  const ncap: u32 = fullMatch ? 0 : u32At(program, 20);
  const insts = program + <usize>HEADER_SIZE;
  let clist = listA;
  let nlist = listB;
  let ccount: u32 = 0;
  let matched = false;
  // initial thread
  nextGen();
  for (let k: u32 = 0; k < MAX_CAP; k++) store<i32>(work + <usize>k * 4, -1);
  store<i32>(work, <i32>from);
  listCount = 0;
  addThread(program, clist, ncap, start, input, len, from);
  ccount = listCount;
  for (let pos = from; ; pos++) {
    if (ccount == 0 && (matched || fullMatch)) break;
    nextGen();
    listCount = 0;
    const ccaps = clist + <usize>capInsts * 4;
    const c: u32 = pos < len ? <u32>load<u8>(input + pos) : 0x100;
    for (let i: u32 = 0; i < ccount; i++) {
      const pc = load<u32>(clist + <usize>i * 4);
      const ip = insts + <usize>pc * <usize>INST_SIZE;
      const op = load<u8>(ip);
      steps++;
      if (op == OP_MATCH) {
        if (fullMatch) {
          if (pos == len) return true;
          continue;
        }
        memory.copy(best, ccaps + <usize>i * <usize>MAX_CAP * 4, <usize>ncap * 4);
        store<i32>(best, <i32>pos, 4);
        matched = true;
        break; // cut lower-priority threads (leftmost-first)
      }
      // OP_BYTE
      if (c <= 0xff && c >= <u32>load<u8>(ip, 1) && c <= <u32>load<u8>(ip, 2)) {
        memory.copy(work, ccaps + <usize>i * <usize>MAX_CAP * 4, <usize>ncap * 4);
        addThread(program, nlist, ncap, load<u32>(ip, 4), input, len, pos + 1);
      }
    }
    if (pos >= len) break;
    if (!matched && !fullMatch) {
      // a new lowest-priority thread starting at pos + 1
      for (let k: u32 = 0; k < ncap; k++) store<i32>(work + <usize>k * 4, -1);
      store<i32>(work, <i32>(pos + 1));
      addThread(program, nlist, ncap, start, input, len, pos + 1);
    }
    const t = clist;
    clist = nlist;
    nlist = t;
    ccount = listCount;
  }
  return matched;
}

/** Does the whole input match the program (RE2 FullMatch)? False for unprepared/invalid programs. */
export function regexFullMatch(program: usize, programLen: usize, input: usize, inputLen: usize): bool {
  if (!headerOk(program, programLen)) return false;
  if ((<u32>load<u16>(program + 6) & FLAG_HAS_DFA) != 0) return dfaFullMatch(program, input, inputLen);
  return pike(program, input, inputLen, 0, true);
}

/** Same as regexFullMatch but always on the Pike VM (tests compare both forms). */
export function regexFullMatchPike(program: usize, programLen: usize, input: usize, inputLen: usize): bool {
  if (!headerOk(program, programLen)) return false;
  return pike(program, input, inputLen, 0, true);
}

/**
 * Leftmost-first search from `from` (the text before `from` is context for ^ and \b). On a
 * match, writes 2*(min(groups,9)+1) i32 offsets into `capsOut` (-1 for unset groups) and
 * returns true.
 */
export function regexSearch(program: usize, programLen: usize, input: usize, inputLen: usize, from: usize, capsOut: usize): bool {
  if (!headerOk(program, programLen) || from > inputLen) return false;
  if (!pike(program, input, inputLen, from, false)) return false;
  if (capsOut != 0) memory.copy(capsOut, best, <usize>u32At(program, 20) * 4);
  return true;
}

/** Length of the valid UTF-8 sequence at p (as RE2's chartorune accepts it), or 1 if invalid. */
function runeLen(p: usize, n: usize): usize {
  const c0 = <u32>load<u8>(p);
  if (c0 < 0x80) return 1;
  if (c0 < 0xc0) return 1;
  let need: usize;
  let min: u32;
  let r: u32;
  if (c0 < 0xe0) {
    need = 2;
    min = 0x80;
    r = c0 & 0x1f;
  } else if (c0 < 0xf0) {
    need = 3;
    min = 0x800;
    r = c0 & 0x0f;
  } else if (c0 < 0xf8) {
    need = 4;
    min = 0x10000;
    r = c0 & 0x07;
  } else return 1;
  if (n < need) return 1;
  for (let k: usize = 1; k < need; k++) {
    const c = <u32>load<u8>(p + k);
    if ((c & 0xc0) != 0x80) return 1;
    r = (r << 6) | (c & 0x3f);
  }
  if (r < min || r > 0x10ffff) return 1;
  return need;
}

/** Highest \N in the substitution (-1 if none), as RE2::MaxSubmatch. */
function maxSubmatch(sub: usize, subLen: usize): i32 {
  let m: i32 = -1;
  for (let i: usize = 0; i < subLen; i++) {
    if (load<u8>(sub + i) == 0x5c && i + 1 < subLen) {
      const c = <i32>load<u8>(sub + i + 1);
      if (c >= 0x30 && c <= 0x39) {
        if (c - 0x30 > m) m = c - 0x30;
      }
      i++;
    }
  }
  return m;
}

/**
 * RE2::GlobalReplace: replaces every non-overlapping leftmost-first match of the program in the
 * input with the substitution (\0-\9 = groups, \\ = backslash), writing the result to out.
 * An empty match right after the previous match is skipped (advancing one UTF-8 character).
 * If the substitution refers to a group the regex lacks, the input is copied unchanged (RE2
 * returns false and leaves the string alone). Returns the bytes written, or -1 if the result
 * does not fit in outCap (or the program is not prepared).
 */
export function regexReplaceAll(
  program: usize, programLen: usize, input: usize, inputLen: usize,
  substitution: usize, substitutionLen: usize, out: usize, outCap: usize,
): i32 {
  if (!headerOk(program, programLen) || inputLen > 0x7fffffff) return -1;
  const ngroups = u32At(program, 24);
  let o: usize = 0;
  if (maxSubmatch(substitution, substitutionLen) > <i32>ngroups) {
    if (inputLen > outCap) return -1;
    memory.copy(out, input, inputLen);
    return <i32>inputLen;
  }
  let p: usize = 0;
  let lastEnd: isize = -1;
  let count = 0;
  while (p <= inputLen) {
    if (!pike(program, input, inputLen, p, false)) break;
    const ms = <usize>load<i32>(best);
    const me = <usize>load<i32>(best, 4);
    if (ms < p || me < ms || me > inputLen) break; // cannot happen with a compiler-made program
    if (ms > p) {
      if (o + (ms - p) > outCap) return -1;
      memory.copy(out + o, input + p, ms - p);
      o += ms - p;
    }
    if (<isize>ms == lastEnd && me == ms) {
      // empty match at the end of the previous one: copy one character and move on
      if (p < inputLen) {
        const n = runeLen(input + p, inputLen - p);
        if (o + n > outCap) return -1;
        memory.copy(out + o, input + p, n);
        o += n;
        p += n;
      } else {
        p++;
      }
      continue;
    }
    // rewrite
    for (let i: usize = 0; i < substitutionLen; i++) {
      const c = load<u8>(substitution + i);
      if (c != 0x5c) {
        if (o + 1 > outCap) return -1;
        store<u8>(out + o, c);
        o++;
        continue;
      }
      i++;
      const d: i32 = i < substitutionLen ? <i32>load<u8>(substitution + i) : -1;
      if (d >= 0x30 && d <= 0x39) {
        const g = <usize>(d - 0x30);
        const s = load<i32>(best + g * 8);
        const e = load<i32>(best + g * 8 + 4);
        if (s >= 0 && e >= s) {
          const n = <usize>(e - s);
          if (o + n > outCap) return -1;
          memory.copy(out + o, input + <usize>s, n);
          o += n;
        }
      } else if (d == 0x5c) {
        if (o + 1 > outCap) return -1;
        store<u8>(out + o, 0x5c);
        o++;
      } else {
        break; // invalid rewrite escape: RE2::Rewrite stops here
      }
    }
    p = me;
    lastEnd = <isize>me;
    count++;
  }
  if (count == 0) {
    if (inputLen > outCap) return -1;
    memory.copy(out, input, inputLen);
    return <i32>inputLen;
  }
  if (p < inputLen) {
    if (o + (inputLen - p) > outCap) return -1;
    memory.copy(out + o, input + p, inputLen - p);
    o += inputLen - p;
  }
  return <i32>o;
}
