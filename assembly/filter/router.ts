// The per-request routing decision: route table → virtual host → first matching route →
// action (forward to a weighted destination, redirect, direct response, or Envoy's 404/503).
import { Config } from "../config/config";
import { ActionKind, DestF, G, HeaderOpF, HeaderOpKind, NONE, PathKind, RouteF, Section, TableF, VHostF } from "../config/layout";
import { MapType, Status, addHeader, getProperty, outLen, outPtr, removeHeader, replaceHeader, setHeaderMapPairs } from "../abi/host";
import { freeHostBlock } from "../abi/memory";
import { HeaderList } from "../http/header-list";
import { collectCandidates, findVirtualHost, sortCandidates } from "../routing/lookup";
import { routeMatches } from "../routing/match";
import { Request, hostLength } from "../routing/request";
import { Scratch, bytesEqual, bytesEqualIgnoreCase } from "../util/bytes";
import { random64 } from "../util/random";
import { regexReplaceAll } from "../regex";
import { sendEmptyReply, sendReply } from "./local-reply";
import { OutlierTracker } from "../outlier/tracker";
import * as T from "../http/texts";

export const enum Outcome {
  /** Forwarded upstream with the cluster header set. */
  Forward = 0,
  /** A local reply was sent (404, redirect, direct response). */
  Replied = 1,
  /** Routed to a destination Istio has no cluster for: 503 once the fault filter has run. */
  NoCluster = 2,
}

/** What the response phase needs to know about the decision. */
export class Decision {
  vhost: u32 = NONE;
  route: u32 = NONE;
  dest: u32 = NONE;
  /** Route-level response header operations apply (direct response, redirect). */
  routeResponseOps: bool = false;

  reset(): void { this.vhost = NONE; this.route = NONE; this.dest = NONE; this.routeResponseOps = false; }
}

/**
 * cpp-host's limits for a map the module hands over (include/proxy-wasm/limits.h
 * PROXY_WASM_HOST_PAIRS_MAX_BYTES / _COUNT): beyond them toPairs yields nothing and Envoy's
 * set_header_map_pairs would empty the request's headers.
 */
const PAIRS_MAX_BYTES: usize = 1024 * 1024;

/**
 * One router serves every plugin (root context) of the VM: a VM runs one callback at a time,
 * and its buffers grow to the largest request seen and are reused, so a configuration update
 * neither allocates new ones nor leaves the old plugin's behind.
 */
export class Router {
  candidates: StaticArray<u32> = new StaticArray<u32>(0);
  list: HeaderList = new HeaderList();
  /** Bytes the decision creates (rewritten path, Location); reset per request. */
  out: Scratch = new Scratch();
  /** Serialized header maps handed to the host; separate from `out`, which they point into. */
  pairs: Scratch = new Scratch();
  /** The rewritten `:path` (inside `out`) when `rewritePath` produced one. */
  private newPath: usize = 0;
  private newPathLen: usize = 0;
  /** The requesting plugin's outlier tracker (which clusters have every endpoint ejected). */
  outliers: OutlierTracker | null = null;

  /**
   * Sizes the candidate buffer for the largest virtual host of `c` (validateConfig proved a
   * request's candidates never outnumber its host's routes). It only grows: plugins still
   * serving an older configuration share it.
   */
  prepare(c: Config): void {
    let most: u32 = 1;
    for (let v: u32 = 0; v < c.count(Section.VHosts); v++) {
      const n = c.word(Section.VHosts, VHostF.Words, v, VHostF.RouteCount);
      if (n > most) most = n;
    }
    if (<u32>this.candidates.length < most) this.candidates = new StaticArray<u32>(most);
  }

  route(c: Config, req: Request, d: Decision): Outcome {
    d.reset();
    this.out.reset();
    this.pairs.reset();
    const table = this.selectTable(c);
    if (table == NONE) { sendEmptyReply(404, T.ROUTE_NOT_FOUND); return Outcome.Replied; }
    const hostLen = hostLength(req.authority, req.authorityLen);
    const vhost = findVirtualHost(c, table, req.authority, hostLen);
    d.vhost = vhost;
    if (vhost == NONE) { sendEmptyReply(404, T.ROUTE_NOT_FOUND); return Outcome.Replied; }
    if (c.word(Section.VHosts, VHostF.Words, vhost, VHostF.RequireTls) != 0 && !isTls(req)) {
      return this.httpsRedirect(req);
    }
    const route = this.firstMatch(c, vhost, req);
    d.route = route;
    if (route == NONE) { sendEmptyReply(404, T.ROUTE_NOT_FOUND); return Outcome.Replied; }
    const action = c.word(Section.Routes, RouteF.Words, route, RouteF.Action);
    if (action == ActionKind.Route) return this.forward(c, req, route, d);
    d.routeResponseOps = c.word(Section.Routes, RouteF.Words, route, RouteF.RespOpCount) != 0;
    if (action == ActionKind.Redirect) return this.redirect(c, req, route);
    return this.directResponse(c, route);
  }

  /** One table per listener port (and per SNI among TLS-terminating servers on that port). */
  private selectTable(c: Config): u32 {
    const tables = c.count(Section.Tables);
    if (tables == 0) return NONE;
    if (tables == 1) return 0;
    let port: u32 = NONE;
    if (c.global(G.PortCount) > 1) {
      if (getProperty(T.ptrOf(T.PROPERTY_DESTINATION_PORT), T.lenOf(T.PROPERTY_DESTINATION_PORT)) == Status.Ok && outLen() >= 4) {
        port = load<u32>(outPtr());
      }
      freeHostBlock(outPtr());
    }
    let firstOnPort: u32 = NONE;
    let tlsTables: u32 = 0;
    for (let t: u32 = 0; t < tables; t++) {
      if (port != NONE && c.word(Section.Tables, TableF.Words, t, TableF.Port) != port) continue;
      if (firstOnPort == NONE) firstOnPort = t;
      if (c.word(Section.Tables, TableF.Words, t, TableF.Tls) != 0) tlsTables++;
    }
    if (tlsTables <= 1) return firstOnPort;
    return this.selectBySni(c, port, firstOnPort);
  }

  /** Envoy filter-chain match on server_names: exact first, then the longest wildcard. */
  private selectBySni(c: Config, port: u32, fallback: u32): u32 {
    if (getProperty(T.ptrOf(T.PROPERTY_SNI), T.lenOf(T.PROPERTY_SNI)) != Status.Ok) { freeHostBlock(outPtr()); return fallback; }
    const sni = outPtr();
    const sniLen = outLen();
    let best: u32 = NONE;
    let bestLen: i64 = -1;
    for (let t: u32 = 0; t < c.count(Section.Tables); t++) {
      if (port != NONE && c.word(Section.Tables, TableF.Words, t, TableF.Port) != port) continue;
      const start = c.word(Section.Tables, TableF.Words, t, TableF.SniStart);
      const end = start + c.word(Section.Tables, TableF.Words, t, TableF.SniCount);
      for (let s = start; s < end; s++) {
        const host = c.stringPtr(c.word(Section.Sni, 2, s, 0));
        const hostLen = <usize>c.word(Section.Sni, 2, s, 1);
        let score: i64 = -1;
        if (bytesEqualIgnoreCase(host, hostLen, sni, sniLen)) score = 1 << 30;
        else if (hostLen == 1 && load<u8>(host) == 0x2a) score = 0;
        else if (hostLen > 1 && load<u8>(host) == 0x2a && sniLen > hostLen - 1
          && bytesEqualIgnoreCase(host + 1, hostLen - 1, sni + sniLen - (hostLen - 1), hostLen - 1)) score = <i64>hostLen;
        if (score > bestLen) { bestLen = score; best = t; }
      }
    }
    freeHostBlock(sni);
    return best == NONE ? fallback : best;
  }

  private firstMatch(c: Config, vhost: u32, req: Request): u32 {
    const n = collectCandidates(c, vhost, req.path, req.pathOnlyLen, this.candidates);
    sortCandidates(this.candidates, n);
    for (let i = 0; i < n; i++) {
      const r = unchecked(this.candidates[i]);
      if (routeMatches(c, r, req)) return r;
    }
    return NONE;
  }

  /** Envoy weighted_clusters: v = random % Σw, first entry whose cumulative weight exceeds v. */
  private pickDestination(c: Config, route: u32): u32 {
    const start = c.word(Section.Routes, RouteF.Words, route, RouteF.DestStart);
    const count = c.word(Section.Routes, RouteF.Words, route, RouteF.DestCount);
    if (count == 1) return start;
    const total = <u64>c.word(Section.Routes, RouteF.Words, route, RouteF.TotalWeight);
    const d = drawWeighted(c, start, count, random64() % total, null);
    if (c.word(Section.Routes, RouteF.Words, route, RouteF.Failover) == 0) return d;
    const outliers = this.outliers;
    if (outliers === null) return d;
    const o = c.word(Section.Dests, DestF.Words, d, DestF.Outlier);
    if (!outliers.isDown(o)) return d;
    return this.failOver(c, start, count, d, o, outliers);
  }

  /**
   * Subset failover: the drawn destination's cluster has every endpoint ejected, so the draw
   * is made again over the destinations still up, each keeping its weight (their shares are
   * w / Σw_up). None up: the drawn destination stands, as in Istio (Envoy answers 503 UH).
   */
  private failOver(c: Config, start: u32, count: u32, drawn: u32, o: u32, outliers: OutlierTracker): u32 {
    let up: u64 = 0;
    for (let i = start; i < start + count; i++) {
      if (!outliers.isDown(c.word(Section.Dests, DestF.Words, i, DestF.Outlier))) up += c.word(Section.Dests, DestF.Words, i, DestF.Weight);
    }
    if (up == 0) { outliers.countNoneLeft(o); return drawn; }
    outliers.countDiverted(o);
    return drawWeighted(c, start, count, random64() % up, outliers);
  }

  private forward(c: Config, req: Request, route: u32, d: Decision): Outcome {
    const dest = this.pickDestination(c, route);
    d.dest = dest;
    if (c.word(Section.Dests, DestF.Words, dest, DestF.Exists) == 0) return Outcome.NoCluster;
    const cluster = c.stringPtr(c.word(Section.Dests, DestF.Words, dest, DestF.ClusterOff));
    const clusterLen = <usize>c.word(Section.Dests, DestF.Words, dest, DestF.ClusterLen);
    const clusterHeader = c.stringPtr(c.global(G.ClusterHeaderOff));
    const clusterHeaderLen = <usize>c.global(G.ClusterHeaderLen);
    const policyHeader = c.stringPtr(c.global(G.PolicyHeaderOff));
    const policyHeaderLen = <usize>c.global(G.PolicyHeaderLen);
    const W = RouteF.Words;
    const policyOff = c.word(Section.Routes, W, route, RouteF.PolicyOff);
    const firstOp = c.word(Section.Dests, DestF.Words, dest, DestF.ReqOpStart);
    const ops = c.word(Section.Dests, DestF.Words, dest, DestF.ReqOpCount);
    // A few `set`s (the decorator operation every Istio route has, perhaps one more) are cheaper
    // as one replace each than as a whole new header map; they commute with the cluster header.
    const fewSets = ops <= FEW_SETS && onlySets(c, firstOp, ops);
    const needsRewrite = policyOff != NONE
      || c.word(Section.Routes, W, route, RouteF.RewriteUriOff) != NONE
      || c.word(Section.Routes, W, route, RouteF.RewriteRegexOff) != NONE
      || c.word(Section.Dests, DestF.Words, dest, DestF.AuthorityOff) != NONE
      || !fewSets
      // A client must never pick the generated route (and so the timeout/retries) itself.
      || req.headers.find(policyHeader, policyHeaderLen) >= 0;
    if (!needsRewrite) {
      applyOpsToHost(c, MapType.RequestHeaders, firstOp, ops);
      // replace overwrites every client-supplied value of the cluster header.
      replaceHeader(MapType.RequestHeaders, clusterHeader, clusterHeaderLen, cluster, clusterLen);
      return Outcome.Forward;
    }
    const rewritten = this.rewritePath(c, req, route);
    const authorityOff = c.word(Section.Dests, DestF.Words, dest, DestF.AuthorityOff);
    const authority: usize = authorityOff == NONE ? 0 : c.stringPtr(authorityOff);
    const authorityLen: usize = authorityOff == NONE ? 0 : <usize>c.word(Section.Dests, DestF.Words, dest, DestF.AuthorityLen);
    const policy: usize = policyOff == NONE ? 0 : c.stringPtr(policyOff);
    const policyLen: usize = policyOff == NONE ? 0 : <usize>c.word(Section.Routes, W, route, RouteF.PolicyLen);
    const list = this.list;
    list.load(req.headers);
    if (rewritten) list.set(T.ptrOf(T.PATH), T.lenOf(T.PATH), this.newPath, this.newPathLen);
    if (authorityOff != NONE) list.set(T.ptrOf(T.AUTHORITY), T.lenOf(T.AUTHORITY), authority, authorityLen);
    applyOps(c, list, firstOp, ops);
    // Envoy's router applies the route's header operations, then the host and path rewrites,
    // recording what they replaced (RouteEntryImplBase::finalizeRequestHeaders, updateAuthority
    // and rewritePathHeader with insert_envoy_original_path, which Istio leaves on).
    if (authorityOff != NONE) list.set(T.ptrOf(T.ENVOY_ORIGINAL_HOST), T.lenOf(T.ENVOY_ORIGINAL_HOST), req.authority, req.authorityLen);
    if (rewritten) list.set(T.ptrOf(T.ENVOY_ORIGINAL_PATH), T.lenOf(T.ENVOY_ORIGINAL_PATH), req.path, req.pathLen);
    list.remove(policyHeader, policyHeaderLen);
    if (policyOff != NONE) list.add(policyHeader, policyHeaderLen, policy, policyLen);
    list.set(clusterHeader, clusterHeaderLen, cluster, clusterLen);
    if (list.dropped == 0) {
      const pairs = list.serialize(this.pairs, PAIRS_MAX_BYTES);
      if (pairs != 0 && setHeaderMapPairs(MapType.RequestHeaders, pairs, this.pairs.at() - pairs) == Status.Ok) return Outcome.Forward;
    }
    // The whole map would exceed what the host accepts in one call (more than 1,024 headers
    // or 1 MiB): the same edits, one host call each, in the same order, ending with the
    // decision. Per-header calls have no such limit in cpp-host or Envoy.
    const M = MapType.RequestHeaders;
    if (rewritten) replaceHeader(M, T.ptrOf(T.PATH), T.lenOf(T.PATH), this.newPath, this.newPathLen);
    if (authorityOff != NONE) replaceHeader(M, T.ptrOf(T.AUTHORITY), T.lenOf(T.AUTHORITY), authority, authorityLen);
    applyOpsToHost(c, M, firstOp, ops);
    if (authorityOff != NONE) replaceHeader(M, T.ptrOf(T.ENVOY_ORIGINAL_HOST), T.lenOf(T.ENVOY_ORIGINAL_HOST), req.authority, req.authorityLen);
    if (rewritten) replaceHeader(M, T.ptrOf(T.ENVOY_ORIGINAL_PATH), T.lenOf(T.ENVOY_ORIGINAL_PATH), req.path, req.pathLen);
    removeHeader(M, policyHeader, policyHeaderLen);
    if (policyOff != NONE) addHeader(M, policyHeader, policyHeaderLen, policy, policyLen);
    if (replaceHeader(M, clusterHeader, clusterHeaderLen, cluster, clusterLen) != Status.Ok) {
      // Never forward without the decision.
      sendEmptyReply(503, T.BAD_HEADERS);
      return Outcome.Replied;
    }
    return Outcome.Forward;
  }

  /**
   * Envoy prefix_rewrite: replaces the matched part (the prefix, or the whole path for exact
   * and regex routes); regex_rewrite: RE2 GlobalReplace over the path without its query. The
   * query string is kept either way (RouteEntryImplBase::rewritePathHeader).
   */
  private rewritePath(c: Config, req: Request, route: u32): bool {
    const W = RouteF.Words;
    const rewriteOff = c.word(Section.Routes, W, route, RouteF.RewriteUriOff);
    const regexOff = c.word(Section.Routes, W, route, RouteF.RewriteRegexOff);
    if (rewriteOff == NONE && regexOff == NONE) return false;
    const s = this.out;
    if (rewriteOff != NONE) {
      const rewrite = c.stringPtr(rewriteOff);
      const rewriteLen = <usize>c.word(Section.Routes, W, route, RouteF.RewriteUriLen);
      const matched = c.word(Section.Routes, W, route, RouteF.PathKind) == PathKind.Prefix
        ? <usize>c.word(Section.Routes, W, route, RouteF.PathLen)
        : req.pathOnlyLen;
      // validateConfig: a prefix route is reached only through the trie node at the depth of
      // its length, so the matched part never exceeds the request's path.
      const rest = req.pathLen - matched;
      s.reserve(rewriteLen + rest); // no reallocation below: the list keeps a pointer into `out`
      const start = s.at();
      s.append(rewrite, rewriteLen);
      s.append(req.path + matched, rest);
      this.newPath = start;
      this.newPathLen = rewriteLen + rest;
      return true;
    }
    const program = c.regexPtr(regexOff);
    const programLen = <usize>c.word(Section.Routes, W, route, RouteF.RewriteRegexLen);
    const subst = c.stringPtr(c.word(Section.Routes, W, route, RouteF.RewriteSubstOff));
    const substLen = <usize>c.word(Section.Routes, W, route, RouteF.RewriteSubstLen);
    const query = req.pathLen - req.pathOnlyLen;
    let capacity = req.pathOnlyLen * 2 + substLen + 64;
    while (true) {
      s.reserve(capacity + query);
      const written = regexReplaceAll(program, programLen, req.path, req.pathOnlyLen, subst, substLen, s.at(), capacity);
      if (written >= 0) {
        const start = s.at();
        s.length += <usize>written;
        s.append(req.path + req.pathOnlyLen, query);
        this.newPath = start;
        this.newPathLen = <usize>written + query;
        return true;
      }
      // The result does not fit; regexReplaceAll also refuses an unprepared program, so give up
      // (keeping the path) once the capacity exceeds any sane rewrite.
      if (capacity > 1 << 24) return false;
      capacity <<= 1;
    }
  }

  /** tls.httpsRedirect (Envoy SslRedirector): 301 to https://<host as received><path>. */
  private httpsRedirect(req: Request): Outcome {
    const s = this.out;
    s.append(T.ptrOf(T.HTTPS), 5);
    s.append(T.ptrOf(T.SCHEME_SEPARATOR), 3);
    s.append(req.authority, req.authorityLen);
    s.append(req.path, req.pathLen);
    this.replyWithLocation(301, 0);
    return Outcome.Replied;
  }

  /** Sends a reply whose Location is `out` from `locationStart` to its end. */
  private replyWithLocation(status: u32, locationStart: usize): void {
    const s = this.out;
    const headers = singleHeader(this.pairs, T.ptrOf(T.LOCATION), T.lenOf(T.LOCATION), s.ptr + locationStart, s.length - locationStart);
    sendReply(status, T.DIRECT_RESPONSE, 0, 0, headers, this.pairs.at() - headers);
  }

  /** Envoy Http::Utility::newUri for a route's RedirectAction. */
  private redirect(c: Config, req: Request, route: u32): Outcome {
    const W = RouteF.Words;
    const s = this.out;
    // Scheme: scheme_redirect, else the request's :scheme. Offsets, not pointers: `out` may grow.
    const schemeOff = c.word(Section.Routes, W, route, RouteF.RedirectSchemeOff);
    if (schemeOff != NONE) s.append(c.stringPtr(schemeOff), <usize>c.word(Section.Routes, W, route, RouteF.RedirectSchemeLen));
    else if (req.headerValue(T.ptrOf(T.SCHEME), T.lenOf(T.SCHEME))) s.append(req.valuePtr, req.valueLen);
    else s.append(T.ptrOf(T.HTTP), 4);
    const schemeLen = s.length;
    s.append(T.ptrOf(T.SCHEME_SEPARATOR), 3);
    const port = c.word(Section.Routes, W, route, RouteF.RedirectPort);
    // Host: host_redirect, else the request host, its port dropped when a port is set or
    // when the scheme differs from the forwarded protocol whose default port it is.
    const hostOff = c.word(Section.Routes, W, route, RouteF.RedirectAuthorityOff);
    if (hostOff != NONE) s.append(c.stringPtr(hostOff), <usize>c.word(Section.Routes, W, route, RouteF.RedirectAuthorityLen));
    else {
      const hostLen = hostLength(req.authority, req.authorityLen);
      let keepPort = hostLen < req.authorityLen && port == 0;
      if (keepPort && req.headerValue(T.ptrOf(T.X_FORWARDED_PROTO), T.lenOf(T.X_FORWARDED_PROTO))
        && !bytesEqual(s.ptr, schemeLen, req.valuePtr, req.valueLen)) {
        const requestPort = req.authority + hostLen;
        const requestPortLen = req.authorityLen - hostLen;
        if (bytesEqualIgnoreCase(req.valuePtr, req.valueLen, T.ptrOf(T.HTTPS), 5) && bytesEqual(requestPort, requestPortLen, T.ptrOf(T.PORT_443), 4)) keepPort = false;
        if (bytesEqualIgnoreCase(req.valuePtr, req.valueLen, T.ptrOf(T.HTTP), 4) && bytesEqual(requestPort, requestPortLen, T.ptrOf(T.PORT_80), 3)) keepPort = false;
      }
      s.append(req.authority, keepPort ? req.authorityLen : hostLen);
    }
    if (port != 0) { s.appendByte(0x3a); s.appendDecimal(port); }
    // Path: path_redirect (keeping the request's query unless it has its own), or
    // prefix_rewrite of the matched part, or the request path.
    const pathStart = s.length;
    const pathOff = c.word(Section.Routes, W, route, RouteF.RedirectPathOff);
    const prefixOff = c.word(Section.Routes, W, route, RouteF.PrefixRewriteOff);
    if (pathOff != NONE) {
      const p = c.stringPtr(pathOff);
      const pLen = <usize>c.word(Section.Routes, W, route, RouteF.RedirectPathLen);
      s.append(p, pLen);
      let hasQuery = false;
      for (let i: usize = 0; i < pLen; i++) if (load<u8>(p + i) == 0x3f) { hasQuery = true; break; }
      if (!hasQuery && req.hasQuery) s.append(req.path + req.pathOnlyLen, req.pathLen - req.pathOnlyLen);
    } else if (prefixOff != NONE) {
      const matched = c.word(Section.Routes, W, route, RouteF.PathKind) == PathKind.Prefix
        ? <usize>c.word(Section.Routes, W, route, RouteF.PathLen) : req.pathOnlyLen;
      s.append(c.stringPtr(prefixOff), <usize>c.word(Section.Routes, W, route, RouteF.PrefixRewriteLen));
      s.append(req.path + matched, req.pathLen - matched);
    } else {
      s.append(req.path, req.pathLen);
    }
    if (s.length == pathStart || load<u8>(s.ptr + pathStart) != 0x2f) {
      // Envoy prepends "/" to a path that does not start with one.
      const len = s.length - pathStart;
      s.reserve(1);
      memory.copy(s.ptr + pathStart + 1, s.ptr + pathStart, len);
      store<u8>(s.ptr + pathStart, 0x2f);
      s.length += 1;
    }
    this.replyWithLocation(c.word(Section.Routes, W, route, RouteF.Status), 0);
    return Outcome.Replied;
  }

  private directResponse(c: Config, route: u32): Outcome {
    const W = RouteF.Words;
    const bodyOff = c.word(Section.Routes, W, route, RouteF.BodyOff);
    const body: usize = bodyOff == NONE ? 0 : c.stringPtr(bodyOff);
    const bodyLen: usize = bodyOff == NONE ? 0 : <usize>c.word(Section.Routes, W, route, RouteF.BodyLen);
    sendReply(c.word(Section.Routes, W, route, RouteF.Status), T.DIRECT_RESPONSE, body, bodyLen, 0, 0);
    return Outcome.Replied;
  }
}

/** The destination whose cumulative weight first exceeds `v`, skipping clusters `skipDown` says are down. */
function drawWeighted(c: Config, start: u32, count: u32, v: u64, skipDown: OutlierTracker | null): u32 {
  let cumulative: u64 = 0;
  for (let d = start; d < start + count; d++) {
    if (skipDown !== null && skipDown.isDown(c.word(Section.Dests, DestF.Words, d, DestF.Outlier))) continue;
    cumulative += c.word(Section.Dests, DestF.Words, d, DestF.Weight);
    if (v < cumulative) return d;
  }
  return start + count - 1;
}

/** A pairs buffer holding one header, written into `s` (which must not be where `value` lives). */
function singleHeader(s: Scratch, key: usize, keyLen: usize, value: usize, valueLen: usize): usize {
  s.reserve(16 + keyLen + valueLen + 2);
  const start = s.at();
  s.appendU32LE(1);
  s.appendU32LE(<u32>keyLen);
  s.appendU32LE(<u32>valueLen);
  s.append(key, keyLen);
  s.appendByte(0);
  s.append(value, valueLen);
  s.appendByte(0);
  return start;
}

/** Whether Envoy would treat the request as TLS: x-forwarded-proto (set by the HCM), else :scheme. */
function isTls(req: Request): bool {
  if (req.headerValue(T.ptrOf(T.X_FORWARDED_PROTO), T.lenOf(T.X_FORWARDED_PROTO))) {
    return bytesEqualIgnoreCase(req.valuePtr, req.valueLen, T.ptrOf(T.HTTPS), 5);
  }
  if (req.headerValue(T.ptrOf(T.SCHEME), T.lenOf(T.SCHEME))) {
    return bytesEqualIgnoreCase(req.valuePtr, req.valueLen, T.ptrOf(T.HTTPS), 5);
  }
  return false;
}

/** The same header operations as `applyOps`, as one host call each on the request headers. */
/** Up to this many `set` operations go to the host one by one instead of in a new header map. */
const FEW_SETS: u32 = 2;

function onlySets(c: Config, start: u32, count: u32): bool {
  for (let i = start; i < start + count; i++) {
    if (c.word(Section.HeaderOps, HeaderOpF.Words, i, HeaderOpF.Kind) != HeaderOpKind.Set) return false;
  }
  return true;
}

/** Applies header operations to a host header map, one host call each. */
export function applyOpsToHost(c: Config, map: MapType, start: u32, count: u32): void {
  const W = HeaderOpF.Words;
  for (let i = start; i < start + count; i++) {
    const kind = c.word(Section.HeaderOps, W, i, HeaderOpF.Kind);
    const name = c.stringPtr(c.word(Section.HeaderOps, W, i, HeaderOpF.NameOff));
    const nameLen = <usize>c.word(Section.HeaderOps, W, i, HeaderOpF.NameLen);
    if (kind == HeaderOpKind.Remove) { removeHeader(map, name, nameLen); continue; }
    const value = c.stringPtr(c.word(Section.HeaderOps, W, i, HeaderOpF.ValueOff));
    const valueLen = <usize>c.word(Section.HeaderOps, W, i, HeaderOpF.ValueLen);
    if (kind == HeaderOpKind.Set) replaceHeader(map, name, nameLen, value, valueLen);
    else addHeader(map, name, nameLen, value, valueLen);
  }
}

/** Applies header operations (already ordered removes-then-adds per Envoy parser) to a list. */
export function applyOps(c: Config, list: HeaderList, start: u32, count: u32): void {
  for (let i = start; i < start + count; i++) {
    const W = HeaderOpF.Words;
    const kind = c.word(Section.HeaderOps, W, i, HeaderOpF.Kind);
    const name = c.stringPtr(c.word(Section.HeaderOps, W, i, HeaderOpF.NameOff));
    const nameLen = <usize>c.word(Section.HeaderOps, W, i, HeaderOpF.NameLen);
    if (kind == HeaderOpKind.Remove) { list.remove(name, nameLen); continue; }
    const value = c.stringPtr(c.word(Section.HeaderOps, W, i, HeaderOpF.ValueOff));
    const valueLen = <usize>c.word(Section.HeaderOps, W, i, HeaderOpF.ValueLen);
    if (kind == HeaderOpKind.Set) list.set(name, nameLen, value, valueLen);
    else list.add(name, nameLen, value, valueLen);
  }
}

