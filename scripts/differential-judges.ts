// The long differential round against the real judges (test/differential/judge-round.ts):
// generated configurations and requests, the harness (a) vs real Envoy on Istio's configuration
// alone (b) vs real Envoy with our owner rollout applied by Istio (c).
//
//   npx tsx scripts/differential-judges.ts [--seed S] [--pairs N] [--requests R]
//
// Runs cases from seed S on until N request pairs were compared; prints progress, every
// difference with its seed, and a summary; writes each differing case's YAML to
// build/differential/. Exit 1 on any difference.
import { mkdirSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { IstioXds } from "../conformance/istio/client.ts";
import { judgeCase } from "../test/differential/judge-round.ts";

const { values } = parseArgs({
  options: {
    seed: { type: "string", default: "1" },
    pairs: { type: "string", default: "100000" },
    requests: { type: "string", default: "50" },
  },
});
const first = Number(values.seed), wanted = Number(values.pairs), requests = Number(values.requests);
const istio = new IstioXds();
const started = Date.now();
let compared = 0, cases = 0, skipped = 0, differing = 0;
let seed = first;
for (; compared < wanted; seed++) {
  const r = await judgeCase(istio, seed, { requests });
  cases++;
  compared += r.compared;
  skipped += r.skipped.length;
  if (r.differences.length) {
    differing++;
    mkdirSync("build/differential", { recursive: true });
    writeFileSync(`build/differential/seed-${seed}.yaml`, r.yaml);
    for (const d of r.differences) console.log(d);
  }
  if (cases % 20 === 0) console.log(`… seed ${seed}: ${compared} pairs, ${differing} differing cases, ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
await istio.close();
console.log(`differential judges: seeds ${first}..${seed - 1}, ${cases} cases, ${compared} request pairs (${skipped} not replayable), ${differing} cases with differences, ${((Date.now() - started) / 1000).toFixed(0)} s`);
process.exit(differing === 0 ? 0 : 1);
