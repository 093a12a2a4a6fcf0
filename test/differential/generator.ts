// Seeded generator of random Istio ingress-gateway configurations and requests, for
// differential testing: (a) our harness, (b) real Envoy on Istio's own translation, (c) real
// Envoy on Istio's translation plus our EnvoyFilter. Every generated resource is meant to be
// valid for Istio and for our compiler (zero errors; warnings are fine), and never uses what
// our compiler warns as unsupported (mirror, corsPolicy).
//
// Determinism: everything derives from one mulberry32 stream seeded with `seed`; the same
// (seed, options) always gives byte-identical YAML and requests.
//
// Conventions the harness runner (and the judges) rely on:
// - every http route is named `r<N>` / delegate routes `d<N>`, every match `m<K>`; names carry
//   no "." or "-", so an Envoy route name `r3.m1` or (delegated) `r4-d2.m0-m1` identifies the
//   generated rule: the part before the first ".", last "-"-separated piece (`routeKey`).
// - the gateway workload's own Service (istio-system/istio-ingressgateway) maps every server
//   port to itself: listener port == Gateway server port == RawRequest.port.
import { toKubernetesYaml } from "../../host/resources/kube-yaml.ts";
import { mulberry32 } from "../../host/util/mulberry32.ts";

export interface RawRequest {
  method: string;
  scheme: "http" | "https";
  authority: string;
  path: string;
  headers: Array<[string, string]>;
  /** Gateway server port (the listener binds the same number). */
  port: number;
  sni?: string;
}

export interface DifferentialCase { seed: number; yaml: string; requests: RawRequest[]; notes: string[] }

export interface GenerateOptions { requests?: number; maxRoutes?: number }

// ------------------------------------------------------------------ the model (for the runner)

/** One generated destination; `port: null` = unset with a multi-port service (⇒ the server port). */
export interface ModelDestination { fqdn: string; port: number | null; subset: string; weight: number }

/** What a generated http rule does, keyed by its name (see routeKey). */
export interface ModelRoute {
  key: string;
  /** `ns/name` of the VirtualService the rule is served under (the root for delegated rules). */
  virtualService: string;
  kind: "route" | "redirect" | "direct_response";
  /** Destinations Envoy can pick (weight-0 entries of weighted routes already left out). */
  destinations: ModelDestination[];
  redirectCode?: number;
  directStatus?: number;
  directBody?: string;
  delay?: { ms: number; percent: 0 | 100 };
  abort?: { status: number; percent: 0 | 100 };
}

export interface ModelService { fqdn: string; ports: number[]; subsets: string[] }

export interface CaseModel {
  services: ModelService[];
  routes: Record<string, ModelRoute>;
  /** Every status a response may have (200 = the harness upstream). */
  statuses: number[];
}

/** The generated rule an Envoy route name stands for (`r3.m1` → r3, `r4-d2.m0-m1` → d2). */
export function routeKey(routeName: string): string {
  const head = routeName.split(".")[0]!;
  const parts = head.split("-");
  return parts[parts.length - 1]!;
}

/** `outbound|PORT|SUBSET|FQDN` for a destination reached through a server on `serverPort`. */
export function clusterOf(d: ModelDestination, serverPort: number): string {
  return `outbound|${d.port ?? serverPort}|${d.subset}|${d.fqdn}`;
}

/** Whether Istio creates that cluster (known host, port of it, subset defined by a DR). */
export function clusterExists(model: CaseModel, cluster: string): boolean {
  const [, port, subset, fqdn] = cluster.split("|");
  const svc = model.services.find((s) => s.fqdn === fqdn);
  return !!svc && svc.ports.includes(Number(port)) && (subset === "" || svc.subsets.includes(subset!));
}

// ------------------------------------------------------------------ random helpers

class Rng {
  private readonly next: () => number;
  constructor(seed: number) { this.next = mulberry32(seed); }
  float(): number { return this.next(); }
  int(n: number): number { return Math.floor(this.next() * n); }
  range(lo: number, hi: number): number { return lo + this.int(hi - lo + 1); }
  chance(p: number): boolean { return this.next() < p; }
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)]!; }
  shuffle<T>(xs: readonly T[]): T[] {
    const out = xs.slice();
    for (let i = out.length - 1; i > 0; i--) { const j = this.int(i + 1); [out[i], out[j]] = [out[j]!, out[i]!]; }
    return out;
  }
  sample<T>(xs: readonly T[], n: number): T[] { return this.shuffle(xs).slice(0, Math.min(n, xs.length)); }
  word(alphabet = "abcdefghijklmnopqrstuvwxyz", lo = 1, hi = 6): string {
    let s = "";
    for (let i = this.range(lo, hi); i > 0; i--) s += alphabet[this.int(alphabet.length)];
    return s;
  }
}

const LOWER = "abcdefghijklmnopqrstuvwxyz";
const DIGITS = "0123456789";
const SEGMENT = LOWER + DIGITS + "-_";

function randomCase(rng: Rng, s: string): string {
  let out = "";
  for (const c of s) out += rng.chance(0.5) ? c.toUpperCase() : c.toLowerCase();
  return out === s && /[a-z]/.test(s) ? s.toUpperCase() : out;
}

// ------------------------------------------------------------------ regular expressions

/** A tiny regex AST: rendered to RE2 syntax and sampled into matching strings. */
type RePiece =
  | { t: "lit"; s: string }
  | { t: "any" }                           // .*
  | { t: "class"; chars: "a-z" | "0-9" }   // [a-z]+ / [0-9]+
  | { t: "alt"; options: string[] };       // (a|b|c)

function renderRe(pieces: RePiece[]): string {
  return pieces.map((p) => {
    switch (p.t) {
      case "lit": return p.s.replace(/[\\.+*?()|[\]{}^$]/g, (c) => `\\${c}`);
      case "any": return ".*";
      case "class": return `[${p.chars}]+`;
      case "alt": return `(${p.options.map((o) => o.replace(/[\\.+*?()|[\]{}^$]/g, (c) => `\\${c}`)).join("|")})`;
    }
  }).join("");
}

function sampleRe(rng: Rng, pieces: RePiece[]): string {
  return pieces.map((p) => {
    switch (p.t) {
      case "lit": return p.s;
      case "any": return rng.chance(0.3) ? "" : rng.word(SEGMENT, 1, 6);
      case "class": return rng.word(p.chars === "a-z" ? LOWER : DIGITS, 1, 5);
      case "alt": return rng.pick(p.options);
    }
  }).join("");
}

// ------------------------------------------------------------------ string matchers

type Kind = "exact" | "prefix" | "regex";
/** A StringMatch plus how to produce a matching value; `present` = `{}` (presence match). */
type SM =
  | { kind: Kind; value: string; pieces?: RePiece[] }
  | { kind: "present" };

function smYaml(m: SM): Record<string, string> {
  return m.kind === "present" ? {} : { [m.kind]: m.kind === "regex" ? renderRe(m.pieces!) : m.value };
}

/** A value satisfying `m` (for regex: a sample of the AST). */
function satisfy(rng: Rng, m: SM): string {
  switch (m.kind) {
    case "present": return rng.chance(0.3) ? "" : rng.word(LOWER, 1, 5);
    case "exact": return m.value;
    case "prefix": return m.value + (rng.chance(0.3) ? "" : rng.word(SEGMENT, 1, 4));
    case "regex": return sampleRe(rng, m.pieces!);
  }
}

/** A value that most likely does not satisfy `m` (it may, by chance: the runner does not assume). */
function miss(rng: Rng, m: SM): string {
  if (m.kind === "present") return rng.word(LOWER, 1, 5);
  const v = satisfy(rng, m);
  switch (rng.int(3)) {
    case 0: return v.length > 1 ? v.slice(0, v.length - 1) : `${v}zz`;
    case 1: return `q${v}`;
    default: return randomCase(rng, v);
  }
}

const HEADER_NAMES = ["x-user", "x-version", "end-user", "x-canary", "x-env", "x-api-key"];
const HEADER_VALUES = ["jason", "alice", "bob", "v1", "v2", "beta", "canary", "prod-eu", "tester"];
const QUERY_NAMES = ["page", "lang", "debug", "id", "mode"];
const QUERY_VALUES = ["one", "two", "fr", "en-us", "abc", "full", "lite"];

function valueMatcher(rng: Rng, values: readonly string[]): SM {
  const v = rng.pick(values);
  switch (rng.int(4)) {
    case 0: return { kind: "exact", value: v };
    case 1: return { kind: "prefix", value: v.slice(0, Math.max(1, rng.range(1, v.length))) };
    case 2: {
      const pieces: RePiece[] = rng.pick<RePiece[]>([
        [{ t: "alt", options: rng.sample(values, 2) }],
        [{ t: "lit", s: v.slice(0, 1) }, { t: "class", chars: "a-z" }],
        [{ t: "class", chars: "a-z" }, { t: "lit", s: "-" }, { t: "class", chars: "a-z" }],
        [{ t: "lit", s: "v" }, { t: "class", chars: "0-9" }],
        [{ t: "any" }],
      ]);
      return { kind: "regex", value: "", pieces };
    }
    default: return rng.chance(0.5) ? { kind: "present" } : { kind: "exact", value: v };
  }
}

// ------------------------------------------------------------------ configuration model

const DOMAINS = ["example.com", "test.io"];
const EXACT_HOSTS = ["shop.example.com", "api.example.com", "www.example.com", "bookinfo.test.io", "admin.test.io", "example.com"];
const OTHER_NS = "shop";
const SERVICE_POOL: Array<{ name: string; ns: string; ports: Array<[string, number]> }> = [
  { name: "productpage", ns: "default", ports: [["http", 9080]] },
  { name: "reviews", ns: "default", ports: [["http", 9080]] },
  { name: "ratings", ns: "default", ports: [["http", 9080], ["http-alt", 8080]] },
  { name: "details", ns: "default", ports: [["http", 80]] },
  { name: "cart", ns: OTHER_NS, ports: [["http", 80]] },
  { name: "catalog", ns: OTHER_NS, ports: [["http", 80], ["http-alt", 8080], ["grpc", 9090]] },
  { name: "checkout", ns: OTHER_NS, ports: [["http-web", 8000]] },
];
const HTTP_PORTS = [80, 8080, 9080];
const METHODS = ["GET", "POST", "HEAD", "PUT", "DELETE"];

interface GenService { name: string; ns: string; fqdn: string; ports: Array<[string, number]>; subsets: string[]; entry: boolean }
interface GenServer { port: number; name: string; https: boolean; hosts: string[]; httpsRedirect: boolean }
interface GenGateway { name: string; servers: GenServer[] }

interface GenMatch {
  name: string;
  uri?: SM;
  ignoreUriCase?: boolean;
  scheme?: SM;
  method?: SM;
  authority?: SM;
  headers: Array<[string, SM]>;
  withoutHeaders: Array<[string, SM | { kind: "star" }]>;
  queryParams: Array<[string, SM]>;
  port?: number;
}

interface GenRoute {
  name: string;
  matches: GenMatch[];
  body: Record<string, unknown>;
  model?: ModelRoute;
  /** Root route delegating to `delegate`. */
  delegate?: GenVs;
}

interface GenVs { name: string; ns: string; hosts: string[]; gateways: string[]; routes: GenRoute[]; isDelegate: boolean }

/** dnsName of a server host (`ns/h` → h). */
const dnsOf = (h: string): string => (h.includes("/") ? h.slice(h.indexOf("/") + 1) : h);
/** Whether a VS in `vsNs` may use server host entry `h` (§2.3). */
function hostAllows(h: string, vsNs: string, gwNs: string): boolean {
  if (!h.includes("/")) return true;
  const ns = h.slice(0, h.indexOf("/"));
  return ns === "*" || ns === vsNs || (ns === "." && vsNs === gwNs);
}
/** `a ⊆ b` (istio pkg/config/host SubsetOf). */
function subsetOf(a: string, b: string): boolean {
  const aw = a.startsWith("*"), bw = b.startsWith("*");
  if (!aw && !bw) return a === b;
  if (!aw && bw) return a.endsWith(b.slice(1));
  if (aw && !bw) return false;
  return a.length >= b.length && a.slice(1).endsWith(b.slice(1));
}
function intersect(serverHosts: string[], vsHosts: string[]): string[] {
  const out: string[] = [];
  for (const s of serverHosts) for (const v of vsHosts) {
    const h = subsetOf(s, v) ? s : subsetOf(v, s) ? v : null;
    if (h !== null && !out.includes(h)) out.push(h);
  }
  return out;
}
const overlaps = (a: string, b: string): boolean => subsetOf(a, b) || subsetOf(b, a);

/** A concrete hostname covered by `h` (exact as is; `*.x` → label.x; `*` → a pool host). */
function instantiate(rng: Rng, h: string): string {
  if (h === "*") return rng.chance(0.7) ? rng.pick(EXACT_HOSTS) : `${rng.word(LOWER, 2, 6)}.${rng.pick(DOMAINS)}`;
  if (h.startsWith("*")) return `${rng.chance(0.3) ? `${rng.word(LOWER, 1, 4)}.` : ""}${rng.word(LOWER, 1, 6)}${h.slice(1)}`;
  return h;
}

class Generator {
  readonly rng: Rng;
  readonly notes: string[] = [];
  readonly services: GenService[] = [];
  readonly gateways: GenGateway[] = [];
  readonly vss: GenVs[] = [];
  readonly routes: Record<string, ModelRoute> = {};
  readonly statuses = new Set<number>([200, 301, 302, 303, 307, 308, 404, 503]);
  private routeCount = 0;
  private nextRoute = 0;
  private nextDelegate = 0;

  constructor(readonly seed: number, readonly maxRoutes: number) {
    this.rng = new Rng(seed);
  }

  // -------------------------------------------------------------- services, DRs, SE

  genServices(): void {
    const rng = this.rng;
    const chosen = rng.sample(SERVICE_POOL, rng.range(3, 5));
    // Always one service in each namespace.
    if (!chosen.some((s) => s.ns === "default")) chosen.push(SERVICE_POOL[0]!);
    if (!chosen.some((s) => s.ns === OTHER_NS)) chosen.push(SERVICE_POOL[4]!);
    for (const s of chosen) {
      const subsets = rng.chance(0.6) ? rng.sample(["v1", "v2", "v3"], rng.range(1, 3)).sort() : [];
      this.services.push({ name: s.name, ns: s.ns, fqdn: `${s.name}.${s.ns}.svc.cluster.local`, ports: s.ports, subsets, entry: false });
    }
    if (rng.chance(0.3)) {
      const ports: Array<[string, number]> = rng.chance(0.5) ? [["http", 80]] : [["http", 80], ["http-alt", 8080]];
      this.services.push({ name: "partner", ns: rng.pick(["default", OTHER_NS]), fqdn: "api.partner.org", ports, subsets: rng.chance(0.4) ? ["v1"] : [], entry: true });
      this.notes.push("ServiceEntry api.partner.org");
    }
  }

  // -------------------------------------------------------------- gateways

  genGateways(): void {
    const rng = this.rng;
    const count = rng.range(1, 3);
    let httpsServers = 0;
    const httpsHosts: string[] = [];
    for (let g = 0; g < count; g++) {
      const gw: GenGateway = { name: `gw-${g}`, servers: [] };
      const n = rng.range(1, 3);
      for (let s = 0; s < n; s++) {
        const https = httpsServers < 2 && rng.chance(0.2);
        const hosts = this.serverHosts(https ? httpsHosts : []);
        if (hosts.length === 0) continue;
        if (https) { httpsServers++; httpsHosts.push(...hosts.map(dnsOf)); }
        const port = https ? 443 : rng.pick(HTTP_PORTS);
        gw.servers.push({ port, name: `${https ? "https" : "http"}-${g}-${s}`, https, hosts, httpsRedirect: !https && rng.chance(0.12) });
      }
      if (gw.servers.length === 0) gw.servers.push({ port: 80, name: `http-${g}-x`, https: false, hosts: ["*"], httpsRedirect: false });
      this.gateways.push(gw);
    }
    for (const gw of this.gateways) for (const s of gw.servers) {
      if (s.https) this.notes.push(`HTTPS server ${gw.name}/${s.name} on 443`);
      if (s.httpsRedirect) this.notes.push(`httpsRedirect on ${gw.name}/${s.name} port ${s.port}`);
    }
  }

  /** 1–3 distinct, mutually non-identical server hosts; for HTTPS none equal to `taken`. */
  private serverHosts(taken: string[]): string[] {
    const rng = this.rng;
    const out: string[] = [];
    const want = rng.range(1, 3);
    for (let i = 0; i < want * 3 && out.length < want; i++) {
      const r = rng.float();
      let dns: string;
      if (r < 0.5) dns = rng.pick(EXACT_HOSTS);
      else if (r < 0.8) dns = `*.${rng.pick(DOMAINS)}`;
      else dns = "*";
      if (taken.includes(dns) || out.some((h) => dnsOf(h) === dns)) continue;
      const nsRoll = rng.float();
      const ns = nsRoll < 0.75 ? "" : nsRoll < 0.85 ? "*/" : nsRoll < 0.95 ? `${rng.pick(["default", OTHER_NS])}/` : "./";
      out.push(ns + dns);
    }
    // Istio panics on `*/*` followed by another namespaced host (see validateServer in
    // host/validation/gateway.ts); generated servers put it last, where Istio handles it.
    const all = out.indexOf("*/*");
    if (all >= 0 && out.slice(all + 1).some((h) => h.includes("/"))) out.push(...out.splice(all, 1));
    return out;
  }

  private servers(): Array<{ gw: GenGateway; server: GenServer }> {
    return this.gateways.flatMap((gw) => gw.servers.map((server) => ({ gw, server })));
  }

  // -------------------------------------------------------------- virtual services

  genVirtualServices(): void {
    const rng = this.rng;
    const count = rng.range(1, 5);
    for (let i = 0; i < count && this.routeCount < this.maxRoutes; i++) {
      const ns = rng.chance(0.65) ? "default" : OTHER_NS;
      const bound = rng.sample(this.gateways, rng.chance(0.7) ? 1 : 2);
      const hosts = this.vsHosts(bound, ns);
      const vs: GenVs = { name: `vs-${i}`, ns, hosts, gateways: bound.map((g) => `istio-system/${g.name}`), routes: [], isDelegate: false };
      this.vss.push(vs);
      const n = rng.range(1, 5);
      for (let r = 0; r < n && this.routeCount < this.maxRoutes; r++) {
        const last = r === n - 1;
        if (!last && rng.chance(0.12) && this.routeCount + 4 <= this.maxRoutes) vs.routes.push(this.delegatingRoute(vs));
        else vs.routes.push(this.route(vs, vs, { allowCatchAll: last }));
      }
    }
  }

  private vsHosts(bound: GenGateway[], ns: string): string[] {
    const rng = this.rng;
    const serverHosts = bound.flatMap((g) => g.servers.flatMap((s) => s.hosts.filter((h) => hostAllows(h, ns, "istio-system")).map(dnsOf)));
    if (rng.chance(0.15)) return ["*"];
    const out: string[] = [];
    const want = rng.range(1, 3);
    for (let i = 0; i < want * 4 && out.length < want; i++) {
      const r = rng.float();
      let h: string;
      if (r < 0.55 && serverHosts.length) {
        const s = rng.pick(serverHosts);
        h = s === "*" ? rng.pick(EXACT_HOSTS) : s.startsWith("*") && rng.chance(0.6) ? instantiate(rng, s) : s;
      } else if (r < 0.75) h = rng.pick(EXACT_HOSTS);
      else if (r < 0.9) h = `*.${rng.pick(DOMAINS)}`;
      else h = rng.pick(["nomatch.example.org", "other.test.net"]);
      if (out.some((o) => overlaps(o, h))) continue;
      out.push(h);
    }
    return out.length ? out : ["*"];
  }

  /** Concrete hostnames a request may use to reach `vs` on some server, with that server. */
  entryPoints(vs: GenVs): Array<{ server: GenServer; hosts: string[] }> {
    const out: Array<{ server: GenServer; hosts: string[] }> = [];
    for (const { gw, server } of this.servers()) {
      if (!vs.gateways.includes(`istio-system/${gw.name}`)) continue;
      const allowed = server.hosts.filter((h) => hostAllows(h, vs.ns, "istio-system")).map(dnsOf);
      const hosts = intersect(allowed, vs.hosts);
      if (hosts.length) out.push({ server, hosts });
    }
    return out;
  }

  private serverPortsOf(vs: GenVs): number[] {
    const ports = new Set<number>();
    for (const { gw, server } of this.servers()) if (vs.gateways.includes(`istio-system/${gw.name}`)) ports.add(server.port);
    return [...ports];
  }

  // -------------------------------------------------------------- matches

  private match(vs: GenVs, k: number, opts: { uriUnder?: string } = {}): GenMatch {
    const rng = this.rng;
    const m: GenMatch = { name: `m${k}`, headers: [], withoutHeaders: [], queryParams: [] };
    if (opts.uriUnder !== undefined) {
      // Delegate leaf: narrow the root prefix (compatible), sometimes leave the uri unset.
      const base = opts.uriUnder;
      const roll = rng.float();
      if (roll < 0.45) m.uri = { kind: "prefix", value: `${base}/${rng.word(LOWER, 2, 5)}` };
      else if (roll < 0.75) m.uri = { kind: "exact", value: `${base}/${rng.word(LOWER, 2, 5)}` };
      else if (roll < 0.9) { /* inherit the root's uri */ }
      else m.uri = { kind: "regex", value: "", pieces: [{ t: "lit", s: `${base}/` }, { t: "class", chars: "a-z" }] }; // conflicts: dropped
    } else if (rng.chance(0.85)) {
      m.uri = this.uriMatcher();
      if (m.uri.kind !== "regex" && rng.chance(0.2)) m.ignoreUriCase = true;
    }
    const extras = rng.range(0, 3);
    for (let i = 0; i < extras; i++) {
      switch (rng.int(8)) {
        case 0: case 1: {
          const name = rng.pick(HEADER_NAMES);
          if (!m.headers.some(([n]) => n === name)) m.headers.push([name, valueMatcher(rng, HEADER_VALUES)]);
          break;
        }
        case 2: {
          const name = rng.pick(HEADER_NAMES);
          if (m.withoutHeaders.some(([n]) => n === name) || m.headers.some(([n]) => n === name)) break;
          m.withoutHeaders.push([name, rng.chance(0.2) ? { kind: "star" } : valueMatcher(rng, HEADER_VALUES)]);
          break;
        }
        case 3: {
          const name = rng.pick(QUERY_NAMES);
          if (!m.queryParams.some(([n]) => n === name)) m.queryParams.push([name, valueMatcher(rng, QUERY_VALUES)]);
          break;
        }
        case 4: m.method = this.methodMatcher(); break;
        case 5: m.authority = this.authorityMatcher(vs); break;
        case 6: m.scheme = { kind: "exact", value: rng.chance(0.7) ? "http" : "https" }; break;
        default: {
          const ports = this.serverPortsOf(vs);
          if (ports.length) m.port = rng.chance(0.85) ? rng.pick(ports) : 8888;
        }
      }
    }
    return m;
  }

  private uriMatcher(): SM {
    const rng = this.rng;
    const seg = (): string => rng.pick(["api", "static", "login", "productpage", "v1", "reviews", "cart", "img", "Admin"]);
    switch (rng.int(3)) {
      case 0: return { kind: "exact", value: rng.chance(0.1) ? "/" : `/${seg()}${rng.chance(0.4) ? `/${seg()}` : ""}` };
      case 1: {
        const roll = rng.float();
        const value = roll < 0.08 ? "/" : roll < 0.5 ? `/${seg()}` : `/${seg()}/`;
        return { kind: "prefix", value };
      }
      default: {
        const pieces: RePiece[] = rng.pick<RePiece[]>([
          [{ t: "lit", s: `/${seg()}/` }, { t: "class", chars: "a-z" }],
          [{ t: "lit", s: "/" }, { t: "alt", options: rng.sample(["api", "static", "cart", "img", "v2"], 2) }, { t: "lit", s: "/" }, { t: "any" }],
          [{ t: "lit", s: "/v" }, { t: "class", chars: "0-9" }, { t: "lit", s: `/${seg()}` }],
          [{ t: "lit", s: "/" }, { t: "any" }, { t: "lit", s: ".png" }],
          [{ t: "lit", s: `/${seg()}` }, { t: "any" }],
        ]);
        return { kind: "regex", value: "", pieces };
      }
    }
  }

  private methodMatcher(): SM {
    const rng = this.rng;
    switch (rng.int(3)) {
      case 0: return { kind: "exact", value: rng.pick(METHODS) };
      case 1: return { kind: "prefix", value: "P" };
      default: return { kind: "regex", value: "", pieces: [{ t: "alt", options: rng.sample(METHODS, 2) }] };
    }
  }

  private authorityMatcher(vs: GenVs): SM {
    const rng = this.rng;
    const entries = this.entryPoints(vs);
    const h = entries.length ? instantiate(rng, rng.pick(rng.pick(entries).hosts)) : rng.pick(EXACT_HOSTS);
    switch (rng.int(3)) {
      case 0: return { kind: "exact", value: h };
      case 1: return { kind: "prefix", value: h.slice(0, rng.range(1, h.length)) };
      default: {
        const dot = h.indexOf(".");
        const pieces: RePiece[] = dot > 0 && rng.chance(0.5)
          ? [{ t: "class", chars: "a-z" }, { t: "lit", s: h.slice(dot) }]
          : [{ t: "lit", s: h }, { t: "alt", options: ["", `:${rng.pick(this.serverPortsOf(vs).concat(80))}`] }];
        return { kind: "regex", value: "", pieces };
      }
    }
  }

  // -------------------------------------------------------------- routes

  private delegatingRoute(root: GenVs): GenRoute {
    const rng = this.rng;
    const name = `r${this.nextRoute++}`;
    const d = this.nextDelegate++;
    const base = `/dg${d}`;
    const matches: GenMatch[] = [];
    const n = rng.range(1, 2);
    for (let k = 0; k < n; k++) {
      const m: GenMatch = { name: `m${k}`, headers: [], withoutHeaders: [], queryParams: [], uri: { kind: "prefix", value: base } };
      if (rng.chance(0.3)) m.headers.push([rng.pick(HEADER_NAMES), valueMatcher(rng, HEADER_VALUES)]);
      if (k === 1) m.uri = { kind: "prefix", value: `${base}/alt` };
      matches.push(m);
    }
    const ns = rng.chance(0.5) ? root.ns : rng.pick(["default", OTHER_NS]);
    const leaf: GenVs = { name: `delegate-${d}`, ns, hosts: [], gateways: [], routes: [], isDelegate: true };
    this.vss.push(leaf);
    const count = rng.range(1, 3);
    for (let i = 0; i < count; i++) leaf.routes.push(this.route(leaf, root, { allowCatchAll: i === count - 1, uriUnder: base }));
    this.routeCount += 1;
    this.notes.push(`delegate ${root.ns}/${root.name} ${name} → ${ns}/${leaf.name}`);
    const body: Record<string, unknown> = { name, match: matches.map((m) => this.matchYaml(m)), delegate: { name: leaf.name, namespace: ns } };
    if (rng.chance(0.2)) body.timeout = "7s";
    return { name, matches, body, delegate: leaf };
  }

  /** One http rule of `vs` (whose hosts/gateways are those of `binding`: the root for delegates). */
  private route(vs: GenVs, binding: GenVs, opts: { allowCatchAll: boolean; uriUnder?: string }): GenRoute {
    const rng = this.rng;
    const name = vs.isDelegate ? `d${this.nextRoute++}` : `r${this.nextRoute++}`;
    const matches: GenMatch[] = [];
    if (!(opts.allowCatchAll && rng.chance(0.15))) {
      const n = rng.range(1, 3);
      for (let k = 0; k < n; k++) matches.push(this.match(binding, k, { uriUnder: opts.uriUnder }));
    }
    this.routeCount += Math.max(1, matches.length);
    const model: ModelRoute = { key: name, virtualService: `${binding.ns}/${binding.name}`, kind: "route", destinations: [] };
    const body: Record<string, unknown> = {};
    const roll = rng.float();
    if (roll < 0.14) {
      model.kind = "redirect";
      body.redirect = this.redirect(matches, model);
    } else if (roll < 0.26) {
      model.kind = "direct_response";
      const status = rng.pick([200, 200, 403, 418, 429, 503]);
      model.directStatus = status;
      this.statuses.add(status);
      const dr: Record<string, unknown> = { status };
      if (rng.chance(0.8)) { model.directBody = `${name} says ${rng.word()}`; dr.body = { string: model.directBody }; }
      body.directResponse = dr;
    } else {
      body.route = this.destinations(vs, model);
      if (rng.chance(0.3)) body.rewrite = this.rewrite(matches);
      if (rng.chance(0.25)) body.fault = this.fault(model);
      if (rng.chance(0.2)) body.timeout = rng.pick(["1s", "5s", "250ms"]);
      if (rng.chance(0.2)) {
        body.retries = rng.chance(0.3) ? { attempts: 0 } : { attempts: rng.range(1, 4), perTryTimeout: rng.pick(["1s", "2s"]), retryOn: rng.pick(["5xx", "connect-failure,refused-stream", "gateway-error,503"]) };
      }
    }
    if (rng.chance(0.35)) {
      const allowAuthority = model.kind === "route" && !(body.rewrite as Record<string, unknown> | undefined)?.authority;
      body.headers = this.headerOps(allowAuthority);
    }
    this.routes[name] = model;
    const ordered: Record<string, unknown> = { name };
    if (matches.length) ordered.match = matches.map((m) => this.matchYaml(m));
    return { name, matches, body: Object.assign(ordered, body), model };
  }

  private destinations(vs: GenVs, model: ModelRoute): Array<Record<string, unknown>> {
    const rng = this.rng;
    const n = rng.pick([1, 1, 1, 2, 2, 3]);
    const weights = n === 1 ? [100] : n === 2 ? (() => { const w = rng.pick([0, 10, 20, 50, 80, 90, 100]); return [w, 100 - w]; })()
      : (() => { const a = rng.pick([0, 20, 34, 50]); const b = rng.pick([0, 25, 33]); return [a, b, 100 - a - b]; })();
    const out: Array<Record<string, unknown>> = [];
    for (let i = 0; i < n; i++) {
      const svc = rng.pick(this.services);
      const dest: Record<string, unknown> = {};
      // Short names only resolve in the VS namespace.
      dest.host = !svc.entry && svc.ns === vs.ns && rng.chance(0.6) ? svc.name : svc.fqdn;
      let subset = "";
      if (svc.subsets.length ? rng.chance(0.5) : rng.chance(0.06)) {
        subset = svc.subsets.length && rng.chance(0.9) ? rng.pick(svc.subsets) : "v9";
        dest.subset = subset;
      }
      let port: number | null = null;
      if (svc.ports.length === 1) {
        if (rng.chance(0.3)) { port = svc.ports[0]![1]; dest.port = { number: port }; }
        else port = svc.ports[0]![1];
      } else if (rng.chance(0.88)) {
        port = rng.pick(svc.ports)[1];
        dest.port = { number: port };
      } // else: unset with several ports ⇒ the server port (may not exist ⇒ 503)
      const entry: Record<string, unknown> = { destination: dest };
      if (n > 1 || rng.chance(0.2)) entry.weight = weights[i];
      if (rng.chance(0.15)) entry.headers = this.headerOps(false);
      out.push(entry);
      if (n === 1 || weights[i]! > 0) model.destinations.push({ fqdn: svc.fqdn, port, subset, weight: weights[i]! });
    }
    if (model.destinations.some((d) => d.subset === "v9")) this.notes.push(`${model.key}: unknown subset v9`);
    return out;
  }

  private rewrite(matches: GenMatch[]): Record<string, unknown> {
    const rng = this.rng;
    const out: Record<string, unknown> = {};
    const roll = rng.float();
    if (roll < 0.45) out.uri = rng.pick(["/", "/v2", "/new/", "/backend"]);
    else if (roll < 0.7) {
      const seg = matches.find((m) => m.uri && m.uri.kind !== "regex")?.uri;
      const word = seg && seg.kind !== "present" && seg.value.length > 1 ? seg.value.replace(/\//g, "") || "api" : "api";
      out.uriRegexRewrite = rng.chance(0.5)
        ? { match: `^/${word.replace(/[\\.+*?()|[\]{}^$]/g, (c) => `\\${c}`)}`, rewrite: "/rw" }
        : { match: "/([a-z]+)/([a-z]+)", rewrite: "/\\2/\\1" };
    }
    if (rng.chance(0.4) || Object.keys(out).length === 0) out.authority = rng.pick(["backend.internal", "rewritten.example.com"]);
    return out;
  }

  private redirect(matches: GenMatch[], model: ModelRoute): Record<string, unknown> {
    const rng = this.rng;
    const out: Record<string, unknown> = {};
    const allPrefix = matches.length > 0 && matches.every((m) => !m.uri || m.uri.kind === "prefix");
    const roll = rng.float();
    if (roll < 0.45) out.uri = rng.pick(["/moved", "/new/location", "/login?from=redirect"]);
    else if (roll < 0.6 && allPrefix) out.prefixRewrite = rng.pick(["/", "/v2/"]);
    if (rng.chance(0.4)) out.authority = rng.pick(["moved.example.com", "www.example.com"]);
    if (rng.chance(0.3)) out.scheme = rng.pick(["https", "http"]);
    const portRoll = rng.float();
    if (portRoll < 0.2) out.port = rng.pick([8443, 8080, 443, 80]);
    else if (portRoll < 0.35) out.derivePort = rng.pick(["FROM_REQUEST_PORT", "FROM_PROTOCOL_DEFAULT"]);
    if (!out.uri && !out.prefixRewrite && !out.authority && !out.scheme && !out.port) out.authority = "moved.example.com";
    if (rng.chance(0.6)) {
      const code = rng.pick([301, 302, 303, 307, 308]);
      out.redirectCode = code;
      model.redirectCode = code;
    } else model.redirectCode = 301;
    return out;
  }

  private fault(model: ModelRoute): Record<string, unknown> {
    const rng = this.rng;
    const out: Record<string, unknown> = {};
    const kinds = rng.pick(["delay", "abort", "both"] as const);
    if (kinds !== "abort") {
      const ms = rng.pick([10, 50, 100, 200]);
      const percent = rng.chance(0.5) ? 100 : 0;
      model.delay = { ms, percent };
      out.delay = { fixedDelay: `${ms}ms`, percentage: { value: percent } };
    }
    if (kinds !== "delay") {
      const status = rng.pick([400, 418, 500, 503, 555]);
      const percent = rng.chance(0.5) ? 100 : 0;
      model.abort = { status, percent };
      this.statuses.add(status);
      out.abort = { httpStatus: status, percentage: { value: percent } };
    }
    return out;
  }

  private headerOps(allowAuthority: boolean): Record<string, unknown> {
    const rng = this.rng;
    const ops = (request: boolean): Record<string, unknown> => {
      const o: Record<string, unknown> = {};
      if (rng.chance(0.6)) {
        const set: Record<string, string> = {};
        for (const n of rng.sample(["x-gw-set", "x-version", "x-route", "cache-control"], rng.range(1, 2))) set[n] = rng.pick(["on-gw", "v2", "no-store", `val-${rng.word()}`]);
        if (request && allowAuthority && rng.chance(0.15)) set[rng.pick([":authority", "host"])] = "set-authority.example.com";
        o.set = set;
      }
      if (rng.chance(0.5)) {
        const add: Record<string, string> = {};
        for (const n of rng.sample(["x-gw-add", "x-trace", "x-route"], rng.range(1, 2))) add[n] = `add-${rng.word()}`;
        o.add = add;
      }
      if (rng.chance(0.4) || Object.keys(o).length === 0) o.remove = rng.sample(request ? ["x-user", "x-api-key", "x-env"] : ["x-upstream", "server"], rng.range(1, 2));
      return o;
    };
    const out: Record<string, unknown> = {};
    if (rng.chance(0.7)) out.request = ops(true);
    if (rng.chance(0.6) || !out.request) out.response = ops(false);
    return out;
  }

  private matchYaml(m: GenMatch): Record<string, unknown> {
    const out: Record<string, unknown> = { name: m.name };
    if (m.uri) out.uri = smYaml(m.uri);
    if (m.ignoreUriCase) out.ignoreUriCase = true;
    if (m.scheme) out.scheme = smYaml(m.scheme);
    if (m.method) out.method = smYaml(m.method);
    if (m.authority) out.authority = smYaml(m.authority);
    if (m.headers.length) out.headers = Object.fromEntries(m.headers.map(([n, s]) => [n, smYaml(s)]));
    if (m.withoutHeaders.length) out.withoutHeaders = Object.fromEntries(m.withoutHeaders.map(([n, s]) => [n, s.kind === "star" ? { regex: "*" } : smYaml(s)]));
    if (m.queryParams.length) out.queryParams = Object.fromEntries(m.queryParams.map(([n, s]) => [n, smYaml(s)]));
    if (m.port !== undefined) out.port = m.port;
    return out;
  }

  // -------------------------------------------------------------- YAML

  yaml(): string {
    const docs: unknown[] = [];
    let ts = 0;
    const stamp = (): string => new Date(Date.UTC(2026, 0, 1, 0, 0, ts++)).toISOString().replace(".000Z", "Z");
    const ports = [...new Set(this.servers().map(({ server }) => server.port))].sort((a, b) => a - b);
    docs.push({
      apiVersion: "v1", kind: "Service",
      metadata: { name: "istio-ingressgateway", namespace: "istio-system", labels: { istio: "ingressgateway" } },
      spec: { selector: { istio: "ingressgateway" }, ports: ports.map((p) => ({ name: `port-${p}`, port: p, targetPort: p })) },
    });
    for (const s of this.services.filter((x) => !x.entry)) {
      docs.push({
        apiVersion: "v1", kind: "Service",
        metadata: { name: s.name, namespace: s.ns, labels: { app: s.name } },
        spec: { selector: { app: s.name }, ports: s.ports.map(([name, port]) => ({ name, port })) },
      });
    }
    for (const s of this.services.filter((x) => x.entry)) {
      docs.push({
        apiVersion: "networking.istio.io/v1", kind: "ServiceEntry",
        metadata: { name: s.name, namespace: s.ns },
        spec: { hosts: [s.fqdn], location: "MESH_EXTERNAL", resolution: "DNS", ports: s.ports.map(([name, number]) => ({ number, name, protocol: "HTTP" })) },
      });
    }
    for (const s of this.services.filter((x) => x.subsets.length)) {
      docs.push({
        apiVersion: "networking.istio.io/v1", kind: "DestinationRule",
        metadata: { name: s.name, namespace: s.ns },
        spec: { host: s.entry ? s.fqdn : s.name, subsets: s.subsets.map((name) => ({ name, labels: { version: name } })) },
      });
    }
    for (const gw of this.gateways) {
      docs.push({
        apiVersion: "networking.istio.io/v1", kind: "Gateway",
        metadata: { name: gw.name, namespace: "istio-system", creationTimestamp: stamp() },
        spec: {
          selector: { istio: "ingressgateway" },
          servers: gw.servers.map((s) => {
            const server: Record<string, unknown> = { port: { number: s.port, name: s.name, protocol: s.https ? "HTTPS" : "HTTP" }, hosts: s.hosts };
            if (s.https) server.tls = { mode: "SIMPLE", credentialName: "some-cert" };
            else if (s.httpsRedirect) server.tls = { httpsRedirect: true };
            return server;
          }),
        },
      });
    }
    // Roots come before their delegates; creationTimestamps follow document order.
    for (const vs of this.vss) {
      const spec: Record<string, unknown> = {};
      if (!vs.isDelegate) { spec.hosts = vs.hosts; spec.gateways = vs.gateways; }
      spec.http = vs.routes.map((r) => r.body);
      docs.push({
        apiVersion: "networking.istio.io/v1", kind: "VirtualService",
        metadata: { name: vs.name, namespace: vs.ns, creationTimestamp: stamp() },
        spec,
      });
    }
    return docs.map((d) => toKubernetesYaml(d)).join("---\n");
  }

  // -------------------------------------------------------------- requests

  /** The rules a request can aim at: [binding VS, matches (root ∧ leaf merged), rule]. */
  private targets(): Array<{ vs: GenVs; matches: GenMatch[]; route: GenRoute }> {
    const out: Array<{ vs: GenVs; matches: GenMatch[]; route: GenRoute }> = [];
    for (const vs of this.vss) {
      if (vs.isDelegate) continue;
      for (const route of vs.routes) {
        if (!route.delegate) { out.push({ vs, matches: route.matches, route }); continue; }
        for (const leaf of route.delegate.routes) {
          const merged: GenMatch[] = [];
          for (const r of route.matches) {
            if (leaf.matches.length === 0) merged.push(r);
            for (const d of leaf.matches) merged.push(mergeMatch(r, d));
          }
          out.push({ vs, matches: merged, route: leaf });
        }
      }
    }
    return out;
  }

  genRequests(count: number): RawRequest[] {
    const rng = this.rng;
    const targets = this.targets();
    const out: RawRequest[] = [];
    for (let i = 0; i < count; i++) {
      const t = targets.length && rng.chance(0.88) ? rng.pick(targets) : null;
      out.push(t ? this.aimedRequest(t.vs, t.matches.length ? rng.pick(t.matches) : null, rng.chance(0.75)) : this.randomRequest());
    }
    return out;
  }

  private allServers(): GenServer[] { return this.servers().map(({ server }) => server); }

  private randomRequest(): RawRequest {
    const rng = this.rng;
    const server = rng.pick(this.allServers());
    const host = rng.chance(0.5) ? instantiate(rng, rng.pick([...EXACT_HOSTS, "*.example.com", "*"])) : `${rng.word(LOWER, 3, 8)}.example.net`;
    const path = rng.pick(["/", `/${rng.word(SEGMENT, 1, 8)}`, `/api/${rng.word(LOWER)}`, `/static/${rng.word(LOWER)}.png`]);
    const headers: Array<[string, string]> = [];
    if (rng.chance(0.4)) headers.push([rng.pick(HEADER_NAMES), rng.pick(HEADER_VALUES)]);
    return this.finish({ method: rng.pick(METHODS), server, host, path, query: [], headers });
  }

  /** A request meant to reach `vs` and, when `hit`, to satisfy `m` (else to break one condition). */
  private aimedRequest(vs: GenVs, m: GenMatch | null, hit: boolean): RawRequest {
    const rng = this.rng;
    const entries = this.entryPoints(vs);
    let server: GenServer;
    let host: string;
    if (entries.length) {
      let candidates = entries;
      if (m?.port !== undefined && hit) candidates = entries.filter((e) => e.server.port === m.port);
      if (m?.scheme && m.scheme.kind === "exact" && hit) {
        const want = m.scheme.value === "https";
        const same = candidates.filter((e) => e.server.https === want);
        if (same.length) candidates = same;
      }
      const e = rng.pick(candidates.length ? candidates : entries);
      server = e.server;
      host = instantiate(rng, rng.pick(e.hosts));
    } else {
      server = rng.pick(this.allServers());
      host = instantiate(rng, rng.pick(vs.hosts));
    }
    // Which condition a missing request breaks.
    const conditions: string[] = [];
    if (m) {
      if (m.uri) conditions.push("uri");
      if (m.method) conditions.push("method");
      if (m.authority) conditions.push("authority");
      for (const [n] of m.headers) conditions.push(`h:${n}`);
      for (const [n] of m.withoutHeaders) conditions.push(`w:${n}`);
      for (const [n] of m.queryParams) conditions.push(`q:${n}`);
      if (m.port !== undefined) conditions.push("port");
    }
    const broken = !hit && conditions.length ? rng.pick(conditions) : hit ? "" : "host";
    const ok = (c: string): boolean => c !== broken;

    let path = `/${rng.word(SEGMENT, 1, 8)}`;
    if (m?.uri) {
      if (ok("uri")) {
        path = satisfy(rng, m.uri);
        if (m.ignoreUriCase && rng.chance(0.5)) path = randomCase(rng, path);
      } else path = miss(rng, m.uri);
      if (path === "" || !path.startsWith("/")) path = `/${path}`;
    }
    let method = rng.pick(["GET", "GET", "POST", "HEAD", "PUT"]);
    if (m?.method) {
      const fits = methodsFitting(m.method);
      const others = METHODS.filter((x) => !fits.includes(x));
      method = ok("method") || others.length === 0 ? rng.pick(fits.length ? fits : METHODS) : rng.pick(others);
    }
    const headers: Array<[string, string]> = [];
    for (const [n, s] of m?.headers ?? []) {
      if (ok(`h:${n}`)) headers.push([n, satisfy(rng, s)]);
      else if (rng.chance(0.5)) headers.push([n, miss(rng, s)]);
    }
    for (const [n, s] of m?.withoutHeaders ?? []) {
      const breakIt = !ok(`w:${n}`);
      if (s.kind === "star") { if (breakIt) headers.push([n, rng.word()]); continue; }
      if (breakIt) headers.push([n, satisfy(rng, s)]);
      else if (rng.chance(0.5) && s.kind !== "present") headers.push([n, miss(rng, s)]);
    }
    const query: Array<[string, string | null]> = [];
    for (const [n, s] of m?.queryParams ?? []) {
      if (ok(`q:${n}`)) query.push([n, s.kind === "present" && rng.chance(0.4) ? null : satisfy(rng, s)]);
      else if (rng.chance(0.5)) query.push([n, miss(rng, s)]);
    }
    if (rng.chance(0.2)) query.push([rng.pick(QUERY_NAMES), rng.pick(QUERY_VALUES)]);
    if (rng.chance(0.2)) headers.push([rng.pick(HEADER_NAMES), rng.pick(HEADER_VALUES)]);
    let authority: string | null = null;
    if (m?.authority) authority = ok("authority") ? satisfy(rng, m.authority) : miss(rng, m.authority);
    if (broken === "host") host = rng.chance(0.5) ? `${rng.word(LOWER, 3, 8)}.example.net` : instantiate(rng, "*");
    if (broken === "port") {
      const others = this.allServers().filter((s) => s.port !== m!.port);
      if (others.length) server = rng.pick(others);
    }
    return this.finish({ method, server, host, path, query, headers, authority });
  }

  /** Host perturbations (case, `:port`), port switches, query string; fills the RawRequest. */
  private finish(r: { method: string; server: GenServer; host: string; path: string; query: Array<[string, string | null]>; headers: Array<[string, string]>; authority?: string | null }): RawRequest {
    const rng = this.rng;
    let server = r.server;
    if (rng.chance(0.08)) server = rng.pick(this.allServers());
    const scheme = server.https ? "https" : "http";
    let authority = r.authority ?? r.host;
    if (r.authority == null) {
      if (rng.chance(0.12)) authority = randomCase(rng, authority);
      if (rng.chance(0.15)) authority = `${authority}:${rng.chance(0.6) ? server.port : rng.pick([12345, 8000, 443])}`;
    }
    let path = r.path;
    if (r.query.length) path += `?${r.query.map(([k, v]) => (v === null ? k : `${k}=${v}`)).join("&")}`;
    const req: RawRequest = { method: r.method, scheme, authority, path, headers: r.headers, port: server.port };
    if (server.https) {
      // The SNI must select this server's filter chain, or real Envoy fails the handshake.
      const hostname = authority.replace(/:\d+$/, "").toLowerCase();
      const dns = server.hosts.map(dnsOf);
      req.sni = dns.some((h) => subsetOf(hostname, h)) ? hostname : instantiate(rng, rng.pick(dns));
    }
    return req;
  }
}

/** The generated methods a method matcher accepts. */
function methodsFitting(m: SM): string[] {
  switch (m.kind) {
    case "present": return METHODS;
    case "exact": return [m.value];
    case "prefix": return METHODS.filter((x) => x.startsWith(m.value));
    case "regex": return m.pieces!.flatMap((p) => (p.t === "alt" ? p.options : []));
  }
}

/** Istio mergeHTTPMatchRequest, for request building: the leaf's fields win. */
function mergeMatch(root: GenMatch, leaf: GenMatch): GenMatch {
  const merged = (a: Array<[string, SM]>, b: Array<[string, SM]>): Array<[string, SM]> => {
    const map = new Map(a);
    for (const [k, v] of b) map.set(k, v);
    return [...map];
  };
  return {
    name: `${root.name}-${leaf.name}`,
    uri: leaf.uri ?? root.uri,
    ignoreUriCase: leaf.uri ? leaf.ignoreUriCase : root.ignoreUriCase,
    scheme: leaf.scheme ?? root.scheme,
    method: leaf.method ?? root.method,
    authority: leaf.authority ?? root.authority,
    headers: merged(root.headers, leaf.headers),
    withoutHeaders: [...new Map([...root.withoutHeaders, ...leaf.withoutHeaders])],
    queryParams: merged(root.queryParams, leaf.queryParams),
    port: leaf.port ?? root.port,
  };
}

/** The case and the generator's own model of it (what the harness-only runner checks against). */
export function generateCaseWithModel(seed: number, options: GenerateOptions = {}): { case: DifferentialCase; model: CaseModel } {
  const gen = new Generator(seed, options.maxRoutes ?? 30);
  gen.genServices();
  gen.genGateways();
  gen.genVirtualServices();
  const yaml = gen.yaml();
  const requests = gen.genRequests(options.requests ?? gen.rng.range(20, 50));
  const model: CaseModel = {
    services: gen.services.map((s) => ({ fqdn: s.fqdn, ports: s.ports.map(([, p]) => p), subsets: s.subsets })),
    routes: gen.routes,
    statuses: [...gen.statuses].sort((a, b) => a - b),
  };
  const notes = [`seed ${seed}: ${gen.gateways.length} gateway(s), ${gen.vss.length} VirtualService(s), ${Object.keys(gen.routes).length} rules, ${requests.length} requests`, ...gen.notes];
  return { case: { seed, yaml, requests, notes }, model };
}

export function generateCase(seed: number, options?: GenerateOptions): DifferentialCase {
  return generateCaseWithModel(seed, options).case;
}
