// RE2's rewrites of the regexp tree between parsing and compilation, reproduced so that our
// program has the same shape as RE2's and so the same thread priorities and captures.
//
// The language is the same before and after each rewrite, but the Pike VM keeps one thread per
// instruction and position, so the shape decides which of two equivalent paths survives. For
// example RE2 coalesces `a*?a??` into `a{0,}?` = `a*?` (simplify.cc CoalesceWalker), and then
// `(a*?a??)*?b` on "aab" captures "aa" in group 1 where the uncoalesced program captures "a".
//
// Reproduced, in RE2's order (google/re2):
//  1. parse.cc, while parsing (here: fromAst, on our parser's tree, which keeps RE2's push order):
//     * a class of one rune is a Literal, and [Aa] a case-folding Literal `a` (PushRegexp);
//     * adjacent literals with the same FoldCase flag form one LiteralString (MaybeConcatString);
//     * a concatenation or alternation inside another of the same kind is spliced in (DoCollapse);
//     * `(?:x*)*`, `(?:x+)?`, ... with equal flags squash to one x* / x+ / x? (PushRepeatOp);
//     * (?s). (AnyChar) absorbs a neighbouring single-character alternative (DoVerticalBar);
//     * alternations are factored (FactorAlternation): common literal prefixes (round 1), common
//       leading empty-width ops / classes / fixed repeats (round 2), runs of literals and classes
//       merged into one class (round 3; a case-folding Literal adds its whole fold orbit, so
//       `[Kk]|x` matches the Kelvin sign while `[Kk]` does not).
//  2. simplify.cc CoalesceWalker: in a concatenation, x-repeat followed by x-repeat (same
//     greediness), by x itself, or by a literal string starting with x, becomes one x{n,m}.
//  3. simplify.cc SimplifyWalker: x{n,m} expands to x^n (x(x)?)? and x{n,} to x^(n-1) x+ (with
//     the counts of an empty-width x capped at 1); a repetition of the empty string is empty;
//     regexp.cc StarPlusOrQuest squashes a star/plus/quest of a star/plus/quest with equal flags.

import { MAX_RUNE, contains, normalize, union, type Ranges } from "./charclass.ts";
import { Assert, type Node } from "./parser.ts";
import { foldRanges } from "./unicode.ts";

/** RE2's NonGreedy parse flag, next to the ParseFlag bits. */
const NON_GREEDY = 8;

type RepOp = "star" | "plus" | "quest";

/** RE2's Regexp, restricted to what our syntax produces (no AnyByte, no HaveMatch). */
export type Re =
  | { op: "nomatch" }
  | { op: "empty" }
  | { op: "lit"; rune: number; fold: boolean }
  | { op: "str"; runes: number[]; fold: boolean }
  | { op: "cc"; r: Ranges }
  | { op: "any" }
  | { op: "assert"; k: Assert; dollar: boolean }
  | { op: "cat"; subs: Re[] }
  | { op: "alt"; subs: Re[] }
  | { op: RepOp; sub: Re; fl: number }
  | { op: "repeat"; sub: Re; min: number; max: number; fl: number }
  | { op: "cap"; idx: number; name?: string; sub: Re };

/**
 * The trees compileProgram needs: `root` is what RE2 compiles into its program, `lead` what RE2
 * matches outside it (a required prefix `^lit`, or a leading `^` it turns into an anchor flag);
 * we compile `lead` in front of `root`, and the flattening treats root's entry as RE2's start.
 */
export interface Re2Shape {
  lead: Node[];
  root: Node;
}

/** Parsed tree -> RE2-shaped tree -> coalesced -> simplified -> trees for compileProgram. */
export function simplifyLikeRe2(parsed: Node): Re2Shape {
  let re = fromAst(parsed);
  const lead: Re[] = [];
  // regexp.cc RequiredPrefix (used by re2.cc RE2::Init): `^` (one or more) then a literal is
  // matched with memcmp; the program is compiled for the rest only.
  if (re.op === "cat") {
    let i = 0;
    while (i < re.subs.length && isBeginText(re.subs[i]!)) i++;
    if (i > 0 && i < re.subs.length && isLiteralish(re.subs[i]!)) {
      lead.push(...re.subs.slice(0, i + 1));
      const rest = re.subs.slice(i + 1);
      re = rest.length === 0 ? EMPTY : rest.length === 1 ? rest[0]! : { op: "cat", subs: rest };
    }
  }
  let sre = simplify(coalesce(re));
  // compile.cc IsAnchorStart: a leading \A becomes the prog's anchor_start flag, so the program
  // starts after it. (Through a capture RE2 strips it too, but then the start is the capture's
  // instruction either way, so it is left in place there.)
  const stripped = stripAnchorStart(sre, 0);
  if (stripped) {
    lead.push({ op: "assert", k: Assert.BeginText, dollar: false });
    sre = stripped;
  }
  return { lead: lead.map(toAst), root: toAst(sre) };
}

const isBeginText = (r: Re) => r.op === "assert" && r.k === Assert.BeginText;

function stripAnchorStart(re: Re, depth: number): Re | null {
  if (depth >= 4) return null;
  if (isBeginText(re)) return EMPTY;
  if (re.op === "cat" && re.subs.length > 0) {
    const first = stripAnchorStart(re.subs[0]!, depth + 1);
    if (first) return { op: "cat", subs: [first, ...re.subs.slice(1)] };
  }
  return null;
}

const EMPTY: Re = { op: "empty" };
const isRep = (r: Re): r is Extract<Re, { op: RepOp }> => r.op === "star" || r.op === "plus" || r.op === "quest";
const isCharLike = (r: Re) => r.op === "lit" || r.op === "cc" || r.op === "any";

function runeCount(r: Ranges): number {
  let n = 0;
  for (let i = 0; i < r.length; i += 2) n += r[i + 1]! - r[i]! + 1;
  return n;
}

// ---- 1. parse-time shape (parse.cc) ----

/** PushRegexp: a class of one rune is a Literal; [Aa] is a case-folding Literal 'a'. */
function classRe(n: Extract<Node, { t: "cc" }>): Re {
  if (n.any) return { op: "any" };
  const size = runeCount(n.r);
  if (size === 1) return { op: "lit", rune: n.r[0]!, fold: !!n.fold };
  if (size === 2) {
    const r = n.r[0]!;
    if (r >= 0x41 && r <= 0x5a && contains(n.r, r + 0x20)) return { op: "lit", rune: r + 0x20, fold: true };
  }
  return { op: "cc", r: n.r };
}

function isLiteralish(r: Re): r is Extract<Re, { op: "lit" | "str" }> {
  return r.op === "lit" || r.op === "str";
}
const runesOf = (r: Extract<Re, { op: "lit" | "str" }>) => (r.op === "lit" ? [r.rune] : r.runes);

/** MaybeConcatString(-1): the two topmost literals (same FoldCase) become one string. */
function mergeTop(stack: Re[]): void {
  const n = stack.length;
  if (n < 2) return;
  const top = stack[n - 1]!;
  const below = stack[n - 2]!;
  if (!isLiteralish(top) || !isLiteralish(below) || top.fold !== below.fold) return;
  stack.splice(n - 2, 2, { op: "str", runes: [...runesOf(below), ...runesOf(top)], fold: below.fold });
}

export function fromAst(n: Node): Re {
  switch (n.t) {
    case "empty":
      return EMPTY;
    case "cc":
      return classRe(n);
    case "assert":
      return { op: "assert", k: n.k, dollar: !!n.dollar };
    case "cap":
      return { op: "cap", idx: n.idx, name: n.name, sub: fromAst(n.sub) };
    case "rep": {
      const sub = fromAst(n.sub);
      const fl = (n.pf ?? 0) | (n.greedy ? 0 : NON_GREEDY);
      if (n.isRepeatOp) return { op: "repeat", sub, min: n.min, max: n.max, fl };
      const op: RepOp = n.max === -1 ? (n.min === 0 ? "star" : "plus") : "quest";
      // PushRepeatOp: `(?:x*)*` is x*; `(?:x+)?`, `(?:x?)*`... are x* (flags must be equal).
      if (isRep(sub) && sub.fl === fl) return sub.op === op ? sub : { op: "star", sub: sub.sub, fl };
      return { op, sub, fl };
    }
    case "cat": {
      const stack: Re[] = [];
      for (const item of n.subs) {
        mergeTop(stack);
        stack.push(fromAst(item));
      }
      mergeTop(stack);
      if (stack.length === 1) return stack[0]!;
      // DoCollapse: a concatenation from a non-capturing group is spliced in.
      return { op: "cat", subs: stack.flatMap((s) => (s.op === "cat" ? s.subs : [s])) };
    }
    case "alt": {
      const items: Re[] = [];
      for (const branch of n.subs) {
        const r1 = fromAst(branch);
        const r3 = items[items.length - 1];
        // DoVerticalBar: AnyChar subsumes a neighbouring Literal, CharClass or AnyChar.
        if (r3 && r3.op === "any" && isCharLike(r1)) continue;
        if (r3 && r1.op === "any" && isCharLike(r3)) {
          items[items.length - 1] = r1;
          continue;
        }
        items.push(r1);
      }
      if (items.length === 1) return items[0]!;
      const subs = factorAlternation(items.flatMap((s) => (s.op === "alt" ? s.subs : [s])));
      return subs.length === 1 ? subs[0]! : { op: "alt", subs };
    }
  }
}

/** Regexp::Equal (regexp.cc TopEqual): structural, comparing only the flags RE2 compares. */
export function equal(a: Re, b: Re): boolean {
  switch (a.op) {
    case "nomatch":
    case "empty":
    case "any":
      return a.op === b.op;
    case "assert":
      return b.op === "assert" && a.k === b.k && (a.k !== Assert.EndText || a.dollar === b.dollar);
    case "lit":
      return b.op === "lit" && a.rune === b.rune && a.fold === b.fold;
    case "str":
      return b.op === "str" && a.fold === b.fold && a.runes.length === b.runes.length && a.runes.every((r, i) => r === b.runes[i]);
    case "cc":
      return b.op === "cc" && a.r.length === b.r.length && a.r.every((x, i) => x === b.r[i]);
    case "cat":
    case "alt":
      return b.op === a.op && a.subs.length === b.subs.length && a.subs.every((s, i) => equal(s, b.subs[i]!));
    case "star":
    case "plus":
    case "quest":
      return b.op === a.op && ((a.fl ^ b.fl) & NON_GREEDY) === 0 && equal(a.sub, b.sub);
    case "repeat":
      return b.op === "repeat" && ((a.fl ^ b.fl) & NON_GREEDY) === 0 && a.min === b.min && a.max === b.max && equal(a.sub, b.sub);
    case "cap":
      return b.op === "cap" && a.idx === b.idx && a.name === b.name && equal(a.sub, b.sub);
  }
}

/** Regexp::LiteralString: one rune is a Literal. */
const literalString = (runes: number[], fold: boolean): Re =>
  runes.length === 1 ? { op: "lit", rune: runes[0]!, fold } : { op: "str", runes, fold };

/** Regexp::LeadingString: the literal runes re starts with (through leading concatenations). */
function leadingString(re: Re): { runes: number[]; fold: boolean } {
  while (re.op === "cat" && re.subs.length > 0) re = re.subs[0]!;
  if (isLiteralish(re)) return { runes: runesOf(re), fold: re.fold };
  return { runes: [], fold: false };
}

/** Regexp::RemoveLeadingString: drops n leading runes, collapsing emptied concatenations. */
function removeLeadingString(re: Re, n: number, depth = 0): Re {
  if (re.op === "cat" && re.subs.length > 0) {
    const first = removeLeadingString(re.subs[0]!, n, depth + 1);
    // RE2 records at most 4 levels of concatenation to collapse (never more than 2 in practice).
    if (first.op === "empty" && depth < 4 && re.subs.length >= 2) {
      return re.subs.length === 2 ? re.subs[1]! : { op: "cat", subs: re.subs.slice(1) };
    }
    return { op: "cat", subs: [first, ...re.subs.slice(1)] };
  }
  if (re.op === "lit") return EMPTY;
  if (re.op === "str") {
    if (n >= re.runes.length) return EMPTY;
    return literalString(re.runes.slice(n), re.fold);
  }
  return re;
}

/** Regexp::LeadingRegexp: the first piece of a concatenation (null if it is empty). */
function leadingRegexp(re: Re): Re | null {
  if (re.op === "empty") return null;
  if (re.op === "cat" && re.subs.length >= 2) return re.subs[0]!.op === "empty" ? null : re.subs[0]!;
  return re;
}

function removeLeadingRegexp(re: Re): Re {
  if (re.op === "empty") return re;
  if (re.op === "cat" && re.subs.length >= 2) {
    if (re.subs[0]!.op === "empty") return re;
    return re.subs.length === 2 ? re.subs[1]! : { op: "cat", subs: re.subs.slice(1) };
  }
  return EMPTY;
}

/** Round 2 factors only leading pieces whose factoring cannot merge distinct paths. */
function factorableFirst(r: Re): boolean {
  return (
    r.op === "assert" ||
    r.op === "cc" ||
    r.op === "any" ||
    (r.op === "repeat" && r.min === r.max && isCharLike(r.sub))
  );
}

const alternateNoFactor = (subs: Re[]): Re => (subs.length === 1 ? subs[0]! : { op: "alt", subs });

interface Splice {
  prefix: Re;
  start: number;
  end: number;
}

/** Replaces each splice's span by prefix + (factored alternation of the span). */
function applyFactorSplices(subs: Re[], splices: Splice[]): Re[] {
  if (splices.length === 0) return subs;
  const out: Re[] = [];
  let i = 0;
  for (const sp of splices) {
    while (i < sp.start) out.push(subs[i++]!);
    const suffixes = factorAlternation(subs.slice(sp.start, sp.end));
    out.push({ op: "cat", subs: [sp.prefix, alternateNoFactor(suffixes)] });
    i = sp.end;
  }
  while (i < subs.length) out.push(subs[i++]!);
  return out;
}

/** parse.cc FactorAlternation (rounds 1-3), on the alternatives of one alternation. */
export function factorAlternation(input: Re[]): Re[] {
  // Round 1: common literal prefixes of runs of alternatives.
  let subs = input.slice();
  let splices: Splice[] = [];
  {
    let start = 0;
    let runes: number[] = [];
    let nrune = 0;
    let fold = false;
    for (let i = 0; i <= subs.length; i++) {
      let ri: { runes: number[]; fold: boolean } | null = null;
      if (i < subs.length) {
        ri = leadingString(subs[i]!);
        if (ri.fold === fold) {
          let same = 0;
          while (same < nrune && same < ri.runes.length && runes[same] === ri.runes[same]) same++;
          if (same > 0) {
            nrune = same;
            continue;
          }
        }
      }
      if (i - start >= 2) {
        const prefix = literalString(runes.slice(0, nrune), fold);
        for (let j = start; j < i; j++) subs[j] = removeLeadingString(subs[j]!, nrune);
        splices.push({ prefix, start, end: i });
      }
      if (ri) {
        start = i;
        runes = ri.runes;
        nrune = ri.runes.length;
        fold = ri.fold;
      }
    }
  }
  subs = applyFactorSplices(subs, splices);

  // Round 2: common simple leading pieces.
  splices = [];
  {
    let start = 0;
    let first: Re | null = null;
    for (let i = 0; i <= subs.length; i++) {
      let fi: Re | null = null;
      if (i < subs.length) {
        fi = leadingRegexp(subs[i]!);
        if (first !== null && fi !== null && factorableFirst(first) && equal(first, fi)) continue;
      }
      if (i - start >= 2) {
        for (let j = start; j < i; j++) subs[j] = removeLeadingRegexp(subs[j]!);
        splices.push({ prefix: first!, start, end: i });
      }
      if (i < subs.length) {
        start = i;
        first = fi;
      }
    }
  }
  subs = applyFactorSplices(subs, splices);

  // Round 3: runs of literals and classes become one class.
  const out: Re[] = [];
  for (let i = 0; i < subs.length; ) {
    let j = i + 1;
    if (subs[i]!.op === "lit" || subs[i]!.op === "cc") {
      while (j < subs.length && (subs[j]!.op === "lit" || subs[j]!.op === "cc")) j++;
    }
    if (j - i >= 2) {
      let r: Ranges = [];
      for (let k = i; k < j; k++) {
        const s = subs[k]!;
        if (s.op === "cc") r = union(r, s.r);
        else if (s.op === "lit") r = union(r, s.fold ? foldRanges([s.rune, s.rune]) : [s.rune, s.rune]);
      }
      out.push({ op: "cc", r });
    } else {
      out.push(subs[i]!);
    }
    i = j;
  }
  return out;
}

// ---- 2. simplify.cc CoalesceWalker ----

function canCoalesce(r1: Re, r2: Re): boolean {
  if (!(isRep(r1) || r1.op === "repeat") || !isCharLike(r1.sub)) return false;
  if ((isRep(r2) || r2.op === "repeat") && equal(r1.sub, r2.sub) && ((r1.fl ^ r2.fl) & NON_GREEDY) === 0) return true;
  if (equal(r1.sub, r2)) return true;
  return r1.sub.op === "lit" && r2.op === "str" && r2.runes[0] === r1.sub.rune && r1.sub.fold === r2.fold;
}

/** Coalesces subs[i] into subs[i + 1] (subs[i] becomes empty, or the repeat before a rest). */
function doCoalesce(subs: Re[], i: number): void {
  const r1 = subs[i]! as Extract<Re, { op: RepOp | "repeat" }>;
  const r2 = subs[i + 1]!;
  let min: number;
  let max: number;
  switch (r1.op) {
    case "star":
      [min, max] = [0, -1];
      break;
    case "plus":
      [min, max] = [1, -1];
      break;
    case "quest":
      [min, max] = [0, 1];
      break;
    case "repeat":
      [min, max] = [r1.min, r1.max];
      break;
  }
  const make = (): Re => ({ op: "repeat", sub: r1.sub, min, max, fl: r1.fl });
  switch (r2.op) {
    case "star":
      max = -1;
      break;
    case "plus":
      min++;
      max = -1;
      break;
    case "quest":
      if (max !== -1) max++;
      break;
    case "repeat":
      min += r2.min;
      if (r2.max === -1) max = -1;
      else if (max !== -1) max += r2.max;
      break;
    case "str": {
      const r = (r1.sub as Extract<Re, { op: "lit" }>).rune;
      let n = 1;
      while (n < r2.runes.length && r2.runes[n] === r) n++;
      min += n;
      if (max !== -1) max += n;
      if (n < r2.runes.length) {
        subs[i] = make();
        subs[i + 1] = literalString(r2.runes.slice(n), r2.fold);
        return;
      }
      break;
    }
    default: // the literal, class or any char itself
      min++;
      if (max !== -1) max++;
  }
  subs[i] = EMPTY;
  subs[i + 1] = make();
}

export function coalesce(re: Re): Re {
  switch (re.op) {
    case "cap":
      return { ...re, sub: coalesce(re.sub) };
    case "star":
    case "plus":
    case "quest":
    case "repeat":
      return { ...re, sub: coalesce(re.sub) };
    case "alt":
      return { op: "alt", subs: re.subs.map(coalesce) };
    case "cat": {
      const subs = re.subs.map(coalesce);
      let any = false;
      for (let i = 0; i + 1 < subs.length; i++) if (canCoalesce(subs[i]!, subs[i + 1]!)) any = true;
      if (!any) return { op: "cat", subs };
      for (let i = 0; i + 1 < subs.length; i++) if (canCoalesce(subs[i]!, subs[i + 1]!)) doCoalesce(subs, i);
      // Every empty element is dropped then (also ones written as (?:)); a concatenation of one
      // element stays a concatenation.
      return { op: "cat", subs: subs.filter((s) => s.op !== "empty") };
    }
    default:
      return re;
  }
}

// ---- 3. simplify.cc SimplifyWalker ----

/** regexp.cc StarPlusOrQuest: x** = x*, x++ = x+, x?? = x?, and any other mix is x*. */
function starPlusOrQuest(op: RepOp, sub: Re, fl: number): Re {
  if (sub.op === op && sub.fl === fl) return sub;
  if (isRep(sub) && sub.fl === fl) return sub.op === "star" ? sub : { op: "star", sub: sub.sub, fl };
  return { op, sub, fl };
}

const isEmptyOp = (r: Re) => r.op === "assert";

function simplifyRepeat(re: Re, min: number, max: number, fl: number): Re {
  // The count of an empty-width op (or a concatenation/alternation of them) is capped at 1.
  if (isEmptyOp(re) || ((re.op === "cat" || re.op === "alt") && re.subs.every(isEmptyOp))) {
    min = Math.min(min, 1);
    max = Math.min(max, 1);
  }
  if (max === -1) {
    if (min === 0) return starPlusOrQuest("star", re, fl);
    if (min === 1) return starPlusOrQuest("plus", re, fl);
    const subs: Re[] = [];
    for (let i = 0; i < min - 1; i++) subs.push(re);
    subs.push(starPlusOrQuest("plus", re, fl));
    return { op: "cat", subs };
  }
  if (min === 0 && max === 0) return EMPTY;
  if (min === 1 && max === 1) return re;
  let nre: Re | null = null;
  if (min > 0) {
    const subs: Re[] = [];
    for (let i = 0; i < min; i++) subs.push(re);
    nre = min === 1 ? re : { op: "cat", subs };
  }
  if (max > min) {
    let suf = starPlusOrQuest("quest", re, fl);
    for (let i = min + 1; i < max; i++) suf = starPlusOrQuest("quest", { op: "cat", subs: [re, suf] }, fl);
    nre = nre === null ? suf : { op: "cat", subs: [nre, suf] };
  }
  return nre ?? { op: "nomatch" };
}

/** Returns `re` itself when nothing changed (RE2 compares the pointers). */
export function simplify(re: Re): Re {
  switch (re.op) {
    case "cc":
      if (re.r.length === 0) return { op: "nomatch" };
      if (re.r.length === 2 && re.r[0] === 0 && re.r[1] === MAX_RUNE) return { op: "any" };
      return re;
    case "cat":
    case "alt": {
      const subs = re.subs.map(simplify);
      return subs.every((s, i) => s === re.subs[i]) ? re : { op: re.op, subs };
    }
    case "cap": {
      const sub = simplify(re.sub);
      return sub === re.sub ? re : { ...re, sub };
    }
    case "star":
    case "plus":
    case "quest": {
      const sub = simplify(re.sub);
      if (sub.op === "empty") return sub;
      if (sub === re.sub) return re;
      if (sub.op === re.op && sub.fl === re.fl) return sub;
      return { op: re.op, sub, fl: re.fl };
    }
    case "repeat": {
      const sub = simplify(re.sub);
      if (sub.op === "empty") return sub;
      return simplifyRepeat(sub, re.min, re.max, re.fl);
    }
    default:
      return re;
  }
}

// ---- back to the compiler's tree ----

/** A Literal compiles to its UTF-8 bytes; with FoldCase, an ASCII letter also matches its other case. */
function litRanges(rune: number, fold: boolean): Ranges {
  if (fold && rune >= 0x61 && rune <= 0x7a) return [rune - 0x20, rune - 0x20, rune, rune];
  return [rune, rune];
}

export function toAst(re: Re): Node {
  switch (re.op) {
    case "nomatch":
      return { t: "cc", r: [] };
    case "empty":
      return { t: "empty" };
    case "lit":
      return { t: "cc", r: litRanges(re.rune, re.fold) };
    case "str":
      return { t: "cat", subs: re.runes.map((c) => ({ t: "cc", r: litRanges(c, re.fold) }) as Node) };
    case "cc":
      return { t: "cc", r: normalize(re.r) };
    case "any":
      return { t: "cc", r: [0, MAX_RUNE] };
    case "assert":
      return { t: "assert", k: re.k };
    case "cat":
      if (re.subs.length === 0) return { t: "empty" };
      return re.subs.length === 1 ? toAst(re.subs[0]!) : { t: "cat", subs: re.subs.map(toAst) };
    case "alt":
      return { t: "alt", subs: re.subs.map(toAst) };
    case "star":
    case "plus":
    case "quest": {
      const [min, max] = re.op === "star" ? [0, -1] : re.op === "plus" ? [1, -1] : [0, 1];
      return { t: "rep", sub: toAst(re.sub), min, max, greedy: (re.fl & NON_GREEDY) === 0, isRepeatOp: false };
    }
    case "repeat": // not left by simplify
      return { t: "rep", sub: toAst(re.sub), min: re.min, max: re.max, greedy: (re.fl & NON_GREEDY) === 0, isRepeatOp: true };
    case "cap":
      return { t: "cap", idx: re.idx, name: re.name, sub: toAst(re.sub) };
  }
}


