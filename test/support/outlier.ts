// A rig for the outlier tracker on the harness: a one-route configuration to tracked clusters,
// requests answered by a chosen endpoint with a chosen status, and readers of the shared-data
// records and metrics the filter keeps (assembly/outlier/state.ts, docs/config-format.md).
import { GATEWASM_PRESET, ProxyWasmHost } from "../../host/harness/index.ts";
import { encodeFilterConfig } from "../../host/config/encode.ts";
import type { ClusterOutlier, FilterConfig, OutlierPolicy, Route } from "../../host/config/model.ts";
import { GET, NO_OPS, forwardRoute, singleHostConfig } from "./configs.ts";
import { WASM } from "../fuzz/module.ts";

/** Envoy's values when Istio sets `outlierDetection: {}` (istio-semantics.md §9). */
export const ISTIO_DEFAULTS: OutlierPolicy = {
  consecutive5xx: 5, enforcingConsecutive5xx: 100, consecutiveGatewayFailure: 5, enforcingConsecutiveGatewayFailure: 0,
  splitExternalLocalOriginErrors: false, consecutiveLocalOriginFailure: 5, enforcingConsecutiveLocalOriginFailure: 100,
  intervalMs: 10_000, baseEjectionTimeMs: 30_000, maxEjectionTimeMs: 300_000, maxEjectionPercent: 10, minHealthPercent: 0,
};

export const CLUSTER = "outbound|80||a.ns.svc.cluster.local";
export const KEY_PREFIX = "gatewasm.outlier ";

export interface HostRecord {
  c5xx: number; cgw: number; clocal: number; ejected: boolean; unejectedOnce: boolean;
  numEjections: number; backoff: number; lastEjectionMs: number; lastUnejectionMs: number; lastWindow: number;
}

export interface ClusterRecord { nextIntervalMs: number; active: number; tracked: string[] }

export function decodeHost(v: Uint8Array): HostRecord {
  const d = new DataView(v.buffer, v.byteOffset, v.byteLength);
  const flags = d.getUint32(12, true);
  return {
    c5xx: d.getUint32(0, true), cgw: d.getUint32(4, true), clocal: d.getUint32(8, true), ejected: (flags & 1) !== 0,
    unejectedOnce: (flags & 2) !== 0, numEjections: d.getUint32(16, true), backoff: d.getUint32(20, true),
    lastEjectionMs: Number(d.getBigUint64(24, true)), lastUnejectionMs: Number(d.getBigUint64(32, true)), lastWindow: d.getUint32(40, true),
  };
}

export function decodeCluster(v: Uint8Array): ClusterRecord {
  const d = new DataView(v.buffer, v.byteOffset, v.byteLength);
  const tracked: string[] = [];
  for (let at = 32; at < v.length;) {
    const n = d.getUint32(at, true);
    tracked.push(new TextDecoder().decode(v.subarray(at + 4, at + 4 + n)));
    at += 4 + ((n + 3) & ~3);
  }
  return { nextIntervalMs: Number(d.getBigUint64(0, true)), active: d.getUint32(8, true), tracked };
}

export function outlierConfig(outliers: Record<string, ClusterOutlier>, routes: Route[] = [forwardRoute(CLUSTER)], extra: Partial<FilterConfig> = {}): FilterConfig {
  return singleHostConfig(routes, { outliers, ...extra });
}

/** A weighted route over clusters (weights as given), `failover` as given. */
export function weightedRoute(dests: Array<[string, number]>, failover: boolean): Route {
  const r = forwardRoute(dests[0]![0]);
  if (r.action.kind !== "route") throw new Error("unreachable");
  r.action.destinations = dests.map(([cluster, weight]) => ({ cluster, clusterExists: true, weight, requestHeaders: NO_OPS, responseHeaders: NO_OPS, authority: null }));
  r.action.weighted = true;
  r.action.failover = failover;
  return r;
}

export class OutlierRig {
  readonly t0: number;
  private constructor(readonly host: ProxyWasmHost, readonly cluster: string) { this.t0 = host.now(); }

  static async start(config: FilterConfig, opts: { workers?: number; seed?: number; cluster?: string } = {}): Promise<OutlierRig> {
    const host = await ProxyWasmHost.load(WASM, { ...GATEWASM_PRESET, pluginConfig: encodeFilterConfig(config), workers: opts.workers ?? 1, seed: opts.seed ?? 1 });
    if (host.configured.some((ok) => !ok)) throw new Error(`configuration refused: ${host.logsAt("error").join("; ")}`);
    return new OutlierRig(host, opts.cluster ?? CLUSTER);
  }

  /** One policy for CLUSTER with these endpoints listed. */
  static async single(policy: Partial<OutlierPolicy>, endpoints: string[], opts: { workers?: number; seed?: number } = {}): Promise<OutlierRig> {
    return OutlierRig.start(outlierConfig({ [CLUSTER]: { policy: { ...ISTIO_DEFAULTS, ...policy }, endpoints } }), opts);
  }

  /** `n` requests answered by `endpoint` with `status`; returns the chosen cluster of the last. */
  send(endpoint: string, status: number, n = 1, worker?: number): string | undefined {
    let cluster: string | undefined;
    for (let i = 0; i < n; i++) {
      const r = this.host.request({ headers: GET, worker, upstream: { status, address: endpoint } });
      cluster = r.upstreamRequest?.headers.find(([k]) => k === "x-gatewasm-cluster")?.[1];
    }
    return cluster;
  }

  /** Moves the clock to `ms` after the start (ticks fire on the way). */
  at(ms: number): void {
    const target = this.t0 + ms;
    if (target < this.host.now()) throw new Error(`time goes forward only (${ms} ms is past)`);
    this.host.advance(target - this.host.now());
  }

  hostRecord(endpoint: string, cluster = this.cluster): HostRecord | undefined {
    const v = this.host.sharedValue(`${KEY_PREFIX}${cluster} ${endpoint}`);
    return v && decodeHost(v.value);
  }

  ejected(endpoint: string, cluster = this.cluster): boolean { return this.hostRecord(endpoint, cluster)?.ejected ?? false; }

  clusterRecord(cluster = this.cluster): ClusterRecord {
    const v = this.host.sharedValue(`${KEY_PREFIX}${cluster}`);
    if (!v) throw new Error(`no cluster record for ${cluster}`);
    return decodeCluster(v.value);
  }

  /** An Envoy outlier stat of the cluster, e.g. "ejections_active". */
  stat(name: string, cluster = this.cluster): number {
    return Number(this.host.metric(`gatewasm.cluster.${cluster}.outlier_detection.${name}`)?.value ?? 0n);
  }

  counter(name: string): number { return Number(this.host.metric(name)?.value ?? 0n); }
}
