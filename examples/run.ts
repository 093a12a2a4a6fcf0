// `npm start`: compiles the bundled store-front example for the ingress gateway and
// simulates a handful of requests through the real filter module, printing each decision.
import { fileURLToPath } from "node:url";
import { formatDiagnostic } from "../host/resources/types.ts";
import { compileInputs } from "../host/pipeline.ts";
import { Simulator } from "../host/simulate/simulator.ts";
import { formatResult } from "../host/cli/simulate-command.ts";
import { readFileSync } from "node:fs";
import { parseScenario } from "../host/simulate/scenario-file.ts";
import { formatScenarioReport, runScenario } from "../host/simulate/scenario.ts";

const folder = fileURLToPath(new URL("./storefront/", import.meta.url));
const result = compileInputs([{ path: folder }]);
for (const d of result.diagnostics) console.error(formatDiagnostic(d));
if (!result.compiled) {
  console.error("the example does not compile");
  process.exit(1);
}
const { config, bytes } = result.compiled;
const routes = config.routeTables.reduce((n, t) => n + t.virtualHosts.reduce((m, v) => m + v.routes.length, 0), 0);
console.log(`compiled examples/storefront: ${config.routeTables.length} route tables, ${routes} routes, ${bytes.length} bytes of filter configuration\n`);

const simulator = await Simulator.create(result.compiled, { seed: 7 });
const requests: Array<{ method: string; url: string; headers?: Array<[string, string]>; port?: number }> = [
  { method: "GET", url: "http://shop.example.com/" },
  { method: "GET", url: "https://shop.example.com/" },
  { method: "GET", url: "https://shop.example.com/", headers: [["x-shop-canary", "always"]] },
  { method: "POST", url: "https://shop.example.com/api/cart/items?id=42" },
  { method: "GET", url: "https://shop.example.com/catalog/shoes?page=2" },
  { method: "GET", url: "https://shop.example.com/healthz" },
  { method: "GET", url: "http://legacy.example.com/anything" },
  { method: "GET", url: "https://unknown.example.com/" },
];
for (const r of requests) {
  process.stdout.write(formatResult(r.method, r.url, simulator.send(r)));
  if (r.headers) console.log(`  (with ${r.headers.map(([k, v]) => `${k}: ${v}`).join(", ")})`);
  console.log();
}

const split: Record<string, number> = {};
for (let i = 0; i < 1000; i++) {
  const r = simulator.send({ method: "GET", url: "https://shop.example.com/" });
  split[r.cluster ?? r.action] = (split[r.cluster ?? r.action] ?? 0) + 1;
}
console.log("1000 requests to https://shop.example.com/ (90/10 canary):");
for (const [cluster, n] of Object.entries(split)) console.log(`  ${cluster}: ${n}`);

// The canary fails: its one pod answers 503 for 10 s. The outlier detector ejects it on the 5th
// error in a row, subset failover gives its 10 % to v1 until it is back
// (same as: npx gatewasm simulate -f examples/storefront --scenario examples/scenarios/canary-fails.yaml).
const scenarioFile = fileURLToPath(new URL("./scenarios/canary-fails.yaml", import.meta.url));
const scenario = parseScenario(readFileSync(scenarioFile, "utf8"), "examples/scenarios/canary-fails.yaml");
console.log("\nThe v2 canary answers 503 from t = 4 s to t = 14 s (examples/scenarios/canary-fails.yaml):\n");
process.stdout.write(formatScenarioReport(await runScenario(result.compiled, scenario, { seed: 7 })));
