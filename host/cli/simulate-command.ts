// `gatewasm simulate`: compile, load the real module into the harness, send the request.
import { parseArgs } from "node:util";
import { compileInputs, type CompiledGateway } from "../pipeline.ts";
import { loadCompiled } from "../simulate/compiled-input.ts";
import { parseCurlUrl } from "../simulate/curl-url.ts";
import { Simulator, type SimulationResult } from "../simulate/simulator.ts";
import { readFileSync } from "node:fs";
import { parseScenario, ScenarioError } from "../simulate/scenario-file.ts";
import { formatScenarioReport, runScenario } from "../simulate/scenario.ts";
import { COMMON_OPTIONS, SIMULATE_USAGE, type Io } from "./main.ts";
import { inputsFrom, pipelineOptionsFrom, reportDiagnostics, targetFrom } from "./inputs.ts";

/** curl's -H: `name: value`, also without the space (`-HHost:h`, the ingress tutorials' form). */
/**
 * The configuration to simulate: a compile -o output reused (`--config`: no inputs to read,
 * nothing to recompile), or the inputs compiled now; null when they do not compile (reported).
 */
function compiledFrom(values: Record<string, any>, io: Io): CompiledGateway | null {
  if (values.config !== undefined) {
    if (values.file?.length) throw new Error("--config replaces -f: give one or the other");
    return loadCompiled(values.config);
  }
  const result = compileInputs(inputsFrom(values.file, io), targetFrom(values), pipelineOptionsFrom(values, "warning"));
  if (reportDiagnostics(result.diagnostics, io) || !result.compiled) return null;
  return result.compiled;
}

function parseHeader(text: string): [string, string] {
  const colon = text.indexOf(":", text.startsWith(":") ? 1 : 0);
  if (colon <= 0) throw new Error(`-H: expected 'name: value', got ${JSON.stringify(text)}`);
  return [text.slice(0, colon).trim().toLowerCase(), text.slice(colon + 1).trim()];
}

function positiveInteger(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name}: expected a non-negative integer, got ${JSON.stringify(text)}`);
  return n;
}

export function formatResult(method: string, url: string, r: SimulationResult): string {
  const lines = [`${method.toUpperCase()} ${url}`];
  if (r.listener) {
    const bound = r.listener.listenerPort !== r.listener.port ? ` (listener binds ${r.listener.listenerPort})` : "";
    lines.push(`  listener: port ${r.listener.port}${bound}, ${r.listener.kind}`);
  }
  for (const reason of r.explanation) lines.push(`  ${reason}`);
  const forwarded = r.action === "route" || r.action === "passthrough" || r.action === "tcp_proxy";
  const outcome = forwarded ? `${r.action} → ${r.cluster}` : `${r.action} ${r.status ?? ""}`.trim();
  lines.push(`  ⇒ ${outcome}${r.delayMs ? ` (after a ${r.delayMs} ms injected delay)` : ""}`);
  if (r.responseHeaders?.location) lines.push(`  location: ${r.responseHeaders.location}`);
  if (r.action === "route" && r.request) {
    lines.push(`  upstream request: ${r.request[":method"] ?? ""} ${r.request[":authority"] ?? ""}${r.request[":path"] ?? ""}`);
  }
  for (const note of r.notes) lines.push(`  note: ${note}`);
  return `${lines.join("\n")}\n`;
}

export async function runSimulate(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      ...COMMON_OPTIONS,
      port: { type: "string" },
      header: { type: "string", short: "H", multiple: true },
      seed: { type: "string" },
      repeat: { type: "string" },
      json: { type: "boolean" },
      config: { type: "string" },
      scenario: { type: "string" },
    },
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout(SIMULATE_USAGE);
    return 0;
  }
  if (values.scenario !== undefined) return runScenarioCommand(values, positionals, io);
  if (positionals.length !== 2) throw new Error("expected METHOD URL");
  const [method, url] = positionals as [string, string];
  parseCurlUrl(url); // a usage error before anything is compiled
  const headers = (values.header ?? []).map(parseHeader);
  const port = values.port === undefined ? undefined : positiveInteger("port", values.port, 0);
  const seed = positiveInteger("seed", values.seed, 1);
  const repeat = positiveInteger("repeat", values.repeat, 0);
  // An empty configuration is simulated (every request shows why it is not routed), with the
  // warning compile would make an error.
  const compiled = compiledFrom(values, io);
  if (compiled === null) return 1;
  const simulator = await Simulator.create(compiled, { seed });
  if (repeat > 0) {
    const clusters: Record<string, number> = {};
    const actions: Record<string, number> = {};
    let delayed = 0;
    for (let i = 0; i < repeat; i++) {
      const r = simulator.send({ method, url, headers, port });
      actions[r.action] = (actions[r.action] ?? 0) + 1;
      if (r.cluster) clusters[r.cluster] = (clusters[r.cluster] ?? 0) + 1;
      if (r.delayMs > 0) delayed++;
    }
    const summary = { clusters, actions, delayed };
    io.stdout(values.json ? `${JSON.stringify(summary)}\n` : `${JSON.stringify(summary, null, 2)}\n`);
    return 0;
  }
  const r = simulator.send({ method, url, headers, port });
  if (values.json) {
    io.stdout(`${JSON.stringify(r)}\n`);
  } else {
    io.stdout(formatResult(method, url, r));
  }
  return 0;
}

/**
 * `simulate --scenario FILE [METHOD URL]`: replays the scenario (host/simulate/scenario-file.ts)
 * on the harness clock and prints, per report period, where traffic went and what the filter's
 * outlier tracker ejected. METHOD URL is the request when the scenario lists none.
 */
async function runScenarioCommand(values: Record<string, any>, positionals: string[], io: Io): Promise<number> {
  if (positionals.length !== 0 && positionals.length !== 2) throw new Error("expected --scenario FILE [METHOD URL]");
  const [method, url] = positionals as [string | undefined, string | undefined];
  if (url !== undefined) { try { new URL(url); } catch { throw new Error(`not a URL: ${JSON.stringify(url)}`); } }
  const file = String(values.scenario);
  let text: string;
  try { text = readFileSync(file, "utf8"); } catch (e) { throw new Error(`--scenario: cannot read ${file}: ${(e as Error).message}`); }
  let scenario;
  try {
    scenario = parseScenario(text, file);
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    for (const p of e.problems) io.stderr(`${p}\n`);
    return 1;
  }
  const seed = positiveInteger("seed", values.seed, 1);
  const compiled = compiledFrom(values, io);
  if (compiled === null) return 1;
  const headers = (values.header ?? []).map(parseHeader);
  const port = values.port === undefined ? undefined : positiveInteger("port", values.port, 0);
  const defaultRequest = method && url ? { method: method.toUpperCase(), url, headers, port, weight: 1 } : undefined;
  const report = await runScenario(compiled, scenario, { seed, defaultRequest });
  io.stdout(values.json ? `${JSON.stringify(report)}\n` : formatScenarioReport(report));
  return 0;
}
