// Gateway servers Envoy serves without HTTP routing, and so without the filter: TLS passthrough
// (PASSTHROUGH, AUTO_PASSTHROUGH), TLS-terminated TCP and plain TCP. gatewasm does not change
// them; it says so at compile time (a warning at each such server and each VirtualService
// `tls:`/`tcp:` route bound to it) and records what Istio builds for them, so that `simulate` can
// explain a connection to such a port: which filter chain its SNI selects and which cluster the
// TCP proxy forwards to.
//
// Sources: istio/istio pilot/pkg/networking/core/gateway.go (buildGatewayTCPBasedFilterChains,
// createGatewayTCPFilterChainOpts, builtAutoPassthroughFilterChains, buildGatewayNetworkFiltersFromTLSRoutes,
// buildGatewayNetworkFiltersFromTCPRoutes, pickMatchingGatewayHosts, l4MultiMatch),
// pilot/pkg/model/service.go (BuildDNSSrvSubsetKey: `outbound_.<port>_.<subset>_.<host>`),
// pkg/config/gateway/gateway.go (IsPassThroughServer, IsTLSServer). Checked against Istio's
// translator (build/istio-xds) in test/simulate/l4.test.ts.
import type { Resource } from "../resources/types.ts";
import { type DiagnosticSink, type Origin, asArray, asNumber, asString, at, isRecord } from "./common.ts";
import { hostSubsetOf, namesForNamespace, resolveShortname, sanitizeServerHosts, sniHostsForServer } from "./names.ts";
import type { Registry } from "./registry.ts";
import type { VirtualServiceIndex } from "./virtualservices.ts";

export type L4Mode = "passthrough" | "auto_passthrough" | "tls_terminated" | "tcp";

export interface L4Destination { cluster: string; weight: number }

export interface L4Chain {
  /** Envoy filter_chain_match.server_names; empty = any SNI (or none, for TCP). */
  serverNames: string[];
  /** The TCP proxy's cluster(s); empty = no route matched (Istio builds no chain then). */
  destinations: L4Destination[];
  /** Where it comes from, e.g. "VirtualService default/nginx tls[0]" or "AUTO_PASSTHROUGH: Service helloworld.sample". */
  source: string;
}

export interface L4Listener {
  /** Gateway server port. */
  port: number;
  /** Port the listener binds (the gateway Service's targetPort); the server port when unknown. */
  listenerPort: number;
  mode: L4Mode;
  protocol: string;
  /** `ns/name` of the Gateway. */
  gateway: string;
  chains: L4Chain[];
}

const HTTP_PROTOCOLS = new Set(["HTTP", "HTTP2", "GRPC", "GRPC-WEB", "HTTP_PROXY"]);

function tlsMode(server: Record<string, any>): string {
  // The proto enum's zero value is PASSTHROUGH.
  return isRecord(server.tls) ? asString(server.tls.mode).toUpperCase() || "PASSTHROUGH" : "";
}

/** The L4 kind of a server, or null for the HTTP servers the filter serves (IsHTTPServer). */
export function l4Mode(server: Record<string, any>): L4Mode | null {
  const protocol = asString(isRecord(server.port) ? server.port.protocol : "").toUpperCase();
  if (HTTP_PROTOCOLS.has(protocol)) return null;
  const mode = tlsMode(server);
  if (mode === "AUTO_PASSTHROUGH") return "auto_passthrough";
  if (mode === "PASSTHROUGH") return "passthrough";
  if (protocol === "HTTPS") return null; // TLS-terminating HTTPS: an HTTP server
  if (mode !== "") return "tls_terminated";
  return "tcp";
}

/** `BuildDNSSrvSubsetKey(TrafficDirectionOutbound, subset, host, port)`. */
export function sniDnatClusterName(port: number, subset: string, host: string): string {
  return `outbound_.${port}_.${subset}_.${host}`;
}

interface L4Context {
  registry: Registry;
  vsIndex: VirtualServiceIndex;
  sink: DiagnosticSink;
  clusterDomain: string;
  /** Server port → the port its listener binds. */
  listenerPort: (port: number) => number;
}

/** `pickMatchingGatewayHosts`: does a VirtualService host match a server host (namespace-scoped)? */
function vsMatchesServer(vsHosts: string[], serverHosts: string[], vsNamespace: string): boolean {
  const names = namesForNamespace(serverHosts, vsNamespace);
  return vsHosts.some((h) => names.some((g) => hostSubsetOf(h, g) || hostSubsetOf(g, h)));
}

/** `l4MultiMatch`: no match entries match; else one entry whose port and gateways fit. */
function l4Matches(route: Record<string, any>, port: number, gatewayName: string, vsNamespace: string): Array<Record<string, any>> | null {
  const matches = asArray(route.match).filter(isRecord);
  const fits = (m: Record<string, any>) => {
    const p = asNumber(m.port);
    const gws = asArray(m.gateways).filter((g): g is string => typeof g === "string")
      .map((g) => (g.includes("/") ? g : `${vsNamespace}/${g}`));
    return (p === 0 || p === port) && (gws.length === 0 || gws.includes(gatewayName));
  };
  if (matches.length === 0) return [];
  const ok = matches.filter(fits);
  return ok.length === 0 ? null : ok;
}

function destinations(route: Record<string, any>, vsNamespace: string, serverPort: number, ctx: L4Context): L4Destination[] {
  return asArray(route.route).filter(isRecord).map((r) => {
    const d = isRecord(r.destination) ? r.destination : {};
    const host = resolveShortname(asString(d.host), vsNamespace, ctx.clusterDomain);
    const svc = ctx.registry.lookup(host, vsNamespace);
    let port = serverPort;
    if (isRecord(d.port) && asNumber(d.port.number) > 0) port = asNumber(d.port.number);
    else if (svc !== null && svc.ports.length === 1) port = svc.ports[0]!;
    return { cluster: `outbound|${port}|${asString(d.subset)}|${host}`, weight: asNumber(r.weight) };
  });
}

/** Filter chains from the `tls:` (passthrough) or `tcp:` routes of the VirtualServices bound to the server's gateway. */
function routeChains(kind: "tls" | "tcp", gw: Resource, server: Record<string, any>, port: number, hosts: string[], ctx: L4Context): L4Chain[] {
  const gatewayName = `${gw.metadata.namespace}/${gw.metadata.name}`;
  const chains: L4Chain[] = [];
  for (const vs of ctx.vsIndex.forGateway(gatewayName)) {
    if (!vsMatchesServer(vs.hosts, hosts, vs.namespace)) continue;
    asArray(vs.res.spec[kind]).forEach((route, i) => {
      if (!isRecord(route)) return;
      const matches = l4Matches(route, port, gatewayName, vs.namespace);
      if (matches === null) return;
      const origin: Origin = { res: vs.res, path: ["spec", kind, i] };
      ctx.sink.report(origin, `${kind} route on ${asString(server.port?.protocol)} port ${port} of Gateway ${gatewayName}: forwarded by Envoy's TCP proxy${kind === "tls" ? " by SNI" : ""}, not by the filter; gatewasm leaves it to Istio (simulate explains it)`, "warning");
      const dests = destinations(route, vs.namespace, port, ctx);
      const source = `VirtualService ${vs.key} ${kind}[${i}]`;
      if (kind === "tls") {
        for (const m of matches) {
          const sni = asArray(m.sniHosts).filter((h): h is string => typeof h === "string");
          chains.push({ serverNames: sni, destinations: dests, source });
        }
      } else {
        // TCP routes: the first matching one wins (no SNI on plain TCP; a TLS-terminated server
        // keeps its hosts as server names).
        chains.push({ serverNames: isRecord(server.tls) ? sniHostsForServer(hosts).filter((h) => h !== "*") : [], destinations: dests, source });
      }
    });
  }
  return chains;
}

/** `builtAutoPassthroughFilterChains`: one chain per non-UDP port of every mesh-internal service the server's hosts cover. */
function autoPassthroughChains(hosts: string[], ctx: L4Context): L4Chain[] {
  const names = hosts.map((h) => (h.includes("/") ? h.slice(h.indexOf("/") + 1) : h));
  const chains: L4Chain[] = [];
  for (const svc of ctx.registry.visibleServices()) {
    const meshExternal = svc.res.kind === "ServiceEntry" && asString(svc.res.spec.location).toUpperCase() !== "MESH_INTERNAL";
    if (meshExternal) continue;
    if (!names.some((h) => hostSubsetOf(svc.hostname, h))) continue;
    const portSpecs = asArray(svc.res.kind === "Service" ? svc.res.spec.ports : svc.res.spec.ports).filter(isRecord);
    for (const p of portSpecs) {
      const number = asNumber(svc.res.kind === "Service" ? p.port : p.number);
      if (number <= 0 || asString(p.protocol).toUpperCase() === "UDP") continue;
      const source = `AUTO_PASSTHROUGH: ${svc.res.kind} ${svc.res.metadata.namespace}/${svc.res.metadata.name} port ${number}`;
      const plain = sniDnatClusterName(number, "", svc.hostname);
      chains.push({ serverNames: [plain], destinations: [{ cluster: plain, weight: 0 }], source });
      for (const subset of ctx.registry.subsets(svc)) {
        const name = sniDnatClusterName(number, subset, svc.hostname);
        chains.push({ serverNames: [name], destinations: [{ cluster: name, weight: 0 }], source: `${source}, subset ${subset}` });
      }
    }
  }
  return chains;
}

/** The L4 listeners of the selected Gateways, with a warning at each server. */
export function compileL4(gateways: Resource[], ctx: L4Context): L4Listener[] {
  const out: L4Listener[] = [];
  for (const gw of gateways) {
    asArray(gw.spec.servers).forEach((s, i) => {
      if (!isRecord(s) || !isRecord(s.port)) return;
      const mode = l4Mode(s);
      if (mode === null) return;
      const port = asNumber(s.port.number);
      const protocol = asString(s.port.protocol).toUpperCase();
      const hosts = sanitizeServerHosts(asArray(s.hosts).filter((h): h is string => typeof h === "string"), gw.metadata.namespace);
      const origin: Origin = { res: gw, path: ["spec", "servers", i] };
      const how: Record<L4Mode, string> = {
        passthrough: "TLS PASSTHROUGH: Envoy picks a VirtualService tls route by SNI and forwards the encrypted connection",
        auto_passthrough: "TLS AUTO_PASSTHROUGH: Envoy forwards each connection to the cluster its SNI names (outbound_.<port>_.<subset>_.<host>)",
        tls_terminated: `TLS ${tlsMode(s)} on a ${protocol} port: Envoy terminates TLS and forwards the bytes with its TCP proxy (VirtualService tcp routes)`,
        tcp: `${protocol}: Envoy forwards the bytes with its TCP proxy (VirtualService tcp routes)`,
      };
      ctx.sink.report(at(origin), `server on port ${port} is served without HTTP routing, so not by the filter — ${how[mode]}; gatewasm leaves it to Istio (simulate explains it)`, "warning");
      const chains = mode === "auto_passthrough" ? autoPassthroughChains(hosts, ctx)
        : routeChains(mode === "passthrough" ? "tls" : "tcp", gw, s, port, hosts, ctx);
      out.push({ port, listenerPort: ctx.listenerPort(port), mode, protocol, gateway: `${gw.metadata.namespace}/${gw.metadata.name}`, chains });
    });
  }
  return out;
}
