// Seeded request generation for the fuzzers, and the security probes: every internal header
// name, every x-envoy-* request header Envoy documents, :authority/Host tricks, absolute-form
// paths and duplicate pseudo-headers. Client-chosen values of internal headers start with
// "evil-", so the oracle can tell them from the filter's decision.
import { TARGETS } from "./corpus.ts";

export type Rng = () => number;
export type Headers = Array<[string, string]>;

export const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
export const int = (rng: Rng, n: number): number => Math.floor(rng() * n);

/** Request headers Envoy documents (docs/root/configuration/http/http_conn_man/headers.rst, router_filter.rst). */
export const ENVOY_HEADERS = [
  "x-envoy-attempt-count", "x-envoy-decorator-operation", "x-envoy-downstream-service-cluster", "x-envoy-downstream-service-node",
  "x-envoy-expected-rq-timeout-ms", "x-envoy-external-address", "x-envoy-force-trace", "x-envoy-hedge-on-per-try-timeout",
  "x-envoy-internal", "x-envoy-ip-tags", "x-envoy-is-timeout-retry", "x-envoy-max-retries", "x-envoy-original-dst-host",
  "x-envoy-original-path", "x-envoy-original-url", "x-envoy-retriable-header-names", "x-envoy-retriable-status-codes",
  "x-envoy-retry-grpc-on", "x-envoy-retry-on", "x-envoy-upstream-alt-stat-name", "x-envoy-upstream-rq-per-try-timeout-ms",
  "x-envoy-upstream-rq-timeout-alt-response", "x-envoy-upstream-rq-timeout-ms", "x-envoy-upstream-stream-duration-ms",
  "x-envoy-peer-metadata", "x-envoy-peer-metadata-id", "x-envoy-immediate-health-check-fail", "x-envoy-degraded",
  "x-envoy-local-overloaded", "x-envoy-overloaded", "x-envoy-upstream-canary", "x-envoy-upstream-service-time",
];

export interface Probe { name: string; apply(h: Headers, internal: readonly string[]): Headers }

const setPseudo = (h: Headers, key: string, value: string): Headers => h.map(([k, v]) => [k, k === key ? value : v] as [string, string]);

/** The security probes; each turns a well-formed request into an attack on the decision. */
export function probes(): Probe[] {
  const out: Probe[] = [];
  const internalProbe = (name: string, f: (name: string) => Headers): Probe =>
    ({ name, apply: (h, internal) => [...h, ...internal.flatMap(f)] });
  out.push(internalProbe("internal headers, client-set", (n) => [[n, `evil-${n}`]]));
  out.push(internalProbe("internal headers, mixed case", (n) => [[n.toUpperCase(), `evil-upper`], [n.replace(/^x/, "X"), "evil-x"]]));
  out.push(internalProbe("internal headers, repeated", (n) => [[n, "evil-1"], [n, "evil-2"], [n, ""]]));
  out.push(internalProbe("internal headers, empty and odd values", (n) => [[n, ""], [n, "evil- "], [n, "evil-\t,outbound|80||x"]]));
  for (const e of ENVOY_HEADERS) out.push({ name: `${e}`, apply: (h) => [...h, [e, e.endsWith("-ms") ? "1" : "evil-envoy"]] });
  for (const a of ["shop.example.com:80", "shop.example.com.", "SHOP.EXAMPLE.COM", "shop.example.com:80:80", "[::1]:80", "[::1]",
    "shop.example.com@secure.example.com", "secure.example.com/shop.example.com", "shop.example.com\t", " shop.example.com", "",
    "shop.example.com:", ":80", "*", "a.example.com:8443", "x..wild.example.com", ".wild.example.com"]) {
    out.push({ name: `:authority ${JSON.stringify(a)}`, apply: (h) => setPseudo(h, ":authority", a) });
  }
  out.push({ name: "Host differs from :authority", apply: (h) => [...h, ["host", "secure.example.com"]] });
  out.push({ name: "no :authority, Host only", apply: (h) => [...h.filter(([k]) => k !== ":authority"), ["host", "shop.example.com"]] });
  for (const p of ["http://secure.example.com/exact", "https://shop.example.com/api/", "//secure.example.com/api/", "/api/../exact",
    "/api/%2e%2e/exact", "*", "/exact#/api/", "/exact?/api/", "api/", "/Exact", "/exact/", "/api//", "/%41pi/"]) {
    out.push({ name: `:path ${JSON.stringify(p)}`, apply: (h) => setPseudo(h, ":path", p) });
  }
  for (const k of [":path", ":authority", ":method", ":scheme"]) {
    out.push({ name: `duplicate ${k}`, apply: (h) => [...h, [k, k === ":path" ? "/exact" : k === ":authority" ? "secure.example.com" : "https"]] });
  }
  out.push({ name: "no :path", apply: (h) => h.filter(([k]) => k !== ":path") });
  out.push({ name: "no pseudo-headers", apply: (h) => h.filter(([k]) => !k.startsWith(":")) });
  return out;
}

/** Filler headers up to `n` in all. */
export function pad(h: Headers, n: number): Headers {
  for (let i = 0; h.length < n; i++) h.push([`x-pad-${i}`, `${i}`]);
  return h;
}

/** How many headers a request carries: mostly few, often Envoy's default limit (100), sometimes the pairs limit and beyond. */
export function headerCount(rng: Rng): number {
  const r = rng();
  if (r < 0.7) return 4 + int(rng, 20);
  if (r < 0.9) return 95 + int(rng, 10);
  return 1015 + int(rng, 20);
}

export interface RequestCase {
  headers: Headers;
  properties: Record<string, string | bigint>;
  probe: string | null;
}

export function randomRequest(rng: Rng, internal: readonly string[], probeList: readonly Probe[]): RequestCase {
  let host = pick(rng, TARGETS.hosts);
  if (rng() < 0.2) host += pick(rng, [":80", ":8080", ":443", ":1"]);
  let path = pick(rng, TARGETS.paths) + pick(rng, TARGETS.queries);
  if (rng() < 0.05) path += "x".repeat(int(rng, 3) === 0 ? 70_000 : 300);
  const scheme = pick(rng, ["http", "https"]);
  let h: Headers = [[":method", pick(rng, ["GET", "POST", "HEAD", "OPTIONS"])], [":scheme", scheme], [":authority", host], [":path", path]];
  if (rng() < 0.5) h.push(["x-forwarded-proto", rng() < 0.8 ? scheme : "HTTPS"]);
  for (let i = int(rng, 4); i > 0; i--) h.push([pick(rng, TARGETS.headers), pick(rng, TARGETS.values)]);
  if (rng() < 0.1) h.push(["content-type", "application/grpc"]);
  let probe: string | null = null;
  if (rng() < 0.3) {
    const p = pick(rng, probeList);
    h = p.apply(h, internal);
    probe = p.name;
  }
  if (rng() < 0.5) h.push([pick(rng, internal), `evil-${int(rng, 1000)}`]);
  h = pad(h, headerCount(rng));
  const properties: Record<string, string | bigint> = {};
  if (rng() < 0.8) properties["destination.port"] = pick(rng, TARGETS.ports);
  if (rng() < 0.5) properties["connection.requested_server_name"] = pick(rng, TARGETS.sni);
  return { headers: h, properties, probe };
}
