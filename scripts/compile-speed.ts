// Compiler speed and memory on a large input (issue 12: "a 5 MB input under 5 s and 500 MB").
// Generates the bench gateway (bench/istio-yaml.ts) at the size asked, then runs each phase of
// `gatewasm compile` once in this process and prints wall time, CPU time (user + system: the
// build machine's 2 cores are shared, so CPU time is the steadier number) and peak RSS.
//
//   npx tsx scripts/compile-speed.ts [--mb 5] [--hosts 1000] [--seed 1] [--delivery inline] [--write FILE]
//   (--write FILE also saves the input, to time the CLI itself:
//    /usr/bin/time -v npx gatewasm compile -f FILE -o DIR)
//   node --cpu-prof --import tsx scripts/compile-speed.ts   # profile (chrome://inspect)
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { istioBenchInputs } from "../bench/istio-yaml.ts";
import { compileResources } from "../host/pipeline.ts";
import { loadResources } from "../host/resources/load.ts";
import { buildDelivery, objectsYaml, type DeliveryMode } from "../host/rollout/delivery.ts";

const { values } = parseArgs({ options: { mb: { type: "string" }, hosts: { type: "string" }, seed: { type: "string" }, delivery: { type: "string" }, write: { type: "string" } } });
const targetBytes = Number(values.mb ?? 5) * 1024 * 1024;
const hosts = Number(values.hosts ?? 1000);
const seed = Number(values.seed ?? 1);

// Bytes grow about linearly with routes: size a guess, then scale it once.
let routes = 20_000;
let yaml = istioBenchInputs({ routes, hosts, seed }).yaml;
if (values.write) writeFileSync(values.write, yaml);
routes = Math.round((routes * targetBytes) / yaml.length);
yaml = istioBenchInputs({ routes, hosts, seed }).yaml;
if (values.write) writeFileSync(values.write, yaml);

const rows: Array<[string, number, number]> = [];
let wall = performance.now();
let cpu = process.cpuUsage();
const phase = (name: string) => {
  const now = performance.now();
  const used = process.cpuUsage(cpu);
  rows.push([name, now - wall, (used.user + used.system) / 1000]);
  wall = now;
  cpu = process.cpuUsage();
};

const loaded = loadResources([{ name: "bench.yaml", text: yaml }]);
phase("read YAML (loadResources)");
const result = compileResources(loaded.resources, loaded.diagnostics, { selector: { istio: "ingressgateway" }, gatewayNamespace: "istio-system" });
phase("validate + translate + encode");
if (!result.compiled) throw new Error(`does not compile: ${result.diagnostics.filter((d) => d.severity === "error").map((d) => d.message).slice(0, 3).join("; ")}`);
const { config, bytes, policies } = result.compiled;
const delivery = buildDelivery(config, bytes, policies, {
  name: "gatewasm", namespace: "istio-system", selector: { istio: "ingressgateway" }, wasmPath: "/var/lib/gatewasm/gatewasm.wasm",
  delivery: (values.delivery ?? "inline") as DeliveryMode,
});
phase(`rollout objects (--delivery ${values.delivery ?? "inline"}, size findings)`);
const text = objectsYaml(delivery.objects);
phase("rollout YAML text");

const total = rows.reduce((a, r) => [a[0] + r[1], a[1] + r[2]], [0, 0]);
console.log(`input: ${(yaml.length / 1048576).toFixed(2)} MiB YAML, ${routes} routes over ${hosts} hosts (seed ${seed}); blob ${(bytes.length / 1048576).toFixed(2)} MiB; rollout ${(text.length / 1048576).toFixed(2)} MiB`);
for (const [name, w, c] of rows) console.log(`${name.padEnd(52)} ${(w / 1000).toFixed(2).padStart(6)} s wall ${(c / 1000).toFixed(2).padStart(6)} s CPU`);
console.log(`${"total".padEnd(52)} ${(total[0] / 1000).toFixed(2).padStart(6)} s wall ${(total[1] / 1000).toFixed(2).padStart(6)} s CPU`);
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
