// A fast reader for the YAML that Kubernetes tools and generators write, beside the `yaml`
// package that stays the reference. Large inputs (`kubectl get -A -o yaml`, generated route
// tables) are block mappings and sequences of one-line scalars; the `yaml` package builds a full
// document tree with positions for them, which is most of a compile's time and memory at
// 5 MB (scripts/compile-speed.ts). This reader handles only that subset and answers `null` for
// anything else — anchors, aliases, tags, multi-line or folded scalars, explicit keys, merge
// keys, duplicate keys, non-string keys, directives, tabs, CR — so the caller reads the file
// with the `yaml` package instead and every diagnostic stays that package's.
//
// Plain scalars are resolved with the tags of the `yaml` schema the loader uses
// (KUBERNETES_YAML: YAML 1.1 as go-yaml v2 reads it), in that package's order
// (compose/compose-scalar.js findScalarTagByTest), so the values are the same. Positions are not
// kept: a resource that needs one re-reads its own document with the `yaml` package
// (host/resources/load.ts). test/resources/fast-yaml.test.ts compares both readers on every YAML
// file of the repository and on generated documents.
import { Document, type ScalarTag } from "yaml";
import { KUBERNETES_YAML } from "./kube-yaml.ts";

export interface FastDocument {
  /** The document's value, as `doc.toJS()` gives it (null for an empty document). */
  value: unknown;
  /** Offset of the document's first line (after its `---`) and of its end, in the text. */
  start: number;
  end: number;
}

class Unsupported extends Error {}
const unsupported = (): never => { throw new Unsupported(); };

let plainTags: ScalarTag[] | null = null;
let stringTag: ScalarTag | null = null;
function tags(): ScalarTag[] {
  if (!plainTags) {
    const schema = new Document(null, KUBERNETES_YAML).schema as unknown as { tags: Array<ScalarTag & { collection?: string }> };
    plainTags = schema.tags.filter((t) => !t.collection && t.default === true && t.test) as ScalarTag[];
    stringTag = schema.tags.find((t) => t.tag === "tag:yaml.org,2002:str") as ScalarTag;
  }
  return plainTags;
}

/** A plain scalar's value, as the `yaml` package resolves it. */
function resolvePlain(text: string): unknown {
  const tag = tags().find((t) => t.test!.test(text));
  if (!tag) return text;
  let failed = false;
  const value = tag.resolve(text, () => { failed = true; }, {} as never);
  if (failed || (value !== null && typeof value === "object")) unsupported();
  return typeof value === "bigint" ? Number(value) : value;
}

interface Line { indent: number; text: string; start: number }

const DOUBLE_ESCAPES: Record<string, string> = {
  "0": "\0", a: "\x07", b: "\b", t: "\t", "\t": "\t", n: "\n", v: "\v", f: "\f", r: "\r", e: "\x1b",
  " ": " ", '"': '"', "/": "/", "\\": "\\", N: "\u0085", _: "\u00a0", L: "\u2028", P: "\u2029",
};

/** Scanner over one line's text from `at`. */
class Cursor {
  constructor(public s: string, public at: number) {}
  get done(): boolean { return this.at >= this.s.length; }
  peek(): string { return this.s[this.at] ?? ""; }
  spaces(): void { while (this.s[this.at] === " ") this.at++; }
  /** Only spaces or a comment left. */
  rest(): boolean {
    this.spaces();
    return this.done || this.s[this.at] === "#";
  }
  single(): string {
    let out = "";
    this.at++;
    for (;;) {
      const i = this.s.indexOf("'", this.at);
      if (i < 0) unsupported(); // multi-line
      out += this.s.slice(this.at, i);
      if (this.s[i + 1] === "'") { out += "'"; this.at = i + 2; continue; }
      this.at = i + 1;
      return out;
    }
  }
  double(): string {
    let out = "";
    this.at++;
    for (;;) {
      const c = this.s[this.at];
      if (c === undefined) unsupported(); // multi-line
      if (c === '"') { this.at++; return out; }
      if (c !== "\\") { out += c; this.at++; continue; }
      const e = this.s[this.at + 1];
      if (e === undefined) unsupported(); // a line continuation
      if (e === "x" || e === "u" || e === "U") {
        const n = e === "x" ? 2 : e === "u" ? 4 : 8;
        const hex = this.s.slice(this.at + 2, this.at + 2 + n);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n) unsupported();
        out += String.fromCodePoint(Number.parseInt(hex, 16));
        this.at += 2 + n;
        continue;
      }
      const r = DOUBLE_ESCAPES[e];
      if (r === undefined) unsupported();
      out += r;
      this.at += 2;
    }
  }
}

/** Characters that cannot start a plain scalar (YAML 1.2 §7.3.3 c-indicator), with their exceptions. */
function plainStart(s: string, at: number, flow: boolean): boolean {
  const c = s[at]!;
  if ("-?:".includes(c)) {
    const n = s[at + 1];
    return n !== undefined && n !== " " && !(flow && ",[]{}".includes(n));
  }
  return !",[]{}#&*!|>'\"%@`".includes(c);
}

/** A plain scalar on one line, in block (up to ": " / " #") or flow context (also up to ,[]{}). */
function plain(cur: Cursor, flow: boolean): string {
  const s = cur.s;
  if (!plainStart(s, cur.at, flow)) unsupported();
  const from = cur.at;
  let i = from;
  for (; i < s.length; i++) {
    const c = s[i];
    if (c === ":" && (i + 1 >= s.length || s[i + 1] === " " || (flow && ",[]{}".includes(s[i + 1]!)))) break;
    if (c === "#" && s[i - 1] === " ") break;
    if (flow && ",[]{}".includes(c!)) break;
  }
  cur.at = i;
  return s.slice(from, i).trimEnd();
}

function setKey(map: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__" || key === "<<" || Object.prototype.hasOwnProperty.call(map, key)) unsupported();
  map[key] = value;
}

/** A scalar or flow collection that must end on this line. */
function flowValue(cur: Cursor, inFlow: boolean): unknown {
  const c = cur.peek();
  if (c === "[") {
    cur.at++;
    const out: unknown[] = [];
    cur.spaces();
    if (cur.peek() === "]") { cur.at++; return out; }
    for (;;) {
      cur.spaces();
      if (cur.done) unsupported(); // continues on the next line
      out.push(flowItem(cur));
      cur.spaces();
      const d = cur.peek();
      if (d === ",") { cur.at++; cur.spaces(); if (cur.peek() === "]") { cur.at++; return out; } continue; }
      if (d === "]") { cur.at++; return out; }
      unsupported();
    }
  }
  if (c === "{") {
    cur.at++;
    const out: Record<string, unknown> = {};
    cur.spaces();
    if (cur.peek() === "}") { cur.at++; return out; }
    for (;;) {
      cur.spaces();
      if (cur.done) unsupported();
      const key = keyText(cur, true);
      cur.spaces();
      let value: unknown = null;
      if (cur.peek() === ":") {
        cur.at++;
        cur.spaces();
        if (cur.peek() !== "," && cur.peek() !== "}") value = flowValue(cur, true);
      } else unsupported(); // a key without ':' (a set-like entry)
      setKey(out, key, value);
      cur.spaces();
      const d = cur.peek();
      if (d === ",") { cur.at++; cur.spaces(); if (cur.peek() === "}") { cur.at++; return out; } continue; }
      if (d === "}") { cur.at++; return out; }
      unsupported();
    }
  }
  if (c === "'") return cur.single();
  if (c === '"') return cur.double();
  if (cur.done || c === "#") unsupported();
  return resolvePlain(plain(cur, inFlow));
}

/** An item of a flow sequence: a value, or a single-pair mapping `k: v`. */
function flowItem(cur: Cursor): unknown {
  const before = cur.at;
  const c = cur.peek();
  if (c !== "[" && c !== "{") {
    // `[a: 1]` is a sequence of one single-pair mapping: not supported.
    const value = flowValue(cur, true);
    cur.spaces();
    if (cur.peek() === ":") unsupported();
    return value;
  }
  cur.at = before;
  return flowValue(cur, true);
}

/** A mapping key: plain or quoted, resolved to a string (anything else is unsupported). */
function keyText(cur: Cursor, flow: boolean): string {
  const c = cur.peek();
  if (c === "'") return cur.single();
  if (c === '"') return cur.double();
  if (c === "?" && cur.s[cur.at + 1] === " ") unsupported();
  const text = plain(cur, flow);
  if (text === "") unsupported();
  const tag = tags().find((t) => t.test!.test(text));
  if (tag && tag !== stringTag) unsupported(); // a key that is not a string (80:, true:, null:)
  return text;
}

/** Parses the lines of one document. */
class BlockParser {
  i = 0;
  constructor(private readonly lines: Line[]) {}

  parseDocument(): unknown {
    if (this.lines.length === 0) return null;
    const value = this.node(this.lines[0]!.indent);
    if (this.i < this.lines.length) unsupported();
    return value;
  }

  /** The block node whose first line is lines[i] (at indent ≥ `min`). */
  private node(min: number): unknown {
    const line = this.lines[this.i];
    if (!line || line.indent < min) return null;
    if (isSeqEntry(line.text, line.indent)) return this.sequence(line.indent);
    return this.mappingOrScalar(line.indent, line.text, line.indent);
  }

  private sequence(indent: number): unknown[] {
    const out: unknown[] = [];
    for (;;) {
      const line = this.lines[this.i];
      if (!line || line.indent !== indent || !isSeqEntry(line.text, indent)) break;
      // The item's content starts after "- " (more spaces allowed).
      let at = indent + 1;
      while (line.text[at] === " ") at++;
      if (at >= line.text.length || line.text[at] === "#") {
        this.i++;
        const next = this.lines[this.i];
        out.push(next && next.indent > indent ? this.node(next.indent) : null);
        continue;
      }
      out.push(this.mappingOrScalar(at, line.text, indent));
    }
    return out;
  }

  /**
   * The node starting at column `col` of the current line: a block mapping whose first key is
   * there (further keys at the same column on later lines), a nested "- " entry, or a scalar.
   * `parent` is the indent of the line's own block (the item's dash, or the line itself).
   */
  private mappingOrScalar(col: number, text: string, parent: number): unknown {
    if (isSeqEntry(text, col)) {
      // "- - a": a sequence inside a sequence item, on one line.
      unsupported();
    }
    const cur = new Cursor(text, col);
    const key = this.tryKey(cur);
    if (key === null) {
      // A scalar (or flow collection) node on its own.
      const value = flowValue(cur, false);
      if (!cur.rest()) unsupported();
      this.i++;
      this.noContinuation(parent);
      return value;
    }
    const map: Record<string, unknown> = {};
    let first = true;
    for (;;) {
      let k: string | null;
      let c: Cursor;
      if (first) { k = key; c = cur; first = false; } else {
        const line = this.lines[this.i];
        if (!line || line.indent !== col || isSeqEntry(line.text, col)) break;
        c = new Cursor(line.text, col);
        k = this.tryKey(c);
        if (k === null) unsupported();
      }
      // After "key:".
      if (c.rest()) {
        this.i++;
        const next = this.lines[this.i];
        let value: unknown = null;
        if (next && (next.indent > col || (next.indent === col && isSeqEntry(next.text, col)))) value = this.node(next.indent);
        setKey(map, k!, value);
        continue;
      }
      const v = c.peek();
      if (v === "|" || v === ">") { setKey(map, k!, this.blockScalar(c, col)); continue; }
      if (v === "&" || v === "*" || v === "!") unsupported();
      const value = flowValue(c, false);
      if (!c.rest()) unsupported();
      this.i++;
      this.noContinuation(col);
      setKey(map, k!, value);
    }
    return map;
  }

  /** `key:` at the cursor (the cursor then stands after the colon), or null (cursor unchanged). */
  private tryKey(cur: Cursor): string | null {
    const start = cur.at;
    const c = cur.peek();
    if (c === "[" || c === "{" || c === "&" || c === "*" || c === "!" || c === "|" || c === ">") return null;
    try {
      const key = keyText(cur, false);
      if (cur.peek() === ":" && (cur.at + 1 >= cur.s.length || cur.s[cur.at + 1] === " ")) {
        cur.at++;
        return key;
      }
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
      // A quoted scalar that is not a key, or an odd plain: decided below.
    }
    cur.at = start;
    // A quoted or plain scalar followed by something else than ':': a scalar node, or a key
    // written another way (e.g. "key" : v) — the latter is not supported.
    return null;
  }

  /** A following line more indented than the node's block continues a plain scalar: unsupported. */
  private noContinuation(indent: number): void {
    const next = this.lines[this.i];
    if (next && next.indent > indent) unsupported();
  }

  /** `|` or `|-` (literal, clip or strip chomping, auto indentation); others are unsupported. */
  private blockScalar(cur: Cursor, keyIndent: number): string {
    const header = cur.s.slice(cur.at).replace(/\s+#.*$/, "").trimEnd();
    if (header !== "|" && header !== "|-") unsupported();
    const line = this.lines[this.i]!;
    this.i++;
    // Block scalar content is taken from the raw text, blank lines included.
    const raw = this.rawAfter(line);
    const body: string[] = [];
    let indent = -1;
    let consumedTo = this.i;
    for (let j = 0; j < raw.length; j++) {
      const r = raw[j]!;
      if (r.trim() === "") {
        // Spaces past the indentation on an empty line are content: left to the yaml package.
        if (r.length > 0 && (indent < 0 || r.length > indent)) unsupported();
        body.push("");
        continue;
      }
      const ind = r.length - r.trimStart().length;
      if (indent < 0) {
        if (ind <= keyIndent) break;
        indent = ind;
      }
      if (ind < indent) break;
      if (r.slice(0, indent).includes("\t")) unsupported();
      body.push(r.slice(indent));
      consumedTo = j + 1;
    }
    if (indent < 0) unsupported(); // empty block scalar
    // Lines the scalar took: skip the parsed lines that fall inside it.
    const endOffset = this.rawEnd(line, consumedTo);
    while (this.i < this.lines.length && this.lines[this.i]!.start < endOffset) this.i++;
    const content = body.slice(0, consumedTo);
    while (content.length && content[content.length - 1] === "") content.pop();
    const text = content.join("\n");
    return header === "|-" ? text : `${text}\n`;
  }

  /** Raw lines of the document after `line` (blank and comment lines included). */
  private rawAfter(line: Line): string[] {
    const src = rawSource!;
    const from = src.indexOf("\n", line.start);
    if (from < 0) return [];
    return src.slice(from + 1, rawEndOfDoc).split("\n");
  }

  private rawEnd(line: Line, count: number): number {
    const src = rawSource!;
    let at = src.indexOf("\n", line.start) + 1;
    for (let k = 0; k < count; k++) {
      const n = src.indexOf("\n", at);
      at = n < 0 ? rawEndOfDoc : n + 1;
    }
    return at;
  }
}

// The text and document end the block-scalar reader looks at (set per document).
let rawSource: string | null = null;
let rawEndOfDoc = 0;

function isSeqEntry(text: string, col: number): boolean {
  return text[col] === "-" && (col + 1 >= text.length || text[col + 1] === " ");
}

/**
 * The documents of `text` (values as the `yaml` package's toJS gives them, with KUBERNETES_YAML),
 * or null when the text uses anything this reader leaves to the `yaml` package.
 */
export function fastParseAll(text: string): FastDocument[] | null {
  if (text.includes("\r") || text.includes("\t") || text.charCodeAt(0) === 0xfeff || /^%/m.test(text)) return null;
  const docs: FastDocument[] = [];
  let lines: Line[] = [];
  let docStart = 0;
  let sawMarker = false;
  const finish = (end: number, always: boolean): void => {
    if (lines.length === 0 && !always) return;
    rawSource = text;
    rawEndOfDoc = end;
    docs.push({ value: new BlockParser(lines).parseDocument(), start: docStart, end });
    lines = [];
  };
  try {
    let at = 0;
    while (at <= text.length) {
      let nl = text.indexOf("\n", at);
      if (nl < 0) nl = text.length;
      const raw = text.slice(at, nl);
      if (raw.startsWith("---") && (raw.length === 3 || raw[3] === " ")) {
        if (raw.slice(3).trim() !== "" && !raw.slice(3).trim().startsWith("#")) return null; // content after ---
        finish(at, sawMarker);
        sawMarker = true;
        docStart = nl + 1;
      } else if (raw.startsWith("...")) {
        return null;
      } else {
        const trimmed = raw.trimStart();
        if (trimmed !== "" && !trimmed.startsWith("#")) lines.push({ indent: raw.length - trimmed.length, text: raw.trimEnd(), start: at });
      }
      at = nl + 1;
    }
    finish(text.length, sawMarker);
  } catch (e) {
    if (e instanceof Unsupported) return null;
    throw e;
  } finally {
    rawSource = null;
  }
  return docs;
}
