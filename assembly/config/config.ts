// The loaded filter configuration: the binary blob the host compiled (docs/config-format.md),
// kept as is in linear memory. `validateConfig` checks every offset, index and list once at
// configure time, so the request path can read records without bounds checks and can never
// run off the blob or loop.
import {
  DestF, FaultF, G, GLOBAL_WORDS, HEADER_WORDS, HeaderOpF, FORMAT_VERSION, MAGIC, MatcherF, NONE, RouteF,
  Section, TableF, TrieF, VHostF, WildF,
} from "./layout";
import { regexPrepare } from "../regex";

/** Start address and count of every section of the active configuration. */
export class Config {
  base: usize = 0;
  length: u32 = 0;
  sectionPtr: StaticArray<usize> = new StaticArray<usize>(Section.Count);
  sectionCount: StaticArray<u32> = new StaticArray<u32>(Section.Count);

  @inline ptr(section: Section): usize { return unchecked(this.sectionPtr[section]); }
  @inline count(section: Section): u32 { return unchecked(this.sectionCount[section]); }

  /** Word `field` of record `index` in a section of `words`-word records. */
  @inline word(section: Section, words: u32, index: u32, field: u32): u32 {
    return load<u32>(unchecked(this.sectionPtr[section]) + ((<usize>index * words + field) << 2));
  }
  @inline global(field: u32): u32 {
    return load<u32>(this.base + ((<usize>(HEADER_WORDS + Section.Count * 2) + field) << 2));
  }
  @inline stringPtr(offset: u32): usize { return unchecked(this.sectionPtr[Section.Strings]) + offset; }
  @inline regexPtr(offset: u32): usize { return unchecked(this.sectionPtr[Section.Regex]) + offset; }
  @inline listWord(offset: u32): u32 { return load<u32>(unchecked(this.sectionPtr[Section.Lists]) + (<usize>offset << 2)); }
}

const RECORD_WORDS: u32[] = [0, TableF.Words, 2, VHostF.Words, WildF.Words, RouteF.Words, MatcherF.Words, DestF.Words,
  HeaderOpF.Words, 2, TrieF.Words, 1, 0, FaultF.Words];

/** Why the last validation failed (built only on the configure path). */
export let configError: string = "";

function fail(message: string): bool {
  configError = message;
  return false;
}

class Checker {
  constructor(public c: Config) {}

  str(off: u32, len: u32, nullable: bool): bool {
    if (off == NONE) return nullable && len == 0;
    return <u64>off + <u64>len <= <u64>this.c.count(Section.Strings);
  }

  regex(off: u32, len: u32): bool {
    if (off == NONE || <u64>off + <u64>len > <u64>this.c.count(Section.Regex)) return false;
    return regexPrepare(this.c.regexPtr(off), len);
  }

  range(start: u32, count: u32, section: Section): bool {
    return <u64>start + <u64>count <= <u64>this.c.count(section);
  }

  /** A list (count, items...) whose items are all below `limit`. */
  list(offset: u32, limit: u32): bool {
    const words = this.c.count(Section.Lists);
    if (offset == 0 || offset >= words) return false;
    const n = this.c.listWord(offset);
    if (<u64>offset + 1 + <u64>n > <u64>words) return false;
    for (let i: u32 = 0; i < n; i++) if (this.c.listWord(offset + 1 + i) >= limit) return false;
    return true;
  }

  /** A hash table whose keyed lists (keyOff, keyLen, count, items...) have items below `limit`. */
  hashTable(start: u32, size: u32, limit: u32): bool {
    if (start == NONE) return size == 0;
    if (size == 0 || (size & (size - 1)) != 0 || !this.range(start, size, Section.Slots)) return false;
    let used: u32 = 0;
    for (let i: u32 = 0; i < size; i++) {
      const value = this.c.word(Section.Slots, 2, start + i, 1);
      if (value == NONE) continue;
      used++;
      if (value + 2 >= this.c.count(Section.Lists)) return false;
      if (!this.str(this.c.listWord(value), this.c.listWord(value + 1), false)) return false;
      if (!this.list(value + 2, limit)) return false;
    }
    return used < size; // at least one empty slot, so every probe ends
  }
}

/** Reads the section table of a blob into `c` and checks everything; false with `configError` set. */
export function validateConfig(c: Config, base: usize, length: u32): bool {
  const headerBytes: u32 = (HEADER_WORDS + Section.Count * 2 + GLOBAL_WORDS) << 2;
  if (length < headerBytes) return fail("configuration is too short (" + length.toString() + " bytes)");
  if (load<u32>(base) != MAGIC) return fail("configuration is not a gatewasm filter configuration (bad magic)");
  if (load<u32>(base, 4) != FORMAT_VERSION) return fail("unsupported configuration format version " + load<u32>(base, 4).toString());
  if (load<u32>(base, 8) != length) return fail("configuration length mismatch: header says " + load<u32>(base, 8).toString() + ", got " + length.toString());
  if (load<u32>(base, 12) != Section.Count) return fail("unexpected section count " + load<u32>(base, 12).toString());
  c.base = base;
  c.length = length;
  for (let s: u32 = 0; s < <u32>Section.Count; s++) {
    const offset = load<u32>(base + ((<usize>HEADER_WORDS + s * 2) << 2));
    const count = load<u32>(base + ((<usize>HEADER_WORDS + s * 2 + 1) << 2));
    const recordBytes: u64 = RECORD_WORDS[s] == 0 ? 1 : <u64>RECORD_WORDS[s] << 2;
    if ((offset & 3) != 0 || offset < headerBytes || <u64>offset + <u64>count * recordBytes > <u64>length) {
      return fail("section " + s.toString() + " lies outside the configuration");
    }
    unchecked(c.sectionPtr[s] = base + offset);
    unchecked(c.sectionCount[s] = count);
  }
  const k = new Checker(c);
  if (!k.str(c.global(G.ClusterHeaderOff), c.global(G.ClusterHeaderLen), false) || c.global(G.ClusterHeaderLen) == 0) return fail("bad cluster header name");
  if (!k.str(c.global(G.PolicyHeaderOff), c.global(G.PolicyHeaderLen), false) || c.global(G.PolicyHeaderLen) == 0) return fail("bad policy header name");

  const vhosts = c.count(Section.VHosts);
  const routes = c.count(Section.Routes);
  for (let i: u32 = 0; i < c.count(Section.Tables); i++) {
    const sniStart = c.word(Section.Tables, TableF.Words, i, TableF.SniStart);
    const sniCount = c.word(Section.Tables, TableF.Words, i, TableF.SniCount);
    if (!k.range(sniStart, sniCount, Section.Sni)) return fail("table " + i.toString() + ": bad SNI range");
    if (!k.range(c.word(Section.Tables, TableF.Words, i, TableF.VHostStart), c.word(Section.Tables, TableF.Words, i, TableF.VHostCount), Section.VHosts)) return fail("table " + i.toString() + ": bad virtual host range");
    if (!k.hashTable(c.word(Section.Tables, TableF.Words, i, TableF.ExactSlots), c.word(Section.Tables, TableF.Words, i, TableF.ExactSlotCount), vhosts)) return fail("table " + i.toString() + ": bad domain index");
    const wildStart = c.word(Section.Tables, TableF.Words, i, TableF.WildStart);
    const wildCount = c.word(Section.Tables, TableF.Words, i, TableF.WildCount);
    if (!k.range(wildStart, wildCount, Section.WildGroups)) return fail("table " + i.toString() + ": bad wildcard range");
    for (let g: u32 = wildStart; g < wildStart + wildCount; g++) {
      if (!k.hashTable(c.word(Section.WildGroups, WildF.Words, g, WildF.Slots), c.word(Section.WildGroups, WildF.Words, g, WildF.SlotCount), vhosts)) return fail("table " + i.toString() + ": bad wildcard index");
    }
    const star = c.word(Section.Tables, TableF.Words, i, TableF.StarVHost);
    if (star != NONE && star >= vhosts) return fail("table " + i.toString() + ": bad catch-all virtual host");
    if (!k.str(c.word(Section.Tables, TableF.Words, i, TableF.NameOff), c.word(Section.Tables, TableF.Words, i, TableF.NameLen), false)) return fail("table " + i.toString() + ": bad name");
  }
  for (let i: u32 = 0; i < c.count(Section.Sni); i++) {
    if (!k.str(c.word(Section.Sni, 2, i, 0), c.word(Section.Sni, 2, i, 1), false)) return fail("bad SNI host " + i.toString());
  }
  for (let i: u32 = 0; i < vhosts; i++) {
    if (!k.str(c.word(Section.VHosts, VHostF.Words, i, VHostF.NameOff), c.word(Section.VHosts, VHostF.Words, i, VHostF.NameLen), false)
      || !k.str(c.word(Section.VHosts, VHostF.Words, i, VHostF.DomainOff), c.word(Section.VHosts, VHostF.Words, i, VHostF.DomainLen), false)) return fail("virtual host " + i.toString() + ": bad name");
    if (!k.range(c.word(Section.VHosts, VHostF.Words, i, VHostF.RouteStart), c.word(Section.VHosts, VHostF.Words, i, VHostF.RouteCount), Section.Routes)) return fail("virtual host " + i.toString() + ": bad route range");
    if (!k.hashTable(c.word(Section.VHosts, VHostF.Words, i, VHostF.ExactSlots), c.word(Section.VHosts, VHostF.Words, i, VHostF.ExactSlotCount), routes)
      || !k.hashTable(c.word(Section.VHosts, VHostF.Words, i, VHostF.ExactICSlots), c.word(Section.VHosts, VHostF.Words, i, VHostF.ExactICSlotCount), routes)) return fail("virtual host " + i.toString() + ": bad path index");
    const trieRoot = c.word(Section.VHosts, VHostF.Words, i, VHostF.TrieRoot);
    const trieICRoot = c.word(Section.VHosts, VHostF.Words, i, VHostF.TrieICRoot);
    if ((trieRoot != NONE && trieRoot >= c.count(Section.TrieNodes)) || (trieICRoot != NONE && trieICRoot >= c.count(Section.TrieNodes))) return fail("virtual host " + i.toString() + ": bad trie root");
    const other = c.word(Section.VHosts, VHostF.Words, i, VHostF.OtherList);
    if (other != NONE && !k.list(other, routes)) return fail("virtual host " + i.toString() + ": bad route list");
  }
  const nodes = c.count(Section.TrieNodes);
  for (let i: u32 = 0; i < nodes; i++) {
    const child = c.word(Section.TrieNodes, TrieF.Words, i, TrieF.FirstChild);
    const sibling = c.word(Section.TrieNodes, TrieF.Words, i, TrieF.NextSibling);
    // Children and siblings always come later: walks can only move forward and so end.
    if ((child != NONE && (child <= i || child >= nodes)) || (sibling != NONE && (sibling <= i || sibling >= nodes))) return fail("trie node " + i.toString() + ": bad link");
    if (c.word(Section.TrieNodes, TrieF.Words, i, TrieF.Byte) > 255) return fail("trie node " + i.toString() + ": bad byte");
    const list = c.word(Section.TrieNodes, TrieF.Words, i, TrieF.List);
    if (list != NONE && !k.list(list, routes)) return fail("trie node " + i.toString() + ": bad route list");
  }
  const matchers = c.count(Section.Matchers);
  for (let i: u32 = 0; i < matchers; i++) {
    const kind = c.word(Section.Matchers, MatcherF.Words, i, MatcherF.Kind);
    if (c.word(Section.Matchers, MatcherF.Words, i, MatcherF.Source) > 1 || kind > 3) return fail("matcher " + i.toString() + ": bad kind");
    if (!k.str(c.word(Section.Matchers, MatcherF.Words, i, MatcherF.NameOff), c.word(Section.Matchers, MatcherF.Words, i, MatcherF.NameLen), false)) return fail("matcher " + i.toString() + ": bad name");
    const valueOff = c.word(Section.Matchers, MatcherF.Words, i, MatcherF.ValueOff);
    const valueLen = c.word(Section.Matchers, MatcherF.Words, i, MatcherF.ValueLen);
    const valueOk = kind == 3 ? k.regex(valueOff, valueLen) : kind == 0 ? true : k.str(valueOff, valueLen, false);
    if (!valueOk) return fail("matcher " + i.toString() + ": bad value");
  }
  const ops = c.count(Section.HeaderOps);
  for (let i: u32 = 0; i < ops; i++) {
    const kind = c.word(Section.HeaderOps, HeaderOpF.Words, i, HeaderOpF.Kind);
    if (kind < 1 || kind > 3) return fail("header operation " + i.toString() + ": bad kind");
    if (!k.str(c.word(Section.HeaderOps, HeaderOpF.Words, i, HeaderOpF.NameOff), c.word(Section.HeaderOps, HeaderOpF.Words, i, HeaderOpF.NameLen), false)
      || !k.str(c.word(Section.HeaderOps, HeaderOpF.Words, i, HeaderOpF.ValueOff), c.word(Section.HeaderOps, HeaderOpF.Words, i, HeaderOpF.ValueLen), kind == 3)) return fail("header operation " + i.toString() + ": bad string");
  }
  for (let i: u32 = 0; i < c.count(Section.Dests); i++) {
    if (!k.str(c.word(Section.Dests, DestF.Words, i, DestF.ClusterOff), c.word(Section.Dests, DestF.Words, i, DestF.ClusterLen), false)
      || !k.str(c.word(Section.Dests, DestF.Words, i, DestF.AuthorityOff), c.word(Section.Dests, DestF.Words, i, DestF.AuthorityLen), true)) return fail("destination " + i.toString() + ": bad string");
    if (!k.range(c.word(Section.Dests, DestF.Words, i, DestF.ReqOpStart), c.word(Section.Dests, DestF.Words, i, DestF.ReqOpCount), Section.HeaderOps)
      || !k.range(c.word(Section.Dests, DestF.Words, i, DestF.RespOpStart), c.word(Section.Dests, DestF.Words, i, DestF.RespOpCount), Section.HeaderOps)) return fail("destination " + i.toString() + ": bad header operations");
  }
  for (let i: u32 = 0; i < c.count(Section.Faults); i++) {
    if (c.word(Section.Faults, FaultF.Words, i, FaultF.DelayPerMillion) > 1000000 || c.word(Section.Faults, FaultF.Words, i, FaultF.AbortPerMillion) > 1000000) return fail("fault " + i.toString() + ": bad percentage");
  }
  for (let i: u32 = 0; i < routes; i++) {
    if (!validateRoute(c, k, i)) return false;
  }
  return true;
}

function validateRoute(c: Config, k: Checker, i: u32): bool {
  const W = RouteF.Words;
  const at = "route " + i.toString() + ": ";
  if (!k.str(c.word(Section.Routes, W, i, RouteF.NameOff), c.word(Section.Routes, W, i, RouteF.NameLen), true)
    || !k.str(c.word(Section.Routes, W, i, RouteF.VsOff), c.word(Section.Routes, W, i, RouteF.VsLen), true)) return fail(at + "bad name");
  const pathKind = c.word(Section.Routes, W, i, RouteF.PathKind);
  const pathOff = c.word(Section.Routes, W, i, RouteF.PathOff);
  const pathLen = c.word(Section.Routes, W, i, RouteF.PathLen);
  if (pathKind > 3) return fail(at + "bad path kind");
  if (pathKind == 3 ? !k.regex(pathOff, pathLen) : !k.str(pathOff, pathLen, pathKind == 0)) return fail(at + "bad path");
  if (!k.range(c.word(Section.Routes, W, i, RouteF.MatcherStart), c.word(Section.Routes, W, i, RouteF.MatcherCount), Section.Matchers)) return fail(at + "bad matchers");
  const action = c.word(Section.Routes, W, i, RouteF.Action);
  if (action < 1 || action > 3) return fail(at + "bad action");
  const destStart = c.word(Section.Routes, W, i, RouteF.DestStart);
  const destCount = c.word(Section.Routes, W, i, RouteF.DestCount);
  if (!k.range(destStart, destCount, Section.Dests)) return fail(at + "bad destinations");
  if (action == 1) {
    if (destCount == 0) return fail(at + "no destination");
    if (destCount > 1) {
      // A single destination's weight is ignored (Istio); several need Σw > 0 to draw from.
      let total: u64 = 0;
      for (let d = destStart; d < destStart + destCount; d++) total += c.word(Section.Dests, DestF.Words, d, DestF.Weight);
      if (total == 0 || total != <u64>c.word(Section.Routes, W, i, RouteF.TotalWeight)) return fail(at + "bad weights");
    }
  }
  const strs: u32[] = [RouteF.RewriteUriOff, RouteF.RewriteSubstOff, RouteF.PolicyOff, RouteF.RedirectPathOff,
    RouteF.PrefixRewriteOff, RouteF.RedirectAuthorityOff, RouteF.RedirectSchemeOff, RouteF.BodyOff];
  for (let s = 0; s < strs.length; s++) {
    if (!k.str(c.word(Section.Routes, W, i, strs[s]), c.word(Section.Routes, W, i, strs[s] + 1), true)) return fail(at + "bad string field " + strs[s].toString());
  }
  const rxOff = c.word(Section.Routes, W, i, RouteF.RewriteRegexOff);
  if (rxOff != NONE && !k.regex(rxOff, c.word(Section.Routes, W, i, RouteF.RewriteRegexLen))) return fail(at + "bad rewrite regex");
  if (!k.range(c.word(Section.Routes, W, i, RouteF.RespOpStart), c.word(Section.Routes, W, i, RouteF.RespOpCount), Section.HeaderOps)) return fail(at + "bad response header operations");
  const fault = c.word(Section.Routes, W, i, RouteF.Fault);
  if (fault != NONE && fault >= c.count(Section.Faults)) return fail(at + "bad fault");
  const status = c.word(Section.Routes, W, i, RouteF.Status);
  if (action != 1 && (status < 100 || status > 999)) return fail(at + "bad status");
  return true;
}
