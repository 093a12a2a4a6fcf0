// `npm run fuzz:long -- [--requests N] [--raw N] [--configs N] [--seed S] [--parallel]`:
// the long fuzz round. Requests (through the harness, probes included), raw-byte requests and
// mutated configurations run in worker threads under a watchdog (test/fuzz/watchdog.ts); the
// seed, counts and times are printed, and the exit code is 1 on any trap, hang, forward
// without a decision or client-chosen cluster. Defaults: 10,000,000 requests, 1,000,000 raw
// requests, 1,000,000 configurations.
import { watched, type WatchedStats } from "../test/fuzz/watchdog.ts";
import type { Kind } from "../test/fuzz/trials.ts";

const args = process.argv.slice(2);
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]!.replace(/_/g, "")) : dflt;
};
const seed = args.includes("--seed") ? opt("seed", 0) : (Date.now() % 2 ** 31);
const parallel = args.includes("--parallel");
const chunk = opt("chunk", 0);
const PER_TRIAL: Record<Kind, number> = { requests: 50, raw: 50, configs: 6 };
const plan: Array<{ kind: Kind; count: number }> = [
  { kind: "requests", count: opt("requests", 10_000_000) },
  { kind: "raw", count: opt("raw", 1_000_000) },
  { kind: "configs", count: opt("configs", 1_000_000) },
];

console.log(`fuzz:long seed ${seed} (--seed ${seed} reproduces); plan ${plan.map((p) => `${p.kind} ${p.count.toLocaleString("en-US")}`).join(", ")}`);

const summary = (kind: Kind, s: WatchedStats): string =>
  `${kind}: trials ${s.trials.toLocaleString("en-US")}, requests ${s.requests.toLocaleString("en-US")} (forwarded ${s.forwarded.toLocaleString("en-US")}), configs ${s.configs.toLocaleString("en-US")} (accepted ${s.accepted.toLocaleString("en-US")}), ` +
  `traps ${s.traps}, hangs ${s.hangs}, forwarded without decision ${s.undecided}, client-chosen clusters ${s.clientClusters}, incomplete ${s.incomplete}, ${s.seconds.toFixed(0)} s`;

async function run(kind: Kind, count: number): Promise<WatchedStats> {
  // Requests and raw requests count requests; configurations count mutants (one per trial).
  const trials = kind === "configs" ? count : Math.ceil(count / PER_TRIAL[kind]);
  const step = chunk > 0 ? chunk : Math.max(1, Math.ceil(trials / 20));
  let total: WatchedStats | null = null;
  for (let start = 0; start < trials; start += step) {
    const s = await watched({ kind, seed, start, count: Math.min(step, trials - start), perTrial: PER_TRIAL[kind] });
    total = total === null ? s : {
      ...s, trials: total.trials + s.trials, requests: total.requests + s.requests, configs: total.configs + s.configs,
      accepted: total.accepted + s.accepted, traps: total.traps + s.traps, hangs: total.hangs + s.hangs, undecided: total.undecided + s.undecided,
      clientClusters: total.clientClusters + s.clientClusters, incomplete: total.incomplete + s.incomplete, forwarded: total.forwarded + s.forwarded,
      seconds: total.seconds + s.seconds, failures: [...total.failures, ...s.failures].slice(0, 50),
    };
    console.log(`  [${new Date().toISOString()}] ${summary(kind, total)}`);
    for (const f of s.failures.slice(0, 5)) console.log(`    ${f}`);
  }
  return total!;
}

const results = parallel
  ? await Promise.all(plan.filter((p) => p.count > 0).map((p) => run(p.kind, p.count).then((s) => [p.kind, s] as const)))
  : await (async () => { const out: Array<readonly [Kind, WatchedStats]> = []; for (const p of plan) if (p.count > 0) out.push([p.kind, await run(p.kind, p.count)] as const); return out; })();

console.log(`fuzz:long seed ${seed} done`);
let bad = 0;
for (const [kind, s] of results) {
  console.log(summary(kind, s));
  bad += s.traps + s.hangs + s.undecided + s.clientClusters + s.incomplete;
}
process.exit(bad === 0 ? 0 : 1);
