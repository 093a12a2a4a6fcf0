// One plugin (root context): its validated configuration and the request-path machinery.
// A refused configuration leaves the previous one serving, as Envoy keeps the old filter
// config when a new one is NACKed.
import { BufferType, LogLevel, MapType, Status, getBufferBytes, getHeaderMapPairs, getProperty, log,
  logLevel, outLen, outPtr, removeHeader } from "../abi/host";
import { freeHostBlock } from "../abi/memory";
import { Config, configError, validateConfig } from "../config/config";
import { Block, bundledBlob, deliveryError, isBundled, unframe } from "../config/delivery";
import { DestF, FaultF, G, NONE, RouteF, Section } from "../config/layout";
import { FaultInjector, FaultOutcome } from "../fault/injector";
import { OutlierTracker } from "../outlier/tracker";
import { TickUser, Ticker } from "./ticker";
import { Request } from "../routing/request";
import { Decision, Outcome, Router, applyOpsToHost } from "./router";
import { sendEmptyReply } from "./local-reply";
import * as T from "../http/texts";
import { bytesEqual } from "../util/bytes";

// The request being decided. A VM runs one callback at a time, so one instance serves all —
// the router and its buffers too (plugins of older configurations share them).
const request = new Request();
const decision = new Decision();
const router = new Router();

/**
 * Plugins of this VM holding a configuration. Envoy gives each configuration update a new
 * root context and keeps the old one serving when the new one is refused.
 */
let configuredPlugins: i32 = 0;

/** Header-operation range (start << 32 | count) to apply in on_response_headers, per stream. */
const pendingResponseOps = new Map<u32, u64>();

/** Streams forwarded to a cluster with an outlier detector: stream → Outliers record. */
const trackedStreams = new Map<u32, u32>();

export class Plugin {
  /** The active configuration; its blob (`config.base`) is the host block it arrived in. */
  config: Config | null = null;
  router: Router = router;
  ticker: Ticker = new Ticker();
  faults: FaultInjector = new FaultInjector(this.ticker);
  outliers: OutlierTracker = new OutlierTracker();
  debug: bool = false;

  /** proxy_on_configure: validate the new blob; keep serving the old one if it is refused. */
  configure(size: u32): bool {
    if (!rootIdMatches()) return this.refuse("the plugin root_id is not \"gatewasm\"");
    const bundled = isBundled();
    if (size == 0) return this.refuse(bundled ? "the plugin configuration is empty; this module bundles its configuration and expects its version string" : "the plugin configuration is empty");
    if (getBufferBytes(BufferType.PluginConfiguration, 0, size) != Status.Ok) {
      freeHostBlock(outPtr());
      return this.refuse("the plugin configuration cannot be read");
    }
    let delivered = new Block(outPtr(), <u32>outLen());
    if (bundled) {
      // The plugin configuration only names the bundled configuration's version.
      const named = delivered;
      const fromBundle = bundledBlob(named.ptr, named.len);
      freeHostBlock(named.ptr);
      if (fromBundle === null) return this.refuse(deliveryError);
      delivered = fromBundle;
    }
    const blob = unframe(delivered);
    if (blob === null) return this.refuse(deliveryError);
    const block = blob.ptr;
    const length = blob.len;
    const candidate = new Config();
    if (!validateConfig(candidate, block, length)) {
      freeHostBlock(block);
      return this.refuse(configError);
    }
    const previous = this.config;
    if (previous === null) configuredPlugins++;
    this.config = candidate;
    this.router.prepare(candidate);
    this.faults.configure();
    this.outliers.configure(candidate);
    this.ticker.want(TickUser.Outlier, this.outliers.tickMs);
    if (previous !== null) freeHostBlock(previous.base);
    this.debug = logLevel() <= LogLevel.Debug;
    log(LogLevel.Info, "gatewasm: configuration loaded (" + candidate.count(Section.Routes).toString() + " routes, "
      + candidate.count(Section.VHosts).toString() + " virtual hosts, " + candidate.count(Section.Tables).toString() + " route tables)");
    return true;
  }

  private refuse(reason: string): bool {
    const keeping = this.config !== null || configuredPlugins > 0 ? "the previous configuration keeps serving" : "no configuration is active";
    log(LogLevel.Error, "gatewasm: configuration refused: " + reason + "; " + keeping);
    return false;
  }

  /** proxy_on_request_headers; true when the request stays paused (fault delay). */
  onRequestHeaders(contextId: u32): bool {
    const c = this.config;
    if (c === null) {
      // Never let a request through unrouted: a client-set cluster header would pick the upstream.
      sendEmptyReply(503, T.NOT_CONFIGURED);
      return false;
    }
    if (getHeaderMapPairs(MapType.RequestHeaders) != Status.Ok) { sendEmptyReply(503, T.BAD_HEADERS); return false; }
    const block = outPtr();
    if (!request.headers.parse(block, outLen())) {
      freeHostBlock(block);
      sendEmptyReply(503, T.BAD_HEADERS);
      return false;
    }
    request.locate();
    this.router.outliers = this.outliers;
    const outcome = this.router.route(c, request, decision);
    freeHostBlock(block);
    if (this.debug) this.logDecision(outcome);
    if (outcome == Outcome.Replied) {
      this.rememberResponseOps(c, contextId, outcome);
      return false;
    }
    // Envoy's fault filter runs before the router: a fault applies even when the cluster is missing.
    const fault = c.word(Section.Routes, RouteF.Words, decision.route, RouteF.Fault);
    if (fault != NONE) {
      const injected = this.faults.begin(c, fault, contextId, outcome == Outcome.NoCluster);
      if (injected == FaultOutcome.Delayed) {
        // The request waits with no decision written: drop any client value of the cluster
        // header now, so that nothing but the 503 it is due can route it.
        if (outcome == Outcome.NoCluster) removeHeader(MapType.RequestHeaders, c.stringPtr(c.global(G.ClusterHeaderOff)), <usize>c.global(G.ClusterHeaderLen));
        if (this.debug) log(LogLevel.Debug, "gatewasm fault delay=" + c.word(Section.Faults, FaultF.Words, fault, FaultF.DelayMs).toString() + "ms");
        this.rememberResponseOps(c, contextId, outcome);
        this.track(c, contextId, outcome);
        return true;
      }
      if (injected == FaultOutcome.Aborted) {
        this.rememberResponseOps(c, contextId, outcome);
        return false;
      }
    }
    this.track(c, contextId, outcome);
    this.rememberResponseOps(c, contextId, outcome);
    if (outcome == Outcome.NoCluster) sendEmptyReply(503, T.CLUSTER_NOT_FOUND);
    return false;
  }

  onTick(): void {
    this.faults.onTick(this.config);
    const c = this.config;
    if (c !== null) this.outliers.onTick(c);
  }

  /** A forward to a cluster with a detector: its final response is an outcome to report. */
  @inline private track(c: Config, contextId: u32, outcome: Outcome): void {
    if (outcome != Outcome.Forward) return;
    const o = c.word(Section.Dests, DestF.Words, decision.dest, DestF.Outlier);
    if (o != NONE) trackedStreams.set(contextId, o);
  }

  private rememberResponseOps(c: Config, contextId: u32, outcome: Outcome): void {
    let start: u32 = 0;
    let count: u32 = 0;
    // Envoy finalizes every local reply of the stream — the router's cluster-not-found 503 and
    // the fault filter's abort alike — with the matched route's response header operations,
    // those of the weighted destination it drew included (the connection manager's
    // sendLocalReply → finalizeResponseHeaders; shown by the differential round, seed 1013).
    if ((outcome == Outcome.Forward || outcome == Outcome.NoCluster) && decision.dest != NONE) {
      start = c.word(Section.Dests, DestF.Words, decision.dest, DestF.RespOpStart);
      count = c.word(Section.Dests, DestF.Words, decision.dest, DestF.RespOpCount);
    } else if (decision.routeResponseOps) {
      start = c.word(Section.Routes, RouteF.Words, decision.route, RouteF.RespOpStart);
      count = c.word(Section.Routes, RouteF.Words, decision.route, RouteF.RespOpCount);
    }
    if (count != 0) pendingResponseOps.set(contextId, (<u64>start << 32) | count);
  }

  /** Route response header operations (Envoy finalizeResponseHeaders), applied once; the outcome for the tracker. */
  onResponseHeaders(contextId: u32): void {
    if (trackedStreams.has(contextId)) {
      const o = trackedStreams.get(contextId);
      trackedStreams.delete(contextId);
      const tc = this.config;
      if (tc !== null) this.outliers.observe(tc, o);
    }
    if (!pendingResponseOps.has(contextId)) return;
    const range = pendingResponseOps.get(contextId);
    pendingResponseOps.delete(contextId);
    const c = this.config;
    if (c === null) return;
    const start = <u32>(range >> 32);
    const end = start + <u32>(range & 0xffffffff);
    if (end > c.count(Section.HeaderOps)) return; // a newer configuration replaced the ops
    applyOpsToHost(c, MapType.ResponseHeaders, start, end - start);
  }

  onDelete(contextId: u32): void {
    pendingResponseOps.delete(contextId);
    trackedStreams.delete(contextId);
    this.faults.forget(contextId);
  }

  /** The root context is gone (proxy_on_delete): give its configuration back. */
  release(): void {
    this.faults.clear(this.config);
    const config = this.config;
    if (config === null) return;
    configuredPlugins--;
    freeHostBlock(config.base);
    this.config = null;
  }

  /** For `gatewasm simulate` and operators: the decision by index into the compiled config. */
  private logDecision(outcome: Outcome): void {
    log(LogLevel.Debug, "gatewasm decision vhost=" + indexText(decision.vhost) + " route=" + indexText(decision.route)
      + " dest=" + indexText(decision.dest) + " outcome=" + (outcome == Outcome.Forward ? "forward" : outcome == Outcome.NoCluster ? "no_cluster" : "reply"));
  }
}

function indexText(i: u32): string { return i == NONE ? "-" : i.toString(); }

/** Envoy answers plugin_root_id with the filter's root_id; it must be ours. */
function rootIdMatches(): bool {
  if (getProperty(T.ptrOf(T.PROPERTY_ROOT_ID), T.lenOf(T.PROPERTY_ROOT_ID)) != Status.Ok) {
    freeHostBlock(outPtr());
    return true; // hosts without the property: nothing to check against
  }
  const ok = outLen() == 0 || bytesEqual(outPtr(), outLen(), T.ptrOf(T.ROOT_ID), T.lenOf(T.ROOT_ID));
  freeHostBlock(outPtr());
  return ok;
}
