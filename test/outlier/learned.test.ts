// Learned endpoint sets (docs/design.md "Outlier tracking in the filter"): with no endpoints
// from the inputs, the max-ejection check (Envoy DetectorImpl::ejectHost: 100 × (active + 1) /
// hosts ≤ max_ejection_percent) divides by the distinct endpoints seen in the current or the
// previous window of max_ejection_time.
import { describe, expect, it } from "vitest";
import { OutlierRig } from "../support/outlier.ts";

const POLICY = { maxEjectionPercent: 50, intervalMs: 1000, baseEjectionTimeMs: 10_000, maxEjectionTimeMs: 30_000 };

describe("learned endpoint sets", () => {
  it("count the endpoints seen: 2 of 4 may be ejected at 50 %, the 3rd overflows", async () => {
    const rig = await OutlierRig.single(POLICY, []);
    for (const e of ["10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80", "10.0.0.4:80"]) rig.send(e, 200);
    for (const e of ["10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80"]) rig.send(e, 500, 5);
    expect(["10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80"].map((e) => rig.ejected(e))).toEqual([true, true, false]);
    expect(rig.stat("ejections_overflow")).toBe(1);
  });

  it("an ejected endpoint still counts in the next window; endpoints not seen for two windows stop counting", async () => {
    const rig = await OutlierRig.single(POLICY, []);
    for (const e of ["10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80", "10.0.0.4:80"]) rig.send(e, 200);
    rig.send("10.0.0.1:80", 500, 5);
    expect(rig.ejected("10.0.0.1:80")).toBe(true);
    // In the next window (windows are max_ejection_time long, on the wall clock) only a new
    // endpoint reports: the four of the previous window still count, max(4, 1) = 4 hosts, so a
    // second ejection is 50 % ≤ 50 %.
    rig.at(31_000);
    rig.send("10.0.0.5:80", 500, 5);
    expect(rig.ejected("10.0.0.5:80")).toBe(true);
    // Three windows later only 10.0.0.6 reports: the others are forgotten, 1 host, 100 % > 50 %.
    rig.at(130_000);
    rig.send("10.0.0.6:80", 500, 5);
    expect(rig.ejected("10.0.0.6:80")).toBe(false);
    expect(rig.stat("ejections_overflow")).toBe(1);
  });
});
