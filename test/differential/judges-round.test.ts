// The short differential round of the README's test command: generated configurations and
// requests, three ways (judge-round.ts), at least 1,000 request pairs. DIFF_SEED moves the seed
// range (printed); `scripts/differential.ts --judges` runs the long round.
import { mkdirSync, writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { IstioXds } from "../../conformance/istio/client.ts";
import { judgesAbsent } from "../support/judges.ts";
import { judgeCase } from "./judge-round.ts";

const BASE = Number(process.env.DIFF_SEED ?? 1);
const CASES = Number(process.env.DIFF_JUDGE_CASES ?? 25);
const REQUESTS = 45;

const absent = judgesAbsent("differential round against the judges");

describe.skipIf(!!absent)("differential round: generated Istio configurations, three ways", () => {
  let istio: IstioXds | null = null;
  afterAll(async () => { await istio?.close(); });

  it(`seeds ${BASE}..${BASE + CASES - 1}: (c) = (b) and (a) = (c) for every request`, async () => {
    console.info(`differential judges round: seeds ${BASE}..${BASE + CASES - 1} (DIFF_SEED=<n> moves them)`);
    istio = new IstioXds();
    const differences: string[] = [];
    let compared = 0;
    for (let seed = BASE; seed < BASE + CASES; seed++) {
      const r = await judgeCase(istio, seed, { requests: REQUESTS });
      compared += r.compared;
      if (r.differences.length) {
        mkdirSync("build/differential", { recursive: true });
        writeFileSync(`build/differential/seed-${seed}.yaml`, r.yaml);
        differences.push(...r.differences, `seed ${seed}: YAML in build/differential/seed-${seed}.yaml`);
      }
    }
    console.info(`differential judges round: ${compared} request pairs compared`);
    expect(compared).toBeGreaterThanOrEqual(1000);
    expect(differences).toEqual([]);
  }, 900_000);
});
