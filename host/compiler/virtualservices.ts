// VirtualServices as a gateway sees them: short names resolved, delegates merged in, indexed
// by gateway and visibility, in Istio's order.
// Sources: istio/istio pilot/pkg/model/virtualservice.go (ResolveVirtualServiceShortnames,
// MergeHTTPRoutes, mergeHTTPRoute, mergeHTTPMatchRequests, mergeHTTPMatchRequest, hasConflict,
// stringMatchConflict), pilot/pkg/model/virtualservice_controller.go (mergeVirtualServices,
// delegateVirtualServices), pilot/pkg/model/push_context.go (initVirtualServices,
// VirtualServicesForGateway).

import type { Resource } from "../resources/types.ts";
import {
  type DiagnosticSink,
  type Origin,
  EXPORT_NONE,
  EXPORT_PUBLIC,
  asArray,
  asString,
  at,
  compareByCreationTime,
  exportToSet,
  isRecord,
} from "./common.ts";
import { MESH_GATEWAY, resolveGatewayName, resolveShortname } from "./names.ts";

export interface MatchIn {
  m: Record<string, any>;
  origin: Origin;
  /** Origin of fields inherited from a root match (key `field` or `field\0mapKey`). */
  fieldOrigin: Map<string, Origin>;
}

export interface RouteIn {
  h: Record<string, any>;
  origin: Origin;
  fieldOrigin: Map<string, Origin>;
  matches: MatchIn[];
}

export interface VirtualServiceIn {
  res: Resource;
  /** `ns/name`. */
  key: string;
  namespace: string;
  hosts: string[];
  gateways: string[];
  exportTo: Set<string>;
  routes: RouteIn[];
}

export function originOf(x: { origin: Origin; fieldOrigin: Map<string, Origin> }, field: string, mapKey?: string): Origin {
  if (mapKey !== undefined) {
    const o = x.fieldOrigin.get(`${field}\0${mapKey}`);
    if (o) return o;
    return at(x.fieldOrigin.get(field) ?? at(x.origin, field), mapKey);
  }
  return x.fieldOrigin.get(field) ?? at(x.origin, field);
}

/** `ResolveVirtualServiceShortnames` on a copy of the spec (array indexes, hence paths, are kept). */
function resolveSpec(res: Resource, clusterDomain: string): Record<string, any> {
  const spec: Record<string, any> = structuredClone(isRecord(res.spec) ? res.spec : {});
  const ns = res.metadata.namespace;
  const host = (h: unknown) => (typeof h === "string" ? resolveShortname(h, ns, clusterDomain) : h);
  const gw = (g: unknown) => (typeof g === "string" && g !== MESH_GATEWAY ? resolveGatewayName(g, ns) : g);
  if (Array.isArray(spec.hosts)) spec.hosts = spec.hosts.map(host);
  if (Array.isArray(spec.gateways)) spec.gateways = spec.gateways.map(gw);
  for (const http of asArray(spec.http)) {
    if (!isRecord(http)) continue;
    for (const m of asArray(http.match)) if (isRecord(m) && Array.isArray(m.gateways)) m.gateways = m.gateways.map(gw);
    for (const r of asArray(http.route)) if (isRecord(r) && isRecord(r.destination)) r.destination.host = host(r.destination.host);
    if (isRecord(http.mirror)) http.mirror.host = host(http.mirror.host);
    for (const m of asArray(http.mirrors)) if (isRecord(m) && isRecord(m.destination)) m.destination.host = host(m.destination.host);
  }
  return spec;
}

function routesOf(spec: Record<string, any>, res: Resource): RouteIn[] {
  return asArray(spec.http).flatMap((h, i) => {
    if (!isRecord(h)) return [];
    const origin: Origin = { res, path: ["spec", "http", i] };
    return [{
      h,
      origin,
      fieldOrigin: new Map(),
      matches: asArray(h.match).flatMap((m, j) =>
        isRecord(m) ? [{ m, origin: at(origin, "match", j), fieldOrigin: new Map<string, Origin>() }] : [],
      ),
    }];
  });
}

// ---- delegation (virtualservice.go) ----

function smValue(sm: any, kind: "exact" | "prefix" | "regex"): string {
  return isRecord(sm) ? asString(sm[kind]) : "";
}

/** `stringMatchConflict`: Go's getters return "" for unset, so an empty value counts as unset. */
function stringMatchConflict(root: unknown, leaf: unknown): boolean {
  if (!isRecord(root) || !isRecord(leaf)) return false;
  if (smValue(root, "regex") !== "") {
    if (smValue(leaf, "regex") !== "" || smValue(leaf, "prefix") !== "" || smValue(leaf, "exact") !== "") return true;
  }
  if (smValue(leaf, "regex") !== "") {
    if (smValue(root, "regex") !== "" || smValue(root, "prefix") !== "" || smValue(root, "exact") !== "") return true;
  }
  const exact = smValue(root, "exact");
  if (exact !== "") {
    if (smValue(leaf, "prefix") !== "") return true;
    return smValue(leaf, "exact") !== exact;
  }
  const prefix = smValue(root, "prefix");
  if (prefix !== "") {
    if (smValue(leaf, "prefix") !== "") return !smValue(leaf, "prefix").startsWith(prefix);
    if (smValue(leaf, "exact") !== "") return !smValue(leaf, "exact").startsWith(prefix);
  }
  // Anything else (e.g. a root presence match `{}`) conflicts, as in Go.
  return true;
}

function mapOf(v: unknown): Record<string, any> {
  return isRecord(v) ? v : {};
}

/** `hasConflict(root, leaf)`. */
export function hasConflict(root: Record<string, any>, leaf: Record<string, any>): boolean {
  for (const f of ["uri", "scheme", "method", "authority"]) {
    if (stringMatchConflict(root[f], leaf[f])) return true;
  }
  for (const f of ["headers", "withoutHeaders", "queryParams"]) {
    const r = mapOf(root[f]);
    for (const [k, v] of Object.entries(mapOf(leaf[f]))) {
      if (stringMatchConflict(r[k], v)) return true;
    }
  }
  if ((root.ignoreUriCase === true) !== (leaf.ignoreUriCase === true)) return true;
  const rp = typeof root.port === "number" ? root.port : 0;
  const lp = typeof leaf.port === "number" ? leaf.port : 0;
  if (rp > 0 && lp > 0 && rp !== lp) return true;
  const rns = asString(root.sourceNamespace);
  if (rns !== "" && asString(leaf.sourceNamespace) !== rns) return true;
  const rl = mapOf(root.sourceLabels);
  for (const [k, v] of Object.entries(mapOf(leaf.sourceLabels))) {
    if (k in rl && rl[k] !== v) return true;
  }
  const rg = asArray(root.gateways);
  const lg = asArray(leaf.gateways);
  if (rg.length > 0 && lg.length > 0) {
    if (rg.length < lg.length) return true;
    for (const g of lg) if (!rg.includes(g)) return true;
  }
  return false;
}

function joinNames(root: string, leaf: string): string {
  if (leaf === "") return root;
  return root !== "" ? `${root}-${leaf}` : leaf;
}

/** `mergeHTTPMatchRequest`: delegate fields win; maps merged with delegate keys winning. */
function mergeMatch(root: MatchIn, leaf: MatchIn): MatchIn {
  const m: Record<string, any> = { ...leaf.m };
  const fieldOrigin = new Map(leaf.fieldOrigin);
  const inherit = (f: string, unset: (v: any) => boolean) => {
    if (unset(m[f]) && !unset(root.m[f])) {
      m[f] = root.m[f];
      fieldOrigin.set(f, originOf(root, f));
    }
  };
  m.name = joinNames(asString(root.m.name), asString(leaf.m.name));
  for (const f of ["uri", "scheme", "method", "authority"]) inherit(f, (v) => v === undefined || v === null);
  for (const f of ["headers", "withoutHeaders", "queryParams", "sourceLabels"]) {
    const r = mapOf(root.m[f]);
    const l = mapOf(leaf.m[f]);
    const merged = { ...r, ...l };
    if (Object.keys(merged).length > 0) m[f] = merged;
    for (const k of Object.keys(r)) if (!(k in l)) fieldOrigin.set(`${f}\0${k}`, originOf(root, f, k));
  }
  inherit("port", (v) => typeof v !== "number" || v === 0);
  inherit("sourceNamespace", (v) => typeof v !== "string" || v === "");
  inherit("gateways", (v) => !Array.isArray(v) || v.length === 0);
  inherit("statPrefix", (v) => typeof v !== "string" || v === "");
  return { m, origin: leaf.origin, fieldOrigin };
}

/** `mergeHTTPMatchRequests`: null = conflict (the delegate route is dropped). */
function mergeMatches(root: MatchIn[], leaf: MatchIn[]): MatchIn[] | null {
  if (root.length === 0) return leaf;
  if (leaf.length === 0) return root;
  const out: MatchIn[] = [];
  for (const sub of leaf) {
    let found = false;
    for (const r of root) {
      if (hasConflict(r.m, sub.m)) continue;
      out.push(mergeMatch(r, sub));
      found = true;
    }
    if (!found) return null;
  }
  return out.length === 0 ? null : out;
}

/** Route fields a delegate route inherits from its root when unset (`mergeHTTPRoute`). */
const INHERITED_ROUTE_FIELDS = [
  "rewrite", "directResponse", "timeout", "retries", "fault", "mirror", "mirrorPercent",
  "mirrorPercentage", "corsPolicy", "mirrors", "headers",
];

function mergeRoute(root: RouteIn, leaf: RouteIn): RouteIn | null {
  const matches = mergeMatches(root.matches, leaf.matches);
  if (matches === null) return null;
  const h: Record<string, any> = { ...leaf.h };
  const fieldOrigin = new Map(leaf.fieldOrigin);
  h.name = joinNames(asString(root.h.name), asString(leaf.h.name));
  for (const f of INHERITED_ROUTE_FIELDS) {
    if ((h[f] === undefined || h[f] === null) && root.h[f] !== undefined && root.h[f] !== null) {
      h[f] = root.h[f];
      fieldOrigin.set(f, originOf(root, f));
    }
  }
  return { h, origin: leaf.origin, fieldOrigin, matches };
}

// ---- index ----

export interface VirtualServiceIndex {
  /** All bound (non-delegate) VirtualServices, in creation order. */
  all: VirtualServiceIn[];
  /** `VirtualServicesForGateway(proxyNs, gw)`: private, then exported, then public. */
  forGateway(gatewayName: string): VirtualServiceIn[];
}

export function indexVirtualServices(
  resources: Resource[],
  proxyNamespace: string,
  clusterDomain: string,
  sink: DiagnosticSink,
): VirtualServiceIndex {
  const vss = resources.filter((r) => r.kind === "VirtualService").sort(compareByCreationTime);
  const delegates = new Map<string, { res: Resource; spec: Record<string, any>; exportTo: Set<string> }>();
  for (const r of vss) {
    if (asArray(r.spec?.hosts).length > 0) continue;
    delegates.set(`${r.metadata.namespace}/${r.metadata.name}`, {
      res: r,
      spec: resolveSpec(r, clusterDomain),
      exportTo: exportToSet(r.spec?.exportTo, r.metadata.namespace),
    });
  }

  const all: VirtualServiceIn[] = [];
  for (const r of vss) {
    if (asArray(r.spec?.hosts).length === 0) continue; // a delegate is never bound directly
    const spec = resolveSpec(r, clusterDomain);
    const ns = r.metadata.namespace;
    const routes: RouteIn[] = [];
    for (const route of routesOf(spec, r)) {
      const d = route.h.delegate;
      if (!isRecord(d)) {
        routes.push(route);
        continue;
      }
      const dns = asString(d.namespace) || ns;
      const key = `${dns}/${asString(d.name)}`;
      const delegate = delegates.get(key);
      if (!delegate) {
        sink.report(at(route.origin, "delegate"), `delegate VirtualService ${key} not found: this route is ignored`, "warning");
        continue;
      }
      if (!delegate.exportTo.has(EXPORT_PUBLIC) && !delegate.exportTo.has(ns)) {
        sink.report(at(route.origin, "delegate"), `delegate VirtualService ${key} is not exported to namespace ${ns}: this route is ignored`, "warning");
        continue;
      }
      for (const leaf of routesOf(delegate.spec, delegate.res)) {
        if (isRecord(leaf.h.delegate)) {
          sink.report(at(leaf.origin, "delegate"), "delegation is only one level deep: a delegate VirtualService cannot delegate again", "error");
          continue;
        }
        const merged = mergeRoute(route, leaf);
        if (merged === null) {
          sink.report(leaf.origin, `the matches of this delegate route conflict with those of root route ${r.metadata.namespace}/${r.metadata.name} ${route.origin.path.join(".")}: the route is ignored`, "warning");
          continue;
        }
        routes.push(merged);
      }
    }
    all.push({
      res: r,
      key: `${ns}/${r.metadata.name}`,
      namespace: ns,
      hosts: asArray(spec.hosts).filter((h): h is string => typeof h === "string"),
      gateways: asArray(spec.gateways).length > 0 ? asArray(spec.gateways).filter((g): g is string => typeof g === "string") : [MESH_GATEWAY],
      exportTo: exportToSet(spec.exportTo, ns),
      routes,
    });
  }

  // initVirtualServices: public VS are indexed by gateway; others by (namespace exported to, gateway);
  // exportTo of the own namespace is "private". A VS listing one gateway twice is indexed twice, as in Go.
  const privateBy = new Map<string, VirtualServiceIn[]>();
  const exportedBy = new Map<string, VirtualServiceIn[]>();
  const publicBy = new Map<string, VirtualServiceIn[]>();
  const push = (m: Map<string, VirtualServiceIn[]>, k: string, v: VirtualServiceIn) => {
    const list = m.get(k) ?? [];
    list.push(v);
    m.set(k, list);
  };
  for (const vs of all) {
    if (vs.exportTo.has(EXPORT_PUBLIC)) {
      for (const gw of vs.gateways) push(publicBy, gw, vs);
    } else if (!vs.exportTo.has(EXPORT_NONE)) {
      for (const e of vs.exportTo) {
        for (const gw of vs.gateways) push(e === vs.namespace ? privateBy : exportedBy, `${e}\0${gw}`, vs);
      }
    }
  }
  return {
    all,
    forGateway(gw: string): VirtualServiceIn[] {
      const k = `${proxyNamespace}\0${gw}`;
      return [...(privateBy.get(k) ?? []), ...(exportedBy.get(k) ?? []), ...(publicBy.get(gw) ?? [])];
    },
  };
}
