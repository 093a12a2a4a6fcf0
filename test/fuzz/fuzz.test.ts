// The short fuzz round of `npm test` (the long one: `npm run fuzz:long`). Seeded (SEED=<n>
// reproduces, SEED=random explores); every trial runs in a worker thread under a watchdog, so a
// hang is reported with its seed and trial instead of stalling the suite. Rules checked: the VM
// never traps or hangs on any accepted configuration (docs/config-format.md "Invariants"),
// nothing reaches an upstream without exactly one filter-written cluster header, and no client
// value of an internal header survives (docs/design.md "Fail closed", "Carrying the decision").
import { describe, expect, it } from "vitest";
import { watched } from "./watchdog.ts";
import type { Kind } from "./trials.ts";

const SEED = process.env.SEED === "random" ? Date.now() % 2 ** 31 : Number(process.env.SEED ?? 20261202);

describe("short fuzz round (seeded, watchdog)", () => {
  it.each([
    ["requests", 400, 50, "20,000 requests through the harness (probes, updates during delays)"],
    ["raw", 200, 50, "10,000 raw-byte requests (invalid UTF-8, malformed maps)"],
    ["configs", 4000, 6, "4,000 structure-aware configuration mutants, each accepted one served"],
  ] as Array<[Kind, number, number, string]>)("%s: %i trials × %i, %s: no trap, hang, undecided forward or client-chosen cluster", async (kind, count, perTrial) => {
    console.log(`fuzz ${kind} seed: ${SEED} (SEED=... to reproduce)`);
    const s = await watched({ kind, seed: SEED, start: 0, count, perTrial }, 20_000);
    console.log(`fuzz ${kind}: ${JSON.stringify({ ...s, failures: s.failures.slice(0, 10) })}`);
    expect(s.failures).toEqual([]);
    expect(s.traps + s.hangs + s.undecided + s.clientClusters + s.incomplete).toBe(0);
    expect(s.trials).toBe(count);
    expect(s.forwarded).toBeGreaterThan(0);
    if (kind === "configs") expect(s.accepted).toBeGreaterThan(0);
  });
});
