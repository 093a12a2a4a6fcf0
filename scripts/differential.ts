// Differential testing driver. Today: harness-only (compile each generated case, run its requests
// through the real build/gatewasm.wasm, check the judge-free invariants). The judges (Istio's
// translator; real Envoy on Istio's config alone and with our EnvoyFilter) are meant to plug in
// where `runCaseInHarness` is called: each case's `yaml` and `requests` are what they consume.
//
//   npx tsx scripts/differential.ts [--seed S] [--count N] [--requests R] [--max-routes M]
//                                   [--dump DIR] [--verbose] [--json]
//
// --dump DIR writes, per seed, DIR/seed-S.yaml and DIR/seed-S.requests.json (the judges' input).
// Exit code 1 when any invariant failed or a case did not compile (a generator bug).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { describeRequest, failuresOf, runCaseInHarness, type CaseReport } from "../test/differential/harness-runner.ts";

const { values } = parseArgs({
  options: {
    seed: { type: "string", default: "1" },
    count: { type: "string", default: "20" },
    requests: { type: "string" },
    "max-routes": { type: "string" },
    dump: { type: "string" },
    verbose: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});

if (values.help) {
  console.log("usage: npx tsx scripts/differential.ts [--seed S] [--count N] [--requests R] [--max-routes M] [--dump DIR] [--verbose] [--json]");
  process.exit(0);
}

const int = (name: string, text: string | undefined): number | undefined => {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) { console.error(`--${name} needs a non-negative integer, got ${JSON.stringify(text)}`); process.exit(2); }
  return n;
};
const seed = int("seed", values.seed)!;
const count = int("count", values.count)!;
const options = { requests: int("requests", values.requests), maxRoutes: int("max-routes", values["max-routes"]) };

const totals: Record<string, number> = {};
let requests = 0;
let failing = 0;
let problems = 0;
const summaries: Array<{ seed: number; requests: number; warnings: number; actions: Record<string, number>; failures: string[] }> = [];
const started = Date.now();

for (let s = seed; s < seed + count; s++) {
  const report: CaseReport = await runCaseInHarness(s, options);
  const failures = failuresOf(report);
  if (values.dump) {
    mkdirSync(values.dump, { recursive: true });
    writeFileSync(join(values.dump, `seed-${s}.yaml`), report.case.yaml);
    writeFileSync(join(values.dump, `seed-${s}.requests.json`), `${JSON.stringify({ seed: s, notes: report.case.notes, requests: report.case.requests }, null, 2)}\n`);
  }
  requests += report.requests.length;
  for (const [k, v] of Object.entries(report.actions)) totals[k] = (totals[k] ?? 0) + v;
  if (failures.length) { failing++; problems += failures.length; }
  summaries.push({ seed: s, requests: report.requests.length, warnings: report.warnings, actions: report.actions, failures });
  if (values.json) continue;
  const acts = Object.entries(report.actions).map(([k, v]) => `${k}=${v}`).join(" ");
  console.log(`seed ${s}: ${report.case.notes[0]!.replace(/^seed \d+: /, "")}; ${report.warnings} warning(s); ${acts}${failures.length ? `; ${failures.length} FAILURE(S)` : ""}`);
  if (values.verbose) {
    for (const n of report.case.notes.slice(1)) console.log(`  note: ${n}`);
    for (const r of report.requests) {
      const o = r.outcome;
      console.log(`  #${r.index} ${describeRequest(r.request)} → ${o ? `${o.action} ${o.status}${o.cluster ? ` ${o.cluster}` : ""}${o.routeName ? ` [${o.routeName}]` : ""}${o.location ? ` location=${o.location}` : ""}${o.delayMs ? ` delay=${o.delayMs}ms` : ""}` : "trap"}`);
    }
  }
  for (const f of failures) console.log(`  ${f}`);
}

const elapsed = ((Date.now() - started) / 1000).toFixed(1);
if (values.json) {
  console.log(JSON.stringify({ seed, count, requests, outcomes: totals, failingCases: failing, failures: problems, cases: summaries }, null, 2));
} else {
  console.log(`\n${count} case(s) from seed ${seed}, ${requests} request(s) in ${elapsed}s`);
  console.log(`outcomes: ${Object.entries(totals).map(([k, v]) => `${k}=${v}`).join(" ")}`);
  console.log(failing ? `${failing} case(s) with ${problems} failure(s); reproduce one with --seed S --count 1 --verbose` : "all invariants held (harness only; judges not wired yet)");
}
process.exit(failing ? 1 : 0);
