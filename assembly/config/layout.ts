// Mirror of host/config/layout.ts for the filter (test/config/layout.test.ts compares them).
// Field numbers are word indexes inside a record; sections are listed in the header table.

export const MAGIC: u32 = 0x4d535747;
export const FORMAT_VERSION: u32 = 1;
export const NONE: u32 = 0xffffffff;
export const HEADER_WORDS: u32 = 4;
export const GLOBAL_WORDS: u32 = 8;

export const enum Section {
  Strings = 0,
  Tables = 1,
  Sni = 2,
  VHosts = 3,
  WildGroups = 4,
  Routes = 5,
  Matchers = 6,
  Dests = 7,
  HeaderOps = 8,
  Slots = 9,
  TrieNodes = 10,
  Lists = 11,
  Regex = 12,
  Faults = 13,
  Outliers = 14,
  Endpoints = 15,
  Count = 16,
}

export const enum G {
  ClusterHeaderOff = 0,
  ClusterHeaderLen = 1,
  PolicyHeaderOff = 2,
  PolicyHeaderLen = 3,
  PortCount = 4,
  MaxActiveFaults = 5,
}

export const enum TableF {
  Port = 0,
  Tls = 1,
  SniStart = 2,
  SniCount = 3,
  VHostStart = 4,
  VHostCount = 5,
  ExactSlots = 6,
  ExactSlotCount = 7,
  WildStart = 8,
  WildCount = 9,
  StarVHost = 10,
  NameOff = 11,
  NameLen = 12,
  Words = 13,
}

export const enum WildF {
  SuffixLen = 0,
  Slots = 1,
  SlotCount = 2,
  Words = 3,
}

export const enum VHostF {
  NameOff = 0,
  NameLen = 1,
  DomainOff = 2,
  DomainLen = 3,
  RequireTls = 4,
  RouteStart = 5,
  RouteCount = 6,
  ExactSlots = 7,
  ExactSlotCount = 8,
  ExactICSlots = 9,
  ExactICSlotCount = 10,
  TrieRoot = 11,
  TrieICRoot = 12,
  OtherList = 13,
  Words = 14,
}

export const enum PathKind {
  None = 0,
  Exact = 1,
  Prefix = 2,
  Regex = 3,
}

export const enum ActionKind {
  Route = 1,
  Redirect = 2,
  Direct = 3,
}

export const enum RouteF {
  NameOff = 0,
  NameLen = 1,
  VsOff = 2,
  VsLen = 3,
  PathKind = 4,
  IgnoreCase = 5,
  PathOff = 6,
  PathLen = 7,
  MatcherStart = 8,
  MatcherCount = 9,
  Action = 10,
  DestStart = 11,
  DestCount = 12,
  TotalWeight = 13,
  RewriteUriOff = 14,
  RewriteUriLen = 15,
  RewriteRegexOff = 16,
  RewriteRegexLen = 17,
  RewriteSubstOff = 18,
  RewriteSubstLen = 19,
  PolicyOff = 20,
  PolicyLen = 21,
  Status = 22,
  RedirectPathOff = 23,
  RedirectPathLen = 24,
  PrefixRewriteOff = 25,
  PrefixRewriteLen = 26,
  RedirectAuthorityOff = 27,
  RedirectAuthorityLen = 28,
  RedirectSchemeOff = 29,
  RedirectSchemeLen = 30,
  RedirectPort = 31,
  BodyOff = 32,
  BodyLen = 33,
  RespOpStart = 34,
  RespOpCount = 35,
  Fault = 36,
  Failover = 37,
  Words = 38,
}

export const enum MatcherSource {
  Header = 0,
  Query = 1,
}

export const enum MatcherKind {
  Present = 0,
  Exact = 1,
  Prefix = 2,
  Regex = 3,
}

export const enum MatcherF {
  Source = 0,
  Kind = 1,
  Invert = 2,
  MissingAsEmpty = 3,
  NameOff = 4,
  NameLen = 5,
  ValueOff = 6,
  ValueLen = 7,
  Words = 8,
}

export const enum DestF {
  ClusterOff = 0,
  ClusterLen = 1,
  Exists = 2,
  Weight = 3,
  AuthorityOff = 4,
  AuthorityLen = 5,
  ReqOpStart = 6,
  ReqOpCount = 7,
  RespOpStart = 8,
  RespOpCount = 9,
  Outlier = 10,
  Words = 11,
}

export const enum HeaderOpKind {
  Set = 1,
  Add = 2,
  Remove = 3,
}

export const enum HeaderOpF {
  Kind = 0,
  NameOff = 1,
  NameLen = 2,
  ValueOff = 3,
  ValueLen = 4,
  Words = 5,
}

export const enum TrieF {
  FirstChild = 0,
  NextSibling = 1,
  Byte = 2,
  List = 3,
  Words = 4,
}

export const enum FaultF {
  DelayMs = 0,
  DelayPerMillion = 1,
  AbortHttp = 2,
  AbortGrpc = 3,
  AbortPerMillion = 4,
  Words = 5,
}

export const enum OutlierF {
  ClusterOff = 0,
  ClusterLen = 1,
  Consecutive5xx = 2,
  Enforcing5xx = 3,
  ConsecutiveGateway = 4,
  EnforcingGateway = 5,
  Split = 6,
  ConsecutiveLocal = 7,
  EnforcingLocal = 8,
  IntervalMs = 9,
  BaseEjectionMs = 10,
  MaxEjectionMs = 11,
  MaxEjectionPercent = 12,
  MinHealthPercent = 13,
  EndpointStart = 14,
  EndpointCount = 15,
  Words = 16,
}
