// FilterConfig → the binary blob the filter loads without parsing (docs/config-format.md).
// The indexes the filter walks per request (vhost hash tables, per-vhost path tries and
// exact-path tables) are built here, once, so the filter's configure step only validates.
import { compileRegex } from "../regex/index.ts";
import {
  ActionKind, DestF, FORMAT_VERSION, FaultF, G, GLOBAL_WORDS, HEADER_WORDS, HeaderOpF, HeaderOpKind, MAGIC,
  MatcherF, MatcherKind, MatcherSource, NONE, OutlierF, PathKind, RouteF, Section, TableF, TrieF, VHostF, WildF, fnv1a,
} from "./layout.ts";
import { DECORATOR_HEADER, DEFAULT_MAX_ACTIVE_FAULTS } from "./model.ts";
import type { Destination, FilterConfig, HeaderOperations, Route, ValueMatcher, VirtualHost } from "./model.ts";
import { DEFAULT_POLICY_HEADER, collectPolicies, policyIdFor } from "./policies.ts";

const utf8 = new TextEncoder();

class ByteSection {
  private chunks: Uint8Array[] = [];
  length = 0;
  append(bytes: Uint8Array): number {
    const at = this.length;
    this.chunks.push(bytes);
    this.length += bytes.length;
    return at;
  }
  concat(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) { out.set(c, at); at += c.length; }
    return out;
  }
}

class StringPool {
  private readonly section = new ByteSection();
  private readonly seen = new Map<string, number>();
  /** [offset, length] of the UTF-8 bytes; [NONE, 0] for null. */
  ref(value: string | null): [number, number] {
    if (value === null) return [NONE, 0];
    const bytes = utf8.encode(value);
    let at = this.seen.get(value);
    if (at === undefined) {
      at = this.section.append(bytes);
      this.seen.set(value, at);
    }
    return [at, bytes.length];
  }
  bytes(): Uint8Array { return this.section.concat(); }
}

/** Records of fixed word count appended to one section. */
class Records {
  readonly words: number[] = [];
  constructor(readonly recordWords: number) {}
  get count(): number { return this.words.length / this.recordWords; }
  add(fields: number[]): number {
    if (fields.length !== this.recordWords) throw new Error(`record has ${fields.length} words, expected ${this.recordWords}`);
    const index = this.count;
    for (const f of fields) this.words.push(f >>> 0);
    return index;
  }
  set(index: number, field: number, value: number): void { this.words[index * this.recordWords + field] = value >>> 0; }
}

function hashSlotCount(entries: number): number {
  if (entries === 0) return 0;
  let size = 1;
  while (size < entries * 2) size <<= 1;
  return size;
}

const lowerAscii = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

interface TrieBuild { children: Map<number, TrieBuild>; routes: number[] }

/** The operations that run first for a request on `route`, with the decorator header set ahead of them. */
function withDecorator(route: Route, first: HeaderOperations = route.requestHeaders): HeaderOperations {
  if (route.decoratorOperation === undefined) return first;
  return { ...first, set: [[DECORATOR_HEADER, route.decoratorOperation], ...first.set] };
}

export function encodeFilterConfig(config: FilterConfig): Uint8Array {
  const strings = new StringPool();
  const regex = new ByteSection();
  const tables = new Records(TableF.Words);
  const sni = new Records(2);
  const vhosts = new Records(VHostF.Words);
  const wild = new Records(WildF.Words);
  const routes = new Records(RouteF.Words);
  const matchers = new Records(MatcherF.Words);
  const dests = new Records(DestF.Words);
  const ops = new Records(HeaderOpF.Words);
  const slots: number[] = [];
  const trie = new Records(TrieF.Words);
  const lists: number[] = [0]; // offset 0 is never a valid list: keeps NONE-free zero checks honest
  const faults = new Records(FaultF.Words);
  const outliers = new Records(OutlierF.Words);
  const endpoints = new Records(2);
  const policies = collectPolicies(config);
  const outlierIndex = addOutliers(config, strings, outliers, endpoints);

  const regexCache = new Map<string, [number, number]>();
  const regexRef = (pattern: string): [number, number] => {
    let ref = regexCache.get(pattern);
    if (!ref) {
      const compiled = compileRegex(pattern);
      if (!compiled.ok) throw new Error(`cannot encode regex ${JSON.stringify(pattern)}: ${compiled.message}`);
      ref = [regex.append(compiled.program), compiled.program.length];
      regexCache.set(pattern, ref);
    }
    return ref;
  };

  /** A list (count, items...) in the Lists section; returns its word offset. */
  const addList = (items: number[]): number => {
    const at = lists.length;
    lists.push(items.length, ...items);
    return at;
  };

  /** An open-addressing hash table keyed by strings; each value is a keyed list (keyOff, keyLen, payload...). */
  const addHashTable = (entries: Map<string, number[]>): [number, number] => {
    const size = hashSlotCount(entries.size);
    if (size === 0) return [NONE, 0];
    const start = slots.length / 2;
    for (let i = 0; i < size; i++) slots.push(0, NONE);
    for (const [key, payload] of entries) {
      const [off, len] = strings.ref(key);
      const listAt = lists.length;
      lists.push(off, len, payload.length, ...payload);
      const h = fnv1a(utf8.encode(key));
      let i = h & (size - 1);
      while (slots[(start + i) * 2 + 1] !== NONE) i = (i + 1) & (size - 1);
      slots[(start + i) * 2] = h;
      slots[(start + i) * 2 + 1] = listAt;
    }
    return [start, size];
  };

  /** Flattens a trie in pre-order so that every child and next sibling has a larger index. */
  const addTrie = (root: TrieBuild | null): number => {
    if (root === null) return NONE;
    const emit = (node: TrieBuild, byte: number): number => {
      const index = trie.add([NONE, NONE, byte, node.routes.length ? addList(node.routes) : NONE]);
      let previous = NONE;
      for (const key of [...node.children.keys()].sort((a, b) => a - b)) {
        const child = emit(node.children.get(key)!, key);
        if (previous === NONE) trie.set(index, TrieF.FirstChild, child);
        else trie.set(previous, TrieF.NextSibling, child);
        previous = child;
      }
      return index;
    };
    return emit(root, 0);
  };

  const addOps = (...parsers: Array<HeaderOperations | undefined>): [number, number] => {
    const start = ops.count;
    for (const parser of parsers) {
      if (!parser) continue;
      // Envoy's HeaderParser removes first, then applies set/add in order.
      for (const name of parser.remove) ops.add([HeaderOpKind.Remove, ...strings.ref(name), NONE, 0]);
      for (const [name, value] of parser.set) ops.add([HeaderOpKind.Set, ...strings.ref(name), ...strings.ref(value)]);
      for (const [name, value] of parser.add) ops.add([HeaderOpKind.Add, ...strings.ref(name), ...strings.ref(value)]);
    }
    return [start, ops.count - start];
  };

  const mergeParsers = (a: HeaderOperations, b: HeaderOperations): HeaderOperations => ({
    set: [...a.set, ...b.set], add: [...a.add, ...b.add], remove: [...a.remove, ...b.remove],
  });

  const addMatcher = (m: ValueMatcher, source: MatcherSource): void => {
    const kind = { present: MatcherKind.Present, exact: MatcherKind.Exact, prefix: MatcherKind.Prefix, regex: MatcherKind.Regex }[m.kind];
    const value = m.kind === "regex" ? regexRef(m.value) : m.kind === "present" ? [NONE, 0] : strings.ref(m.value);
    matchers.add([source, kind, m.invert ? 1 : 0, m.treatMissingAsEmpty ? 1 : 0, ...strings.ref(m.name), value[0]!, value[1]!]);
  };

  const addDestination = (route: Route, d: Destination, single: boolean, authority: string | null): void => {
    // §6.3: one destination shares the route's parser (route ops, then destination ops);
    // weighted destinations evaluate their own parser first, then the route's.
    const decorated = withDecorator(route);
    const req = single ? addOps(mergeParsers(decorated, d.requestHeaders)) : addOps(withDecorator(route, d.requestHeaders), route.requestHeaders);
    const resp = single ? addOps(mergeParsers(route.responseHeaders, d.responseHeaders)) : addOps(d.responseHeaders, route.responseHeaders);
    const outlier = d.clusterExists ? outlierIndex.get(d.cluster) ?? NONE : NONE;
    dests.add([...strings.ref(d.cluster), d.clusterExists ? 1 : 0, d.weight, ...strings.ref(authority ?? d.authority), req[0], req[1], resp[0], resp[1], outlier]);
  };

  const addRoute = (route: Route): void => {
    const fields = new Array<number>(RouteF.Words).fill(0);
    const put = (at: RouteF, ref: [number, number]): void => { fields[at] = ref[0]; fields[at + 1] = ref[1]; };
    const none = (at: RouteF): void => put(at, [NONE, 0]);
    for (const f of [RouteF.RewriteUriOff, RouteF.RewriteRegexOff, RouteF.RewriteSubstOff, RouteF.PolicyOff,
      RouteF.RedirectPathOff, RouteF.PrefixRewriteOff, RouteF.RedirectAuthorityOff, RouteF.RedirectSchemeOff, RouteF.BodyOff]) none(f);
    put(RouteF.NameOff, strings.ref(route.name));
    put(RouteF.VsOff, strings.ref(route.virtualService));
    const path = route.path;
    fields[RouteF.PathKind] = path === null ? PathKind.None : { exact: PathKind.Exact, prefix: PathKind.Prefix, regex: PathKind.Regex }[path.kind];
    fields[RouteF.IgnoreCase] = path?.ignoreCase ? 1 : 0;
    put(RouteF.PathOff, path === null ? [NONE, 0] : path.kind === "regex" ? regexRef(path.value) : strings.ref(path.value));
    fields[RouteF.MatcherStart] = matchers.count;
    for (const m of route.headers) addMatcher(m, MatcherSource.Header);
    for (const m of route.queryParams) addMatcher(m, MatcherSource.Query);
    fields[RouteF.MatcherCount] = matchers.count - fields[RouteF.MatcherStart]!;
    const resp = addOps(route.responseHeaders);
    fields[RouteF.RespOpStart] = resp[0];
    fields[RouteF.RespOpCount] = resp[1];
    fields[RouteF.Fault] = route.fault === null ? NONE : faults.add([
      route.fault.delayMs, route.fault.delayPerMillion, route.fault.abortHttpStatus, route.fault.abortGrpcStatus, route.fault.abortPerMillion,
    ]);
    fields[RouteF.DestStart] = dests.count;
    const action = route.action;
    switch (action.kind) {
      case "route": {
        fields[RouteF.Action] = ActionKind.Route;
        // Istio's single-destination form only when the VirtualService lists one destination
        // (processDestination); with weight-0 entries dropped, a weighted route may keep one
        // (processWeightedDestination: its header operations before the route's; differential
        // round, seeds 2291 and 2352).
        const single = action.destinations.length === 1 && action.weighted !== true;
        for (const d of action.destinations) addDestination(route, d, single, action.authority);
        fields[RouteF.DestCount] = action.destinations.length;
        fields[RouteF.TotalWeight] = single ? 1 : action.destinations.reduce((sum, d) => sum + d.weight, 0);
        put(RouteF.RewriteUriOff, strings.ref(action.rewriteUri));
        if (action.rewriteRegex) {
          put(RouteF.RewriteRegexOff, regexRef(action.rewriteRegex.match));
          put(RouteF.RewriteSubstOff, strings.ref(action.rewriteRegex.substitution));
        }
        put(RouteF.PolicyOff, strings.ref(policyIdFor(action, policies.byKey)));
        fields[RouteF.Failover] = action.failover === true ? 1 : 0;
        break;
      }
      case "redirect":
        fields[RouteF.Action] = ActionKind.Redirect;
        fields[RouteF.Status] = action.status;
        put(RouteF.RedirectPathOff, strings.ref(action.path));
        put(RouteF.PrefixRewriteOff, strings.ref(action.prefixRewrite));
        put(RouteF.RedirectAuthorityOff, strings.ref(action.authority));
        put(RouteF.RedirectSchemeOff, strings.ref(action.scheme));
        fields[RouteF.RedirectPort] = action.port;
        break;
      case "direct_response":
        fields[RouteF.Action] = ActionKind.Direct;
        fields[RouteF.Status] = action.status;
        put(RouteF.BodyOff, strings.ref(action.body));
        break;
    }
    routes.add(fields);
  };

  const addVirtualHost = (vhost: VirtualHost): number => {
    const routeStart = routes.count;
    const exact = new Map<string, number[]>();
    const exactIC = new Map<string, number[]>();
    let trieRoot: TrieBuild | null = null;
    let trieICRoot: TrieBuild | null = null;
    const other: number[] = [];
    const insert = (root: TrieBuild, key: string, index: number): void => {
      let node = root;
      for (const b of utf8.encode(key)) {
        let next = node.children.get(b);
        if (!next) node.children.set(b, (next = { children: new Map(), routes: [] }));
        node = next;
      }
      node.routes.push(index);
    };
    vhost.routes.forEach((route, i) => {
      const index = routeStart + i;
      const path = route.path;
      if (path === null || path.kind === "regex") other.push(index);
      else if (path.kind === "exact") {
        const map = path.ignoreCase ? exactIC : exact;
        const key = path.ignoreCase ? lowerAscii(path.value) : path.value;
        map.set(key, [...(map.get(key) ?? []), index]);
      } else if (path.ignoreCase) insert((trieICRoot ??= { children: new Map(), routes: [] }), lowerAscii(path.value), index);
      else insert((trieRoot ??= { children: new Map(), routes: [] }), path.value, index);
    });
    for (const route of vhost.routes) addRoute(route);
    const [exactSlots, exactCount] = addHashTable(exact);
    const [exactICSlots, exactICCount] = addHashTable(exactIC);
    return vhosts.add([
      ...strings.ref(vhost.name), ...strings.ref(vhost.domain), vhost.requireTls ? 1 : 0,
      routeStart, vhost.routes.length, exactSlots, exactCount, exactICSlots, exactICCount,
      addTrie(trieRoot), addTrie(trieICRoot), other.length ? addList(other) : NONE,
    ]);
  };

  const ports = new Set<number>();
  for (const table of config.routeTables) {
    const listenerPort = table.listenerPort ?? table.port;
    ports.add(listenerPort);
    const sniStart = sni.count;
    for (const host of table.sniHosts) sni.add(strings.ref(lowerAscii(host)));
    const vhostStart = vhosts.count;
    const exactDomains = new Map<string, number[]>();
    const wildBySuffix = new Map<number, Map<string, number[]>>();
    let star = NONE;
    for (const vhost of table.virtualHosts) {
      const index = addVirtualHost(vhost);
      const domain = lowerAscii(vhost.domain);
      if (domain === "*") star = index;
      else if (domain.startsWith("*")) {
        const suffix = domain.slice(1);
        const len = utf8.encode(suffix).length;
        if (!wildBySuffix.has(len)) wildBySuffix.set(len, new Map());
        wildBySuffix.get(len)!.set(suffix, [index]);
      } else exactDomains.set(domain, [index]);
    }
    const [exactSlots, exactCount] = addHashTable(exactDomains);
    const wildStart = wild.count;
    // Envoy tries suffix wildcards longest first (RouteMatcher::findWildcardVirtualHost).
    for (const len of [...wildBySuffix.keys()].sort((a, b) => b - a)) {
      const [s, n] = addHashTable(wildBySuffix.get(len)!);
      wild.add([len, s, n]);
    }
    tables.add([
      listenerPort, table.tls ? 1 : 0, sniStart, table.sniHosts.length, vhostStart, table.virtualHosts.length,
      exactSlots, exactCount, wildStart, wild.count - wildStart, star, ...strings.ref(table.name),
    ]);
  }

  const global = new Array<number>(GLOBAL_WORDS).fill(0);
  [global[G.ClusterHeaderOff], global[G.ClusterHeaderLen]] = strings.ref(config.clusterHeader.toLowerCase());
  [global[G.PolicyHeaderOff], global[G.PolicyHeaderLen]] = strings.ref((config.policyHeader ?? DEFAULT_POLICY_HEADER).toLowerCase());
  global[G.PortCount] = ports.size;
  global[G.MaxActiveFaults] = config.maxActiveFaults ?? DEFAULT_MAX_ACTIVE_FAULTS;

  // Sections in Section order: [bytes, count].
  const u32Bytes = (words: number[]): Uint8Array => {
    const out = new Uint8Array(words.length * 4);
    const view = new DataView(out.buffer);
    words.forEach((w, i) => view.setUint32(i * 4, w >>> 0, true));
    return out;
  };
  const sections: Array<[Uint8Array, number]> = [];
  sections[Section.Strings] = [strings.bytes(), 0];
  sections[Section.Tables] = [u32Bytes(tables.words), tables.count];
  sections[Section.Sni] = [u32Bytes(sni.words), sni.count];
  sections[Section.VHosts] = [u32Bytes(vhosts.words), vhosts.count];
  sections[Section.WildGroups] = [u32Bytes(wild.words), wild.count];
  sections[Section.Routes] = [u32Bytes(routes.words), routes.count];
  sections[Section.Matchers] = [u32Bytes(matchers.words), matchers.count];
  sections[Section.Dests] = [u32Bytes(dests.words), dests.count];
  sections[Section.HeaderOps] = [u32Bytes(ops.words), ops.count];
  sections[Section.Slots] = [u32Bytes(slots), slots.length / 2];
  sections[Section.TrieNodes] = [u32Bytes(trie.words), trie.count];
  sections[Section.Lists] = [u32Bytes(lists), lists.length];
  sections[Section.Regex] = [regex.concat(), 0];
  sections[Section.Faults] = [u32Bytes(faults.words), faults.count];
  sections[Section.Outliers] = [u32Bytes(outliers.words), outliers.count];
  sections[Section.Endpoints] = [u32Bytes(endpoints.words), endpoints.count];
  sections[Section.Strings]![1] = sections[Section.Strings]![0].length;
  sections[Section.Regex]![1] = sections[Section.Regex]![0].length;

  const headerBytes = (HEADER_WORDS + Section.Count * 2 + GLOBAL_WORDS) * 4;
  let offset = headerBytes;
  const table: number[] = [];
  for (const [bytes, count] of sections) {
    offset = (offset + 3) & ~3; // every section starts word-aligned
    table.push(offset, count);
    offset += bytes.length;
  }
  const total = (offset + 3) & ~3;
  const out = new Uint8Array(total);
  out.set(u32Bytes([MAGIC, FORMAT_VERSION, total, Section.Count, ...table, ...global]), 0);
  sections.forEach(([bytes], i) => out.set(bytes, table[i * 2]!));
  return out;
}

/** Byte order of UTF-8 strings, the order the filter checks the Outliers section in. */
function compareBytes(a: string, b: string): number {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/**
 * One Outliers record per cluster with a detector, sorted by cluster name (so the filter can
 * check uniqueness in one pass), with its listed endpoints; returns cluster name → index.
 */
function addOutliers(config: FilterConfig, strings: StringPool, outliers: Records, endpoints: Records): Map<string, number> {
  const index = new Map<string, number>();
  const names = Object.keys(config.outliers ?? {}).sort(compareBytes);
  for (const name of names) {
    const { policy: p, endpoints: listed } = config.outliers![name]!;
    const start = endpoints.count;
    for (const e of [...new Set(listed)]) endpoints.add(strings.ref(e));
    index.set(name, outliers.add([
      ...strings.ref(name),
      p.consecutive5xx, p.enforcingConsecutive5xx, p.consecutiveGatewayFailure, p.enforcingConsecutiveGatewayFailure,
      p.splitExternalLocalOriginErrors ? 1 : 0, p.consecutiveLocalOriginFailure, p.enforcingConsecutiveLocalOriginFailure,
      p.intervalMs, p.baseEjectionTimeMs, p.maxEjectionTimeMs, p.maxEjectionPercent, p.minHealthPercent,
      start, endpoints.count - start,
    ]));
  }
  return index;
}
