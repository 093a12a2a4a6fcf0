// `gatewasm simulate`: runs the real filter module in the harness with a compiled
// configuration and explains the decision for one request (or counts them over many).
import { fileURLToPath } from "node:url";
import { GATEWASM_PRESET, ProxyWasmHost, type RequestResult, type UpstreamRequest, type UpstreamSpec } from "../harness/index.ts";
import type { FilterConfig, Route, RouteTable, VirtualHost } from "../config/model.ts";
import { DEFAULT_POLICY_HEADER } from "../config/policies.ts";
import type { CompiledGateway } from "../pipeline.ts";

export const DEFAULT_WASM = fileURLToPath(new URL("../../build/gatewasm.wasm", import.meta.url));

export type SimulatedAction =
  | "route" | "redirect" | "direct_response" | "not_found" | "no_cluster" | "https_redirect" | "fault_abort" | "error";

export interface SimulationRequest {
  method: string;
  url: string;
  headers?: Array<[string, string]>;
  /** Gateway server port the request arrives on; default 80 for http, 443 for https. */
  port?: number;
  /** How the upstream answers a forwarded request (the harness's default: 200, no address). */
  upstream?: UpstreamSpec | ((req: UpstreamRequest) => UpstreamSpec);
}

export interface SimulationResult {
  action: SimulatedAction;
  status?: number;
  cluster?: string;
  virtualService: string | null;
  routeName: string | null;
  request?: Record<string, string>;
  responseHeaders?: Record<string, string>;
  body?: string;
  /** Injected delay in ms (fault injection); 0 when none. */
  delayMs: number;
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
    const url = new URL(request.url);
    const scheme = url.protocol.replace(/:$/, "");
    const port = request.port ?? (scheme === "https" ? 443 : 80);
    const headers: Array<[string, string]> = [
      [":method", request.method.toUpperCase()],
      [":scheme", scheme],
      [":authority", url.host],
      [":path", `${url.pathname}${url.search}`],
      // The edge connection manager sets x-forwarded-proto from the real connection.
      ["x-forwarded-proto", scheme],
    ];
    for (const [name, value] of request.headers ?? []) headers.push([name.toLowerCase(), value]);
    // Envoy reports the port the listener binds, which may be the gateway Service's targetPort.
    const table = this.compiled.config.routeTables.find((t) => t.port === port);
    const properties: Record<string, string | bigint> = { "destination.port": BigInt(table?.listenerPort ?? port) };
    if (scheme === "https") properties["connection.requested_server_name"] = url.hostname;
    const pending = this.host.send({ headers, properties, upstream: request.upstream });
    // A delayed request (fault injection) resumes on the filter's tick: move the clock on.
    for (let waited = 0; !pending.done && waited < MAX_SIMULATED_DELAY_MS; waited += CLOCK_STEP_MS) this.host.advance(CLOCK_STEP_MS);
    if (!pending.done) pending.cancel();
    return this.interpret(pending.result);
  }

  private interpret(result: RequestResult): SimulationResult {
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
      return { action: "route", cluster, request: shown, ...base };
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
    return { action, status: result.response?.status ?? reply.status, responseHeaders, body, ...base };
  }
}
