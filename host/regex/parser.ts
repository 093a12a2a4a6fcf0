// RE2-syntax parser (the dialect Envoy's google_re2 engine and Istio's Go validation accept).
// Produces a small AST over code points; the compiler lowers it to a UTF-8 byte program.
// Syntax reference: google/re2 doc/syntax.txt and Go regexp/syntax.

import { MAX_RUNE, negate, normalize, union, type Ranges } from "./charclass.ts";
import { foldOrbit, foldRanges, PERL_CLASSES, POSIX_CLASSES, unicodeGroup } from "./unicode.ts";

export const enum Assert {
  BeginText = 1,
  EndText = 2,
  BeginLine = 3,
  EndLine = 4,
  WordBoundary = 5,
  NotWordBoundary = 6,
}

/**
 * RE2 parse flags that can differ between nodes ((?i), (?m), (?s); NonGreedy is `greedy`).
 * RE2 compares them when it squashes nested repetitions (see simplify.ts).
 */
export const enum ParseFlag {
  FoldCase = 1,
  MultiLine = 2,
  DotNL = 4,
}

export type Node =
  | { t: "empty" }
  // fold: (?i) was in effect where the class or literal was written (RE2's FoldCase flag);
  // any: a (?s) dot (RE2's AnyChar, which is not Equal to a full class).
  | { t: "cc"; r: Ranges; fold?: boolean; any?: boolean }
  // dollar: EndText written as `$` (RE2's WasDollar flag), not `\z`.
  | { t: "assert"; k: Assert; dollar?: boolean }
  | { t: "cat"; subs: Node[] }
  | { t: "alt"; subs: Node[] }
  | { t: "rep"; sub: Node; min: number; max: number; greedy: boolean; isRepeatOp: boolean; pf?: number }
  | { t: "cap"; idx: number; name?: string; sub: Node };

export class RegexSyntaxError extends Error {}

/** RE2's limit on {n,m} counts and on the product of nested counts. */
export const MAX_REPEAT = 1000;

interface Flags {
  i: boolean; // case-insensitive
  m: boolean; // multi-line: ^ $ match at line boundaries
  s: boolean; // . matches \n
  U: boolean; // ungreedy: swap x* and x*?
}

export interface ParsedRegex {
  root: Node;
  ngroups: number;
  names: Map<string, number>;
}

export function parseRegex(pattern: string): ParsedRegex {
  return new Parser(pattern).parse();
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isOctal = (c: number) => c >= 0x30 && c <= 0x37;
const isAlpha = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const hexVal = (c: number) =>
  c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 0x37 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;

class Parser {
  private readonly cps: number[];
  private pos = 0;
  private flags: Flags = { i: false, m: false, s: false, U: false };
  private ngroups = 0;
  private readonly names = new Map<string, number>();

  constructor(private readonly src: string) {
    this.cps = [];
    for (const ch of src) {
      const c = ch.codePointAt(0)!;
      if (c >= 0xd800 && c <= 0xdfff) throw new RegexSyntaxError("invalid UTF-8 in pattern (lone surrogate)");
      this.cps.push(c);
    }
  }

  private text(from: number, to = this.pos): string {
    return String.fromCodePoint(...this.cps.slice(from, Math.min(to, this.cps.length)));
  }

  private peek(off = 0): number {
    return this.pos + off < this.cps.length ? this.cps[this.pos + off]! : -1;
  }

  parse(): ParsedRegex {
    const root = this.parseAlt(0);
    if (this.pos < this.cps.length) {
      // parseAlt stops only at ')' or end.
      throw new RegexSyntaxError(`unexpected ): ${this.src}`);
    }
    return { root, ngroups: this.ngroups, names: this.names };
  }

  private parseAlt(depth: number): Node {
    const alts: Node[] = [this.parseConcat(depth)];
    while (this.peek() === 0x7c /* | */) {
      this.pos++;
      alts.push(this.parseConcat(depth));
    }
    return alts.length === 1 ? alts[0]! : { t: "alt", subs: alts };
  }

  private parseConcat(depth: number): Node {
    const items: Node[] = [];
    let lastWasRepeat = -1; // start offset of the previous repetition operator, or -1
    for (;;) {
      const c = this.peek();
      if (c === -1 || c === 0x7c || c === 0x29 /* ) */) break;
      const start = this.pos;
      // Repetition operators.
      if (c === 0x2a || c === 0x2b || c === 0x3f || c === 0x7b) {
        let min: number;
        let max: number;
        if (c === 0x7b) {
          const rep = this.tryParseBraces();
          if (!rep) {
            // Not a valid {n,m}: a literal '{'.
            this.pos++;
            items.push(this.literal(c));
            lastWasRepeat = -1;
            continue;
          }
          [min, max] = rep;
        } else {
          this.pos++;
          [min, max] = c === 0x2a ? [0, -1] : c === 0x2b ? [1, -1] : [0, 1];
        }
        let greedy = true;
        if (this.peek() === 0x3f) {
          this.pos++;
          greedy = false;
        }
        if (lastWasRepeat >= 0) {
          throw new RegexSyntaxError(`bad repetition operator: ${this.text(lastWasRepeat)}`);
        }
        if (items.length === 0) {
          throw new RegexSyntaxError(`missing argument to repetition operator: ${this.text(start)}`);
        }
        if (c === 0x7b && (min > MAX_REPEAT || max > MAX_REPEAT || (max >= 0 && max < min))) {
          throw new RegexSyntaxError(`invalid repetition size: ${this.text(start)}`);
        }
        if (this.flags.U) greedy = !greedy;
        const rep: Node = { t: "rep", sub: items.pop()!, min, max, greedy, isRepeatOp: c === 0x7b, pf: this.parseFlags() };
        if ((min >= 2 || max >= 2) && repetitionBudget(rep, MAX_REPEAT) === 0) {
          throw new RegexSyntaxError(`invalid repetition size: ${this.text(start)}`);
        }
        items.push(rep);
        lastWasRepeat = start;
        continue;
      }
      lastWasRepeat = -1;
      if (c === 0x28 /* ( */) {
        const node = this.parseGroup(depth);
        if (node) items.push(node);
        continue;
      }
      if (c === 0x5b /* [ */) {
        items.push({ t: "cc", r: this.parseClass(), fold: this.flags.i });
        continue;
      }
      this.pos++;
      switch (c) {
        case 0x2e: // .
          items.push(this.flags.s ? { t: "cc", r: [0, MAX_RUNE], any: true } : { t: "cc", r: [0, 9, 11, MAX_RUNE], fold: this.flags.i });
          break;
        case 0x5e: // ^
          items.push({ t: "assert", k: this.flags.m ? Assert.BeginLine : Assert.BeginText });
          break;
        case 0x24: // $
          items.push(this.flags.m ? { t: "assert", k: Assert.EndLine } : { t: "assert", k: Assert.EndText, dollar: true });
          break;
        case 0x5c: {
          // backslash
          this.pos--;
          const lits = this.parseEscapeOutside();
          if (lits === null) {
            // empty \Q\E: contributes nothing, and is not an argument for a repetition
          } else if (Array.isArray(lits)) items.push(...lits);
          else items.push(lits);
          break;
        }
        default:
          items.push(this.literal(c));
      }
    }
    if (items.length === 0) return { t: "empty" };
    return items.length === 1 ? items[0]! : { t: "cat", subs: items };
  }

  /** Parses {n}, {n,}, {n,m} at pos; returns null (pos unchanged) if it is not one. */
  private tryParseBraces(): [number, number] | null {
    const save = this.pos;
    this.pos++;
    const readInt = (): number | null => {
      const s = this.pos;
      while (isDigit(this.peek())) this.pos++;
      if (this.pos === s) return null;
      const txt = this.text(s);
      // Very long numbers are out of range anyway; cap to keep them finite.
      return txt.length > 8 ? 1e9 : parseInt(txt, 10);
    };
    const min = readInt();
    if (min === null) {
      this.pos = save;
      return null;
    }
    let max = min;
    if (this.peek() === 0x2c /* , */) {
      this.pos++;
      if (this.peek() === 0x7d) max = -1;
      else {
        const m = readInt();
        if (m === null) {
          this.pos = save;
          return null;
        }
        max = m;
      }
    }
    if (this.peek() !== 0x7d) {
      this.pos = save;
      return null;
    }
    this.pos++;
    return [min, max];
  }

  private parseFlags(): number {
    return (this.flags.i ? ParseFlag.FoldCase : 0) | (this.flags.m ? ParseFlag.MultiLine : 0) | (this.flags.s ? ParseFlag.DotNL : 0);
  }

  private literal(c: number): Node {
    if (this.flags.i) {
      const orbit = foldOrbit(c);
      if (orbit) return { t: "cc", r: normalize(orbit.flatMap((x) => [x, x])), fold: true };
    }
    return { t: "cc", r: [c, c], fold: this.flags.i };
  }

  private classFold(r: Ranges): Ranges {
    return this.flags.i ? foldRanges(r) : r;
  }

  private parseGroup(depth: number): Node | null {
    const start = this.pos;
    this.pos++; // (
    let name: string | undefined;
    if (this.peek() === 0x3f /* ? */) {
      const c1 = this.peek(1);
      if (c1 === 0x50 /* P */ || (c1 === 0x3c /* < */ && this.peek(2) !== 0x3d && this.peek(2) !== 0x21)) {
        // (?P<name>re) or (?<name>re)
        const open = c1 === 0x50 ? 2 : 1;
        if (c1 === 0x50 && this.peek(2) !== 0x3c) {
          throw new RegexSyntaxError(`invalid or unsupported Perl syntax: ${this.text(start, start + 4)}`);
        }
        let p = this.pos + open + 1;
        while (p < this.cps.length && this.cps[p] !== 0x3e /* > */) p++;
        if (p >= this.cps.length) {
          throw new RegexSyntaxError(`invalid named capture group: ${this.text(start, this.cps.length)}`);
        }
        name = this.text(this.pos + open + 1, p);
        if (!/^[A-Za-z0-9_]+$/.test(name)) {
          throw new RegexSyntaxError(`invalid named capture group: ${this.text(start, p + 1)}`);
        }
        if (this.names.has(name)) throw new RegexSyntaxError(`duplicate capture group name: ${name}`);
        this.pos = p + 1;
      } else {
        // Flags or non-capturing group: (?flags) (?flags:re)
        this.pos++;
        const nf = { ...this.flags };
        let negated = false;
        let sawFlag = false;
        for (;;) {
          const c = this.peek();
          if (c === -1) throw new RegexSyntaxError(`missing ): ${this.src}`);
          this.pos++;
          if (c === 0x69 || c === 0x6d || c === 0x73 || c === 0x55) {
            const key = c === 0x69 ? "i" : c === 0x6d ? "m" : c === 0x73 ? "s" : "U";
            nf[key] = !negated;
            sawFlag = true;
            continue;
          }
          if (c === 0x2d /* - */) {
            if (negated) this.badPerlOp(start);
            negated = true;
            sawFlag = false;
            continue;
          }
          if (c === 0x3a /* : */ || c === 0x29 /* ) */) {
            if (negated && !sawFlag) this.badPerlOp(start);
            if (c === 0x29) {
              this.flags = nf;
              return null;
            }
            const saved = this.flags;
            this.flags = nf;
            const sub = this.parseAlt(depth + 1);
            this.expectClose(start);
            this.flags = saved;
            return sub;
          }
          this.badPerlOp(start);
        }
      }
    }
    const idx = ++this.ngroups;
    if (name !== undefined) this.names.set(name, idx);
    const saved = this.flags;
    const sub = this.parseAlt(depth + 1);
    this.expectClose(start);
    this.flags = saved;
    return { t: "cap", idx, name, sub };
  }

  private badPerlOp(start: number): never {
    throw new RegexSyntaxError(
      `invalid or unsupported Perl syntax: ${this.text(start, this.pos)} (RE2 has no lookaround, backreferences, atomic groups or flags other than i, m, s, U)`,
    );
  }

  private expectClose(start: number): void {
    if (this.peek() !== 0x29) throw new RegexSyntaxError(`missing ): ${this.text(start, this.cps.length)}`);
    this.pos++;
  }

  /** Escape outside a class: a node, several literal nodes (\Q..\E), or null for an empty \Q\E. */
  private parseEscapeOutside(): Node | Node[] | null {
    const start = this.pos;
    const c = this.peek(1);
    if (c === -1) throw new RegexSyntaxError("trailing backslash at end of expression");
    switch (c) {
      case 0x41: // \A
        this.pos += 2;
        return { t: "assert", k: Assert.BeginText };
      case 0x7a: // \z
        this.pos += 2;
        return { t: "assert", k: Assert.EndText };
      case 0x62: // \b
        this.pos += 2;
        return { t: "assert", k: Assert.WordBoundary };
      case 0x42: // \B
        this.pos += 2;
        return { t: "assert", k: Assert.NotWordBoundary };
      case 0x43: // \C
        throw new RegexSyntaxError(
          "invalid escape sequence: \\C (any byte; rejected by Istio's Go regexp validation, and it could split UTF-8 sequences)",
        );
      case 0x51: {
        // \Q...\E
        this.pos += 2;
        const out: Node[] = [];
        while (this.pos < this.cps.length) {
          if (this.peek() === 0x5c && this.peek(1) === 0x45) {
            this.pos += 2;
            break;
          }
          out.push(this.literal(this.cps[this.pos++]!));
        }
        return out.length ? out : null;
      }
    }
    const cls = this.tryParseClassEscape();
    if (cls) return { t: "cc", r: cls, fold: this.flags.i };
    this.pos = start;
    return this.literal(this.parseEscapeChar());
  }

  /** \d \s \w \D \S \W \pX \p{Name} \PX \P{Name} at pos; returns null (pos unchanged) if not one. */
  private tryParseClassEscape(): Ranges | null {
    const start = this.pos;
    const c = this.peek(1);
    const lower = c | 0x20;
    if (lower === 0x64 || lower === 0x73 || lower === 0x77) {
      const base = PERL_CLASSES[String.fromCharCode(lower)]!;
      this.pos += 2;
      const folded = this.classFold(base);
      return c === lower ? folded : negate(folded);
    }
    if (c === 0x70 || c === 0x50) {
      // \p
      this.pos += 2;
      let name: string;
      if (this.peek() === 0x7b) {
        let p = this.pos + 1;
        while (p < this.cps.length && this.cps[p] !== 0x7d) p++;
        if (p >= this.cps.length) throw new RegexSyntaxError(`invalid character class range: ${this.text(start, p)}`);
        name = this.text(this.pos + 1, p);
        this.pos = p + 1;
      } else {
        if (this.peek() === -1) throw new RegexSyntaxError(`invalid character class range: ${this.text(start)}`);
        name = String.fromCodePoint(this.cps[this.pos++]!);
      }
      let neg = c === 0x50;
      if (name.startsWith("^")) {
        neg = !neg;
        name = name.slice(1);
      }
      const g = unicodeGroup(name);
      if (!g) throw new RegexSyntaxError(`invalid character class range: ${this.text(start)}`);
      const folded = this.classFold(g);
      return neg ? negate(folded) : folded;
    }
    return null;
  }

  /** A single-character escape (\n, \x41, \x{263a}, \101, \.); pos at the backslash. */
  private parseEscapeChar(): number {
    const start = this.pos;
    this.pos++;
    const c = this.peek();
    if (c === -1) throw new RegexSyntaxError("trailing backslash at end of expression");
    this.pos++;
    const bad = (): never => {
      throw new RegexSyntaxError(`invalid escape sequence: ${this.text(start)}`);
    };
    // Octal: \1-\7 only when followed by another octal digit (a lone \1 would be a backreference).
    if (c >= 0x31 && c <= 0x37) {
      if (!isOctal(this.peek())) bad();
    }
    if (c >= 0x30 && c <= 0x37) {
      let v = c - 0x30;
      for (let k = 0; k < 2 && isOctal(this.peek()); k++) v = v * 8 + (this.cps[this.pos++]! - 0x30);
      return v;
    }
    if (c === 0x78 /* x */) {
      if (this.peek() === 0x7b) {
        this.pos++;
        let v = 0;
        let n = 0;
        while (hexVal(this.peek()) >= 0) {
          v = v * 16 + hexVal(this.cps[this.pos++]!);
          n++;
          if (v > MAX_RUNE) bad();
        }
        if (n === 0 || this.peek() !== 0x7d) bad();
        this.pos++;
        return v;
      }
      const h1 = hexVal(this.peek());
      const h2 = hexVal(this.peek(1));
      if (h1 < 0 || h2 < 0) {
        this.pos = Math.min(this.pos + 2, this.cps.length);
        bad();
      }
      this.pos += 2;
      return h1 * 16 + h2;
    }
    switch (c) {
      case 0x61: return 0x07; // \a
      case 0x66: return 0x0c; // \f
      case 0x74: return 0x09; // \t
      case 0x6e: return 0x0a; // \n
      case 0x72: return 0x0d; // \r
      case 0x76: return 0x0b; // \v
    }
    // Any escaped ASCII punctuation (or other non-alphanumeric ASCII) is itself.
    if (c < 0x80 && !isAlpha(c) && !isDigit(c)) return c;
    return bad();
  }

  private parseClass(): Ranges {
    const start = this.pos;
    this.pos++; // [
    let negated = false;
    if (this.peek() === 0x5e) {
      negated = true;
      this.pos++;
    }
    let acc: Ranges = [];
    let first = true;
    for (;;) {
      const c = this.peek();
      if (c === -1) throw new RegexSyntaxError(`missing ]: ${this.text(start, this.cps.length)}`);
      if (c === 0x5d && !first) {
        this.pos++;
        break;
      }
      first = false;
      // POSIX class [:name:] / [:^name:]
      if (c === 0x5b && this.peek(1) === 0x3a) {
        let p = this.pos + 2;
        while (p + 1 < this.cps.length && !(this.cps[p] === 0x3a && this.cps[p + 1] === 0x5d)) p++;
        if (p + 1 < this.cps.length) {
          let name = this.text(this.pos + 2, p);
          const txt = this.text(this.pos, p + 2);
          let neg = false;
          if (name.startsWith("^")) {
            neg = true;
            name = name.slice(1);
          }
          const base = Object.hasOwn(POSIX_CLASSES, name) ? POSIX_CLASSES[name]! : null;
          if (!base) throw new RegexSyntaxError(`invalid character class range: ${txt}`);
          this.pos = p + 2;
          const folded = this.classFold(base);
          acc = union(acc, neg ? negate(folded) : folded);
          continue;
        }
      }
      if (c === 0x5c) {
        const k = this.peek(1);
        if (k === 0x62 || k === 0x42 || k === 0x41 || k === 0x7a || k === 0x51 || k === 0x45 || k === 0x43) {
          throw new RegexSyntaxError(`invalid escape sequence: ${this.text(this.pos, this.pos + 2)}`);
        }
        const cls = this.tryParseClassEscape();
        if (cls) {
          acc = union(acc, cls);
          continue;
        }
      }
      const lo = this.classChar();
      let hi = lo;
      if (this.peek() === 0x2d && this.peek(1) !== 0x5d && this.peek(1) !== -1) {
        const rs = this.pos - 1;
        this.pos++;
        if (this.peek() === 0x5c) {
          const k = this.peek(1);
          if ("dDsSwWpPbBAzQEC".includes(String.fromCodePoint(k))) {
            throw new RegexSyntaxError(`invalid escape sequence: ${this.text(this.pos, this.pos + 2)}`);
          }
        }
        hi = this.classChar();
        if (hi < lo) throw new RegexSyntaxError(`invalid character class range: ${this.text(rs)}`);
      }
      acc = union(acc, this.classFold([lo, hi]));
    }
    return negated ? negate(acc) : acc;
  }

  private classChar(): number {
    const c = this.peek();
    if (c === 0x5c) return this.parseEscapeChar();
    this.pos++;
    return c;
  }
}

/**
 * RE2's RepetitionWalker: divides the budget by each nested repeat count; 0 means the
 * nesting multiplies out past the limit (for example (a{11}){100}).
 */
function repetitionBudget(n: Node, budget: number): number {
  let arg = budget;
  if (n.t === "rep") {
    const m = n.max < 0 ? n.min : n.max;
    if (m > 0) arg = Math.floor(arg / m);
  }
  let out = arg;
  const kids = n.t === "cat" || n.t === "alt" ? n.subs : n.t === "rep" || n.t === "cap" ? [n.sub] : [];
  for (const k of kids) out = Math.min(out, repetitionBudget(k, arg));
  return out;
}
