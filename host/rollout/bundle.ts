// Bundle mode: the filter configuration built into the `.wasm` itself, for WasmPlugin delivery
// from file:// or oci:// (docs/design.md "Delivering large configurations").
//
// A module cannot read its own custom sections, and a new active data segment would sit in the
// heap the allocator hands out (AssemblyScript folds the heap base into its code). So the
// payload goes into a *passive* data segment, and a small function appended to the module
// copies it into a `malloc`ed block at start: it runs the module's own `_start`, calls the
// exported `malloc`, `memory.init`s the segment into the block, drops the segment (its bytes are
// not kept twice) and writes (pointer, length) into the filter's bundle slot — 16 bytes the
// filter reserves in its data, found by their "GWBUNDLE" marker (assembly/config/delivery.ts).
// The `_start` export is re-pointed at that function. Nothing else in the module moves: types,
// functions and segments are only appended. Wasm binary format: WebAssembly Core Specification
// 2.0 §5.5 (modules), §5.4.7 (bulk memory instructions: memory.init 0xFC 8, data.drop 0xFC 9),
// §5.5.16 (data count section, required by memory.init / data.drop).
import { createHash } from "node:crypto";
import { bundlePayload, readBundlePayload } from "../config/framing.ts";

const SLOT_MARKER = new TextEncoder().encode("GWBUNDLE");
/** Custom section naming the bundled configuration's version, for tools (`gatewasm` reads it back). */
export const BUNDLE_SECTION = "gatewasm.bundle";

enum SectionId { Custom = 0, Type = 1, Import = 2, Function = 3, Table = 4, Memory = 5, Global = 6, Export = 7, Start = 8, Element = 9, Code = 10, Data = 11, DataCount = 12, Tag = 13 }
/** Where each known section sits in the required order (custom sections go anywhere). */
const ORDER: Record<number, number> = { 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13 };

interface Section { id: number; body: Uint8Array }

class Reader {
  at = 0;
  constructor(readonly bytes: Uint8Array) {}
  byte(): number {
    if (this.at >= this.bytes.length) throw new Error("unexpected end of the module");
    return this.bytes[this.at++]!;
  }
  u32(): number {
    let result = 0, shift = 0, b: number;
    do {
      b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return result;
  }
  /** A signed LEB128 (i32.const immediates). */
  s32(): number {
    let result = 0, shift = 0, b: number;
    do {
      b = this.byte();
      result |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    if (shift < 32 && (b & 0x40)) result |= -1 << shift;
    return result;
  }
  take(n: number): Uint8Array {
    if (this.at + n > this.bytes.length) throw new Error("unexpected end of the module");
    const out = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  name(): string { return new TextDecoder().decode(this.take(this.u32())); }
  get done(): boolean { return this.at >= this.bytes.length; }
}

function u32(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function s32(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) { out.push(b); return out; }
    out.push(b | 0x80);
  }
}

function concat(parts: Array<Uint8Array | number[]>): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

function parseSections(wasm: Uint8Array): Section[] {
  const r = new Reader(wasm);
  const header = r.take(8);
  if (header[0] !== 0 || header[1] !== 0x61 || header[2] !== 0x73 || header[3] !== 0x6d || header[4] !== 1) throw new Error("not a WebAssembly module (version 1)");
  const sections: Section[] = [];
  while (!r.done) {
    const id = r.byte();
    const size = r.u32();
    sections.push({ id, body: r.take(size) });
  }
  return sections;
}

function encodeModule(sections: Section[]): Uint8Array {
  return concat([[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], ...sections.flatMap((s) => [[s.id, ...u32(s.body.length)], s.body])]);
}

/** A vector section with `items` appended (count re-encoded, the existing items kept as bytes). */
function appendToVector(body: Uint8Array | undefined, items: Array<Uint8Array | number[]>): Uint8Array {
  if (!body) return concat([u32(items.length), ...items]);
  const r = new Reader(body);
  const count = r.u32();
  return concat([u32(count + items.length), body.subarray(r.at), ...items]);
}

function customSection(name: string, payload: Uint8Array): Section {
  const n = new TextEncoder().encode(name);
  return { id: SectionId.Custom, body: concat([u32(n.length), n, payload]) };
}

function section(sections: Section[], id: SectionId): Section | undefined {
  return sections.find((s) => s.id === id);
}

/** Puts `s` where the section order requires (replacing a section of the same id). */
function placeSection(sections: Section[], s: Section): void {
  const existing = sections.findIndex((x) => x.id === s.id);
  if (existing >= 0) { sections[existing] = s; return; }
  const rank = ORDER[s.id]!;
  const after = sections.findIndex((x) => x.id !== SectionId.Custom && ORDER[x.id]! > rank);
  sections.splice(after < 0 ? sections.length : after, 0, s);
}

interface ModuleFacts {
  importedFunctions: number;
  definedFunctions: number;
  /** Type index of every function (imported first). */
  functionTypes: number[];
  types: Array<{ params: number[]; results: number[] }>;
  exports: Array<{ name: string; kind: number; index: number }>;
  dataSegments: number;
  /** Linear-memory address of the bundle slot marker. */
  slotAddress: number;
}

function readFacts(sections: Section[]): ModuleFacts {
  const types: ModuleFacts["types"] = [];
  const typeSection = section(sections, SectionId.Type);
  if (typeSection) {
    const r = new Reader(typeSection.body);
    for (let n = r.u32(); n > 0; n--) {
      if (r.byte() !== 0x60) throw new Error("unsupported type form in the type section");
      const params = [...r.take(r.u32())];
      const results = [...r.take(r.u32())];
      types.push({ params, results });
    }
  }
  const functionTypes: number[] = [];
  let importedFunctions = 0;
  const importSection = section(sections, SectionId.Import);
  if (importSection) {
    const r = new Reader(importSection.body);
    for (let n = r.u32(); n > 0; n--) {
      r.name(); r.name();
      const kind = r.byte();
      if (kind === 0) { functionTypes.push(r.u32()); importedFunctions++; }
      else if (kind === 1) { r.byte(); limits(r); }
      else if (kind === 2) limits(r);
      else if (kind === 3) { r.byte(); r.byte(); }
      else if (kind === 4) { r.byte(); r.u32(); }
      else throw new Error(`unknown import kind ${kind}`);
    }
  }
  const functionSection = section(sections, SectionId.Function);
  let definedFunctions = 0;
  if (functionSection) {
    const r = new Reader(functionSection.body);
    for (let n = r.u32(); n > 0; n--) { functionTypes.push(r.u32()); definedFunctions++; }
  }
  const exports: ModuleFacts["exports"] = [];
  const exportSection = section(sections, SectionId.Export);
  if (exportSection) {
    const r = new Reader(exportSection.body);
    for (let n = r.u32(); n > 0; n--) exports.push({ name: r.name(), kind: r.byte(), index: r.u32() });
  }
  let dataSegments = 0;
  const slots: number[] = [];
  const dataSection = section(sections, SectionId.Data);
  if (dataSection) {
    const r = new Reader(dataSection.body);
    for (let n = r.u32(); n > 0; n--, dataSegments++) {
      const flags = r.u32();
      let offset: number | null = null;
      if (flags === 0 || flags === 2) {
        if (flags === 2 && r.u32() !== 0) throw new Error("data segment for another memory");
        // The offset expression AssemblyScript emits: i32.const N end.
        const op = r.byte();
        if (op !== 0x41) throw new Error(`unsupported data segment offset expression (opcode 0x${op.toString(16)})`);
        offset = r.s32();
        if (r.byte() !== 0x0b) throw new Error("unsupported data segment offset expression");
      } else if (flags !== 1) throw new Error(`unknown data segment flags ${flags}`);
      const bytes = r.take(r.u32());
      if (offset === null) continue;
      for (let i = indexOf(bytes, SLOT_MARKER, 0); i >= 0; i = indexOf(bytes, SLOT_MARKER, i + 1)) slots.push(offset + i);
    }
  }
  if (slots.length !== 1) {
    throw new Error(slots.length === 0
      ? "the module has no gatewasm bundle slot (is it build/gatewasm.wasm?)"
      : `the module has ${slots.length} gatewasm bundle slot markers; expected one`);
  }
  return { importedFunctions, definedFunctions, functionTypes, types, exports, dataSegments, slotAddress: slots[0]! };
}

function limits(r: Reader): void {
  const flags = r.byte();
  r.u32();
  if (flags & 1) r.u32();
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  outer: for (let i = from; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

export interface BundleInfo {
  version: string;
  /** The framed blob (GWSM or GWSZ) the module carries. */
  framedBlob: Uint8Array;
}

/** The bundle a module carries (from its custom section and passive segment), or null. */
export function readBundle(wasm: Uint8Array): BundleInfo | null {
  const sections = parseSections(wasm);
  const custom = sections.find((s) => {
    if (s.id !== SectionId.Custom) return false;
    return new Reader(s.body).name() === BUNDLE_SECTION;
  });
  if (!custom) return null;
  const r = new Reader(custom.body);
  r.name();
  const segment = r.u32();
  const data = new Reader(section(sections, SectionId.Data)!.body);
  const count = data.u32();
  if (segment >= count) throw new Error("the bundle section names a data segment the module does not have");
  for (let i = 0; ; i++) {
    const flags = data.u32();
    if (flags === 0 || flags === 2) {
      if (flags === 2) data.u32();
      data.byte(); data.s32(); data.byte();
    }
    const bytes = data.take(data.u32());
    if (i === segment) return readBundlePayload(bytes);
  }
}

/**
 * `wasm` (build/gatewasm.wasm) with `framedBlob` built in under `version`. The plugin
 * configuration of a bundled module is that version string; the filter refuses any other.
 */
export function bundleModule(wasm: Uint8Array, framedBlob: Uint8Array, version: string): Uint8Array {
  const sections = parseSections(wasm);
  if (sections.some((s) => s.id === SectionId.Custom && new Reader(s.body).name() === BUNDLE_SECTION)) {
    throw new Error("the module already carries a bundled configuration; bundle build/gatewasm.wasm itself");
  }
  const facts = readFacts(sections);
  const payload = bundlePayload(version, framedBlob);
  const funcExport = (name: string) => facts.exports.find((e) => e.kind === 0 && e.name === name);
  const start = funcExport("_start");
  const malloc = funcExport("malloc");
  if (!start) throw new Error("the module exports no _start function");
  if (!malloc) throw new Error("the module exports no malloc function");
  const sig = (index: number) => facts.types[facts.functionTypes[index]!]!;
  const I32 = 0x7f;
  if (sig(start.index).params.length || sig(start.index).results.length) throw new Error("_start is not () -> ()");
  const m = sig(malloc.index);
  if (m.params.length !== 1 || m.params[0] !== I32 || m.results.length !== 1 || m.results[0] !== I32) throw new Error("malloc is not (i32) -> i32");

  const typeIndex = facts.types.length; // a new () -> () type: appending keeps every index
  const functionIndex = facts.importedFunctions + facts.definedFunctions;
  const segment = facts.dataSegments;
  const len = payload.length;
  if (len > 0x7fffffff) throw new Error("the bundle is too large for a 32-bit module");
  const seg = u32(segment);
  const body = [
    0x01, 0x01, I32, // one i32 local: the block
    0x10, ...u32(start.index), // the module's own start (its runtime and globals) first
    0x41, ...s32(len), 0x10, ...u32(malloc.index), 0x22, 0x00, // local.tee 0 (malloc(len))
    0x04, 0x40, // if the block exists
    0x20, 0x00, 0x41, 0x00, 0x41, ...s32(len), 0xfc, 0x08, ...seg, 0x00, // memory.init seg → block
    0x0b,
    0xfc, 0x09, ...seg, // data.drop: the segment's bytes are not kept twice
    0x41, ...s32(facts.slotAddress), 0x20, 0x00, 0x36, 0x02, 0x08, // slot+8 = block
    0x41, ...s32(facts.slotAddress), 0x41, ...s32(len), 0x36, 0x02, 0x0c, // slot+12 = length
    0x0b,
  ];
  const code = concat([u32(body.length), body]);

  placeSection(sections, { id: SectionId.Type, body: appendToVector(section(sections, SectionId.Type)?.body, [[0x60, 0x00, 0x00]]) });
  placeSection(sections, { id: SectionId.Function, body: appendToVector(section(sections, SectionId.Function)?.body, [u32(typeIndex)]) });
  const exportItems = facts.exports.map((e) => {
    const n = new TextEncoder().encode(e.name);
    return concat([u32(n.length), n, [e.kind], u32(e === start ? functionIndex : e.index)]);
  });
  placeSection(sections, { id: SectionId.Export, body: concat([u32(exportItems.length), ...exportItems]) });
  placeSection(sections, { id: SectionId.Code, body: appendToVector(section(sections, SectionId.Code)?.body, [code]) });
  placeSection(sections, { id: SectionId.Data, body: appendToVector(section(sections, SectionId.Data)?.body, [concat([[0x01], u32(len), payload])]) });
  placeSection(sections, { id: SectionId.DataCount, body: new Uint8Array(u32(segment + 1)) });
  sections.push(customSection(BUNDLE_SECTION, new Uint8Array(u32(segment))));
  return encodeModule(sections);
}

/** The version a bundle gets by default: a digest of what it carries, so any change renames it. */
export function bundleVersion(framedBlob: Uint8Array): string {
  return `sha256:${createHash("sha256").update(framedBlob).digest("hex").slice(0, 32)}`;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
