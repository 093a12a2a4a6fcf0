// Field-level access to an encoded filter configuration (docs/config-format.md), by the layout
// in host/config/layout.ts: reproducers and the structure-aware mutation fuzzer change one field
// of one record, not just bytes.
import {
  DestF, FaultF, GLOBAL_WORDS, HEADER_WORDS, HeaderOpF, MatcherF, OutlierF, RouteF, Section, TableF, TrieF, VHostF, WildF,
} from "../../host/config/layout.ts";

/** Words per record of each section (0: a byte section). */
export const RECORD_WORDS: Record<Section, number> = {
  [Section.Strings]: 0, [Section.Tables]: TableF.Words, [Section.Sni]: 2, [Section.VHosts]: VHostF.Words,
  [Section.WildGroups]: WildF.Words, [Section.Routes]: RouteF.Words, [Section.Matchers]: MatcherF.Words,
  [Section.Dests]: DestF.Words, [Section.HeaderOps]: HeaderOpF.Words, [Section.Slots]: 2, [Section.TrieNodes]: TrieF.Words,
  [Section.Lists]: 1, [Section.Regex]: 0, [Section.Faults]: FaultF.Words, [Section.Outliers]: OutlierF.Words,
  [Section.Endpoints]: 2, [Section.Count]: 0,
};

export class Blob {
  readonly bytes: Uint8Array;
  private readonly view: DataView;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes.slice();
    this.view = new DataView(this.bytes.buffer);
  }

  u32(byteOffset: number): number { return this.view.getUint32(byteOffset, true); }
  setU32(byteOffset: number, value: number): void { this.view.setUint32(byteOffset, value >>> 0, true); }

  /** Byte offset and count of a section, from the section table. */
  section(s: Section): { offset: number; count: number } {
    return { offset: this.u32((HEADER_WORDS + s * 2) * 4), count: this.u32((HEADER_WORDS + s * 2 + 1) * 4) };
  }

  /** Byte offset of a global word (after the header and the section table). */
  globalOffset(field: number): number { return (HEADER_WORDS + Section.Count * 2 + field) * 4; }
  get globalWords(): number { return GLOBAL_WORDS; }
  global(field: number): number { return this.u32(this.globalOffset(field)); }
  setGlobal(field: number, value: number): this {
    this.setU32(this.globalOffset(field), value);
    return this;
  }

  fieldOffset(s: Section, index: number, field: number): number {
    return this.section(s).offset + (index * RECORD_WORDS[s] + field) * 4;
  }
  /** Whether the word at `byteOffset` lies inside the blob (a mutated section table may point anywhere). */
  inside(byteOffset: number): boolean { return byteOffset >= 0 && byteOffset + 4 <= this.bytes.length; }
  get(s: Section, index: number, field: number): number {
    const at = this.fieldOffset(s, index, field);
    return this.inside(at) ? this.u32(at) : 0;
  }
  set(s: Section, index: number, field: number, value: number): this {
    const at = this.fieldOffset(s, index, field);
    if (this.inside(at)) this.setU32(at, value);
    return this;
  }

  /** The UTF-8 string at (offset, length) of the string pool. */
  string(offset: number, length: number): string {
    const at = this.section(Section.Strings).offset + offset;
    return new TextDecoder().decode(this.bytes.subarray(at, at + length));
  }
}
