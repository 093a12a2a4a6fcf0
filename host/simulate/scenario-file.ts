// A scenario for `gatewasm simulate --scenario FILE`: client traffic at a rate, and how each
// upstream endpoint answers over time. YAML or JSON:
//
//   duration: 60s            # simulated time (a bare number is seconds, as for Istio durations in YAML)
//   report: 5s               # one report line group per period (default: shortest detector interval)
//   rate: 200                # requests per second, evenly spaced
//   requests:                # the clients' mix (default: the METHOD URL of the command line)
//   - {method: GET, url: "https://shop.example.com/", weight: 9}
//   endpoints:               # for clusters whose endpoints the inputs do not list
//     outbound|8000|v2|frontend.shop.svc.cluster.local: [10.0.2.1:8080, 10.0.2.2:8080]
//   upstream:                # first matching entry answers; otherwise 200
//   - {subset: v2, endpoint: 10.0.2.2:8080, from: 2s, to: 40s, status: 503}
//
// An `upstream` entry matches by any of `cluster` (exact), `host` (the FQDN or its first label),
// `subset`, `endpoint` (`ip:port`), during [from, to) (default: always).
import { LineCounter, parseDocument, isMap, isSeq, type Node } from "yaml";
import { parseDurationMs } from "../compiler/common.ts";

export interface ScenarioRequest {
  method: string;
  url: string;
  headers: Array<[string, string]>;
  port?: number;
  weight: number;
}

export interface UpstreamBehaviour {
  cluster?: string;
  host?: string;
  subset?: string;
  endpoint?: string;
  fromMs: number;
  toMs: number;
  status: number;
}

export interface Scenario {
  durationMs: number;
  /** 0 = the shortest detector interval of the configuration (1 s without detectors). */
  reportMs: number;
  ratePerSecond: number;
  /** Empty = the command line's request. */
  requests: ScenarioRequest[];
  endpoints: Record<string, string[]>;
  upstream: UpstreamBehaviour[];
}

/** Every problem of the file, as `file:line:col  field  message`. */
export class ScenarioError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "ScenarioError";
  }
}

const ENDPOINT = /^(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:.]+\]):(\d{1,5})$/;
const MAX_DURATION_MS = 24 * 3600 * 1000;
const MAX_REQUESTS = 10_000_000;

export function parseScenario(text: string, file: string): Scenario {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const problems: string[] = [];
  const where = (node: Node | null | undefined): string => {
    const offset = node?.range?.[0];
    if (offset === undefined) return `${file}:-`;
    const p = lines.linePos(offset);
    return `${file}:${p.line}:${p.col}`;
  };
  for (const e of doc.errors) {
    const p = lines.linePos(e.pos[0]);
    problems.push(`${file}:${p.line}:${p.col}  -  ${e.message}`);
  }
  if (problems.length) throw new ScenarioError(problems);
  const root = doc.contents;
  if (!isMap(root)) throw new ScenarioError([`${where(root as Node)}  -  a scenario is a mapping (duration, rate, requests, endpoints, upstream)`]);
  const node = (parent: Node | null, key: string): Node | null => (isMap(parent) ? (parent.get(key, true) as Node | undefined) ?? null : null);
  const keyNode = (parent: Node | null, key: string): Node | null =>
    isMap(parent) ? ((parent.items.find((p) => (p.key as { value?: unknown })?.value === key)?.key as Node | undefined) ?? null) : null;
  const bad = (n: Node | null, field: string, message: string) => problems.push(`${where(n)}  ${field}  ${message}`);
  const known = new Set(["duration", "report", "rate", "requests", "endpoints", "upstream"]);
  for (const item of root.items) {
    const k = String((item.key as { value?: unknown })?.value ?? item.key);
    if (!known.has(k)) bad(item.key as Node, k, `unknown field (expected one of ${[...known].join(", ")})`);
  }
  const js = doc.toJS() as Record<string, any>;

  const duration = (field: string, v: unknown, n: Node | null, fallback: number | null): number => {
    if (v === undefined || v === null) {
      if (fallback === null) bad(n, field, "is required (a duration such as 30s)");
      return fallback ?? 0;
    }
    const ms = parseDurationMs(v);
    if (ms === null || ms < 0 || ms > MAX_DURATION_MS) { bad(n, field, `not a duration of at most 24h: ${JSON.stringify(v)}`); return 0; }
    return ms;
  };
  const durationMs = duration("duration", js.duration, node(root, "duration") ?? root, null);
  if (durationMs === 0 && parseDurationMs(js.duration) === 0) bad(node(root, "duration"), "duration", "must be more than 0");
  const reportMs = duration("report", js.report, node(root, "report"), 0);
  const rate = js.rate;
  if (typeof rate !== "number" || !(rate > 0) || rate > 100_000) bad(node(root, "rate") ?? root, "rate", "requests per second: a number in (0, 100000]");
  const ratePerSecond = typeof rate === "number" && rate > 0 ? rate : 1;
  if ((durationMs / 1000) * ratePerSecond > MAX_REQUESTS) bad(node(root, "rate"), "rate", `duration × rate is more than ${MAX_REQUESTS} requests`);

  const requests: ScenarioRequest[] = [];
  const reqNode = node(root, "requests");
  if (js.requests !== undefined && !Array.isArray(js.requests)) bad(reqNode, "requests", "must be a list");
  (Array.isArray(js.requests) ? js.requests : []).forEach((r: any, i: number) => {
    const n = isSeq(reqNode) ? (reqNode.items[i] as Node) : reqNode;
    const f = `requests[${i}]`;
    if (typeof r !== "object" || r === null) return bad(n, f, "must be a mapping with method and url");
    try { new URL(String(r.url)); } catch { return bad(node(n, "url") ?? n, `${f}.url`, `not a URL: ${JSON.stringify(r.url)}`); }
    const headers: Array<[string, string]> = [];
    if (r.headers !== undefined) {
      if (typeof r.headers !== "object" || r.headers === null || Array.isArray(r.headers)) bad(node(n, "headers"), `${f}.headers`, "must be a mapping of name: value");
      else for (const [k, v] of Object.entries(r.headers)) headers.push([k.toLowerCase(), String(v)]);
    }
    const weight = r.weight === undefined ? 1 : r.weight;
    if (typeof weight !== "number" || !(weight > 0)) bad(node(n, "weight"), `${f}.weight`, "must be a number > 0");
    if (r.port !== undefined && !(Number.isInteger(r.port) && r.port > 0 && r.port < 65536)) bad(node(n, "port"), `${f}.port`, "must be a port number");
    requests.push({ method: String(r.method ?? "GET").toUpperCase(), url: String(r.url), headers, port: r.port, weight: typeof weight === "number" ? weight : 1 });
  });

  const endpoints: Record<string, string[]> = {};
  const epNode = node(root, "endpoints");
  if (js.endpoints !== undefined) {
    if (typeof js.endpoints !== "object" || js.endpoints === null || Array.isArray(js.endpoints)) bad(epNode, "endpoints", "must be a mapping of cluster name: [ip:port, ...]");
    else for (const [cluster, list] of Object.entries(js.endpoints)) {
      const n = node(epNode, cluster);
      if (!Array.isArray(list) || list.length === 0) { bad(n, `endpoints.${cluster}`, "must be a non-empty list of ip:port"); continue; }
      for (const e of list) if (typeof e !== "string" || !ENDPOINT.test(e)) bad(n, `endpoints.${cluster}`, `not an ip:port: ${JSON.stringify(e)}`);
      endpoints[cluster] = list.map(String);
    }
  }

  const upstream: UpstreamBehaviour[] = [];
  const upNode = node(root, "upstream");
  if (js.upstream !== undefined && !Array.isArray(js.upstream)) bad(upNode, "upstream", "must be a list");
  (Array.isArray(js.upstream) ? js.upstream : []).forEach((u: any, i: number) => {
    const n = isSeq(upNode) ? (upNode.items[i] as Node) : upNode;
    const f = `upstream[${i}]`;
    if (typeof u !== "object" || u === null) return bad(n, f, "must be a mapping");
    for (const k of Object.keys(u)) {
      if (!["cluster", "host", "subset", "endpoint", "from", "to", "status"].includes(k)) bad(keyNode(n, k), `${f}.${k}`, "unknown field (cluster, host, subset, endpoint, from, to, status)");
    }
    if (!Number.isInteger(u.status) || u.status < 200 || u.status > 599) bad(node(n, "status") ?? n, `${f}.status`, "an HTTP status 200..599 is required");
    if (u.endpoint !== undefined && (typeof u.endpoint !== "string" || !ENDPOINT.test(u.endpoint))) bad(node(n, "endpoint"), `${f}.endpoint`, `not an ip:port: ${JSON.stringify(u.endpoint)}`);
    const fromMs = duration(`${f}.from`, u.from, node(n, "from"), 0);
    const toMs = duration(`${f}.to`, u.to, node(n, "to"), MAX_DURATION_MS);
    if (toMs <= fromMs) bad(node(n, "to") ?? n, `${f}.to`, "must be after from");
    const b: UpstreamBehaviour = { fromMs, toMs, status: Number(u.status) };
    for (const k of ["cluster", "host", "subset", "endpoint"] as const) if (u[k] !== undefined) b[k] = String(u[k]);
    upstream.push(b);
  });

  if (problems.length) throw new ScenarioError(problems);
  return { durationMs, reportMs, ratePerSecond, requests, endpoints, upstream };
}

/** Whether a behaviour entry applies to an answer of `endpoint` in `cluster` at `ms`. */
export function behaviourMatches(b: UpstreamBehaviour, cluster: string, endpoint: string, ms: number): boolean {
  if (ms < b.fromMs || ms >= b.toMs) return false;
  if (b.cluster !== undefined && b.cluster !== cluster) return false;
  const [, , subset, host] = cluster.split("|");
  if (b.subset !== undefined && b.subset !== subset) return false;
  if (b.host !== undefined && b.host !== host && b.host !== host?.split(".")[0]) return false;
  if (b.endpoint !== undefined && b.endpoint !== endpoint) return false;
  return true;
}
