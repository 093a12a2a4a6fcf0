// Istio's HTTPFaultInjection with Envoy's fault filter semantics
// (source/extensions/filters/http/fault/fault_filter.cc; ../shared/docs/istio-semantics.md §7):
// the delay is decided first; the abort is drawn independently, again after a delay; each
// draw is `random % 1,000,000 < numerator`. Delayed requests are paused and resumed from the
// root context's tick, which runs only while delays are pending.
import { Config } from "../config/config";
import { FaultF, G, Section } from "../config/layout";
import {
  MetricType, StreamType, continueStream, currentTimeNanoseconds, defineMetric, incrementMetric,
  recordMetric, setEffectiveContext,
} from "../abi/host";
import { TickUser, Ticker } from "../filter/ticker";
import { random64 } from "../util/random";
import { sendEmptyReply, sendReply } from "../filter/local-reply";
import * as T from "../http/texts";

/** Tick period while delays are pending: every delay resumes within this much of its deadline. */
export const FAULT_TICK_MS: u32 = 10;
const PER_MILLION: u64 = 1000000;
/** Envoy: no grpc-status unless the abort is a gRPC one. */
const NO_GRPC_STATUS: i32 = -1;

export const enum FaultOutcome { None = 0, Delayed = 1, Aborted = 2 }

class FaultMetrics {
  delaysInjected: u32 = 0;
  abortsInjected: u32 = 0;
  overflow: u32 = 0;
  active: u32 = 0;

  define(): void {
    if (this.delaysInjected != 0) return;
    // Envoy's fault filter stats (docs/root/configuration/http/http_filters/fault_filter.rst).
    this.delaysInjected = defineMetric(MetricType.Counter, "gatewasm.fault.delays_injected");
    this.abortsInjected = defineMetric(MetricType.Counter, "gatewasm.fault.aborts_injected");
    this.overflow = defineMetric(MetricType.Counter, "gatewasm.fault.faults_overflow");
    this.active = defineMetric(MetricType.Gauge, "gatewasm.fault.active_faults");
  }
}

const metrics = new FaultMetrics();

@inline function draw(perMillion: u32): bool {
  return perMillion != 0 && random64() % PER_MILLION < <u64>perMillion;
}

export class FaultInjector {
  // Pending delays, unordered; `slot` maps a stream to its index (swap-remove keeps them dense).
  private streams: u32[] = [];
  private deadlines: u64[] = [];
  private faults: u32[] = [];
  private noCluster: bool[] = [];
  private slot: Map<u32, i32> = new Map<u32, i32>();
  private ticking: bool = false;

  constructor(private ticker: Ticker) {}

  configure(): void { metrics.define(); }

  get pending(): i32 { return this.streams.length; }

  /**
   * Decides the fault for a routed request. `noCluster`: the destination has no cluster, so
   * the request ends in a 503 after the fault filter (which runs before the router).
   */
  begin(c: Config, fault: u32, contextId: u32, noCluster: bool): FaultOutcome {
    const delayMs = c.word(Section.Faults, FaultF.Words, fault, FaultF.DelayMs);
    if (delayMs > 0 && draw(c.word(Section.Faults, FaultF.Words, fault, FaultF.DelayPerMillion))) {
      if (<u32>this.streams.length >= c.global(G.MaxActiveFaults)) {
        // Envoy max_active_faults: the fault is not injected, the overflow is counted.
        incrementMetric(metrics.overflow, 1);
        return FaultOutcome.None;
      }
      this.hold(contextId, currentTimeNanoseconds() + <u64>delayMs * 1000000, fault, noCluster);
      incrementMetric(metrics.delaysInjected, 1);
      return FaultOutcome.Delayed;
    }
    return this.maybeAbort(c, fault) ? FaultOutcome.Aborted : FaultOutcome.None;
  }

  private maybeAbort(c: Config, fault: u32): bool {
    if (!draw(c.word(Section.Faults, FaultF.Words, fault, FaultF.AbortPerMillion))) return false;
    const httpStatus = c.word(Section.Faults, FaultF.Words, fault, FaultF.AbortHttp);
    const grpcStatus = <i32>c.word(Section.Faults, FaultF.Words, fault, FaultF.AbortGrpc);
    incrementMetric(metrics.abortsInjected, 1);
    // Envoy sendLocalReply turns this into a trailers-only reply (HTTP 200, grpc-status,
    // grpc-message) for gRPC requests; a gRPC-status abort is HTTP 200 for other requests.
    sendReply(httpStatus != 0 ? httpStatus : 200, T.FAULT_ABORT_DETAILS,
      T.ptrOf(T.FAULT_ABORT_BODY), T.lenOf(T.FAULT_ABORT_BODY), 0, 0, httpStatus != 0 ? NO_GRPC_STATUS : grpcStatus);
    return true;
  }

  private hold(contextId: u32, deadline: u64, fault: u32, noCluster: bool): void {
    this.slot.set(contextId, this.streams.length);
    this.streams.push(contextId);
    this.deadlines.push(deadline);
    this.faults.push(fault);
    this.noCluster.push(noCluster);
    recordMetric(metrics.active, <u64>this.streams.length);
    if (!this.ticking) {
      this.ticker.want(TickUser.Fault, FAULT_TICK_MS);
      this.ticking = true;
    }
  }

  private release(index: i32): void {
    const last = this.streams.length - 1;
    const moved = this.streams[last];
    this.slot.delete(this.streams[index]);
    if (index != last) {
      this.streams[index] = moved;
      this.deadlines[index] = this.deadlines[last];
      this.faults[index] = this.faults[last];
      this.noCluster[index] = this.noCluster[last];
      this.slot.set(moved, index);
    }
    this.streams.pop();
    this.deadlines.pop();
    this.faults.pop();
    this.noCluster.pop();
    recordMetric(metrics.active, <u64>this.streams.length);
    if (this.streams.length == 0 && this.ticking) {
      this.ticker.want(TickUser.Fault, 0);
      this.ticking = false;
    }
  }

  /** Root tick: resumes every delayed request whose deadline has passed. */
  onTick(c: Config | null): void {
    if (this.streams.length == 0) return;
    const now = currentTimeNanoseconds();
    let i = 0;
    while (i < this.streams.length) {
      if (this.deadlines[i] > now) { i++; continue; }
      const contextId = this.streams[i];
      const fault = this.faults[i];
      const noCluster = this.noCluster[i];
      this.release(i); // index i now holds another stream (or nothing): do not advance
      this.finish(c, contextId, fault, noCluster);
    }
  }

  /**
   * What Envoy's fault filter does when a delay ends: the abort is drawn (again), a request
   * whose destination has no cluster gets its 503, anything else continues to the router with
   * the decision written before the pause.
   */
  private finish(c: Config | null, contextId: u32, fault: u32, noCluster: bool): void {
    if (setEffectiveContext(contextId) != 0) return; // the stream is gone
    if (c !== null && this.maybeAbort(c, fault)) return;
    if (noCluster || c === null) { sendEmptyReply(503, T.CLUSTER_NOT_FOUND); return; }
    continueStream(StreamType.Request);
  }

  /** The stream ended (client went away during the delay): forget it, resume nothing. */
  forget(contextId: u32): void {
    if (!this.slot.has(contextId)) return;
    this.release(this.slot.get(contextId));
  }

  /**
   * The plugin is going away (its root context is deleted) while requests are still delayed:
   * Envoy keeps a root context until its streams are done, so only another host gets here.
   * No tick of this plugin will run again, so each delayed request ends now the way its delay
   * would have ended, under this plugin's configuration — never a forward without a decision.
   */
  clear(c: Config | null): void {
    while (this.streams.length > 0) {
      const last = this.streams.length - 1;
      const contextId = this.streams[last];
      const fault = this.faults[last];
      const noCluster = this.noCluster[last];
      this.release(last);
      this.finish(c, contextId, fault, noCluster);
    }
  }
}
