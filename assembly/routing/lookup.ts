// Index lookups over the compiled configuration: hash tables keyed by strings and the
// per-virtual-host path tries. All structures were built by the compiler and validated at
// configure time (config/config.ts).
import { Config } from "../config/config";
import { NONE, Section, TableF, TrieF, VHostF, WildF } from "../config/layout";
import { bytesEqual, fnv1a, fnv1aLower, lowerAscii } from "../util/bytes";

/** Keyed list (keyOff, keyLen, count, items...) for `key`, or NONE. `lower`: hash/compare the key ASCII-lower-cased. */
export function hashLookup(c: Config, start: u32, size: u32, key: usize, keyLen: usize, lower: bool): u32 {
  if (size == 0) return NONE;
  const h = lower ? fnv1aLower(key, keyLen) : fnv1a(key, keyLen);
  const mask = size - 1;
  let i = h & mask;
  for (let probes: u32 = 0; probes < size; probes++) {
    const value = c.word(Section.Slots, 2, start + i, 1);
    if (value == NONE) return NONE;
    if (c.word(Section.Slots, 2, start + i, 0) == h && keyEquals(c, value, key, keyLen, lower)) return value;
    i = (i + 1) & mask;
  }
  return NONE;
}

function keyEquals(c: Config, list: u32, key: usize, keyLen: usize, lower: bool): bool {
  const off = c.listWord(list);
  const len = <usize>c.listWord(list + 1);
  if (len != keyLen) return false;
  const stored = c.stringPtr(off);
  if (!lower) return bytesEqual(stored, len, key, keyLen);
  for (let i: usize = 0; i < len; i++) {
    if (<u32>load<u8>(stored + i) != lowerAscii(load<u8>(key + i))) return false;
  }
  return true;
}

/**
 * Envoy's RouteMatcher::findVirtualHost for one route table: exact domain, then suffix
 * wildcards longest first (host strictly longer than the suffix), then `*`. The host must be
 * the authority with its port already stripped; matching is ASCII case-insensitive.
 */
export function findVirtualHost(c: Config, table: u32, host: usize, hostLen: usize): u32 {
  const exact = hashLookup(c, c.word(Section.Tables, TableF.Words, table, TableF.ExactSlots),
    c.word(Section.Tables, TableF.Words, table, TableF.ExactSlotCount), host, hostLen, true);
  if (exact != NONE) return c.listWord(exact + 3);
  const wildStart = c.word(Section.Tables, TableF.Words, table, TableF.WildStart);
  const wildEnd = wildStart + c.word(Section.Tables, TableF.Words, table, TableF.WildCount);
  for (let g = wildStart; g < wildEnd; g++) {
    const suffixLen = <usize>c.word(Section.WildGroups, WildF.Words, g, WildF.SuffixLen);
    if (hostLen <= suffixLen) continue;
    const found = hashLookup(c, c.word(Section.WildGroups, WildF.Words, g, WildF.Slots),
      c.word(Section.WildGroups, WildF.Words, g, WildF.SlotCount), host + hostLen - suffixLen, suffixLen, true);
    if (found != NONE) return c.listWord(found + 3);
  }
  return c.word(Section.Tables, TableF.Words, table, TableF.StarVHost);
}

/**
 * Collects, in `out`, the routes of a virtual host whose path matcher can match: exact paths
 * from the hash tables, prefixes along the trie walk, and the routes the index cannot
 * decide (regex paths). Returns the number collected; the caller sorts them by route index.
 */
export function collectCandidates(c: Config, vhost: u32, path: usize, pathLen: usize, out: StaticArray<u32>): i32 {
  let n: i32 = 0;
  const exact = hashLookup(c, c.word(Section.VHosts, VHostF.Words, vhost, VHostF.ExactSlots),
    c.word(Section.VHosts, VHostF.Words, vhost, VHostF.ExactSlotCount), path, pathLen, false);
  if (exact != NONE) n = appendList(c, exact + 2, out, n);
  const exactIC = hashLookup(c, c.word(Section.VHosts, VHostF.Words, vhost, VHostF.ExactICSlots),
    c.word(Section.VHosts, VHostF.Words, vhost, VHostF.ExactICSlotCount), path, pathLen, true);
  if (exactIC != NONE) n = appendList(c, exactIC + 2, out, n);
  n = walkTrie(c, c.word(Section.VHosts, VHostF.Words, vhost, VHostF.TrieRoot), path, pathLen, false, out, n);
  n = walkTrie(c, c.word(Section.VHosts, VHostF.Words, vhost, VHostF.TrieICRoot), path, pathLen, true, out, n);
  const other = c.word(Section.VHosts, VHostF.Words, vhost, VHostF.OtherList);
  if (other != NONE) n = appendList(c, other, out, n);
  return n;
}

function appendList(c: Config, list: u32, out: StaticArray<u32>, n: i32): i32 {
  const count = c.listWord(list);
  for (let i: u32 = 0; i < count; i++) unchecked(out[n++] = c.listWord(list + 1 + i));
  return n;
}

function walkTrie(c: Config, root: u32, path: usize, pathLen: usize, lower: bool, out: StaticArray<u32>, n: i32): i32 {
  if (root == NONE) return n;
  let node = root;
  let list = c.word(Section.TrieNodes, TrieF.Words, node, TrieF.List);
  if (list != NONE) n = appendList(c, list, out, n);
  for (let i: usize = 0; i < pathLen; i++) {
    const b = lower ? lowerAscii(load<u8>(path + i)) : <u32>load<u8>(path + i);
    let child = c.word(Section.TrieNodes, TrieF.Words, node, TrieF.FirstChild);
    while (child != NONE && c.word(Section.TrieNodes, TrieF.Words, child, TrieF.Byte) != b) {
      child = c.word(Section.TrieNodes, TrieF.Words, child, TrieF.NextSibling);
    }
    if (child == NONE) break;
    node = child;
    list = c.word(Section.TrieNodes, TrieF.Words, node, TrieF.List);
    if (list != NONE) n = appendList(c, list, out, n);
  }
  return n;
}

/** Sorts the first `n` candidates ascending: first-match order is route-index order. */
export function sortCandidates(a: StaticArray<u32>, n: i32): void {
  if (n > 32) { heapSort(a, n); return; }
  for (let i = 1; i < n; i++) {
    const v = unchecked(a[i]);
    let j = i - 1;
    while (j >= 0 && unchecked(a[j]) > v) { unchecked(a[j + 1] = a[j]); j--; }
    unchecked(a[j + 1] = v);
  }
}

// Large candidate sets (thousands of routes sharing one prefix) must not cost O(n²).
function heapSort(a: StaticArray<u32>, n: i32): void {
  for (let i = (n >> 1) - 1; i >= 0; i--) siftDown(a, i, n);
  for (let end = n - 1; end > 0; end--) {
    const t = unchecked(a[0]); unchecked(a[0] = a[end]); unchecked(a[end] = t);
    siftDown(a, 0, end);
  }
}

function siftDown(a: StaticArray<u32>, start: i32, n: i32): void {
  let root = start;
  while (true) {
    let child = 2 * root + 1;
    if (child >= n) return;
    if (child + 1 < n && unchecked(a[child + 1]) > unchecked(a[child])) child++;
    if (unchecked(a[root]) >= unchecked(a[child])) return;
    const t = unchecked(a[root]); unchecked(a[root] = a[child]); unchecked(a[child] = t);
    root = child;
  }
}
