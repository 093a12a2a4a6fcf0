// Gateways selecting the workload, merged into route tables (one per Envoy RDS name).
// Sources: istio/istio pilot/pkg/model/gateway.go (mergeGateways, gatewayRDSRouteName,
// canMergeProtocols, CheckDuplicates, sanitizeServerHostNamespace), pkg/config/gateway/gateway.go
// (IsHTTPServer, IsTLSServer, IsPassThroughServer), pilot/pkg/model/push_context.go (mergeGateways).

import type { Resource } from "../resources/types.ts";
import { type DiagnosticSink, type Origin, asArray, asNumber, asString, compareByCreationTime, isRecord } from "./common.ts";
import { labelsSubsetOf, sanitizeServerHosts, sniHostsForServer } from "./names.ts";

export interface GatewayServer {
  /** `<gwNs>/<gwName>`. */
  gatewayName: string;
  gateway: Resource;
  origin: Origin;
  port: number;
  portName: string;
  protocol: string;
  /** Sanitized hosts (`ns/host`, `host`). */
  hosts: string[];
  /** `server.tls` is set (also true for a plaintext server that only sets httpsRedirect). */
  hasTls: boolean;
  httpsRedirect: boolean;
}

export interface RouteTableSpec {
  name: string;
  port: number;
  tls: boolean;
  sniHosts: string[];
  servers: GatewayServer[];
}

const HTTP_PROTOCOLS = new Set(["HTTP", "HTTP2", "GRPC", "GRPC-WEB", "HTTP_PROXY"]);

/** `protocol.Instance.IsHTTP` (pkg/config/protocol): plaintext HTTP family, case-insensitive. */
function isHttpProtocol(p: string): boolean {
  return HTTP_PROTOCOLS.has(p.toUpperCase());
}

function tlsMode(server: Record<string, any>): string {
  // The proto enum's zero value is PASSTHROUGH.
  return isRecord(server.tls) ? asString(server.tls.mode).toUpperCase() || "PASSTHROUGH" : "";
}

/** `IsPassThroughServer`. */
function isPassThrough(server: Record<string, any>): boolean {
  const m = tlsMode(server);
  return m === "PASSTHROUGH" || m === "AUTO_PASSTHROUGH";
}

/** `IsHTTPServer`: HTTP family (TLS settings ignored) or HTTPS that terminates TLS. */
function isHttpServer(server: Record<string, any>, protocol: string): boolean {
  if (isHttpProtocol(protocol)) return true;
  return protocol.toUpperCase() === "HTTPS" && !isPassThrough(server);
}

/** `IsTLSServer`: has TLS settings and is not plaintext HTTP family. */
function isTlsServer(server: Record<string, any>, protocol: string): boolean {
  return isRecord(server.tls) && !isHttpProtocol(protocol);
}

/** `gatewayRDSRouteName`: `http.<port>` or `https.<port>.<portName>.<gwName>.<gwNs>`, else "". */
function rdsRouteName(server: Record<string, any>, protocol: string, port: number, portName: string, gw: Resource): string {
  if (isHttpProtocol(protocol)) return `http.${port}`;
  if (protocol.toUpperCase() === "HTTPS" && !isPassThrough(server)) {
    return `https.${port}.${portName}.${gw.metadata.name}.${gw.metadata.namespace}`;
  }
  return "";
}

/** Gateways that apply to the workload: selector ⊆ labels; empty selector applies to all. Sorted by creation time. */
export function selectGateways(resources: Resource[], labels: Record<string, string>): Resource[] {
  return resources
    .filter((r) => r.kind === "Gateway" && isRecord(r.spec))
    .filter((r) => labelsSubsetOf(isRecord(r.spec.selector) ? r.spec.selector : {}, labels))
    .sort(compareByCreationTime);
}

/**
 * `mergeGateways`, reduced to one bind address (gatewasm runs on one listener per port): servers
 * on a port are merged when both are plaintext HTTP; a plaintext server whose protocol cannot merge
 * is skipped; TLS servers with an already-seen host on the port are skipped; each TLS-terminating
 * HTTPS server gets its own table.
 */
export function mergeGateways(gateways: Resource[], sink: DiagnosticSink): RouteTableSpec[] {
  const gatewayPorts = new Set<number>();
  const plainTextProtocol = new Map<number, string>();
  const tlsHostsByPort = new Map<number, Set<string>>();
  const tables = new Map<string, RouteTableSpec>();

  for (const gw of gateways) {
    const gatewayName = `${gw.metadata.namespace}/${gw.metadata.name}`;
    asArray(gw.spec.servers).forEach((s, i) => {
      if (!isRecord(s)) return;
      const origin: Origin = { res: gw, path: ["spec", "servers", i] };
      if (!isRecord(s.port)) return; // rejected by validation
      const port = asNumber(s.port.number);
      const portName = asString(s.port.name);
      const protocol = asString(s.port.protocol);
      if (asString(s.bind) !== "") {
        sink.report({ res: gw, path: [...origin.path, "bind"] }, `bind ${JSON.stringify(s.bind)} is ignored by gatewasm: the filter serves every address of the port`, "warning");
      }
      const hosts = sanitizeServerHosts(asArray(s.hosts).filter((h): h is string => typeof h === "string"), gw.metadata.namespace);
      const server: GatewayServer = {
        gatewayName,
        gateway: gw,
        origin,
        port,
        portName,
        protocol,
        hosts,
        hasTls: isRecord(s.tls),
        httpsRedirect: isRecord(s.tls) && s.tls.httpsRedirect === true,
      };
      const routeName = rdsRouteName(s, protocol, port, portName, gw);
      const addTable = () => {
        const https = routeName.startsWith("https.");
        tables.set(routeName, { name: routeName, port, tls: https, sniHosts: https ? sniHostsForServer(hosts) : [], servers: [server] });
      };

      if (isRecord(s.tls)) {
        // CheckDuplicates: two TLS servers on one port may not share a host (they would be
        // identical SNI filter chain matches); the later server is skipped.
        const known = tlsHostsByPort.get(port) ?? new Set<string>();
        tlsHostsByPort.set(port, known);
        const dups = hosts.filter((h) => known.has(h));
        if (dups.length > 0) {
          sink.report(origin, `server skipped: host(s) ${dups.join(", ")} already used by another TLS server on port ${port}`, "warning");
          return;
        }
        for (const h of hosts) known.add(h);
      }

      if (gatewayPorts.has(port)) {
        const current = plainTextProtocol.get(port);
        if (current !== undefined) {
          // canMergeProtocols(current, p) = (current.IsHTTP() || current == p) && p.IsHTTP()
          const canMerge = (isHttpProtocol(current) || current.toUpperCase() === protocol.toUpperCase()) && isHttpProtocol(protocol);
          if (!canMerge) {
            sink.report(origin, `server skipped: protocol ${protocol} conflicts with the ${current} server already on port ${port}`, "warning");
            return;
          }
          if (routeName === "") return;
          tables.get(routeName)?.servers.push(server);
          if (!tables.has(routeName)) addTable();
          return;
        }
        if (!isTlsServer(s, protocol)) {
          plainTextProtocol.set(port, protocol);
          if (isHttpServer(s, protocol)) addTable();
          return;
        }
        if (isHttpServer(s, protocol)) {
          if (routeName === "") return;
          if (tables.has(routeName)) {
            sink.report(origin, `server skipped: non unique port name for HTTPS port ${port}`, "warning");
            return;
          }
          addTable();
        }
        return;
      }
      gatewayPorts.add(port);
      if (!isTlsServer(s, protocol)) plainTextProtocol.set(port, protocol);
      if (isHttpServer(s, protocol) && routeName !== "") addTable();
    });
  }
  return [...tables.values()].sort((a, b) => a.port - b.port || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
