// Harness-only differential round: compile a generated case, run every request through the
// real build/gatewasm.wasm in the harness, and check the invariants that need no judge.
// The judges (Istio's translator, real Envoy) plug in next to `runCaseInHarness` later: the
// outcome records what each of them will be compared on (status, cluster, route, location, body).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { compileInputs, type CompiledGateway } from "../../host/pipeline.ts";
import type { Route } from "../../host/config/model.ts";
import { DEFAULT_POLICY_HEADER } from "../../host/config/policies.ts";
import { formatDiagnostic } from "../../host/resources/types.ts";
import { Simulator } from "../../host/simulate/simulator.ts";
import type { RequestSpec } from "../../host/harness/index.ts";
import {
  clusterExists,
  clusterOf,
  generateCaseWithModel,
  routeKey,
  type CaseModel,
  type DifferentialCase,
  type GenerateOptions,
  type RawRequest,
} from "./generator.ts";

export const WASM_PATH = fileURLToPath(new URL("../../build/gatewasm.wasm", import.meta.url));

export interface HarnessOutcome {
  /** "route" (forwarded) or the local reply's details (route_not_found, cluster_not_found, direct_response, fault_filter_abort, ...). */
  action: string;
  status: number;
  cluster?: string;
  /** Envoy route name of the matched rule, when the filter matched one. */
  routeName: string | null;
  location?: string;
  body?: string;
  delayMs: number;
  upstreamHeaders?: Array<[string, string]>;
}

export interface RequestReport { index: number; request: RawRequest; outcome: HarnessOutcome | null; problems: string[] }

export interface CaseReport {
  seed: number;
  case: DifferentialCase;
  /** Compile errors (a generator bug) — nothing ran. */
  compileErrors: string[];
  warnings: number;
  requests: RequestReport[];
  /** Problems not tied to one request (trap, refused configuration). */
  problems: string[];
  actions: Record<string, number>;
}

const DECISION = /gatewasm decision vhost=(\S+) route=(\S+) dest=(\S+) outcome=(\S+)/;
const DELAY = /gatewasm fault delay=(\d+)ms/;
const CLOCK_STEP_MS = 10;

let wasm: Uint8Array | null = null;

/** The request line and headers as the judges will send them (for reports and regressions). */
export function describeRequest(r: RawRequest): string {
  const extra = r.headers.map(([k, v]) => ` -H '${k}: ${v}'`).join("");
  return `${r.method} ${r.scheme}://${r.authority}${r.path} port=${r.port}${r.sni ? ` sni=${r.sni}` : ""}${extra}`;
}

/**
 * The harness request for a RawRequest, exactly as given (no URL normalisation), as a gateway's
 * connection manager presents it: x-forwarded-proto from the connection, destination.port the
 * port the listener binds.
 */
export function harnessSpecFor(r: RawRequest, compiled: CompiledGateway): RequestSpec {
  const table = compiled.config.routeTables.find((t) => t.port === r.port);
  const properties: Record<string, string | bigint> = { "destination.port": BigInt(table?.listenerPort ?? r.port) };
  if (r.sni !== undefined) properties["connection.requested_server_name"] = r.sni;
  return {
    headers: [
      [":method", r.method], [":scheme", r.scheme], [":authority", r.authority], [":path", r.path],
      ["x-forwarded-proto", r.scheme],
      ...r.headers.map(([k, v]): [string, string] => [k.toLowerCase(), v]),
    ],
    properties,
  };
}

/** Sends one RawRequest through the harness, moving the clock on through fault delays. */
function sendRaw(sim: Simulator, compiled: CompiledGateway, routes: Route[], r: RawRequest): { outcome: HarnessOutcome; route: Route | null } {
  const config = compiled.config;
  const host = sim.harness;
  const pending = host.send(harnessSpecFor(r, compiled));
  for (let waited = 0; !pending.done && waited < 60_000; waited += CLOCK_STEP_MS) host.advance(CLOCK_STEP_MS);
  if (!pending.done) pending.cancel();
  const result = pending.result;
  const decision = result.logs.map((l) => DECISION.exec(l.message)).find((m) => m !== null) ?? null;
  const routeIndex = decision && decision[2] !== "-" ? Number(decision[2]) : null;
  const route = routeIndex === null ? null : routes[routeIndex] ?? null;
  const delay = result.logs.map((l) => DELAY.exec(l.message)).find((m) => m !== null);
  const base = { routeName: route ? route.name ?? "" : null, delayMs: delay ? Number(delay[1]) : 0 };
  const reply = result.localReply;
  if (!reply) {
    const sent = result.upstreamRequest?.headers ?? [];
    const policyHeader = config.policyHeader ?? DEFAULT_POLICY_HEADER;
    return {
      route,
      outcome: {
        action: "route",
        status: result.response?.status ?? 200,
        cluster: sent.find(([k]) => k === config.clusterHeader)?.[1],
        upstreamHeaders: sent.filter(([k]) => k !== config.clusterHeader && k !== policyHeader).map(([k, v]): [string, string] => [k, v]),
        ...base,
      },
    };
  }
  const responseHeaders = result.response?.headers ?? reply.headers;
  return {
    route,
    outcome: {
      action: reply.details,
      status: result.response?.status ?? reply.status,
      location: responseHeaders.find(([k]) => k === "location")?.[1],
      body: Buffer.from(result.response?.body ?? reply.body).toString("utf8"),
      ...base,
    },
  };
}

/** Invariants of one outcome against the generator's model and the compiled route. */
function check(model: CaseModel, r: RawRequest, o: HarnessOutcome, compiledRoute: Route | null): string[] {
  const problems: string[] = [];
  if (!model.statuses.includes(o.status)) problems.push(`status ${o.status} is not among the generated ones (${model.statuses.join(", ")})`);
  const known = ["route", "route_not_found", "cluster_not_found", "direct_response", "fault_filter_abort"];
  if (!known.includes(o.action)) problems.push(`unexpected local reply details ${o.action}`);
  if (o.routeName === null) {
    if (o.action === "route" || o.action === "fault_filter_abort" || o.action === "cluster_not_found") problems.push(`${o.action} without a matched route`);
    if (o.action === "direct_response" && !(o.status === 301 && o.location?.startsWith("https://"))) problems.push(`direct response without a matched route that is not an https redirect`);
    return problems;
  }
  const mr = model.routes[routeKey(o.routeName)];
  if (!mr) return [...problems, `matched route ${o.routeName} is not a generated rule`];
  if (compiledRoute && compiledRoute.virtualService !== mr.virtualService) {
    problems.push(`route ${o.routeName} comes from ${compiledRoute.virtualService}, generated in ${mr.virtualService}`);
  }
  // Faults: percentages are 0 or 100 only, so the outcome is certain.
  const delayMs = mr.delay?.percent === 100 ? mr.delay.ms : 0;
  if (o.delayMs !== delayMs) problems.push(`delay ${o.delayMs} ms, expected ${delayMs} ms (${JSON.stringify(mr.delay ?? null)})`);
  const aborts = mr.abort?.percent === 100;
  if (aborts !== (o.action === "fault_filter_abort")) problems.push(`${o.action}, but the abort is ${JSON.stringify(mr.abort ?? null)}`);
  if (aborts && o.action === "fault_filter_abort" && o.status !== mr.abort!.status) problems.push(`abort status ${o.status}, expected ${mr.abort!.status}`);
  if (aborts) return problems;
  const candidates = mr.destinations.map((d) => clusterOf(d, r.port));
  switch (mr.kind) {
    case "route":
      if (o.action === "route") {
        if (!o.cluster) problems.push("forwarded without a cluster header");
        else {
          if (!candidates.includes(o.cluster)) problems.push(`cluster ${o.cluster} is not a destination of ${o.routeName} (${candidates.join(", ")})`);
          if (!clusterExists(model, o.cluster)) problems.push(`forwarded to ${o.cluster}, which no generated service defines`);
          if (compiledRoute?.action.kind === "route" && !compiledRoute.action.destinations.some((d) => d.cluster === o.cluster)) {
            problems.push(`cluster ${o.cluster} is not among the compiled destinations of ${o.routeName}`);
          }
        }
      } else if (o.action === "cluster_not_found") {
        if (o.status !== 503) problems.push(`cluster_not_found with status ${o.status}`);
        if (candidates.every((c) => clusterExists(model, c))) problems.push(`503 cluster_not_found, but every destination exists (${candidates.join(", ")})`);
      } else problems.push(`route rule ${o.routeName} answered ${o.action} ${o.status}`);
      break;
    case "redirect":
      if (o.action !== "direct_response" || o.status !== mr.redirectCode) problems.push(`redirect rule answered ${o.action} ${o.status}, expected ${mr.redirectCode}`);
      if (!o.location) problems.push("redirect without location");
      break;
    case "direct_response":
      if (o.action !== "direct_response" || o.status !== mr.directStatus) problems.push(`direct response rule answered ${o.action} ${o.status}, expected ${mr.directStatus}`);
      if (mr.directBody !== undefined && o.body !== mr.directBody) problems.push(`body ${JSON.stringify(o.body)}, expected ${JSON.stringify(mr.directBody)}`);
      break;
  }
  return problems;
}

export interface LoadedCase { sim: Simulator; compiled: CompiledGateway; routes: Route[]; warnings: number }

/** Compiles `yaml` and loads it into a fresh harness; throws with the errors when it does not compile. */
export async function loadCase(yaml: string, seed = 1): Promise<LoadedCase> {
  const result = compileInputs([{ name: "case.yaml", text: yaml }]);
  const errors = result.diagnostics.filter((d) => d.severity === "error").map(formatDiagnostic);
  if (errors.length || !result.compiled) throw new Error(`does not compile:\n${errors.join("\n")}`);
  wasm ??= readFileSync(WASM_PATH);
  const sim = await Simulator.create(result.compiled, { seed, wasm });
  const routes = result.compiled.config.routeTables.flatMap((t) => t.virtualHosts.flatMap((v) => v.routes));
  return { sim, compiled: result.compiled, routes, warnings: result.diagnostics.filter((d) => d.severity === "warning").length };
}

/** One request through a loaded case, exactly as given. */
export function sendToHarness(loaded: LoadedCase, request: RawRequest): HarnessOutcome {
  return sendRaw(loaded.sim, loaded.compiled, loaded.routes, request).outcome;
}

/** Generates case `seed`, compiles it, runs every request in the harness and checks the invariants. */
export async function runCaseInHarness(seed: number, options: GenerateOptions = {}): Promise<CaseReport> {
  const { case: c, model } = generateCaseWithModel(seed, options);
  const report: CaseReport = { seed, case: c, compileErrors: [], warnings: 0, requests: [], problems: [], actions: {} };
  const result = compileInputs([{ name: "case.yaml", text: c.yaml }]);
  report.compileErrors = result.diagnostics.filter((d) => d.severity === "error").map(formatDiagnostic);
  report.warnings = result.diagnostics.filter((d) => d.severity === "warning").length;
  if (report.compileErrors.length || !result.compiled) return report;
  const compiled = result.compiled;
  wasm ??= readFileSync(WASM_PATH);
  let sim: Simulator;
  try {
    sim = await Simulator.create(compiled, { seed, wasm });
  } catch (error) {
    report.problems.push((error as Error).message);
    return report;
  }
  const routes = compiled.config.routeTables.flatMap((t) => t.virtualHosts.flatMap((v) => v.routes));
  c.requests.forEach((request, index) => {
    if (sim.harness.isFailed()) return;
    const { outcome, route: compiledRoute } = sendRaw(sim, compiled, routes, request);
    const failed = sim.harness.isFailed();
    const problems = failed ? [`the module trapped: ${sim.harness.trapMessage()}`] : check(model, request, outcome, compiledRoute);
    report.actions[outcome.action] = (report.actions[outcome.action] ?? 0) + 1;
    report.requests.push({ index, request, outcome: failed ? null : outcome, problems });
  });
  return report;
}

/** Human-readable failures of a report (empty when everything held). */
export function failuresOf(report: CaseReport): string[] {
  const out: string[] = [];
  if (report.compileErrors.length) out.push(`seed ${report.seed}: generator bug, the case does not compile:\n  ${report.compileErrors.join("\n  ")}`);
  for (const p of report.problems) out.push(`seed ${report.seed}: ${p}`);
  for (const r of report.requests) {
    for (const p of r.problems) out.push(`seed ${report.seed} request #${r.index} ${describeRequest(r.request)}: ${p}`);
  }
  return out;
}
