// The outlier part of the configuration format (docs/config-format.md "Outliers"): the encoder
// writes one record per cluster with a detector, sorted, with its endpoints; each destination
// names its cluster's record; validateConfig refuses a blob that breaks an outlier invariant
// (limits from Envoy's OutlierDetection proto and DetectorImpl::create) and the previous
// configuration keeps serving.
import { describe, expect, it } from "vitest";
import { GATEWASM_PRESET, ProxyWasmHost } from "../../host/harness/index.ts";
import { encodeFilterConfig } from "../../host/config/encode.ts";
import { DestF, NONE, OutlierF, RouteF, Section } from "../../host/config/layout.ts";
import { GET } from "../support/configs.ts";
import { Blob } from "../fuzz/blob.ts";
import { WASM } from "../fuzz/module.ts";
import { ISTIO_DEFAULTS, outlierConfig, weightedRoute } from "../support/outlier.ts";

const A = "outbound|80|v1|a.ns.svc.cluster.local";
const B = "outbound|80|v2|a.ns.svc.cluster.local";
const config = outlierConfig(
  { [B]: { policy: { ...ISTIO_DEFAULTS, intervalMs: 5000 }, endpoints: ["10.0.0.2:80"] }, [A]: { policy: ISTIO_DEFAULTS, endpoints: ["10.0.0.1:80", "10.0.0.1:80", "10.0.0.3:80"] } },
  [weightedRoute([[A, 50], [B, 50], ["outbound|80||c.ns.svc.cluster.local", 1]], true)],
);
const good = encodeFilterConfig(config);

describe("encoding", () => {
  it("one record per cluster, sorted by name, endpoints deduplicated; destinations point at their cluster's record", () => {
    const b = new Blob(good);
    expect(b.section(Section.Outliers).count).toBe(2);
    const name = (i: number) => new TextDecoder().decode(b.bytes.subarray(
      b.section(Section.Strings).offset + b.get(Section.Outliers, i, OutlierF.ClusterOff),
      b.section(Section.Strings).offset + b.get(Section.Outliers, i, OutlierF.ClusterOff) + b.get(Section.Outliers, i, OutlierF.ClusterLen)));
    expect([name(0), name(1)]).toEqual([A, B]);
    expect(b.get(Section.Outliers, 0, OutlierF.EndpointCount)).toBe(2);
    expect(b.get(Section.Outliers, 1, OutlierF.IntervalMs)).toBe(5000);
    expect([0, 1, 2].map((d) => b.get(Section.Dests, d, DestF.Outlier))).toEqual([0, 1, NONE]);
    expect(b.get(Section.Routes, 0, RouteF.Failover)).toBe(1);
  });
});

describe("validateConfig: outlier invariants", () => {
  const cases: Array<[string, (b: Blob) => Blob, RegExp]> = [
    ["an enforcing percentage above 100", (b) => b.set(Section.Outliers, 0, OutlierF.Enforcing5xx, 101), /outlier detector 0: bad percentage/],
    ["max_ejection_percent above 100", (b) => b.set(Section.Outliers, 0, OutlierF.MaxEjectionPercent, 101), /outlier detector 0: bad percentage/],
    ["a split flag other than 0/1", (b) => b.set(Section.Outliers, 1, OutlierF.Split, 2), /outlier detector 1: bad split flag/],
    ["interval 0 (Envoy requires > 0)", (b) => b.set(Section.Outliers, 0, OutlierF.IntervalMs, 0), /interval and base ejection time must be positive/],
    ["base_ejection_time 0", (b) => b.set(Section.Outliers, 0, OutlierF.BaseEjectionMs, 0), /interval and base ejection time must be positive/],
    ["max_ejection_time below base (DetectorImpl::create refuses it)", (b) => b.set(Section.Outliers, 0, OutlierF.MaxEjectionMs, 1000), /max ejection time below base/],
    ["an endpoint range past the section", (b) => b.set(Section.Outliers, 1, OutlierF.EndpointCount, 9), /outlier detector 1: bad endpoint range/],
    ["an empty endpoint", (b) => b.set(Section.Endpoints, 0, 1, 0), /outlier detector 0: bad endpoint 0/],
    ["an empty cluster name", (b) => b.set(Section.Outliers, 0, OutlierF.ClusterLen, 0), /outlier detector 0: bad cluster name/],
    ["records out of order (two detectors for one cluster would be possible)", (b) => b.set(Section.Outliers, 1, OutlierF.ClusterOff, b.get(Section.Outliers, 0, OutlierF.ClusterOff)), /clusters not in strictly increasing order/],
    ["a destination's detector index past the section", (b) => b.set(Section.Dests, 2, DestF.Outlier, 2), /destination 2: bad outlier detector/],
    ["a destination pointing at another cluster's detector", (b) => b.set(Section.Dests, 0, DestF.Outlier, 1), /destination 0: outlier detector of another cluster/],
    ["a detector on a destination Istio has no cluster for", (b) => b.set(Section.Dests, 0, DestF.Exists, 0), /destination 0: bad outlier detector/],
    ["a failover flag other than 0/1", (b) => b.set(Section.Routes, 0, RouteF.Failover, 2), /route 0: bad failover flag/],
  ];
  it.each(cases)("refused: %s", async (_name, mutate, reason) => {
    const host = await ProxyWasmHost.load(WASM, { ...GATEWASM_PRESET, pluginConfig: good });
    expect(host.configured).toEqual([true]);
    expect(host.configure(mutate(new Blob(good)).bytes)).toEqual([false]);
    expect(host.logsAt("error").at(-1)).toMatch(reason);
    // Envoy refuses it on the canary VM, where no configuration was ever active (so the filter's
    // line ends "no configuration is active"); the workers never see it: still serving the good one.
    const r = host.request({ headers: GET, upstream: { status: 200, address: "10.0.0.1:80" } });
    expect(r.upstreamRequest).not.toBeNull();
  });
});

describe("requests to clusters without a detector cost nothing extra", () => {
  it("no shared-data call and no extra property read for an untracked destination; three host calls for a tracked success", async () => {
    const untracked = outlierConfig({}, [weightedRoute([["outbound|80||c.ns.svc.cluster.local", 1]], false)]);
    const h0 = await ProxyWasmHost.load(WASM, { ...GATEWASM_PRESET, pluginConfig: encodeFilterConfig(untracked) });
    const plain = h0.request({ headers: GET, upstream: { status: 200, address: "10.0.0.9:80" } });
    expect(plain.hostCalls.proxy_get_shared_data ?? 0).toBe(0);
    expect(plain.propertyReads).not.toContain("upstream.address");
    const one = outlierConfig({ [A]: { policy: ISTIO_DEFAULTS, endpoints: ["10.0.0.1:80"] } }, [weightedRoute([[A, 1]], false)]);
    const h1 = await ProxyWasmHost.load(WASM, { ...GATEWASM_PRESET, pluginConfig: encodeFilterConfig(one) });
    const tracked = h1.request({ headers: GET, upstream: { status: 200, address: "10.0.0.1:80" } });
    expect(tracked.propertyReads).toContain("upstream.address");
    const extra = (r: typeof plain) => Object.values(r.hostCalls).reduce((a, b) => a + b, 0);
    // upstream.address, :status, the host record (none written: nothing changed).
    expect(extra(tracked) - extra(plain)).toBe(3);
    expect(tracked.hostCalls.proxy_set_shared_data ?? 0).toBe(0);
  });
});
