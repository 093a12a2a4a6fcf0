// Instructions per request in a real Envoy, counted by valgrind's callgrind: the same figure on a
// busy or a quiet machine, unlike req/s or CPU time (the machines have no hardware counters for
// `perf stat`). Istio's 10-route gateway alone, with stand-in Wasm modules (bench/wasm-stand-ins.ts)
// that add one cost at a time, and with gatewasm in the owner rollout. Each variant is one Envoy
// 1.36.4 under callgrind; after a warm-up the counters are zeroed, N requests are sent one after
// another on one keep-alive connection and the counters dumped — for N1 and for N2 requests; the
// difference ÷ (N2 − N1) is the per-request cost (Envoy's timers and idle loop cancel out).
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { envoyBinary, ENVOY_ABSENT, EnvoyProcess, GATEWASM_WASM } from "../conformance/envoy/index.ts";
import { rolloutYaml } from "../conformance/judge.ts";
import { istioXdsAvailable, startIstioXds, ISTIO_XDS_BINARY } from "../conformance/istio/client.ts";
import { twentyHeaders } from "./synthetic.ts";
import { istioBenchInputs } from "./istio-yaml.ts";
import { FastUpstream } from "./fast-upstream.ts";
import { standInModule, standIns } from "./wasm-stand-ins.ts";

const N1 = 200, N2 = 1200, WARM_UP = 300;

interface Variant { label: string; yaml: (istioYaml: string) => Promise<string> }

function sendSequentially(ip: string, authority: string, path: string, headers: Array<[string, string]>, n: number, agent: Agent): Promise<void> {
  const one = () => new Promise<void>((resolve, reject) => {
    const req = request({ host: ip, port: 8080, path, agent, headers: Object.fromEntries([["host", authority], ...headers]) }, (res) => {
      res.resume();
      res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on("error", reject);
    req.end();
  });
  return (async () => { for (let i = 0; i < n; i++) await one(); })();
}

function callgrindControl(flag: "-z" | "-d", pid: number): void {
  const r = spawnSync("callgrind_control", [flag, String(pid)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`callgrind_control ${flag} ${pid}: ${r.stderr}${r.stdout}`);
}

/** Dumps the counters of `pid` and returns the instructions counted since the last zeroing. */
function dumpedInstructions(pid: number, dir: string): number {
  const before = new Set(readdirSync(dir));
  callgrindControl("-d", pid);
  const fresh = readdirSync(dir).filter((f) => !before.has(f) && f.startsWith(`cg.${pid}.`));
  if (fresh.length !== 1) throw new Error(`callgrind: expected one new dump, got [${fresh.join(", ")}]`);
  const m = /^(?:summary|totals): (\d+)/m.exec(readFileSync(join(dir, fresh[0]!), "utf8"));
  if (!m) throw new Error(`callgrind dump ${fresh[0]} has no summary line`);
  return Number(m[1]);
}

function missing(): string | null {
  const why: string[] = [];
  if (!envoyBinary()) why.push(ENVOY_ABSENT);
  if (spawnSync("valgrind", ["--version"]).error) why.push("valgrind is not installed (apt-get install valgrind)");
  if (!istioXdsAvailable()) why.push(`ISTIO TOOL ABSENT: no ${ISTIO_XDS_BINARY}; run npm run setup:istio`);
  return why.length ? why.join("; ") : null;
}

/** The section's table (markdown lines), or null (with a loud line) when it cannot run here. */
export async function envoyInstructionsSection(log: (line: string) => void = (l) => console.error(l)): Promise<string[] | null> {
  const why = missing();
  if (why) {
    log(`\n!!! REAL ENVOY INSTRUCTION COUNTS SKIPPED: ${why}\n`);
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), "gatewasm-callgrind-"));
  const wrapper = join(dir, "envoy-under-callgrind.sh");
  writeFileSync(wrapper, `#!/bin/sh\nexec valgrind --tool=callgrind --smc-check=all-non-file --callgrind-out-file=${dir}/cg.%p.out ${envoyBinary()} "$@"\n`);
  chmodSync(wrapper, 0o755);

  const inputs = istioBenchInputs({ routes: 10, hosts: 1 });
  const headers = twentyHeaders(inputs.probe.authority, inputs.probe.path, inputs.probe.headers)
    .filter(([k]) => !k.startsWith(":") && k !== "x-forwarded-proto" && k !== "host");
  const alongside = rolloutYaml(inputs.yaml, "alongside");
  const fqdn = inputs.probeCluster.split("|")[3]!;
  const ladder = standIns(["x-gatewasm-cluster", inputs.probeCluster], ["x-envoy-decorator-operation", `${fqdn}:8080/api*`]);
  const variants: Variant[] = [
    { label: "Istio alone", yaml: async (y) => y },
    { label: "gatewasm, owner rollout", yaml: async (y) => `${y}\n---\n${rolloutYaml(y, "owner")}` },
    ...ladder.map((s) => ({
      label: s.label,
      yaml: async (y: string) => {
        const path = join(dir, `${s.name}.wasm`);
        writeFileSync(path, await standInModule(s));
        // The stand-ins run in the alongside rollout: Istio's routes route (or, once a stand-in
        // sets the cluster header, the generated cluster_header route does).
        return `${y}\n---\n${alongside.split(GATEWASM_WASM).join(path)}`;
      },
    })),
  ];
  const istio = startIstioXds()!;
  const upstream = await FastUpstream.start();
  const rows: Array<[string, number]> = [];
  try {
    for (const v of variants) {
      const t = await istio.translate({
        yaml: await v.yaml(inputs.yaml), labels: { istio: "ingressgateway" }, namespace: "istio-system",
        listenAddress: "127.0.0.1", upstreamPort: upstream.port, upstreamNet: "127.201", adminPort: 0,
      });
      if (t.errors.length || !t.bootstrap) throw new Error(`Istio rejects the inputs (${v.label}):\n${t.errors.join("\n")}`);
      const envoy = await EnvoyProcess.start(t.bootstrap, { concurrency: 1, logLevel: "warning", binary: wrapper, readyTimeoutMs: 600_000 });
      try {
        const agent = new Agent({ keepAlive: true, maxSockets: 1 });
        const send = (n: number) => sendSequentially(envoy.ip, inputs.probe.authority, inputs.probe.path, headers, n, agent);
        await send(WARM_UP); // V8's tiers, Envoy's allocator, the connection
        callgrindControl("-z", envoy.pid);
        await send(N1);
        const a = dumpedInstructions(envoy.pid, dir);
        callgrindControl("-z", envoy.pid);
        await send(N2);
        const b = dumpedInstructions(envoy.pid, dir);
        agent.destroy();
        const perRequest = (b - a) / (N2 - N1);
        rows.push([v.label, perRequest]);
        log(`    ${v.label}: ${Math.round(perRequest).toLocaleString("en-US")} instructions a request`);
      } finally {
        await envoy.stop();
      }
    }
  } finally {
    await upstream.stop();
    await istio.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const base = rows[0]![1];
  const k = (n: number) => `${(n / 1000).toFixed(1)}k`;
  return [
    "| real Envoy 1.36.4 under callgrind, 10 routes, one request at a time | instructions a request | vs Istio alone |",
    "| --- | --- | --- |",
    ...rows.map(([label, n]) => `| ${label} | ${k(n)} | ${n === base ? "—" : `+${k(n - base)} (+${((n / base - 1) * 100).toFixed(1)} %)`} |`),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const lines = await envoyInstructionsSection();
  if (lines) for (const l of lines) console.log(l);
}
