// Envoy's outlier-detector scenarios (envoyproxy/envoy test/common/upstream/outlier_detection_impl_test.cc)
// reproduced on the harness clock with the real filter: outcomes arrive as upstream responses
// whose `upstream.address` is the endpoint, the interval timer is the filter's tick. Each test
// names the Envoy test it follows; rules from source/common/upstream/outlier_detection_impl.cc
// (../shared/docs/istio-semantics.md §10). Envoy's tests drive putHttpResponseCode directly and
// fire the interval timer by hand at chosen times; here the interval runs every `interval` from
// configuration time, the same times those tests choose.
import { describe, expect, it } from "vitest";
import { OutlierRig } from "../support/outlier.ts";

const H0 = "127.0.0.1:80";
const H1 = "127.0.0.1:81";

describe("consecutive 5xx (Envoy OutlierDetectorImplTest.BasicFlow5xxViaHttpCodes)", () => {
  it("ejects on the 5th consecutive 5xx, keeps the host out for base_ejection_time, ejects again after", async () => {
    // Two hosts; the strict max-ejection check (Envoy ≥ 1.27) needs ≥ 50 % to eject one of two
    // (the Envoy test sets MaxEjectionPercentRuntime to 100 for the same reason).
    const rig = await OutlierRig.single({ maxEjectionPercent: 100 }, [H0, H1]);
    rig.send(H0, 500);
    rig.send(H0, 200); // a success resets the consecutive counter
    rig.send(H0, 500, 4);
    expect(rig.ejected(H0)).toBe(false);
    expect(rig.hostRecord(H0)!.c5xx).toBe(4);
    rig.send(H0, 500);
    expect(rig.ejected(H0)).toBe(true);
    expect(rig.stat("ejections_active")).toBe(1);
    expect(rig.hostRecord(H0)!.c5xx).toBe(0); // the notified counter starts again
    // Interval that doesn't bring the host back in (10 s, 20 s < base 30 s).
    rig.at(10_000);
    expect(rig.ejected(H0)).toBe(true);
    expect(rig.hostRecord(H0)!.unejectedOnce).toBe(false);
    rig.at(29_999);
    expect(rig.ejected(H0)).toBe(true);
    // Interval that does: 30 s ≥ min(base × 1, max).
    rig.at(30_000);
    expect(rig.ejected(H0)).toBe(false);
    expect(rig.hostRecord(H0)!.lastUnejectionMs).toBe(rig.t0 + 30_000);
    expect(rig.stat("ejections_active")).toBe(0);
    // Eject host again after an un-ejection.
    rig.at(40_000);
    rig.send(H0, 500, 5);
    expect(rig.ejected(H0)).toBe(true);
    expect(rig.stat("ejections_active")).toBe(1);
    expect(rig.stat("ejections_total")).toBe(2);
    expect(rig.stat("ejections_enforced_consecutive_5xx")).toBe(2);
    expect(rig.stat("ejections_detected_consecutive_5xx")).toBe(2);
    expect(rig.stat("ejections_enforced_total")).toBe(2);
    expect(rig.stat("ejections_enforced_consecutive_gateway_failure")).toBe(0);
    // The ejection and un-ejection are logged with cluster, endpoint and time (for the real-Envoy comparison).
    const events = rig.host.logsAt("info").filter((l) => l.includes("gatewasm outlier:"));
    expect(events[0]).toMatch(new RegExp(`eject cluster=outbound\\|80\\|\\|a\\.ns\\.svc\\.cluster\\.local endpoint=127\\.0\\.0\\.1:80 type=consecutive_5xx time_ms=${rig.t0}`));
    expect(events[1]).toMatch(new RegExp(`uneject .* endpoint=127\\.0\\.0\\.1:80 time_ms=${rig.t0 + 30_000} ejected_for_ms=30000`));
  });

  it("a host already ejected is not ejected twice (Envoy Consecutive_5xxAlreadyEjected)", async () => {
    const rig = await OutlierRig.single({ maxEjectionPercent: 100 }, [H0]);
    rig.send(H0, 500, 5);
    expect(rig.ejected(H0)).toBe(true);
    rig.send(H0, 200);
    rig.send(H0, 500, 5); // in-flight requests of an ejected host still report
    expect(rig.stat("ejections_enforced_total")).toBe(1);
    expect(rig.stat("ejections_detected_consecutive_5xx")).toBe(1);
    expect(rig.stat("ejections_active")).toBe(1);
  });
});

describe("gateway failure (Envoy OutlierDetectorImplTest.BasicFlowGatewayFailure)", () => {
  it("502/503/504 count as gateway failures and as 5xx; the gateway notification comes first", async () => {
    const rig = await OutlierRig.single({ maxEjectionPercent: 100, enforcingConsecutiveGatewayFailure: 100 }, [H0, H1]);
    rig.send(H0, 503, 4);
    rig.send(H0, 500); // a non-gateway 5xx resets the gateway counter but still counts as 5xx
    expect(rig.hostRecord(H0)).toMatchObject({ cgw: 0, c5xx: 0, ejected: true });
    // It was the 5th consecutive 5xx: a consecutive_5xx ejection.
    expect(rig.stat("ejections_enforced_consecutive_5xx")).toBe(1);
    rig.at(30_000);
    expect(rig.ejected(H0)).toBe(false);
    rig.send(H0, 502);
    rig.send(H0, 504);
    rig.send(H0, 503, 3);
    // Both counters reach 5 on the same response: putHttpResponseCode raises the gateway
    // notification before the 5xx one; the host is ejected by the first, the second is ignored.
    expect(rig.ejected(H0)).toBe(true);
    expect(rig.stat("ejections_enforced_consecutive_gateway_failure")).toBe(1);
    expect(rig.stat("ejections_detected_consecutive_gateway_failure")).toBe(1);
    expect(rig.stat("ejections_detected_consecutive_5xx")).toBe(1);
    expect(rig.stat("ejections_enforced_total")).toBe(2);
  });

  it("Istio's default enforcing_consecutive_gateway_failure 0: detected, not enforced; the 5xx rule ejects", async () => {
    const rig = await OutlierRig.single({ maxEjectionPercent: 100 }, [H0, H1]);
    rig.send(H0, 503, 5);
    expect(rig.stat("ejections_detected_consecutive_gateway_failure")).toBe(1);
    expect(rig.stat("ejections_enforced_consecutive_gateway_failure")).toBe(0);
    expect(rig.stat("ejections_enforced_consecutive_5xx")).toBe(1);
    expect(rig.ejected(H0)).toBe(true);
  });
});

describe("max ejection percent, strict (Envoy OutlierDetectorImplTest.MaxEjectionPercentage, envoyproxy/envoy#27909)", () => {
  it("a 50 % limit ejects no more than 1 of 3 hosts", async () => {
    const hosts = ["127.0.0.2:80", "127.0.0.3:80", "127.0.0.4:80"];
    const rig = await OutlierRig.single({ maxEjectionPercent: 50 }, hosts);
    for (const h of hosts) rig.send(h, 500, 5);
    expect(hosts.map((h) => rig.ejected(h))).toEqual([true, false, false]);
    expect(rig.stat("ejections_overflow")).toBe(2);
    expect(rig.stat("ejections_active")).toBe(1);
  });

  it("a single host is not ejected below 100 % (Envoy MaxEjectionPercentageSingleHost)", async () => {
    const rig = await OutlierRig.single({ maxEjectionPercent: 90 }, ["127.0.0.2:80"]);
    rig.send("127.0.0.2:80", 500, 5);
    expect(rig.ejected("127.0.0.2:80")).toBe(false);
    expect(rig.stat("ejections_overflow")).toBe(1);
  });

  it("Istio's default 10 %: fewer than 10 endpoints never eject; with 10, one does and the next overflows", async () => {
    const nine = Array.from({ length: 9 }, (_, i) => `10.0.0.${i + 1}:8080`);
    const small = await OutlierRig.single({}, nine);
    small.send(nine[0]!, 500, 5);
    expect(small.ejected(nine[0]!)).toBe(false);
    const ten = [...nine, "10.0.0.10:8080"];
    const rig = await OutlierRig.single({}, ten);
    rig.send(ten[0]!, 500, 5);
    rig.send(ten[1]!, 500, 5);
    expect([rig.ejected(ten[0]!), rig.ejected(ten[1]!)]).toEqual([true, false]);
    expect(rig.stat("ejections_overflow")).toBe(1);
  });
});

describe("backoff growth and decay (Envoy OutlierDetectorImplTest.EjectTimeBackoff)", () => {
  it("ejections in a row last base, 2·base, 3·base; healthy intervals bring it down; a long healthy period resets it", async () => {
    const rig = await OutlierRig.single({ maxEjectionPercent: 100, baseEjectionTimeMs: 10_000, maxEjectionTimeMs: 300_000 }, [H0]);
    const eject = () => { rig.send(H0, 500, 5); expect(rig.ejected(H0)).toBe(true); expect(rig.stat("ejections_active")).toBe(1); };
    const stays = (s: number) => { rig.at(s * 1000); expect(rig.ejected(H0), `still ejected at ${s} s`).toBe(true); };
    const back = (s: number) => { rig.at(s * 1000); expect(rig.ejected(H0), `back at ${s} s`).toBe(false); expect(rig.stat("ejections_active")).toBe(0); };
    eject();            // backoff 1: 10 s
    back(10);
    eject();            // second in a row: 20 s
    stays(20);
    back(30);
    eject();            // third: 30 s, not back before 60 s
    stays(40);
    stays(50);
    back(60);
    rig.at(70_000);     // two healthy intervals: backoff 3 → 1
    rig.at(80_000);
    expect(rig.hostRecord(H0)!.backoff).toBe(1);
    eject();            // backoff 2 again: 20 s
    stays(90);
    back(100);
    for (let i = 1; i <= 50; i++) rig.at((100 + i * 10) * 1000);
    expect(rig.hostRecord(H0)!.backoff).toBe(0);
    expect(rig.clusterRecord().tracked).toEqual([]); // nothing left for the interval to do
    rig.at(610_000);
    eject();            // back to 1 × base
    back(620);
  });

  it("the multiplier stops growing once base × backoff reaches max_ejection_time + base (Envoy MaxEjectTime)", async () => {
    const rig = await OutlierRig.single({ maxEjectionPercent: 100, intervalMs: 10_000, baseEjectionTimeMs: 10_000, maxEjectionTimeMs: 30_000 }, [H0]);
    let t = 0;
    for (let i = 1; i <= 6; i++) {
      rig.send(H0, 500, 5);
      const d = Math.min(10_000 * rig.hostRecord(H0)!.backoff, 30_000);
      expect(d).toBe(Math.min(10_000 * i, 30_000));
      // back at the first interval at or after t + d
      t = Math.ceil((t + d) / 10_000) * 10_000;
      rig.at(t - 1);
      expect(rig.ejected(H0)).toBe(true);
      rig.at(t);
      expect(rig.ejected(H0)).toBe(false);
    }
    // base × backoff < max + base allows growth up to backoff 4 (40 s ≥ 30 s + 10 s stops it).
    expect(rig.hostRecord(H0)!.backoff).toBe(4);
  });
});

describe("un-ejection timing (Envoy onIntervalTimer: only the interval timer un-ejects)", () => {
  it("an ejection at an arbitrary time lasts [d, d + interval): it ends at the first interval run ≥ ejection + d", async () => {
    const rig = await OutlierRig.single({ maxEjectionPercent: 100, intervalMs: 10_000, baseEjectionTimeMs: 30_000 }, [H0]);
    rig.at(3_700);
    rig.send(H0, 500, 5);
    expect(rig.hostRecord(H0)!.lastEjectionMs).toBe(rig.t0 + 3_700);
    rig.at(39_999); // 33.7 s ≥ 30 s is true from 33.7 s, but no interval runs until 40 s
    expect(rig.ejected(H0)).toBe(true);
    rig.at(40_000);
    expect(rig.ejected(H0)).toBe(false);
    expect(rig.hostRecord(H0)!.lastUnejectionMs - rig.hostRecord(H0)!.lastEjectionMs).toBe(36_300);
  });

  it("un-ejection resets every consecutive counter (Envoy unejectHost)", async () => {
    const rig = await OutlierRig.single({ maxEjectionPercent: 100, enforcingConsecutiveGatewayFailure: 0, consecutiveGatewayFailure: 9 }, [H0]);
    rig.send(H0, 503, 5);
    expect(rig.hostRecord(H0)).toMatchObject({ ejected: true, cgw: 5 });
    rig.at(30_000);
    expect(rig.hostRecord(H0)).toMatchObject({ ejected: false, cgw: 0, c5xx: 0, clocal: 0 });
  });

  it("enforcing 0 never ejects, and a cluster without a detector is not tracked at all", async () => {
    const rig = await OutlierRig.single({ maxEjectionPercent: 100, enforcingConsecutive5xx: 0 }, [H0]);
    rig.send(H0, 500, 10);
    expect(rig.ejected(H0)).toBe(false);
    expect(rig.stat("ejections_detected_consecutive_5xx")).toBe(2);
    expect(rig.stat("ejections_total")).toBe(2); // Envoy counts the deprecated total before enforcement
    expect(rig.stat("ejections_enforced_total")).toBe(0);
  });
});

describe("configuration updates (every route change is a new filter configuration)", () => {
  it("the detector's state is kept by cluster name: an ejected host stays ejected and comes back on schedule", async () => {
    const { encodeFilterConfig } = await import("../../host/config/encode.ts");
    const { ISTIO_DEFAULTS, outlierConfig, CLUSTER } = await import("../support/outlier.ts");
    const policy = { ...ISTIO_DEFAULTS, maxEjectionPercent: 100 };
    const rig = await OutlierRig.single(policy, [H0]);
    rig.send(H0, 500, 5);
    expect(rig.ejected(H0)).toBe(true);
    rig.at(5_000);
    expect(rig.host.configure(encodeFilterConfig(outlierConfig({ [CLUSTER]: { policy, endpoints: [H0] } }, undefined, { maxActiveFaults: 7 })))).toEqual([true]);
    expect(rig.ejected(H0)).toBe(true);
    rig.at(29_999);
    expect(rig.ejected(H0)).toBe(true);
    rig.at(30_000);
    expect(rig.ejected(H0)).toBe(false);
    expect(rig.host.logsAt("info").filter((l) => l.includes("gatewasm outlier: uneject"))).toHaveLength(1);
    expect(rig.stat("ejections_active")).toBe(0);
  });
});
