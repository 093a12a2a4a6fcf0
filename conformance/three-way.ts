// The three-way comparison (issue "The real judges"): requests already sent through the harness
// (a) are replayed through real Envoy on Istio's configuration alone (b, the ground truth) and on
// Istio's configuration plus our EnvoyFilter, applied by Istio's patch code (c), and compared:
// (c) = (b) always (else a product bug), (a) = (c owner) unless EXPLAINED (else a harness
// difference, to fix or to explain in docs/harness.md). Used by test/support/three-way.ts (the
// e2e suite), test/differential/ and scripts/differential-judges.ts.
import { appendFileSync } from "node:fs";
import { EnvoyJudge, type JudgeMode } from "./judge.ts";
import { diffOutcomes, outcomeFromHarness, type ClientRequest, type CompareOptions, type Outcome, type Pairs } from "./outcome.ts";
import type { Behaviour } from "./envoy/index.ts";
import type { IstioXds } from "./istio/client.ts";
import type { RequestResult, RequestSpec } from "../host/harness/index.ts";
import type { GatewayTarget } from "../host/pipeline.ts";
import { DEFAULT_POLICY_HEADER } from "../host/config/policies.ts";
import type { Simulator } from "../host/simulate/simulator.ts";

export interface RecordedRequest { spec: RequestSpec; result: () => RequestResult | null }

function pairsOf(input: RequestSpec["headers"]): Pairs {
  return (Array.isArray(input) ? input.map(([k, v]) => [k, v]) : Object.entries(input)) as Pairs;
}

/** The request a client would send for what the harness was given, or why none can be. */
export function clientRequestFor(spec: RequestSpec, tlsPorts: Set<number>): ClientRequest | string {
  const pairs = pairsOf(spec.headers);
  const get = (name: string) => pairs.find(([k]) => k === name)?.[1];
  const method = get(":method"), path = get(":path"), authority = get(":authority"), scheme = get(":scheme") ?? "http";
  if (!method || !path || authority === undefined) return "no :method, :path or :authority";
  if (method !== method.toUpperCase()) return "a lower-case method (Node's HTTP client upper-cases every method it sends)";
  const port = Number(spec.properties?.["destination.port"] ?? (scheme === "https" ? 443 : 80));
  // Envoy's HCM sets :scheme and x-forwarded-proto from the connection (an edge proxy); the
  // harness tests pass them explicitly instead.
  const tls = tlsPorts.has(port);
  if ((scheme === "https") !== tls) return `:scheme ${scheme} on a ${tls ? "TLS" : "plaintext"} listener cannot be sent to a real Envoy`;
  if (pairs.filter(([k]) => k.startsWith(":")).length !== 4) return "pseudo-headers other than one each of :method :scheme :authority :path";
  const headers = pairs.filter(([k, v]) => !k.startsWith(":") && !(k === "x-forwarded-proto" && v === scheme));
  if (headers.some(([k]) => k === "x-forwarded-proto")) return "a client x-forwarded-proto (Envoy's edge HCM overwrites it)";
  const sni = spec.properties?.["connection.requested_server_name"];
  const body = spec.body === undefined ? undefined : Buffer.from(spec.body as Uint8Array).toString("utf8");
  return { method, scheme: tls ? "https" : "http", authority, path, headers, listenerPort: port, sni: typeof sni === "string" ? sni : undefined, body };
}

function behaviourFor(spec: RequestSpec): Behaviour {
  const up = spec.upstream;
  if (!up || typeof up === "function") return {};
  return {
    status: up.status,
    headers: up.headers === undefined ? undefined : pairsOf(up.headers),
    body: up.body === undefined ? "" : Buffer.from(up.body as Uint8Array),
  };
}

export const MODES: JudgeMode[] = ["istio", "owner", "alongside"];

/** A delay of d ms in real Envoy arrives within d + 10 ms tick + scheduling; 60 ms covers a loaded 2-core box. */
const DELAY_TOLERANCE_MS = 60;

/**
 * Requests whose (a) ≠ (c) is explained: the harness is handed header maps as a test writes
 * them, while a real client's request passes Envoy's codec first. Each entry is listed in
 * docs/harness.md ("Measured against real Envoy: what differs, and why"); (c) = (b) is still required.
 */
const EXPLAINED: Array<{ why: string; applies: (r: ClientRequest) => boolean }> = [
  {
    why: "a header value with leading or trailing whitespace: Envoy's HTTP/1 codec strips it (RFC 9110 §5.5); the harness passes values as given",
    applies: (r) => r.headers.some(([, v]) => v !== v.replace(/^[ \t]+|[ \t]+$/g, "")),
  },
  {
    why: "a request target with bytes outside ASCII: Envoy's HTTP/1 codec answers 400 before any filter; the harness passes the path as given",
    applies: (r) => /[^\x21-\x7e]/.test(r.path),
  },
];

const DECISION = /gatewasm decision vhost=\S+ route=(\d+) /;

/** The clusters of the route the filter matched, when it splits by weight; else undefined. */
function weightedDestinations(sim: Simulator, result: RequestResult): string[] | undefined {
  const line = result.logs.map((l) => DECISION.exec(l.message)).find((m) => m !== null);
  if (!line) return undefined;
  const routes = sim.compiledConfig.routeTables.flatMap((t) => t.virtualHosts.flatMap((v) => v.routes));
  const action = routes[Number(line[1])]?.action;
  if (action?.kind !== "route" || action.destinations.length < 2) return undefined;
  return action.destinations.map((d) => d.cluster);
}

/**
 * Sends per judge, for a weighted route, to find an outcome that agrees with the reference: a
 * destination of weight 10 % (the smallest the generator uses) is missed 120 times running with
 * probability 3·10⁻⁶.
 */
const DRAW_TRIES = 120;

/** Measurements of a delay-only difference before it counts (both sides measured again each time). */
const DELAY_TRIES = 3;

/**
 * The differences between `reference` and what `judge` answers. For a weighted route the
 * destination is a random draw (and two destinations may share a cluster but not their header
 * operations), so the request is sent again until an answer agrees: the check is that Envoy
 * answers what the reference answered for the destination the reference drew; the shares are
 * checked by test/judges/weights.test.ts. A delay-only difference is measured again, up to
 * DELAY_TRIES times, the reference too when it is a real Envoy (`referenceJudge`): wall-clock
 * noise on a shared 2-core machine.
 */
async function differencesFrom(
  reference: Outcome,
  judge: EnvoyJudge,
  request: ClientRequest,
  behaviour: Behaviour,
  options: CompareOptions,
  referenceJudge?: EnvoyJudge,
): Promise<string[]> {
  let diff: string[] = [];
  const tries = options.weightedClusters ? DRAW_TRIES : DELAY_TRIES;
  for (let i = 0; i < tries; i++) {
    // A delay-only difference may be the reference's own measurement that a busy moment
    // stretched (Istio alone answering in 90 ms on a route with no fault): when the reference
    // is a real Envoy too, it is measured again with each new try. A real difference in the
    // injected delay persists through every try.
    if (i > 0 && referenceJudge && !options.weightedClusters) reference = await referenceJudge.send(request, behaviour);
    diff = diffOutcomes(reference, await judge.send(request, behaviour), options);
    if (diff.length === 0) return diff;
    if (!options.weightedClusters && !diff.every((d) => d.startsWith("delay:"))) return diff;
  }
  // Never the reference's destination in all those sends: membership, checked by diffOutcomes,
  // is all that can be said.
  return diff.every((d) => d.startsWith("draw:")) ? [] : diff;
}

/** Where the differences of a run go when THREE_WAY_REPORT names a file (one JSON line each). */
export function report(lines: string[]): void {
  const file = process.env.THREE_WAY_REPORT;
  if (file && lines.length) appendFileSync(file, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
}

/** How many requests each EXPLAINED entry kept out of the (a) vs (c) comparison, for the log. */
export const explainedCount = new Map<string, number>();

export interface JudgedRequests { differences: string[]; skipped: string[]; compared: number }

/**
 * Runs `requests` (already sent through `sim`'s harness) through real Envoy on Istio's
 * configuration for `yaml` alone and with our rollout in both modes, and compares: (c) = (b)
 * always, (a) = (c owner) unless EXPLAINED.
 */
export async function judgeRequests(
  istioXds: IstioXds,
  entry: { sim: Simulator; yaml: string; target: GatewayTarget },
  requests: RecordedRequest[],
  modes: JudgeMode[] = MODES,
): Promise<JudgedRequests> {
  const config = entry.sim.compiledConfig;
  const tlsPorts = new Set(config.routeTables.filter((t) => t.tls).map((t) => t.listenerPort ?? t.port));
  const differences: string[] = [];
  const skipped: string[] = [];
  if (modes[0] !== "istio" || !modes.includes("owner")) throw new Error("the judges are istio first, then owner (and alongside)");
  const started = await Promise.allSettled(modes.map((mode) => EnvoyJudge.start(istioXds, entry.yaml, mode, entry.target)));
  const judges = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) {
    // One judge could not start (Istio refused the inputs, a patch matched nothing): stop the others.
    await Promise.all(judges.map((j) => j.stop()));
    throw failed.reason;
  }
  let compared = 0;
  try {
    for (const one of requests) {
      const request = clientRequestFor(one.spec, tlsPorts);
      const label = typeof request === "string" ? "" : `${request.method} ${request.scheme}://${request.authority}${request.path} on :${request.listenerPort}`;
      if (typeof request === "string") { skipped.push(request); continue; }
      const harnessResult = one.result();
      if (!harnessResult) { skipped.push(`${label}: still paused in the harness`); continue; }
      const behaviour = behaviourFor(one.spec);
      const policyHeader = config.policyHeader ?? DEFAULT_POLICY_HEADER;
      const harness = outcomeFromHarness(harnessResult, config.clusterHeader, policyHeader, request.method);
      const weightedClusters = weightedDestinations(entry.sim, harnessResult);
      const istioOutcome = await judges[0]!.send(request, behaviour);
      compared++;
      const reserved = [config.clusterHeader, policyHeader];
      const strict: CompareOptions = { reserved, weightedClusters, ignoreEnvoyAdded: false, upstreamBodies: true, delayToleranceMs: DELAY_TOLERANCE_MS, compareAttempts: true };
      for (const judge of judges.slice(1)) {
        for (const d of await differencesFrom(istioOutcome, judge, request, behaviour, strict, judges[0]!)) differences.push(`(c ${judge.mode}) ≠ (b) ${label}: ${d}`);
      }
      const explained = EXPLAINED.find((e) => e.applies(request));
      if (explained) { explainedCount.set(explained.why, (explainedCount.get(explained.why) ?? 0) + 1); continue; }
      // (a) vs (c owner): what Envoy adds by itself is left out, and the harness has no router (no retries).
      const harnessView: CompareOptions = { ...strict, ignoreEnvoyAdded: true, upstreamBodies: false, compareAttempts: false };
      const owner = judges.find((j) => j.mode === "owner")!;
      for (const d of await differencesFrom(harness, owner, request, behaviour, harnessView)) differences.push(`(a) ≠ (c owner) ${label}: ${d}`);
    }
  } finally {
    await Promise.all(judges.map((j) => j.stop()));
  }
  return { differences, skipped, compared };
}

