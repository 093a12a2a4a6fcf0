// Synthetic route tables for the benchmarks: `routes` routes spread over up to 1,000 hosts,
// mixing exact paths, prefixes and header matches, with a seeded generator.
import { mulberry32 } from "../host/util/mulberry32.ts";
import type { Destination, FilterConfig, HeaderOperations, Route, VirtualHost } from "../host/config/model.ts";

const NO_OPS: HeaderOperations = { set: [], add: [], remove: [] };

function destination(host: string, subset: string, weight: number): Destination {
  return { cluster: `outbound|8080|${subset}|${host}`, clusterExists: true, weight, requestHeaders: NO_OPS, responseHeaders: NO_OPS, authority: null };
}

export interface SyntheticTable {
  config: FilterConfig;
  /** A request that reaches a route in the middle of a virtual host's list (not the first). */
  probe: { authority: string; path: string; headers: Array<[string, string]> };
}

export function syntheticTable(routes: number, seed = 1): SyntheticTable {
  const random = mulberry32(seed);
  const hosts = Math.min(1000, Math.max(1, Math.floor(routes / 10)));
  const perHost = Math.ceil(routes / hosts);
  const virtualHosts: VirtualHost[] = [];
  let made = 0;
  for (let h = 0; h < hosts && made < routes; h++) {
    const domain = `svc-${h}.bench.example.com`;
    const list: Route[] = [];
    for (let r = 0; r < perHost && made < routes; r++, made++) {
      const kind = r % 3;
      const segment = `/api/v${r}/${Math.floor(random() * 1e6).toString(36)}`;
      list.push({
        name: `r${r}`,
        virtualService: `bench/vs-${h}`,
        path: kind === 0 ? { kind: "exact", value: segment, ignoreCase: false } : { kind: "prefix", value: segment, ignoreCase: false },
        headers: kind === 2 ? [{ name: "x-tenant", kind: "exact", value: `t${r}`, invert: false, treatMissingAsEmpty: false }] : [],
        queryParams: [],
        action: {
          kind: "route",
          destinations: r % 4 === 0 ? [destination(domain, "v1", 90), destination(domain, "v2", 10)] : [destination(domain, "", 0)],
          rewriteUri: null, rewriteRegex: null, authority: null, timeoutMs: 0, retries: null,
        },
        requestHeaders: NO_OPS,
        responseHeaders: NO_OPS,
        fault: null,
      });
    }
    virtualHosts.push({ name: `${domain}:80`, domain, requireTls: false, routes: list });
  }
  // Probe: the last host's last header-matched route (worst position in its list).
  const vhost = virtualHosts[virtualHosts.length - 1]!;
  const target = [...vhost.routes].reverse().find((r) => r.headers.length > 0) ?? vhost.routes[vhost.routes.length - 1]!;
  const headers: Array<[string, string]> = target.headers.map((m) => [m.name, m.value]);
  return {
    config: { version: 1, clusterHeader: "x-gatewasm-cluster", routeTables: [{ name: "http.80", port: 80, tls: false, sniHosts: [], virtualHosts }] },
    probe: { authority: vhost.domain, path: `${target.path!.value}${target.path!.kind === "prefix" ? "/item/42" : ""}?q=1`, headers },
  };
}

/** A typical browser-ish request: pseudo-headers plus ordinary headers, 20 in all. */
export function twentyHeaders(authority: string, path: string, extra: Array<[string, string]>): Array<[string, string]> {
  const base: Array<[string, string]> = [
    [":method", "GET"], [":scheme", "http"], [":authority", authority], [":path", path],
    ["user-agent", "Mozilla/5.0 (X11; Linux x86_64) bench"], ["accept", "text/html,application/xhtml+xml"],
    ["accept-language", "en-US,en;q=0.9"], ["accept-encoding", "gzip, deflate, br"], ["cookie", "session=abc123; theme=dark"],
    ["x-forwarded-for", "203.0.113.7"], ["x-forwarded-proto", "http"], ["x-request-id", "4f1c2b9e-0d1a-4c7e-9d7b-1e2f3a4b5c6d"],
    ["cache-control", "no-cache"], ["pragma", "no-cache"], ["referer", "http://example.com/"], ["dnt", "1"],
    ["sec-fetch-mode", "navigate"], ["sec-fetch-site", "same-origin"], ["upgrade-insecure-requests", "1"],
  ];
  const headers = [...base, ...extra];
  while (headers.length < 20) headers.push([`x-pad-${headers.length}`, "1"]);
  return headers.slice(0, Math.max(20, base.length + extra.length));
}
