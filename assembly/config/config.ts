// The loaded filter configuration: the binary blob the host compiled (docs/config-format.md),
// kept as is in linear memory. `validateConfig` checks every offset, index and list once at
// configure time — every invariant of docs/config-format.md "Invariants" — so the request path
// can read records without bounds checks, can never run off the blob or loop, and never meets
// more candidates or a longer matched prefix than it was sized for.
import {
  DestF, FaultF, G, GLOBAL_WORDS, HEADER_WORDS, HeaderOpF, FORMAT_VERSION, MAGIC, MatcherF, NONE, OutlierF, PathKind, RouteF,
  Section, TableF, TrieF, VHostF, WildF,
} from "./layout";
import { regexPrepare } from "../regex";
import { bytesEqual, fnv1a, fnv1aLower, lowerAscii } from "../util/bytes";

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
  HeaderOpF.Words, 2, TrieF.Words, 1, 0, FaultF.Words, OutlierF.Words, 2];

/** Why the last validation failed (built only on the configure path). */
export let configError: string = "";

function fail(message: string): bool {
  configError = message;
  return false;
}

// Header-name bytes the filter may write as its own cluster / policy header: RFC 9110 token
// characters, lower case (Envoy stores header keys lower-cased; a pseudo-header is not a token).
function isLowerToken(ptr: usize, len: usize): bool {
  if (len == 0) return false;
  for (let i: usize = 0; i < len; i++) {
    const b = <u32>load<u8>(ptr + i);
    const ok = (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b == 0x21 || (b >= 0x23 && b <= 0x27)
      || b == 0x2a || b == 0x2b || b == 0x2d || b == 0x2e || b == 0x5e || b == 0x5f || b == 0x60 || b == 0x7c || b == 0x7e;
    if (!ok) return false;
  }
  return true;
}

/** What a hash table's keyed lists index (each kind has its own entry invariant). */
const enum Index { Domain = 0, Suffix = 1, Path = 2, PathIgnoreCase = 3 }

class Checker {
  /** u8 per route: times the route was reached from its virtual host's path index. */
  routeSeen: usize = 0;
  /** u8 per route / virtual host: already inside some virtual host's / route table's range. */
  routeOwned: usize = 0;
  vhostOwned: usize = 0;
  /** u8 per trie node: visited by a trie walk (a node reached twice is shared: refused). */
  nodeSeen: usize = 0;
  /** Trie walk: stack of (node, depth) and the bytes of the path to the current node. */
  stack: usize = 0;
  path: usize = 0;
  // The owner of the index being checked: its range of targets and, for suffixes, the length.
  rangeStart: u32 = 0;
  rangeCount: u32 = 0;
  suffixLen: u32 = 0;

  constructor(public c: Config) {
    const routes = <usize>c.count(Section.Routes);
    const nodes = <usize>c.count(Section.TrieNodes);
    this.routeSeen = zeroed(routes);
    this.routeOwned = zeroed(routes);
    this.vhostOwned = zeroed(<usize>c.count(Section.VHosts));
    this.nodeSeen = zeroed(nodes);
    this.stack = heap.alloc((2 * nodes + 2) * 8);
    this.path = heap.alloc(nodes + 1);
  }

  /** The raw blocks go back to the heap whatever the verdict: a refused blob leaves nothing. */
  free(): void {
    heap.free(this.routeSeen);
    heap.free(this.routeOwned);
    heap.free(this.vhostOwned);
    heap.free(this.nodeSeen);
    heap.free(this.stack);
    heap.free(this.path);
  }

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

  @inline inRange(item: u32): bool { return item >= this.rangeStart && item - this.rangeStart < this.rangeCount; }

  /** Claims [start, start + count) of a section for one owner; false if another owner has it. */
  claim(marks: usize, start: u32, count: u32): bool {
    for (let i = start; i < start + count; i++) {
      if (load<u8>(marks + i) != 0) return false;
      store<u8>(marks + i, 1);
    }
    return true;
  }

  /** A route reached from the path index of the virtual host being checked: once, and its own. */
  reach(route: u32): bool {
    if (!this.inRange(route) || load<u8>(this.routeSeen + route) != 0) return false;
    store<u8>(this.routeSeen + route, 1);
    return true;
  }

  /**
   * An open-addressing hash table: power-of-two size inside Slots, at least one empty slot (so
   * every probe ends), and each keyed list (keyOff, keyLen, count, items...) holding a key
   * whose FNV-1a the slot stores and the targets `kind` allows.
   */
  hashTable(start: u32, size: u32, kind: Index): bool {
    const c = this.c;
    if (start == NONE) return size == 0;
    if (size == 0 || (size & (size - 1)) != 0 || !this.range(start, size, Section.Slots)) return false;
    const lower = kind != Index.Path;
    let used: u32 = 0;
    for (let i: u32 = 0; i < size; i++) {
      const value = c.word(Section.Slots, 2, start + i, 1);
      if (value == NONE) continue;
      used++;
      if (value == 0 || <u64>value + 3 > <u64>c.count(Section.Lists)) return false;
      const keyOff = c.listWord(value);
      const keyLen = c.listWord(value + 1);
      if (!this.str(keyOff, keyLen, false)) return false;
      const key = c.stringPtr(keyOff);
      const hash = lower ? fnv1aLower(key, keyLen) : fnv1a(key, keyLen);
      if (c.word(Section.Slots, 2, start + i, 0) != hash) return false;
      if (!this.list(value + 2, NONE)) return false;
      const n = c.listWord(value + 2);
      if (kind == Index.Domain || kind == Index.Suffix) {
        // findVirtualHost takes the list's first item: exactly one, a host of this table.
        if (n != 1 || !this.inRange(c.listWord(value + 3))) return false;
        if (kind == Index.Suffix && keyLen != this.suffixLen) return false;
        continue;
      }
      for (let j: u32 = 0; j < n; j++) {
        const r = c.listWord(value + 3 + j);
        if (!this.reach(r)) return false;
        const W = RouteF.Words;
        if (c.word(Section.Routes, W, r, RouteF.PathKind) != PathKind.Exact) return false;
        if (c.word(Section.Routes, W, r, RouteF.IgnoreCase) != (kind == Index.PathIgnoreCase ? 1 : 0)) return false;
        const p = c.stringPtr(c.word(Section.Routes, W, r, RouteF.PathOff));
        const pLen = c.word(Section.Routes, W, r, RouteF.PathLen);
        if (pLen != keyLen) return false;
        for (let b: u32 = 0; b < pLen; b++) {
          const want = lower ? lowerAscii(load<u8>(p + b)) : <u32>load<u8>(p + b);
          if (<u32>load<u8>(key + b) != want) return false;
        }
      }
    }
    return used < size;
  }

  /**
   * A prefix trie of the virtual host being checked: a tree (no node reached twice, the root
   * has no sibling, siblings in ascending byte order) whose node at depth d lists only prefix
   * routes of this host, of the trie's case mode, whose path is exactly the d bytes leading
   * there — so the matched length a rewrite uses never exceeds the request path.
   */
  trie(root: u32, ignoreCase: bool): bool {
    const c = this.c;
    if (root == NONE) return true;
    if (c.word(Section.TrieNodes, TrieF.Words, root, TrieF.NextSibling) != NONE) return false;
    let top: usize = 0;
    store<u32>(this.stack, root);
    store<u32>(this.stack, 0, 4);
    top = 1;
    while (top > 0) {
      top--;
      const node = load<u32>(this.stack + top * 8);
      const depth = load<u32>(this.stack + top * 8, 4);
      if (load<u8>(this.nodeSeen + node) != 0) return false;
      store<u8>(this.nodeSeen + node, 1);
      const byte = c.word(Section.TrieNodes, TrieF.Words, node, TrieF.Byte);
      if (depth > 0) store<u8>(this.path + depth - 1, <u8>byte);
      const list = c.word(Section.TrieNodes, TrieF.Words, node, TrieF.List);
      if (list != NONE) {
        const n = c.listWord(list);
        for (let j: u32 = 0; j < n; j++) {
          const r = c.listWord(list + 1 + j);
          if (!this.reach(r)) return false;
          const W = RouteF.Words;
          if (c.word(Section.Routes, W, r, RouteF.PathKind) != PathKind.Prefix) return false;
          if (c.word(Section.Routes, W, r, RouteF.IgnoreCase) != (ignoreCase ? 1 : 0)) return false;
          if (c.word(Section.Routes, W, r, RouteF.PathLen) != depth) return false;
          const p = c.stringPtr(c.word(Section.Routes, W, r, RouteF.PathOff));
          for (let b: u32 = 0; b < depth; b++) {
            const want = ignoreCase ? lowerAscii(load<u8>(p + b)) : <u32>load<u8>(p + b);
            if (<u32>load<u8>(this.path + b) != want) return false;
          }
        }
      }
      // Links only point forward (checked per node), so at most one push per link: the
      // stack of 2 × nodes + 2 entries cannot overflow.
      const sibling = c.word(Section.TrieNodes, TrieF.Words, node, TrieF.NextSibling);
      if (sibling != NONE && node != root) {
        if (c.word(Section.TrieNodes, TrieF.Words, sibling, TrieF.Byte) <= byte) return false;
        store<u32>(this.stack + top * 8, sibling);
        store<u32>(this.stack + top * 8, depth, 4);
        top++;
      }
      const child = c.word(Section.TrieNodes, TrieF.Words, node, TrieF.FirstChild);
      if (child != NONE) {
        store<u32>(this.stack + top * 8, child);
        store<u32>(this.stack + top * 8, depth + 1, 4);
        top++;
      }
    }
    return true;
  }
}

function zeroed(bytes: usize): usize {
  const p = heap.alloc(bytes == 0 ? 1 : bytes);
  memory.fill(p, 0, bytes);
  return p;
}

/**
 * Reads the section table of a blob into `c` and checks every invariant the request path
 * relies on (docs/config-format.md "Invariants"); false with `configError` set.
 */
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
  const ok = validateSections(c, k);
  k.free();
  return ok;
}

function validateSections(c: Config, k: Checker): bool {
  const clusterOff = c.global(G.ClusterHeaderOff);
  const clusterLen = c.global(G.ClusterHeaderLen);
  const policyOff = c.global(G.PolicyHeaderOff);
  const policyLen = c.global(G.PolicyHeaderLen);
  if (!k.str(clusterOff, clusterLen, false) || !isLowerToken(c.stringPtr(clusterOff), clusterLen)) return fail("bad cluster header name");
  if (!k.str(policyOff, policyLen, false) || !isLowerToken(c.stringPtr(policyOff), policyLen)) return fail("bad policy header name");
  if (bytesEqual(c.stringPtr(clusterOff), clusterLen, c.stringPtr(policyOff), policyLen)) return fail("the cluster and policy headers have the same name");

  const vhosts = c.count(Section.VHosts);
  const routes = c.count(Section.Routes);
  const TW = TableF.Words;
  for (let i: u32 = 0; i < c.count(Section.Tables); i++) {
    const at = "table " + i.toString() + ": ";
    const sniStart = c.word(Section.Tables, TW, i, TableF.SniStart);
    const sniCount = c.word(Section.Tables, TW, i, TableF.SniCount);
    if (!k.range(sniStart, sniCount, Section.Sni)) return fail(at + "bad SNI range");
    const vStart = c.word(Section.Tables, TW, i, TableF.VHostStart);
    const vCount = c.word(Section.Tables, TW, i, TableF.VHostCount);
    if (!k.range(vStart, vCount, Section.VHosts)) return fail(at + "bad virtual host range");
    if (!k.claim(k.vhostOwned, vStart, vCount)) return fail(at + "virtual hosts shared with another table");
    k.rangeStart = vStart;
    k.rangeCount = vCount;
    if (!k.hashTable(c.word(Section.Tables, TW, i, TableF.ExactSlots), c.word(Section.Tables, TW, i, TableF.ExactSlotCount), Index.Domain)) return fail(at + "bad domain index");
    const wildStart = c.word(Section.Tables, TW, i, TableF.WildStart);
    const wildCount = c.word(Section.Tables, TW, i, TableF.WildCount);
    if (!k.range(wildStart, wildCount, Section.WildGroups)) return fail(at + "bad wildcard range");
    let previous: u32 = NONE;
    for (let g: u32 = wildStart; g < wildStart + wildCount; g++) {
      // Envoy tries suffix wildcards longest first: lengths strictly decrease.
      const suffixLen = c.word(Section.WildGroups, WildF.Words, g, WildF.SuffixLen);
      if (suffixLen >= previous) return fail(at + "wildcard groups out of order");
      previous = suffixLen;
      k.suffixLen = suffixLen;
      if (!k.hashTable(c.word(Section.WildGroups, WildF.Words, g, WildF.Slots), c.word(Section.WildGroups, WildF.Words, g, WildF.SlotCount), Index.Suffix)) return fail(at + "bad wildcard index");
    }
    const star = c.word(Section.Tables, TW, i, TableF.StarVHost);
    if (star != NONE && !k.inRange(star)) return fail(at + "bad catch-all virtual host");
    if (!k.str(c.word(Section.Tables, TW, i, TableF.NameOff), c.word(Section.Tables, TW, i, TableF.NameLen), false)) return fail(at + "bad name");
  }
  for (let i: u32 = 0; i < c.count(Section.Sni); i++) {
    if (!k.str(c.word(Section.Sni, 2, i, 0), c.word(Section.Sni, 2, i, 1), false)) return fail("bad SNI host " + i.toString());
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
  // Route fields first: the path indexes below read the kind and path of the routes they reach.
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
    const nameOff = c.word(Section.HeaderOps, HeaderOpF.Words, i, HeaderOpF.NameOff);
    const nameLen = c.word(Section.HeaderOps, HeaderOpF.Words, i, HeaderOpF.NameLen);
    if (!k.str(nameOff, nameLen, false)
      || !k.str(c.word(Section.HeaderOps, HeaderOpF.Words, i, HeaderOpF.ValueOff), c.word(Section.HeaderOps, HeaderOpF.Words, i, HeaderOpF.ValueLen), kind == 3)) return fail("header operation " + i.toString() + ": bad string");
    // Envoy refuses header operations on pseudo-headers (and on no name at all).
    if (nameLen == 0 || load<u8>(c.stringPtr(nameOff)) == 0x3a) return fail("header operation " + i.toString() + ": bad name");
  }
  if (!validateOutliers(c, k)) return false;
  for (let i: u32 = 0; i < c.count(Section.Dests); i++) {
    const at = "destination " + i.toString() + ": ";
    if (!k.str(c.word(Section.Dests, DestF.Words, i, DestF.ClusterOff), c.word(Section.Dests, DestF.Words, i, DestF.ClusterLen), false)
      || !k.str(c.word(Section.Dests, DestF.Words, i, DestF.AuthorityOff), c.word(Section.Dests, DestF.Words, i, DestF.AuthorityLen), true)) return fail(at + "bad string");
    const exists = c.word(Section.Dests, DestF.Words, i, DestF.Exists);
    if (exists > 1) return fail(at + "bad cluster flag");
    // An empty cluster header value would leave the router nothing to route on.
    if (exists == 1 && c.word(Section.Dests, DestF.Words, i, DestF.ClusterLen) == 0) return fail(at + "empty cluster name");
    if (!k.range(c.word(Section.Dests, DestF.Words, i, DestF.ReqOpStart), c.word(Section.Dests, DestF.Words, i, DestF.ReqOpCount), Section.HeaderOps)
      || !k.range(c.word(Section.Dests, DestF.Words, i, DestF.RespOpStart), c.word(Section.Dests, DestF.Words, i, DestF.RespOpCount), Section.HeaderOps)) return fail(at + "bad header operations");
    // The tracker keys its shared state by the record's cluster name: it must be this
    // destination's cluster, and a destination Istio has no cluster for has no detector.
    const outlier = c.word(Section.Dests, DestF.Words, i, DestF.Outlier);
    if (outlier != NONE) {
      if (exists == 0 || outlier >= c.count(Section.Outliers)) return fail(at + "bad outlier detector");
      if (!bytesEqual(c.stringPtr(c.word(Section.Outliers, OutlierF.Words, outlier, OutlierF.ClusterOff)), c.word(Section.Outliers, OutlierF.Words, outlier, OutlierF.ClusterLen),
        c.stringPtr(c.word(Section.Dests, DestF.Words, i, DestF.ClusterOff)), c.word(Section.Dests, DestF.Words, i, DestF.ClusterLen))) return fail(at + "outlier detector of another cluster");
    }
  }
  for (let i: u32 = 0; i < c.count(Section.Faults); i++) {
    const at = "fault " + i.toString() + ": ";
    const abortPerMillion = c.word(Section.Faults, FaultF.Words, i, FaultF.AbortPerMillion);
    if (c.word(Section.Faults, FaultF.Words, i, FaultF.DelayPerMillion) > 1000000 || abortPerMillion > 1000000) return fail(at + "bad percentage");
    // Envoy's fault filter: an HTTP abort status in [200, 600), else a gRPC status 0..16.
    const http = c.word(Section.Faults, FaultF.Words, i, FaultF.AbortHttp);
    const grpc = c.word(Section.Faults, FaultF.Words, i, FaultF.AbortGrpc);
    if (abortPerMillion != 0 && (http != 0 ? http < 200 || http >= 600 : grpc > 16)) return fail(at + "bad abort status");
  }
  for (let i: u32 = 0; i < routes; i++) {
    if (!validateRoute(c, k, i)) return false;
  }
  for (let i: u32 = 0; i < vhosts; i++) {
    if (!validateVirtualHost(c, k, i)) return false;
  }
  return true;
}

function validateVirtualHost(c: Config, k: Checker, i: u32): bool {
  const W = VHostF.Words;
  const at = "virtual host " + i.toString() + ": ";
  if (!k.str(c.word(Section.VHosts, W, i, VHostF.NameOff), c.word(Section.VHosts, W, i, VHostF.NameLen), false)
    || !k.str(c.word(Section.VHosts, W, i, VHostF.DomainOff), c.word(Section.VHosts, W, i, VHostF.DomainLen), false)) return fail(at + "bad name");
  const start = c.word(Section.VHosts, W, i, VHostF.RouteStart);
  const count = c.word(Section.VHosts, W, i, VHostF.RouteCount);
  if (!k.range(start, count, Section.Routes)) return fail(at + "bad route range");
  if (!k.claim(k.routeOwned, start, count)) return fail(at + "routes shared with another virtual host");
  k.rangeStart = start;
  k.rangeCount = count;
  if (!k.hashTable(c.word(Section.VHosts, W, i, VHostF.ExactSlots), c.word(Section.VHosts, W, i, VHostF.ExactSlotCount), Index.Path)
    || !k.hashTable(c.word(Section.VHosts, W, i, VHostF.ExactICSlots), c.word(Section.VHosts, W, i, VHostF.ExactICSlotCount), Index.PathIgnoreCase)) return fail(at + "bad path index");
  const nodes = c.count(Section.TrieNodes);
  const trieRoot = c.word(Section.VHosts, W, i, VHostF.TrieRoot);
  const trieICRoot = c.word(Section.VHosts, W, i, VHostF.TrieICRoot);
  if ((trieRoot != NONE && trieRoot >= nodes) || (trieICRoot != NONE && trieICRoot >= nodes)) return fail(at + "bad trie root");
  if (!k.trie(trieRoot, false) || !k.trie(trieICRoot, true)) return fail(at + "bad prefix trie");
  const other = c.word(Section.VHosts, W, i, VHostF.OtherList);
  if (other != NONE) {
    if (!k.list(other, NONE)) return fail(at + "bad route list");
    for (let j: u32 = 0; j < c.listWord(other); j++) {
      const r = c.listWord(other + 1 + j);
      if (!k.reach(r)) return fail(at + "bad route list");
      const kind = c.word(Section.Routes, RouteF.Words, r, RouteF.PathKind);
      if (kind != PathKind.None && kind != PathKind.Regex) return fail(at + "an exact or prefix route outside the path index");
    }
  }
  // Every route of the host is reached exactly once: the candidates of one request never
  // outnumber the host's routes (the buffer the router sizes from the largest count).
  for (let r = start; r < start + count; r++) {
    if (load<u8>(k.routeSeen + r) == 0) return fail(at + "route " + r.toString() + " is not in the path index");
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
  if (c.word(Section.Routes, W, i, RouteF.IgnoreCase) > 1) return fail(at + "bad case flag");
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
  if (rxOff != NONE) {
    if (!k.regex(rxOff, c.word(Section.Routes, W, i, RouteF.RewriteRegexLen))) return fail(at + "bad rewrite regex");
    if (c.word(Section.Routes, W, i, RouteF.RewriteSubstOff) == NONE) return fail(at + "regex rewrite without substitution");
    if (c.word(Section.Routes, W, i, RouteF.RewriteUriOff) != NONE) return fail(at + "both a prefix and a regex rewrite");
  }
  if (!k.range(c.word(Section.Routes, W, i, RouteF.RespOpStart), c.word(Section.Routes, W, i, RouteF.RespOpCount), Section.HeaderOps)) return fail(at + "bad response header operations");
  const fault = c.word(Section.Routes, W, i, RouteF.Fault);
  if (fault != NONE && fault >= c.count(Section.Faults)) return fail(at + "bad fault");
  const status = c.word(Section.Routes, W, i, RouteF.Status);
  if (action != 1 && (status < 100 || status > 999)) return fail(at + "bad status");
  if (c.word(Section.Routes, W, i, RouteF.Failover) > 1) return fail(at + "bad failover flag");
  return true;
}

/** Longest endpoint address the tracker accepts in a shared-data key ("[v6]:port" fits easily). */
export const MAX_ENDPOINT_LEN: u32 = 255;

/**
 * Outlier detectors: Envoy's own limits on cluster.outlier_detection (percentages ≤ 100,
 * interval and base ejection time > 0, max_ejection_time ≥ base_ejection_time, which
 * DetectorImpl::create refuses otherwise), records sorted by strictly increasing cluster name
 * (unique: one detector per cluster), endpoints inside Endpoints, non-empty and bounded.
 */
function validateOutliers(c: Config, k: Checker): bool {
  const W = OutlierF.Words;
  const n = c.count(Section.Outliers);
  for (let i: u32 = 0; i < n; i++) {
    const at = "outlier detector " + i.toString() + ": ";
    const nameOff = c.word(Section.Outliers, W, i, OutlierF.ClusterOff);
    const nameLen = c.word(Section.Outliers, W, i, OutlierF.ClusterLen);
    if (!k.str(nameOff, nameLen, false) || nameLen == 0) return fail(at + "bad cluster name");
    if (i > 0) {
      const prevOff = c.word(Section.Outliers, W, i - 1, OutlierF.ClusterOff);
      const prevLen = c.word(Section.Outliers, W, i - 1, OutlierF.ClusterLen);
      if (compareBytes(c.stringPtr(prevOff), prevLen, c.stringPtr(nameOff), nameLen) >= 0) return fail(at + "clusters not in strictly increasing order");
    }
    if (c.word(Section.Outliers, W, i, OutlierF.Enforcing5xx) > 100 || c.word(Section.Outliers, W, i, OutlierF.EnforcingGateway) > 100
      || c.word(Section.Outliers, W, i, OutlierF.EnforcingLocal) > 100 || c.word(Section.Outliers, W, i, OutlierF.MaxEjectionPercent) > 100
      || c.word(Section.Outliers, W, i, OutlierF.MinHealthPercent) > 100) return fail(at + "bad percentage");
    if (c.word(Section.Outliers, W, i, OutlierF.Split) > 1) return fail(at + "bad split flag");
    const interval = c.word(Section.Outliers, W, i, OutlierF.IntervalMs);
    const base = c.word(Section.Outliers, W, i, OutlierF.BaseEjectionMs);
    if (interval == 0 || base == 0) return fail(at + "interval and base ejection time must be positive");
    if (c.word(Section.Outliers, W, i, OutlierF.MaxEjectionMs) < base) return fail(at + "max ejection time below base ejection time");
    const start = c.word(Section.Outliers, W, i, OutlierF.EndpointStart);
    const count = c.word(Section.Outliers, W, i, OutlierF.EndpointCount);
    if (!k.range(start, count, Section.Endpoints)) return fail(at + "bad endpoint range");
    for (let e = start; e < start + count; e++) {
      const len = c.word(Section.Endpoints, 2, e, 1);
      if (!k.str(c.word(Section.Endpoints, 2, e, 0), len, false) || len == 0 || len > MAX_ENDPOINT_LEN) return fail(at + "bad endpoint " + e.toString());
    }
  }
  return true;
}

function compareBytes(a: usize, aLen: u32, b: usize, bLen: u32): i32 {
  const n = aLen < bLen ? aLen : bLen;
  for (let i: u32 = 0; i < n; i++) {
    const x = <i32>load<u8>(a + i);
    const y = <i32>load<u8>(b + i);
    if (x != y) return x - y;
  }
  return <i32>aLen - <i32>bLen;
}
