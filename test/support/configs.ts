// Small FilterConfig builders for tests that drive the filter directly through the harness.
import type { FaultConfig, FilterConfig, HeaderOperations, Route } from "../../host/config/model.ts";

export const NO_OPS: HeaderOperations = { set: [], add: [], remove: [] };

export function forwardRoute(cluster: string, extra: Partial<Route> = {}): Route {
  return {
    name: "r", virtualService: "ns/vs", path: { kind: "prefix", value: "/", ignoreCase: false }, headers: [], queryParams: [],
    action: {
      kind: "route",
      destinations: [{ cluster, clusterExists: true, weight: 0, requestHeaders: NO_OPS, responseHeaders: NO_OPS, authority: null }],
      rewriteUri: null, rewriteRegex: null, authority: null, timeoutMs: 0, retries: null,
    },
    requestHeaders: NO_OPS, responseHeaders: NO_OPS, fault: null,
    ...extra,
  };
}

export function singleHostConfig(routes: Route[], extra: Partial<FilterConfig> = {}): FilterConfig {
  return {
    version: 1, clusterHeader: "x-gatewasm-cluster",
    routeTables: [{ name: "http.80", port: 80, tls: false, sniHosts: [], virtualHosts: [{ name: "a.example.com:80", domain: "a.example.com", requireTls: false, routes }] }],
    ...extra,
  };
}

export function fault(f: Partial<FaultConfig>): FaultConfig {
  return { delayMs: 0, delayPerMillion: 0, abortHttpStatus: 0, abortGrpcStatus: -1, abortPerMillion: 0, ...f };
}

export const GET: Array<[string, string]> = [[":method", "GET"], [":scheme", "http"], [":authority", "a.example.com"], [":path", "/x"]];
