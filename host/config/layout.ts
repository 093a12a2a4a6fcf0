// Binary layout of the filter configuration (docs/config-format.md). The AssemblyScript
// reader mirrors these numbers in assembly/config/layout.ts; a test compares the two.

export const MAGIC = 0x4d535747; // "GWSM" little-endian
export const FORMAT_VERSION = 1;
/** Marks an absent string reference, list or index. */
export const NONE = 0xffffffff;

/** Sections, in the order of the section table. Each entry is (byteOffset, count). */
export enum Section {
  Strings = 0, // bytes
  Tables = 1, // TableRec
  Sni = 2, // StrRef pairs
  VHosts = 3, // VHostRec
  WildGroups = 4, // WildGroupRec
  Routes = 5, // RouteRec
  Matchers = 6, // MatcherRec
  Dests = 7, // DestRec
  HeaderOps = 8, // HeaderOpRec
  Slots = 9, // hash slots: (hash, value) word pairs, value NONE = empty
  TrieNodes = 10, // TrieNodeRec
  Lists = 11, // u32 words; a list is (count, items...)
  Regex = 12, // bytes: compiled regex programs
  Faults = 13, // FaultRec
  Outliers = 14, // OutlierRec, sorted by cluster name (bytes), unique
  Endpoints = 15, // StrRef pairs: the endpoints ("ip:port") the inputs list per outlier cluster
  Count = 16,
}

export const HEADER_WORDS = 4; // magic, version, total length, section count
export const GLOBAL_WORDS = 8; // after the section table

// Global record (words): clusterHeader ref (2), flags, maxRegexProgram, reserved...
export enum G { ClusterHeaderOff = 0, ClusterHeaderLen = 1, PolicyHeaderOff = 2, PolicyHeaderLen = 3, PortCount = 4, MaxActiveFaults = 5 }

export enum TableF {
  /** The listener port (`destination.port`), not the Gateway server port. */
  Port = 0, Tls = 1, SniStart = 2, SniCount = 3, VHostStart = 4, VHostCount = 5,
  ExactSlots = 6, ExactSlotCount = 7, WildStart = 8, WildCount = 9, StarVHost = 10,
  NameOff = 11, NameLen = 12, Words = 13,
}

export enum WildF { SuffixLen = 0, Slots = 1, SlotCount = 2, Words = 3 }

export enum VHostF {
  NameOff = 0, NameLen = 1, DomainOff = 2, DomainLen = 3, RequireTls = 4,
  RouteStart = 5, RouteCount = 6,
  ExactSlots = 7, ExactSlotCount = 8, ExactICSlots = 9, ExactICSlotCount = 10,
  TrieRoot = 11, TrieICRoot = 12, OtherList = 13, Words = 14,
}

export enum PathKind { None = 0, Exact = 1, Prefix = 2, Regex = 3 }
export enum ActionKind { Route = 1, Redirect = 2, Direct = 3 }

export enum RouteF {
  NameOff = 0, NameLen = 1, VsOff = 2, VsLen = 3,
  PathKind = 4, IgnoreCase = 5, PathOff = 6, PathLen = 7,
  MatcherStart = 8, MatcherCount = 9,
  Action = 10, DestStart = 11, DestCount = 12, TotalWeight = 13,
  RewriteUriOff = 14, RewriteUriLen = 15, RewriteRegexOff = 16, RewriteRegexLen = 17,
  RewriteSubstOff = 18, RewriteSubstLen = 19,
  /** Value of the policy header that selects the generated route carrying this route's timeout and retries (NONE: default route). */
  PolicyOff = 20, PolicyLen = 21,
  // redirect / direct response
  Status = 22, RedirectPathOff = 23, RedirectPathLen = 24, PrefixRewriteOff = 25, PrefixRewriteLen = 26,
  RedirectAuthorityOff = 27, RedirectAuthorityLen = 28, RedirectSchemeOff = 29, RedirectSchemeLen = 30,
  RedirectPort = 31, BodyOff = 32, BodyLen = 33,
  RespOpStart = 34, RespOpCount = 35, Fault = 36,
  /** 1: subset failover (a destination whose cluster has every endpoint ejected gives up its weight). */
  Failover = 37, Words = 38,
}

export enum MatcherSource { Header = 0, Query = 1 }
export enum MatcherKind { Present = 0, Exact = 1, Prefix = 2, Regex = 3 }
export enum MatcherF {
  Source = 0, Kind = 1, Invert = 2, MissingAsEmpty = 3, NameOff = 4, NameLen = 5, ValueOff = 6, ValueLen = 7, Words = 8,
}

export enum DestF {
  ClusterOff = 0, ClusterLen = 1, Exists = 2, Weight = 3, AuthorityOff = 4, AuthorityLen = 5,
  ReqOpStart = 6, ReqOpCount = 7, RespOpStart = 8, RespOpCount = 9,
  /** Index into Outliers of this destination's cluster, NONE when it has no detector. */
  Outlier = 10, Words = 11,
}

export enum HeaderOpKind { Set = 1, Add = 2, Remove = 3 }
export enum HeaderOpF { Kind = 0, NameOff = 1, NameLen = 2, ValueOff = 3, ValueLen = 4, Words = 5 }

export enum TrieF { FirstChild = 0, NextSibling = 1, Byte = 2, List = 3, Words = 4 }

export enum FaultF { DelayMs = 0, DelayPerMillion = 1, AbortHttp = 2, AbortGrpc = 3, AbortPerMillion = 4, Words = 5 }

/** Envoy cluster.outlier_detection of one cluster (model.ts OutlierPolicy), plus its endpoint range. */
export enum OutlierF {
  ClusterOff = 0, ClusterLen = 1,
  Consecutive5xx = 2, Enforcing5xx = 3, ConsecutiveGateway = 4, EnforcingGateway = 5,
  Split = 6, ConsecutiveLocal = 7, EnforcingLocal = 8,
  IntervalMs = 9, BaseEjectionMs = 10, MaxEjectionMs = 11, MaxEjectionPercent = 12, MinHealthPercent = 13,
  EndpointStart = 14, EndpointCount = 15, Words = 16,
}

/** The record sizes, for the cross-language layout test. */
export const RECORD_WORDS = {
  table: TableF.Words, wild: WildF.Words, vhost: VHostF.Words, route: RouteF.Words,
  matcher: MatcherF.Words, dest: DestF.Words, headerOp: HeaderOpF.Words, trie: TrieF.Words, fault: FaultF.Words,
  outlier: OutlierF.Words,
} as const;

/** FNV-1a over bytes; the filter computes the same hash over request bytes. */
export function fnv1a(bytes: Uint8Array, lowerCase = false): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    let b = bytes[i]!;
    if (lowerCase && b >= 0x41 && b <= 0x5a) b |= 0x20;
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
