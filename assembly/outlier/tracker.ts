// Envoy's outlier detector (source/common/upstream/outlier_detection_impl.cc; semantics in
// ../shared/docs/istio-semantics.md §10) run by the filter, per (cluster, endpoint), with the
// state in proxy-wasm shared data so that every worker VM sees one detector per cluster, as
// Envoy has. Each update is a compare-and-swap; a lost CAS re-reads and retries (never drops
// the outcome). The interval work (un-ejection, backoff decay) runs once per interval across
// all workers: the worker whose CAS advances the cluster's next-interval time does it.
import { Config } from "../config/config";
import { NONE, OutlierF, Section } from "../config/layout";
import {
  LogLevel, MapType, MetricType, Status, currentTimeNanoseconds, defineMetric, getHeaderValue, getProperty, getSharedData,
  incrementMetric, log, outCas, outLen, outPtr, recordMetric, setSharedData,
} from "../abi/host";
import { freeHostBlock } from "../abi/memory";
import { Scratch, bytesEqual } from "../util/bytes";
import { random64 } from "../util/random";
import * as T from "../http/texts";
import { CLUSTER_HEADER_BYTES, ClusterState, EJECTED, HOST_BYTES, HostState, UNEJECTED_ONCE } from "./state";

/** Envoy OutlierEjectionType values the filter detects, in the order Envoy notifies them. */
export const enum Ejection { Gateway = 1, Consecutive5xx = 2, LocalOrigin = 4 }

// Metric slots per cluster (Envoy's outlier_detection.* names, plus the failover counters).
const M_ACTIVE = 0;
const M_TOTAL = 1;
const M_ENFORCED_TOTAL = 2;
const M_ENFORCED_5XX = 3;
const M_ENFORCED_GATEWAY = 4;
const M_ENFORCED_LOCAL = 5;
const M_DETECTED_5XX = 6;
const M_DETECTED_GATEWAY = 7;
const M_DETECTED_LOCAL = 8;
const M_OVERFLOW = 9;
const M_DIVERTED = 10;
const M_NONE_LEFT = 11;
const METRICS = 12;

const METRIC_NAMES: string[] = [
  "outlier_detection.ejections_active", "outlier_detection.ejections_total", "outlier_detection.ejections_enforced_total",
  "outlier_detection.ejections_enforced_consecutive_5xx", "outlier_detection.ejections_enforced_consecutive_gateway_failure",
  "outlier_detection.ejections_enforced_consecutive_local_origin_failure", "outlier_detection.ejections_detected_consecutive_5xx",
  "outlier_detection.ejections_detected_consecutive_gateway_failure", "outlier_detection.ejections_detected_consecutive_local_origin_failure",
  "outlier_detection.ejections_overflow", "failover.diverted", "failover.none_left",
];

/** Longest tick period: failover flags and interval starts are never later than this. */
const MAX_TICK_MS: u32 = 1000;

// One VM runs one callback at a time: these buffers serve every plugin and are reused.
const key = new Scratch();
const hostValue = memory.data(48);
const host = new HostState();
const cluster = new ClusterState();
/** Sweep: the tracked endpoints of the cluster being swept, and those it may drop. */
const sweepList = new Scratch();
const dropList = new Scratch();

let casRetries: u32 = 0;
let casGaveUp: u32 = 0;

/**
 * Lost CASes one callback may retry. Real contention never comes near it; it only keeps a host
 * that answers CAS_MISMATCH forever (or fails every write) from hanging the VM.
 */
const CAS_BUDGET: u32 = 1000;
let casBudget: u32 = CAS_BUDGET;

/** After a set: true when the loop is done (written, or given up), false to re-read and retry. */
function written(st: Status): bool {
  if (st == Status.Ok) return true;
  if (st == Status.CasMismatch && casBudget > 0) {
    casBudget--;
    incrementMetric(casRetries, 1);
    return false;
  }
  incrementMetric(casGaveUp, 1);
  return true;
}

/**
 * Metric ids by name for this VM: every configuration update names the same clusters again,
 * and Envoy hands out a new id (and keeps the old one) for each define of the same stat.
 */
const metricIds = new Map<string, u32>();

function metricId(type: MetricType, name: string): u32 {
  if (metricIds.has(name)) return metricIds.get(name);
  const id = defineMetric(type, name);
  if (id != 0) metricIds.set(name, id);
  return id;
}

function nowMs(): u64 { return currentTimeNanoseconds() / 1000000; }

@inline function field(c: Config, o: u32, f: OutlierF): u32 { return c.word(Section.Outliers, OutlierF.Words, o, f); }

function clusterKey(c: Config, o: u32): void {
  key.reset();
  key.append(T.ptrOf(T.OUTLIER_KEY_PREFIX), T.lenOf(T.OUTLIER_KEY_PREFIX));
  key.append(c.stringPtr(field(c, o, OutlierF.ClusterOff)), <usize>field(c, o, OutlierF.ClusterLen));
}

function hostKey(c: Config, o: u32, addr: usize, len: usize): void {
  clusterKey(c, o);
  key.appendByte(0x20);
  key.append(addr, len);
}

function clusterName(c: Config, o: u32): string {
  return String.UTF8.decodeUnsafe(c.stringPtr(field(c, o, OutlierF.ClusterOff)), <usize>field(c, o, OutlierF.ClusterLen));
}

function parseStatus(ptr: usize, len: usize): u32 {
  if (len == 0 || len > 3) return 0;
  let v: u32 = 0;
  for (let i: usize = 0; i < len; i++) {
    const d = <u32>load<u8>(ptr + i) - 0x30;
    if (d > 9) return 0;
    v = v * 10 + d;
  }
  return v;
}

/**
 * The tracker of one plugin (configuration): metric ids and, per cluster, whether every
 * endpoint is ejected (`down`, read by subset failover without a host call), refreshed from
 * shared data on each tick and by this VM's own ejections.
 */
export class OutlierTracker {
  count: u32 = 0;
  metrics: StaticArray<u32> = new StaticArray<u32>(0);
  down: StaticArray<u8> = new StaticArray<u8>(0);
  /** ejections_active as this VM last recorded it. */
  lastActive: StaticArray<u32> = new StaticArray<u32>(0);
  /** Tick period the tracker needs (0: no detector), and when it next does its tick work. */
  tickMs: u32 = 0;
  nextTickMs: u64 = 0;
  /** Time of the last tick or configure, for the seen-window of learned endpoints. */
  clockMs: u64 = 0;

  configure(c: Config): void {
    const n = c.count(Section.Outliers);
    this.count = n;
    this.metrics = new StaticArray<u32>(<i32>(n * METRICS));
    this.down = new StaticArray<u8>(<i32>n);
    this.lastActive = new StaticArray<u32>(<i32>n);
    if (casRetries == 0 && n > 0) {
      casRetries = defineMetric(MetricType.Counter, "gatewasm.outlier.cas_retries");
      casGaveUp = defineMetric(MetricType.Counter, "gatewasm.outlier.cas_gave_up");
    }
    let tick: u32 = 0;
    const now = nowMs();
    this.clockMs = now;
    for (let o: u32 = 0; o < n; o++) {
      const prefix = "gatewasm.cluster." + clusterName(c, o) + ".";
      for (let m = 0; m < METRICS; m++) {
        unchecked(this.metrics[<i32>(o * METRICS) + m] = metricId(m == M_ACTIVE ? MetricType.Gauge : MetricType.Counter, prefix + METRIC_NAMES[m]));
      }
      // The interval timer is armed when the detector is created (DetectorImpl::initialize);
      // here when the first configuration naming the cluster arrives on any worker.
      this.loadCluster(c, o, now);
      this.refreshDown(c, o);
      // A period that divides the interval, so interval starts fall on ticks.
      const interval = field(c, o, OutlierF.IntervalMs);
      const t = interval / ((interval + MAX_TICK_MS - 1) / MAX_TICK_MS);
      if (tick == 0 || t < tick) tick = t;
    }
    this.tickMs = tick;
    this.nextTickMs = now + tick;
  }

  @inline isDown(o: u32): bool { return o != NONE && o < this.count && unchecked(this.down[<i32>o]) != 0; }

  countDiverted(o: u32): void { incrementMetric(unchecked(this.metrics[<i32>(o * METRICS + M_DIVERTED)]), 1); }
  countNoneLeft(o: u32): void { incrementMetric(unchecked(this.metrics[<i32>(o * METRICS + M_NONE_LEFT)]), 1); }

  @inline private metric(o: u32, m: i32): u32 { return unchecked(this.metrics[<i32>(o * METRICS) + m]); }

  /**
   * The final response of a stream routed to a tracked cluster, in on_response_headers: the
   * endpoint Envoy chose (`upstream.address`; absent for replies that never reached a host, such
   * as "no healthy upstream" or a fault abort) and `:status`. Envoy's router reports the same
   * code (putHttpResponseCode); its local replies for connect failures and resets are 503, for
   * timeouts 504, which is what it reports in the default (non-split) mode.
   */
  observe(c: Config, o: u32): void {
    if (o >= this.count) return; // a newer configuration of this root replaced the records
    casBudget = CAS_BUDGET;
    if (getProperty(T.ptrOf(T.PROPERTY_UPSTREAM_ADDRESS), T.lenOf(T.PROPERTY_UPSTREAM_ADDRESS)) != Status.Ok) { freeHostBlock(outPtr()); return; }
    const addr = outPtr();
    const addrLen = outLen();
    if (addrLen == 0 || addrLen > 255) { freeHostBlock(addr); return; }
    if (getHeaderValue(MapType.ResponseHeaders, T.ptrOf(T.STATUS), T.lenOf(T.STATUS)) != Status.Ok) {
      freeHostBlock(outPtr());
      freeHostBlock(addr);
      return;
    }
    const code = parseStatus(outPtr(), outLen());
    freeHostBlock(outPtr());
    let localFailure = false;
    const split = field(c, o, OutlierF.Split) != 0;
    if (split) {
      // Split mode keeps local-origin failures (connect failure, reset, timeout: Envoy's own
      // replies) apart from the upstream's answers, told by the response code details.
      let via = false;
      if (getProperty(T.ptrOf(T.PROPERTY_CODE_DETAILS), T.lenOf(T.PROPERTY_CODE_DETAILS)) == Status.Ok) {
        via = bytesEqual(outPtr(), outLen(), T.ptrOf(T.VIA_UPSTREAM), T.lenOf(T.VIA_UPSTREAM));
      }
      freeHostBlock(outPtr());
      localFailure = !via;
    }
    this.report(c, o, addr, addrLen, code, localFailure, split);
    freeHostBlock(addr);
  }

  /**
   * DetectorHostMonitorImpl::putHttpResponseCode (or localOriginFailure in split mode) on the
   * shared host record, then the notifications it raised. Writes only when the record changes.
   */
  report(c: Config, o: u32, addr: usize, addrLen: usize, code: u32, localFailure: bool, split: bool): void {
    const learned = field(c, o, OutlierF.EndpointCount) == 0;
    const window = learned ? this.window(c, o, this.clockMs) : 0;
    let notify: u32 = 0;
    let counted = false;
    hostKey(c, o, addr, addrLen);
    while (true) {
      const st = getSharedData(key.ptr, key.length);
      const cas = st == Status.Ok ? outCas() : 0;
      host.load(outPtr(), st == Status.Ok ? outLen() : 0);
      freeHostBlock(outPtr());
      const c5xx = host.c5xx;
      const cgw = host.cgw;
      const clocal = host.clocal;
      notify = 0;
      if (localFailure) {
        if (++host.clocal == field(c, o, OutlierF.ConsecutiveLocal)) notify |= Ejection.LocalOrigin;
      } else {
        if (split) host.clocal = 0; // the connection succeeded (LocalOriginConnectSuccess)
        if (code >= 500 && code <= 599) {
          if (code >= 502 && code <= 504) {
            if (++host.cgw == field(c, o, OutlierF.ConsecutiveGateway)) notify |= Ejection.Gateway;
          } else {
            host.cgw = 0;
          }
          if (++host.c5xx == field(c, o, OutlierF.Consecutive5xx)) notify |= Ejection.Consecutive5xx;
        } else {
          host.c5xx = 0;
          host.cgw = 0;
        }
      }
      // onConsecutiveErrorWorker ignores a notification for an ejected host.
      if (host.ejected) notify = 0;
      counted = learned && (st != Status.Ok || window > host.lastWindow);
      if (counted) host.lastWindow = window;
      if (!counted && notify == 0 && host.c5xx == c5xx && host.cgw == cgw && host.clocal == clocal
        && (st == Status.Ok || (host.c5xx == 0 && host.cgw == 0 && host.clocal == 0))) break;
      host.store(hostValue);
      // Lost: another worker wrote first; read its value and apply ours again.
      if (written(setSharedData(key.ptr, key.length, hostValue, HOST_BYTES, cas))) break;
    }
    if (counted) this.countSeen(c, o, window);
    // Envoy posts the notifications to the main thread in this order; each is handled alone.
    if (notify & Ejection.Gateway) this.notify(c, o, addr, addrLen, Ejection.Gateway);
    if (notify & Ejection.Consecutive5xx) this.notify(c, o, addr, addrLen, Ejection.Consecutive5xx);
    if (notify & Ejection.LocalOrigin) this.notify(c, o, addr, addrLen, Ejection.LocalOrigin);
  }

  /**
   * DetectorImpl::onConsecutiveErrorWorker: ignored for a host ejected by now (an earlier
   * notification of the same response, or another worker); otherwise counted as detected,
   * ejectHost, and the counter of this type starts again whether or not the host was ejected.
   */
  private notify(c: Config, o: u32, addr: usize, addrLen: usize, type: Ejection): void {
    hostKey(c, o, addr, addrLen);
    let st = getSharedData(key.ptr, key.length);
    host.load(outPtr(), st == Status.Ok ? outLen() : 0);
    freeHostBlock(outPtr());
    if (host.ejected) return;
    incrementMetric(this.metric(o, type == Ejection.Gateway ? M_DETECTED_GATEWAY : type == Ejection.Consecutive5xx ? M_DETECTED_5XX : M_DETECTED_LOCAL), 1);
    this.eject(c, o, addr, addrLen, type);
    hostKey(c, o, addr, addrLen);
    while (true) {
      st = getSharedData(key.ptr, key.length);
      const cas = st == Status.Ok ? outCas() : 0;
      host.load(outPtr(), st == Status.Ok ? outLen() : 0);
      freeHostBlock(outPtr());
      if (type == Ejection.Gateway) host.cgw = 0;
      else if (type == Ejection.Consecutive5xx) host.c5xx = 0;
      else host.clocal = 0;
      host.store(hostValue);
      if (written(setSharedData(key.ptr, key.length, hostValue, HOST_BYTES, cas))) return;
    }
  }

  /**
   * Learned endpoint sets count the distinct endpoints seen in the current or the previous
   * window of max_ejection_time (docs/design.md: an endpoint ejected for its longest time still
   * counts; one gone from the cluster stops counting within two windows).
   */
  private window(c: Config, o: u32, now: u64): u32 {
    return <u32>(now / <u64>field(c, o, OutlierF.MaxEjectionMs)) + 1;
  }

  private total(c: Config, o: u32, now: u64): u32 {
    const listed = field(c, o, OutlierF.EndpointCount);
    return listed != 0 ? listed : cluster.seen(this.window(c, o, now));
  }

  /** Reads the cluster record into `cluster` (creating it, interval armed at `now`); returns its CAS (0: new). */
  private loadCluster(c: Config, o: u32, now: u64): u32 {
    clusterKey(c, o);
    let st = getSharedData(key.ptr, key.length);
    if (st != Status.Ok) {
      freeHostBlock(outPtr());
      // Created at once, so that every worker's interval starts agree (a concurrent creation
      // writes the same record, give or take the clock reading).
      cluster.init(now + <u64>field(c, o, OutlierF.IntervalMs));
      setSharedData(key.ptr, key.length, cluster.ptr, cluster.length, 0);
      st = getSharedData(key.ptr, key.length);
      if (st != Status.Ok) { freeHostBlock(outPtr()); return 0; }
    }
    const cas = outCas();
    // A value that is not a cluster record (another module's key) is replaced on the next write.
    if (!cluster.load(outPtr(), outLen())) cluster.init(now + <u64>field(c, o, OutlierF.IntervalMs));
    freeHostBlock(outPtr());
    return cas;
  }

  private storeCluster(c: Config, o: u32, cas: u32): bool {
    clusterKey(c, o);
    return written(setSharedData(key.ptr, key.length, cluster.ptr, cluster.length, cas));
  }

  private countSeen(c: Config, o: u32, window: u32): void {
    do {
      const cas = this.loadCluster(c, o, this.clockMs);
      cluster.countSeen(window);
      if (this.storeCluster(c, o, cas)) return;
    } while (true);
  }

  private refreshDown(c: Config, o: u32): void {
    const total = this.total(c, o, this.clockMs);
    unchecked(this.down[<i32>o] = total > 0 && cluster.active >= total ? 1 : 0);
  }

  /** DetectorImpl::ejectHost: the strict max-ejection-percent check, the enforcing draw, then the ejection. */
  private eject(c: Config, o: u32, addr: usize, addrLen: usize, type: Ejection): void {
    const now = nowMs();
    const maxPercent = <u64>field(c, o, OutlierF.MaxEjectionPercent);
    const enforcing = <u64>field(c, o, type == Ejection.Gateway ? OutlierF.EnforcingGateway
      : type == Ejection.Consecutive5xx ? OutlierF.Enforcing5xx : OutlierF.EnforcingLocal);
    // runtime featureEnabled(key, percent): one draw per decision.
    const enforced = random64() % 100 < enforcing;
    let total: u32 = 0;
    let active: u32 = 0;
    while (true) {
      const cas = this.loadCluster(c, o, now);
      total = this.total(c, o, now);
      // 100 * (active + 1) / total <= max_ejection_percent, in integers (strict since Envoy 1.27).
      if (total == 0 || <u64>100 * (<u64>cluster.active + 1) > maxPercent * <u64>total) {
        incrementMetric(this.metric(o, M_OVERFLOW), 1);
        return;
      }
      if (!enforced) break;
      cluster.active = cluster.active + 1;
      cluster.track(addr, addrLen);
      if (this.storeCluster(c, o, cas)) { active = cluster.active; break; }
    }
    if (type == Ejection.Consecutive5xx) incrementMetric(this.metric(o, M_TOTAL), 1); // deprecated ejections_total
    if (!enforced) {
      log(LogLevel.Info, "gatewasm outlier: not enforced cluster=" + clusterName(c, o) + " endpoint=" + String.UTF8.decodeUnsafe(addr, addrLen)
        + " type=" + typeName(type) + " time_ms=" + now.toString());
      return;
    }
    // The host record: ejected, counted, backoff grown unless already past the cap.
    const base = <u64>field(c, o, OutlierF.BaseEjectionMs);
    const max = <u64>field(c, o, OutlierF.MaxEjectionMs);
    hostKey(c, o, addr, addrLen);
    let raced = false;
    while (true) {
      const st = getSharedData(key.ptr, key.length);
      const cas = st == Status.Ok ? outCas() : 0;
      host.load(outPtr(), st == Status.Ok ? outLen() : 0);
      freeHostBlock(outPtr());
      if (host.ejected) { raced = true; break; } // another worker ejected it meanwhile
      host.flags |= EJECTED;
      host.numEjections++;
      host.lastEjectionMs = now;
      if (<u64>host.backoff * base < max + base) host.backoff++;
      host.store(hostValue);
      if (written(setSharedData(key.ptr, key.length, hostValue, HOST_BYTES, cas))) break;
    }
    if (raced) {
      do {
        const cas = this.loadCluster(c, o, now);
        cluster.active = cluster.active - 1;
        if (this.storeCluster(c, o, cas)) break;
      } while (true);
      this.refreshDown(c, o);
      return;
    }
    this.keepTracked(c, o, addr, addrLen, now);
    incrementMetric(this.metric(o, M_ENFORCED_TOTAL), 1);
    incrementMetric(this.metric(o, type == Ejection.Gateway ? M_ENFORCED_GATEWAY : type == Ejection.Consecutive5xx ? M_ENFORCED_5XX : M_ENFORCED_LOCAL), 1);
    recordMetric(this.metric(o, M_ACTIVE), active);
    unchecked(this.lastActive[<i32>o] = active);
    unchecked(this.down[<i32>o] = total > 0 && active >= total ? 1 : 0);
    log(LogLevel.Info, "gatewasm outlier: eject cluster=" + clusterName(c, o) + " endpoint=" + String.UTF8.decodeUnsafe(addr, addrLen)
      + " type=" + typeName(type) + " time_ms=" + now.toString() + " ejections=" + host.numEjections.toString()
      + " backoff=" + host.backoff.toString() + " active=" + active.toString() + "/" + total.toString());
  }

  /**
   * After the host record changed: make sure the cluster still lists it for the interval (a
   * concurrent sweep may have dropped it between our two writes; it re-checks after, we here).
   */
  private keepTracked(c: Config, o: u32, addr: usize, addrLen: usize, now: u64): void {
    do {
      const cas = this.loadCluster(c, o, now);
      if (!cluster.track(addr, addrLen)) return;
      if (this.storeCluster(c, o, cas)) return;
    } while (true);
  }

  /** proxy_on_tick: the interval run when due (once across workers), then the failover flags. */
  onTick(c: Config): void {
    if (this.count == 0) return;
    const now = nowMs();
    if (now < this.nextTickMs) return;
    this.nextTickMs = now + this.tickMs;
    casBudget = CAS_BUDGET;
    this.clockMs = now;
    for (let o: u32 = 0; o < this.count; o++) {
      while (true) {
        const cas = this.loadCluster(c, o, now);
        const next = cluster.nextIntervalMs;
        if (now < next) break;
        // Envoy re-arms the interval timer after each run; the next run is one interval on.
        const interval = <u64>field(c, o, OutlierF.IntervalMs);
        cluster.nextIntervalMs = next + interval > now ? next + interval : now + interval;
        if (this.storeCluster(c, o, cas)) { this.sweep(c, o, now); break; }
      }
      this.loadCluster(c, o, now);
      this.refreshDown(c, o);
      // The gauge follows changes made by any worker; written only when it moved.
      const active = cluster.active;
      if (active != unchecked(this.lastActive[<i32>o])) {
        unchecked(this.lastActive[<i32>o] = active);
        recordMetric(this.metric(o, M_ACTIVE), active);
      }
    }
  }

  /**
   * DetectorImpl::onIntervalTimer for the tracked endpoints (the only ones it can change):
   * un-eject those whose min(base × backoff, max) has passed, then decay the backoff of those
   * not ejected and un-ejected at least an interval ago; drop the ones with nothing left to do.
   */
  private sweep(c: Config, o: u32, now: u64): void {
    sweepList.reset();
    sweepList.append(cluster.ptr + CLUSTER_HEADER_BYTES, cluster.length - CLUSTER_HEADER_BYTES);
    const base = <u64>field(c, o, OutlierF.BaseEjectionMs);
    const max = <u64>field(c, o, OutlierF.MaxEjectionMs);
    const interval = <u64>field(c, o, OutlierF.IntervalMs);
    let unejected: u32 = 0;
    for (let pass = 0; pass < 2; pass++) {
      dropList.reset();
      let at: usize = 0;
      while (at < sweepList.length) {
        const len = <usize>load<u32>(sweepList.ptr + at);
        const addr = sweepList.ptr + at + 4;
        at += 4 + ((len + 3) & ~3);
        hostKey(c, o, addr, len);
        while (true) {
          const st = getSharedData(key.ptr, key.length);
          const cas = st == Status.Ok ? outCas() : 0;
          host.load(outPtr(), st == Status.Ok ? outLen() : 0);
          freeHostBlock(outPtr());
          let changed = false;
          if (pass == 0) {
            const d = <u64>host.backoff * base < max ? <u64>host.backoff * base : max;
            if (host.ejected && d <= now - host.lastEjectionMs) {
              host.flags = (host.flags & ~EJECTED) | UNEJECTED_ONCE;
              host.c5xx = 0;
              host.cgw = 0;
              host.clocal = 0;
              host.lastUnejectionMs = now;
              changed = true;
            }
          } else if (!host.ejected && (host.flags & UNEJECTED_ONCE) != 0 && now - host.lastUnejectionMs >= interval && host.backoff > 0) {
            host.backoff--;
            changed = true;
          }
          if (changed) {
            host.store(hostValue);
            if (!written(setSharedData(key.ptr, key.length, hostValue, HOST_BYTES, cas))) continue;
          }
          if (pass == 0 && changed) {
            unejected++;
            log(LogLevel.Info, "gatewasm outlier: uneject cluster=" + clusterName(c, o) + " endpoint=" + String.UTF8.decodeUnsafe(addr, len)
              + " time_ms=" + now.toString() + " ejected_for_ms=" + (now - host.lastEjectionMs).toString() + " backoff=" + host.backoff.toString());
          }
          if (pass == 1 && !host.ejected && host.backoff == 0) { dropList.appendU32LE(<u32>len); dropList.append(addr, len); }
          break;
        }
      }
    }
    // One write for the cluster: fewer ejected, and the endpoints with nothing left dropped.
    do {
      const cas = this.loadCluster(c, o, now);
      cluster.active = cluster.active >= unejected ? cluster.active - unejected : 0;
      let at: usize = 0;
      while (at < dropList.length) {
        const len = <usize>load<u32>(dropList.ptr + at);
        cluster.untrack(dropList.ptr + at + 4, len);
        at += 4 + len;
      }
      if (this.storeCluster(c, o, cas)) break;
    } while (true);
    // An endpoint ejected again between our read and the write above is put back.
    let at: usize = 0;
    while (at < dropList.length) {
      const len = <usize>load<u32>(dropList.ptr + at);
      const addr = dropList.ptr + at + 4;
      at += 4 + len;
      hostKey(c, o, addr, len);
      const st = getSharedData(key.ptr, key.length);
      host.load(outPtr(), st == Status.Ok ? outLen() : 0);
      freeHostBlock(outPtr());
      if (host.ejected || host.backoff > 0) this.keepTracked(c, o, addr, len, now);
    }
  }
}

function typeName(type: Ejection): string {
  return type == Ejection.Gateway ? "consecutive_gateway_failure" : type == Ejection.Consecutive5xx ? "consecutive_5xx" : "consecutive_local_origin_failure";
}
