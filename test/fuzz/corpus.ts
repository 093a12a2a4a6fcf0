// Seed configurations for the fuzzers: together they use every record kind and field of the
// binary format (docs/config-format.md) — several route tables and ports, SNI, exact, wildcard
// and `*` hosts, exact/prefix/regex paths with and without ignoreCase, header and query
// matchers, weighted and missing clusters, rewrites, redirects, direct responses, faults,
// header operations, timeouts and retries — so mutating them reaches every check.
import type { Destination, FaultConfig, FilterConfig, HeaderOperations, Route, RouteAction, VirtualHost } from "../../host/config/model.ts";

const NO_OPS: HeaderOperations = { set: [], add: [], remove: [] };
const ops = (tag: string): HeaderOperations => ({ set: [[`x-set-${tag}`, "s"]], add: [[`x-add-${tag}`, "a"]], remove: [`x-rm-${tag}`] });

const dest = (name: string, weight = 0, exists = true, extra: Partial<Destination> = {}): Destination => ({
  cluster: `outbound|80|${weight ? `v${weight}` : ""}|${name}.ns.svc.cluster.local`, clusterExists: exists, weight,
  requestHeaders: NO_OPS, responseHeaders: NO_OPS, authority: null, ...extra,
});

const forward = (destinations: Destination[], extra: Partial<Extract<RouteAction, { kind: "route" }>> = {}): RouteAction => ({
  kind: "route", destinations, rewriteUri: null, rewriteRegex: null, authority: null, timeoutMs: 0, retries: null, ...extra,
});

const route = (path: Route["path"], action: RouteAction, extra: Partial<Route> = {}): Route => ({
  name: "r", virtualService: "ns/vs", path, headers: [], queryParams: [], action,
  requestHeaders: NO_OPS, responseHeaders: NO_OPS, fault: null, ...extra,
});

const fault = (f: Partial<FaultConfig>): FaultConfig => ({ delayMs: 0, delayPerMillion: 0, abortHttpStatus: 0, abortGrpcStatus: -1, abortPerMillion: 0, ...f });

function shopHost(domain: string): VirtualHost {
  return {
    name: `${domain}:80`, domain, requireTls: false, routes: [
      route({ kind: "exact", value: "/exact", ignoreCase: false }, forward([dest("exact")])),
      route({ kind: "exact", value: "/Exact-IC", ignoreCase: true }, forward([dest("exact-ic")])),
      route({ kind: "prefix", value: "/api/", ignoreCase: false }, forward([dest("api", 70), dest("api", 30)], { rewriteUri: "/v2/", timeoutMs: 1500 }),
        { headers: [{ name: "x-tenant", kind: "exact", value: "gold", invert: false, treatMissingAsEmpty: false }], requestHeaders: ops("api") }),
      route({ kind: "prefix", value: "/api/", ignoreCase: false }, forward([dest("api-default", 0, true, { requestHeaders: ops("d"), responseHeaders: ops("dr"), authority: "internal.example" })])),
      route({ kind: "prefix", value: "/Static", ignoreCase: true }, forward([dest("static")], { rewriteRegex: { match: "^/static/(.*)$", substitution: "/s/\\1" } })),
      route({ kind: "regex", value: "/users/[0-9]+(/.*)?", ignoreCase: false }, forward([dest("users")], { retries: { attempts: 3, retryOn: "5xx", perTryTimeoutMs: 200, retriableStatusCodes: [] } }),
        { queryParams: [{ name: "debug", kind: "present", value: "", invert: false, treatMissingAsEmpty: false }] }),
      route({ kind: "prefix", value: "/old", ignoreCase: false }, { kind: "redirect", status: 301, path: null, prefixRewrite: "/new", authority: null, scheme: "https", port: 8443 }),
      route({ kind: "exact", value: "/moved", ignoreCase: false }, { kind: "redirect", status: 308, path: "/here?x=1", prefixRewrite: null, authority: "other.example.com", scheme: null, port: 0 }),
      route({ kind: "prefix", value: "/teapot", ignoreCase: false }, { kind: "direct_response", status: 418, body: "short and stout" }, { responseHeaders: ops("tea") }),
      route({ kind: "prefix", value: "/delay", ignoreCase: false }, forward([dest("slow")]), { fault: fault({ delayMs: 50, delayPerMillion: 500_000, abortHttpStatus: 503, abortPerMillion: 300_000 }) }),
      route({ kind: "prefix", value: "/missing", ignoreCase: false }, forward([dest("missing", 0, false)]), { fault: fault({ delayMs: 30, delayPerMillion: 1_000_000 }) }),
      route({ kind: "prefix", value: "/grpc", ignoreCase: false }, forward([dest("grpc")]), { fault: fault({ abortGrpcStatus: 14, abortPerMillion: 500_000 }) }),
      route(null, forward([dest("fallback")]), { headers: [{ name: "x-canary", kind: "regex", value: "al+ways", invert: false, treatMissingAsEmpty: false }] }),
      route({ kind: "prefix", value: "/", ignoreCase: false }, forward([dest("root")]),
        { headers: [{ name: "x-never", kind: "prefix", value: "n", invert: true, treatMissingAsEmpty: true }] }),
    ],
  };
}

export function corpus(): FilterConfig[] {
  const big: FilterConfig = {
    version: 1, clusterHeader: "x-gatewasm-cluster", maxActiveFaults: 1000,
    routeTables: [
      { name: "http.8080", port: 80, listenerPort: 8080, tls: false, sniHosts: [], virtualHosts: [
        shopHost("shop.example.com"),
        { ...shopHost("*.wild.example.com"), name: "*.wild.example.com:80" },
        { ...shopHost("*.example.com"), name: "*.example.com:80" },
        { name: "secure.example.com:80", domain: "secure.example.com", requireTls: true, routes: [route({ kind: "prefix", value: "/", ignoreCase: false }, forward([dest("secure")]))] },
        { ...shopHost("*"), name: "*:80" },
      ] },
      { name: "https.8443.a", port: 443, listenerPort: 8443, tls: true, sniHosts: ["a.example.com", "*.a.example.com"], virtualHosts: [shopHost("a.example.com")] },
      { name: "https.8443.b", port: 443, listenerPort: 8443, tls: true, sniHosts: ["b.example.com"], virtualHosts: [shopHost("b.example.com")] },
    ],
  };
  const small: FilterConfig = {
    version: 1, clusterHeader: "x-gatewasm-cluster",
    routeTables: [{ name: "http.80", port: 80, tls: false, sniHosts: [], virtualHosts: [shopHost("shop.example.com")] }],
  };
  const crowded: FilterConfig = {
    version: 1, clusterHeader: "x-gatewasm-cluster", policyHeader: "x-gatewasm-policy",
    routeTables: [{ name: "http.80", port: 80, tls: false, sniHosts: [], virtualHosts: [{
      name: "shop.example.com:80", domain: "shop.example.com", requireTls: false,
      routes: Array.from({ length: 60 }, (_, i) => route({ kind: "prefix", value: i % 2 ? "/" : "/api/", ignoreCase: i % 3 === 0 },
        forward([dest(`s${i}`)], { rewriteUri: i % 5 === 0 ? "/r/" : null }),
        { headers: i % 4 === 0 ? [{ name: "x-tenant", kind: "exact", value: `t${i}`, invert: false, treatMissingAsEmpty: false }] : [] })),
    }] }],
  };
  return [big, small, crowded];
}

/** What the request generator aims at: hosts, paths and header names the corpus uses. */
export const TARGETS = {
  hosts: ["shop.example.com", "SHOP.Example.com", "x.wild.example.com", "deep.x.wild.example.com", "any.example.com", "secure.example.com",
    "a.example.com", "b.example.com", "q.a.example.com", "unknown.test", "example.com", ".example.com", "wild.example.com"],
  paths: ["/exact", "/EXACT-ic", "/exact-ic", "/api/", "/api/items/7", "/static/img.png", "/STATIC/x", "/users/42", "/users/42/posts",
    "/old/page", "/moved", "/teapot", "/delay/x", "/missing/x", "/grpc/svc", "/", "/x", "", "/api", "/r/"],
  headers: ["x-tenant", "x-canary", "x-never", "x-rm-api", "x-rm-d", "content-type", "te", "grpc-timeout"],
  values: ["gold", "always", "allllways", "n", "", "application/grpc", "trailers"],
  queries: ["", "?debug", "?debug=1", "?a=1&debug", "?x=%20", "#frag", "?q=1#f"],
  sni: ["a.example.com", "x.a.example.com", "b.example.com", "c.example.com", ""],
  ports: [8080n, 8443n, 80n, 443n, 9999n],
};
