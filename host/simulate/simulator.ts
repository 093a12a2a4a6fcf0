// `gatewasm simulate`: runs the real filter module in the harness with a compiled
// configuration and explains the decision for one request (or counts them over many).
import { isIP } from "node:net";
import { fileURLToPath } from "node:url";
import { GATEWASM_PRESET, ProxyWasmHost, type RequestResult, type UpstreamRequest, type UpstreamSpec } from "../harness/index.ts";
import type { FilterConfig, Route, RouteTable, VirtualHost } from "../config/model.ts";
import { DEFAULT_POLICY_HEADER } from "../config/policies.ts";
import type { L4Chain, L4Listener, L4Mode } from "../compiler/l4.ts";
import type { CompiledGateway } from "../pipeline.ts";
import { parseCurlUrl, type CurlTarget } from "./curl-url.ts";
import { routeNotes } from "./notes.ts";

export const DEFAULT_WASM = fileURLToPath(new URL("../../build/gatewasm.wasm", import.meta.url));

/**
 * What the gateway does with the request. HTTP outcomes come from the filter: `route`,
 * `redirect`, `direct_response`, `https_redirect`, `not_found` (404 route_not_found),
 * `no_cluster` (503 cluster_not_found), `fault_abort`, `error`. Connection-level outcomes come
 * from Envoy's listeners, before any HTTP filter: `no_listener` (nothing on that port: the
 * connection is refused), `connection_closed` (a listener, but no filter chain for this
 * connection: plaintext to a TLS port, an SNI no server names, TLS to a plaintext port),
 * `passthrough` (TLS forwarded by SNI without terminating it) and `tcp_proxy` (bytes forwarded).
 */
export type SimulatedAction =
  | "route" | "redirect" | "direct_response" | "not_found" | "no_cluster" | "https_redirect" | "fault_abort" | "error"
  | "no_listener" | "connection_closed" | "passthrough" | "tcp_proxy";

export interface SimulationRequest {
  method: string;
  /** As curl takes it: host case and a non-default port are kept in :authority. */
  url: string;
  /** `Host` (any case) sets :authority, as curl's `-H 'Host: …'`. */
  headers?: Array<[string, string]>;
  /** Gateway server port the connection arrives on; default the URL's port (80 for http, 443 for https). */
  port?: number;
  /** How the upstream answers a forwarded request (the harness's default: 200, no address). */
  upstream?: UpstreamSpec | ((req: UpstreamRequest) => UpstreamSpec);
}

/** The listener (Gateway server port) the connection reached. */
export interface SimulatedListener {
  /** Gateway server port. */
  port: number;
  /** The port the listener binds (the gateway Service's targetPort). */
  listenerPort: number;
  /** `http`, `https` (TLS terminated, HTTP routed by the filter) or the L4 kind. */
  kind: "http" | "https" | L4Mode;
}

/** One shape for every action (README "simulate --json"): absent values are null, never missing. */
export interface SimulationResult {
  action: SimulatedAction;
  status: number | null;
  cluster: string | null;
  virtualService: string | null;
  routeName: string | null;
  listener: SimulatedListener | null;
  /** Headers sent upstream (forwarded requests), else null. */
  request: Record<string, string> | null;
  responseHeaders: Record<string, string> | null;
  body: string | null;
  /** Injected delay in ms (fault injection); 0 when none. */
  delayMs: number;
  /** What Envoy does beyond the filter's decision: the route's rewrites, timeout and retries, the cluster's TLS and policies. */
  notes: string[];
  /** Human-readable reasons, for the text output. */
  explanation: string[];
}

interface IndexedRoute { table: RouteTable; vhost: VirtualHost; route: Route }

/** The compiled config's routes and vhosts in the encoder's order (global indexes). */
function flatten(config: FilterConfig): { vhosts: Array<{ table: RouteTable; vhost: VirtualHost }>; routes: IndexedRoute[] } {
  const vhosts: Array<{ table: RouteTable; vhost: VirtualHost }> = [];
  const routes: IndexedRoute[] = [];
  for (const table of config.routeTables) {
    for (const vhost of table.virtualHosts) {
      vhosts.push({ table, vhost });
      for (const route of vhost.routes) routes.push({ table, vhost, route });
    }
  }
  return { vhosts, routes };
}

const DECISION = /gatewasm decision vhost=(\S+) route=(\S+) dest=(\S+) outcome=(\S+)/;
const DELAY = /gatewasm fault delay=(\d+)ms/;
/** Simulated time moves in steps of the filter's fault tick. */
const CLOCK_STEP_MS = 10;
const MAX_SIMULATED_DELAY_MS = 24 * 3600 * 1000;

export function describeMatch(route: Route): string {
  const parts: string[] = [];
  if (route.path) parts.push(`uri ${route.path.kind} ${JSON.stringify(route.path.value)}${route.path.ignoreCase ? " (ignoring case)" : ""}`);
  for (const h of route.headers) {
    const what = h.kind === "present" ? "present" : `${h.kind} ${JSON.stringify(h.value)}`;
    parts.push(`${h.invert ? "without header" : "header"} ${h.name} ${what}`);
  }
  for (const q of route.queryParams) parts.push(`query ${q.name} ${q.kind === "present" ? "present" : `${q.kind} ${JSON.stringify(q.value)}`}`);
  return parts.length ? parts.join(", ") : "any request";
}

function emptyResult(action: SimulatedAction, listener: SimulatedListener | null): SimulationResult {
  return {
    action, status: null, cluster: null, virtualService: null, routeName: null, listener,
    request: null, responseHeaders: null, body: null, delayMs: 0, notes: [], explanation: [],
  };
}

/** The SNI curl sends: the URL's host (none for an IP address). */
function sniOf(target: CurlTarget): string {
  const host = target.host.toLowerCase();
  return isIP(host.replace(/^\[|\]$/g, "")) ? "" : host;
}

/** Envoy's filter chain match on server_names: exact, then the longest `*.` wildcard, then a chain without names. */
function pickFilterChain<C extends { names: string[] }>(candidates: C[], sni: string): C | null {
  if (sni !== "") {
    const exact = candidates.find((c) => c.names.some((n) => n.toLowerCase() === sni));
    if (exact) return exact;
    let best: C | null = null;
    let bestLength = -1;
    for (const c of candidates) {
      for (const n of c.names) {
        if (!n.startsWith("*.")) continue;
        const suffix = n.slice(1).toLowerCase();
        if (sni.endsWith(suffix) && sni.length > suffix.length && suffix.length > bestLength) {
          best = c;
          bestLength = suffix.length;
        }
      }
    }
    if (best) return best;
  }
  return candidates.find((c) => c.names.length === 0) ?? null;
}

export class Simulator {
  private readonly index: ReturnType<typeof flatten>;

  private constructor(private readonly host: ProxyWasmHost, private readonly compiled: CompiledGateway) {
    this.index = flatten(compiled.config);
  }

  static async create(compiled: CompiledGateway, options: { seed?: number; wasm?: string | Uint8Array } = {}): Promise<Simulator> {
    const host = await ProxyWasmHost.load(options.wasm ?? DEFAULT_WASM, {
      ...GATEWASM_PRESET,
      pluginConfig: compiled.bytes,
      seed: options.seed ?? 1,
      logLevel: "debug",
    });
    if (!host.configured.every(Boolean)) {
      const reasons = host.logs.filter((l) => l.level >= 4).map((l) => l.message).join("; ");
      throw new Error(`the filter refused the compiled configuration: ${reasons}`);
    }
    return new Simulator(host, compiled);
  }

  get harness(): ProxyWasmHost { return this.host; }

  /** The filter configuration this simulator runs. */
  get compiledConfig(): FilterConfig { return this.compiled.config; }

  send(request: SimulationRequest): SimulationResult {
    const target = parseCurlUrl(request.url);
    let authority = target.authority;
    const extra: Array<[string, string]> = [];
    for (const [name, value] of request.headers ?? []) {
      // curl -H 'Host: x' replaces the Host header, which HTTP/1 Envoy turns into :authority.
      if (name.toLowerCase() === "host" || name === ":authority") authority = value;
      else extra.push([name.toLowerCase(), value]);
    }
    const port = request.port ?? target.port;
    const chosen = this.chooseListener(port, target);
    if (chosen.kind !== "http") return chosen.result;
    const { table, listener } = chosen;
    const headers: Array<[string, string]> = [
      [":method", request.method.toUpperCase()],
      [":scheme", target.scheme],
      [":authority", authority],
      [":path", target.path],
      // The edge connection manager sets x-forwarded-proto from the real connection.
      ["x-forwarded-proto", target.scheme],
      ...extra,
    ];
    // Envoy reports the port the listener binds, which may be the gateway Service's targetPort.
    const properties: Record<string, string | bigint> = { "destination.port": BigInt(table.listenerPort ?? table.port) };
    if (target.scheme === "https") properties["connection.requested_server_name"] = sniOf(target);
    const pending = this.host.send({ headers, properties, upstream: request.upstream });
    // A delayed request (fault injection) resumes on the filter's tick: move the clock on.
    for (let waited = 0; !pending.done && waited < MAX_SIMULATED_DELAY_MS; waited += CLOCK_STEP_MS) this.host.advance(CLOCK_STEP_MS);
    if (!pending.done) pending.cancel();
    const result = this.interpret(pending.result, listener);
    result.explanation.unshift(...chosen.explanation);
    return result;
  }

  /**
   * Envoy's listener and filter chain for the connection, before any HTTP filter: is there a
   * listener on the port; among its filter chains (one per TLS server and SNI set, one
   * plaintext), which one the connection selects — exact server name, then the longest
   * wildcard, then a chain without server names (Envoy FilterChainManagerImpl); an L4 chain
   * ends here with the TCP proxy's cluster.
   */
  private chooseListener(port: number, target: CurlTarget):
    | { kind: "http"; table: RouteTable; listener: SimulatedListener; explanation: string[] }
    | { kind: "done"; result: SimulationResult } {
    const config = this.compiled.config;
    const l4 = this.compiled.l4 ?? [];
    let tables = config.routeTables.filter((t) => t.port === port);
    let l4s = l4.filter((l) => l.port === port);
    const explanation: string[] = [];
    if (tables.length === 0 && l4s.length === 0) {
      // The port the listener binds (8080 behind the Service's 80) reaches it too, from inside the cluster.
      tables = config.routeTables.filter((t) => (t.listenerPort ?? t.port) === port);
      l4s = l4.filter((l) => l.listenerPort === port);
      if (tables.length > 0 || l4s.length > 0) explanation.push(`port ${port} is the listener port of Gateway server port ${tables[0]?.port ?? l4s[0]!.port}`);
    }
    const done = (action: SimulatedAction, listener: SimulatedListener | null, why: string[], cluster: string | null = null, notes: string[] = []) =>
      ({ kind: "done" as const, result: { ...emptyResult(action, listener), cluster, notes, explanation: [...explanation, ...why] } });
    if (tables.length === 0 && l4s.length === 0) {
      const ports = [...new Set([...config.routeTables.map((t) => t.port), ...l4.map((l) => l.port)])].sort((a, b) => a - b);
      return done("no_listener", null, [`no listener on port ${port}: no Gateway server selecting this workload uses it, so Envoy refuses the connection (listeners: ${ports.length ? ports.join(", ") : "none"})`]);
    }
    const sni = target.scheme === "https" ? sniOf(target) : "";
    type Candidate = { names: string[]; table?: RouteTable; l4?: L4Listener; chain?: L4Chain };
    const candidates: Candidate[] = [];
    for (const t of tables) candidates.push({ names: t.tls ? t.sniHosts.filter((h) => h !== "*") : [], table: t });
    for (const l of l4s) for (const c of l.chains) candidates.push({ names: c.serverNames, l4: l, chain: c });
    const wantsTls = (c: Candidate) => (c.table ? c.table.tls : c.l4!.mode !== "tcp");
    const listenerOf = (c: Candidate): SimulatedListener => c.table
      ? { port: c.table.port, listenerPort: c.table.listenerPort ?? c.table.port, kind: c.table.tls ? "https" : "http" }
      : { port: c.l4!.port, listenerPort: c.l4!.listenerPort, kind: c.l4!.mode };
    const first = candidates[0] ?? { names: [], table: tables[0], l4: l4s[0] };
    const matching = candidates.filter((c) => wantsTls(c) === (target.scheme === "https"));
    if (matching.length === 0) {
      const why = target.scheme === "https"
        ? `the listener on port ${port} is plaintext: a TLS client's handshake gets no TLS answer and the connection fails`
        : `the listener on port ${port} only accepts TLS (its servers terminate or pass through TLS): a plaintext request matches no filter chain and Envoy closes the connection`;
      return done("connection_closed", listenerOf(first), [why]);
    }
    const chosen = pickFilterChain(matching, sni);
    if (!chosen) {
      const names = [...new Set(matching.flatMap((c) => c.names))];
      return done("connection_closed", listenerOf(matching[0]!), [`no filter chain on port ${port} matches SNI ${JSON.stringify(sni)} (server names: ${names.join(", ")}): Envoy closes the connection`]);
    }
    if (chosen.table) {
      return { kind: "http", table: chosen.table, listener: listenerOf(chosen), explanation };
    }
    const l = chosen.l4!;
    const chain = chosen.chain!;
    const how: Record<L4Mode, string> = {
      passthrough: `TLS passthrough by SNI ${JSON.stringify(sni)}: Envoy forwards the encrypted connection without terminating it`,
      auto_passthrough: `TLS AUTO_PASSTHROUGH: the SNI ${JSON.stringify(sni)} names the cluster (outbound_.<port>_.<subset>_.<host>), and Envoy forwards the connection to it without terminating TLS`,
      tls_terminated: "Envoy terminates TLS and forwards the bytes with its TCP proxy",
      tcp: "Envoy forwards the bytes with its TCP proxy",
    };
    const why = [`port ${l.port} (Gateway ${l.gateway}, ${l.protocol}) is served without HTTP routing, not by the filter: ${how[l.mode]}`, `filter chain from ${chain.source}`];
    if (chain.destinations.length === 0) return done("connection_closed", listenerOf(chosen), [...why, "no route: Envoy closes the connection"]);
    const [main, ...others] = [...chain.destinations].sort((a, b) => b.weight - a.weight);
    if (others.length) why.push(`weighted: ${chain.destinations.map((d) => `${d.cluster} ${d.weight}`).join(", ")}`);
    why.push(`forwarded to ${main!.cluster}`);
    return done(l.mode === "passthrough" || l.mode === "auto_passthrough" ? "passthrough" : "tcp_proxy", listenerOf(chosen), why, main!.cluster, this.clusterNotes(main!.cluster));
  }

  private clusterNotes(cluster: string): string[] {
    return [...(this.compiled.clusterNotes?.[cluster] ?? [])];
  }

  private interpret(result: RequestResult, listener: SimulatedListener): SimulationResult {
    const config = this.compiled.config;
    const line = result.logs.map((l) => DECISION.exec(l.message)).find((m) => m !== null) ?? null;
    const at = (text: string | undefined): number | null => (text === undefined || text === "-" ? null : Number(text));
    const vhostIndex = at(line?.[1]);
    const routeIndex = at(line?.[2]);
    const vhost = vhostIndex === null ? null : this.index.vhosts[vhostIndex] ?? null;
    const matched = routeIndex === null ? null : this.index.routes[routeIndex] ?? null;
    const explanation: string[] = [];
    if (vhost) explanation.push(`route table ${vhost.table.name}, virtual host ${vhost.vhost.name}`);
    else explanation.push("no virtual host matches the authority");
    if (matched) {
      explanation.push(`matched ${matched.route.name ? `rule ${matched.route.name}` : "an unnamed rule"} of VirtualService ${matched.route.virtualService}: ${describeMatch(matched.route)}`);
    } else if (vhost) explanation.push("no route of that virtual host matches");
    const delay = result.logs.map((l) => DELAY.exec(l.message)).find((m) => m !== null);
    const delayMs = delay ? Number(delay[1]) : 0;
    if (delayMs) explanation.push(`fault injection delayed the request by ${delayMs} ms`);
    const base = {
      ...emptyResult("error", listener),
      virtualService: matched?.route.virtualService ?? null,
      routeName: matched?.route.name ?? null,
      delayMs,
      explanation,
    };
    const reply = result.localReply;
    if (!reply) {
      const sent = result.upstreamRequest?.headers ?? [];
      const clusterHeader = config.clusterHeader;
      const policyHeader = config.policyHeader ?? DEFAULT_POLICY_HEADER;
      const cluster = sent.find(([k]) => k === clusterHeader)?.[1];
      const shown: Record<string, string> = {};
      // The generated route strips the filter's internal headers before the upstream sees them.
      for (const [k, v] of sent) if (k !== clusterHeader && k !== policyHeader) shown[k] = k in shown ? `${shown[k]},${v}` : v;
      explanation.push(`forwarded to ${cluster}`);
      const notes = [...(matched ? routeNotes(matched.route) : []), ...(cluster ? this.clusterNotes(cluster) : [])];
      return { ...base, action: "route", cluster: cluster ?? null, request: shown, notes };
    }
    const responseHeaders: Record<string, string> = {};
    for (const [k, v] of result.response?.headers ?? reply.headers) if (!k.startsWith(":")) responseHeaders[k] = v;
    const body = Buffer.from(result.response?.body ?? reply.body).toString("utf8");
    let action: SimulatedAction = "error";
    if (reply.details === "route_not_found") action = "not_found";
    else if (reply.details === "cluster_not_found") action = "no_cluster";
    else if (reply.details === "fault_filter_abort") action = "fault_abort";
    else if (reply.details === "direct_response") {
      const kind = matched?.route.action.kind;
      action = kind === "redirect" ? "redirect" : kind === "direct_response" ? "direct_response" : "https_redirect";
    }
    explanation.push(`local reply ${reply.status} (${reply.details})`);
    // A missing cluster is named: the destination the filter chose and Istio never built.
    const missing = action === "no_cluster" && matched?.route.action.kind === "route"
      ? matched.route.action.destinations.find((d) => !d.clusterExists)?.cluster ?? null : null;
    return { ...base, action, cluster: missing, status: result.response?.status ?? reply.status, responseHeaders, body };
  }
}
