// compileGateway: Istio resources for one gateway workload → the filter configuration.
// Source: istio/istio pilot/pkg/networking/core/gateway.go (buildGatewayHTTPRouteConfig) for the
// route-table loop; the other modules of this folder cite theirs.

import { DEFAULT_CLUSTER_HEADER, FILTER_CONFIG_VERSION, type FilterConfig, type RouteTable, type VirtualHost } from "../config/model.ts";
import type { Diagnostic, Resource } from "../resources/types.ts";
import { DiagnosticSink, asArray, at, isRecord } from "./common.ts";
import { type RouteTableSpec, mergeGateways, selectGateways } from "./gateways.ts";
import { MESH_GATEWAY, hostIntersection, namesForNamespace, sanitizeServerHosts } from "./names.ts";
import { nearestName } from "./suggest.ts";
import { checkSubsetFailoverAnnotation } from "./failover.ts";
import { collectOutliers, reportFailoverWithoutDetector, reportIneffectiveOutlierFields } from "./outlier.ts";
import { EndpointIndex } from "./endpoints.ts";
import { clusterNotes } from "./cluster-notes.ts";
import { compileL4, type L4Listener } from "./l4.ts";
import { assignListenerPorts, listenerPortFor } from "./listener-ports.ts";
import { Registry } from "./registry.ts";
import { workloadLabels } from "./workload.ts";
import { type TranslatedRoute, translateVirtualService } from "./translate-route.ts";
import { type VirtualServiceIn, type VirtualServiceIndex, indexVirtualServices } from "./virtualservices.ts";

export interface CompileOptions {
  /** Gateway workload labels, default `{istio: "ingressgateway"}`. */
  selector: Record<string, string>;
  /** Gateway workload namespace, default `istio-system`. */
  gatewayNamespace: string;
  /** Default `cluster.local`. */
  clusterDomain?: string;
  /** Default DEFAULT_CLUSTER_HEADER. */
  clusterHeader?: string;
  /** Mesh root namespace, for DestinationRule lookup (§8.1); default `istio-system`. */
  rootNamespace?: string;
}

export const DEFAULT_SELECTOR: Record<string, string> = { istio: "ingressgateway" };
export const DEFAULT_GATEWAY_NAMESPACE = "istio-system";
export const DEFAULT_CLUSTER_DOMAIN = "cluster.local";

export interface CompileResult {
  config: FilterConfig;
  diagnostics: Diagnostic[];
  /** Servers Envoy serves without HTTP routing (not by the filter), for `simulate` to explain. */
  l4: L4Listener[];
  /** Per cluster, what its DestinationRule policy makes Envoy's cluster do (simulate notes). */
  clusterNotes: Record<string, string[]>;
}

interface Context {
  labels: Record<string, string>;
  proxyNamespace: string;
  registry: Registry;
  vsIndex: VirtualServiceIndex;
  sink: DiagnosticSink;
}

export function compileGateway(resources: Resource[], options: Partial<CompileOptions> = {}): CompileResult {
  const sink = new DiagnosticSink();
  const selector = options.selector ?? DEFAULT_SELECTOR;
  const proxyNamespace = options.gatewayNamespace ?? DEFAULT_GATEWAY_NAMESPACE;
  const clusterDomain = options.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN;
  const config: FilterConfig = {
    version: FILTER_CONFIG_VERSION,
    clusterHeader: options.clusterHeader ?? DEFAULT_CLUSTER_HEADER,
    routeTables: [],
  };
  let l4: L4Listener[] = [];
  let notes: Record<string, string[]> = {};
  const usable = resources.filter((r) => r && isRecord(r.metadata) && typeof r.kind === "string");
  // The selector's labels plus those the gateway's own Service shows the pod carries.
  const labels = workloadLabels(usable, selector, proxyNamespace);
  try {
    const gateways = selectGateways(usable, labels);
    const registry = new Registry(usable, proxyNamespace, labels, options.rootNamespace ?? DEFAULT_GATEWAY_NAMESPACE, clusterDomain);
    const vsIndex = indexVirtualServices(usable, proxyNamespace, clusterDomain, sink);
    reportGatewayBindings(usable, gateways, vsIndex, labels, sink);
    if (gateways.length === 0) {
      sink.global(`no Gateway selects the workload ${JSON.stringify(labels)}: it serves no routes`, "warning");
    }
    const ctx: Context = { labels, proxyNamespace, registry, vsIndex, sink };
    config.routeTables = mergeGateways(gateways, sink).map((spec) => buildRouteTable(spec, ctx));
    assignListenerPorts(config.routeTables, usable, labels, proxyNamespace, sink);
    for (const vs of vsIndex.all) checkSubsetFailoverAnnotation(vs.res, sink);
    const endpoints = new EndpointIndex(usable, registry);
    const outliers = collectOutliers(config, registry, (svc, port, subset) => endpoints.endpointsOf(svc, port, subset));
    if (Object.keys(outliers).length > 0) config.outliers = outliers;
    reportIneffectiveOutlierFields(usable, sink);
    reportFailoverWithoutDetector(config, new Map(vsIndex.all.map((vs) => [vs.key, vs.res])), sink);
    l4 = compileL4(gateways, {
      registry, vsIndex, sink, clusterDomain,
      listenerPort: (port) => listenerPortFor(port, usable, labels, proxyNamespace),
    });
    notes = clusterNotes(config, l4, registry);
  } catch (e) {
    // Never throw on odd input: an unexpected shape is reported, not crashed on.
    sink.global(`internal error while compiling: ${e instanceof Error ? e.message : String(e)}`, "error");
  }
  return { config, diagnostics: sink.diagnostics, l4, clusterNotes: notes };
}

/** Warn about VirtualService gateway references that cannot take effect on this workload. */
function reportGatewayBindings(
  resources: Resource[],
  selected: Resource[],
  vsIndex: VirtualServiceIndex,
  labels: Record<string, string>,
  sink: DiagnosticSink,
): void {
  const all = new Map(resources.filter((r) => r.kind === "Gateway").map((g) => [`${g.metadata.namespace}/${g.metadata.name}`, g]));
  const selectedNames = new Set(selected.map((g) => `${g.metadata.namespace}/${g.metadata.name}`));
  for (const vs of vsIndex.all) {
    vs.gateways.forEach((gw, i) => {
      if (gw === MESH_GATEWAY) return;
      const origin = at({ res: vs.res, path: ["spec", "gateways"] }, i);
      const gateway = all.get(gw);
      if (!gateway) {
        const near = nearestName(gw, all.keys());
        sink.report(origin, `Gateway ${gw} does not exist: this binding has no effect${near ? `; did you mean ${near}?` : ""}`, "warning");
      } else if (!selectedNames.has(gw)) {
        sink.report(origin, `Gateway ${gw} does not select the workload ${JSON.stringify(labels)}: this binding has no effect here`, "warning");
      } else {
        reportHostMiss(vs, gw, gateway, sink);
      }
    });
  }
}

/**
 * A VirtualService bound to a Gateway none of whose servers' hosts intersect its own hosts
 * (namespace-scoped `ns/host` server hosts included, Names.Intersection after
 * NamesForNamespace, as buildGatewayHTTPRouteConfig and pickMatchingGatewayHosts compare them)
 * contributes nothing through that Gateway: reported at the VirtualService's hosts, where the fix
 * usually is.
 */
function reportHostMiss(vs: VirtualServiceIn, gatewayName: string, gateway: Resource, sink: DiagnosticSink): void {
  const serverHosts = asArray(gateway.spec.servers).filter(isRecord)
    .flatMap((s) => sanitizeServerHosts(asArray(s.hosts).filter((h): h is string => typeof h === "string"), gateway.metadata.namespace));
  const visible = namesForNamespace(serverHosts, vs.namespace);
  if (hostIntersection(visible, vs.hosts).length > 0) return;
  const written = asArray(vs.res.spec.hosts).filter((h): h is string => typeof h === "string");
  const otherNamespaces = serverHosts.filter((h) => h.includes("/") && !h.startsWith(`${vs.namespace}/`) && !h.startsWith("*/"));
  const hidden = otherNamespaces.length ? ` (${otherNamespaces.join(", ")} only for VirtualServices of those namespaces)` : "";
  sink.report({ res: vs.res, path: ["spec", "hosts"] },
    `hosts ${written.join(", ")} match no host of Gateway ${gatewayName} (its servers' hosts: ${[...new Set(serverHosts)].join(", ") || "none"})${hidden}: this VirtualService serves nothing through it`, "warning");
}

/** Envoy virtual host name `util.DomainName(host, port)`. */
function vhostName(host: string, port: number): string {
  return `${host}:${port}`;
}

/**
 * `buildGatewayHTTPRouteConfig` for one RDS name: for each server (merged order) and each
 * VirtualService bound to its gateway (§1.4 order), intersect hosts and append the VS's routes to
 * the vhost of each lower-cased intersecting host; httpsRedirect sets requireTls; then catch-alls
 * move to the end of each vhost; no vhost at all ⇒ an empty table (the filter answers 404).
 */
function buildRouteTable(spec: RouteTableSpec, ctx: Context): RouteTable {
  const vhosts = new Map<string, { vh: VirtualHost; routes: TranslatedRoute[] }>();
  // Istio builds a VirtualService's routes once per gateway for the route table (gatewayRoutes cache),
  // with the options of the first server that needed them.
  const cache = new Map<string, TranslatedRoute[] | null>();
  for (const server of spec.servers) {
    for (const vs of ctx.vsIndex.forGateway(server.gatewayName)) {
      const serverHosts = namesForNamespace(server.hosts, vs.namespace);
      const hosts = hostIntersection(serverHosts, vs.hosts);
      if (hosts.length === 0) continue;
      const key = `${server.gatewayName}\0${vs.key}`;
      let routes = cache.get(key);
      if (routes === undefined) {
        const built = translateVirtualService({
          vs,
          port: server.port,
          gatewayName: server.gatewayName,
          isTls: server.hasTls,
          proxyLabels: ctx.labels,
          proxyNamespace: ctx.proxyNamespace,
          registry: ctx.registry,
          sink: ctx.sink,
        });
        routes = built.length === 0 ? null : built; // "no routes matched": the VS is skipped
        cache.set(key, routes);
      }
      if (routes === null) continue;
      for (const h of hosts) {
        const host = h.toLowerCase();
        let entry = vhosts.get(host);
        if (!entry) {
          entry = { vh: { name: vhostName(host, server.port), domain: host, requireTls: false, routes: [] }, routes: [] };
          vhosts.set(host, entry);
        }
        entry.routes.push(...routes);
        if (server.httpsRedirect) entry.vh.requireTls = true;
      }
    }
    if (server.httpsRedirect) {
      // Quirk kept from Istio: the raw server host is used, so `ns/foo.com` creates a vhost named
      // "ns/foo.com" that no request can select.
      for (const raw of server.hosts) {
        const host = raw.toLowerCase();
        const entry = vhosts.get(host);
        if (entry) entry.vh.requireTls = true;
        else vhosts.set(host, { vh: { name: vhostName(host, server.port), domain: host, requireTls: true, routes: [] }, routes: [] });
      }
    }
  }

  const virtualHosts: VirtualHost[] = [];
  for (const { vh, routes } of vhosts.values()) {
    // SortVHostRoutes: stable, non-catch-all routes first, catch-alls last.
    const sorted = [...routes.filter((r) => !r.catchAll), ...routes.filter((r) => r.catchAll)];
    reportShadowedRoutes(vh, sorted, ctx.sink);
    vh.routes = sorted.filter((r) => !r.failed).map((r) => r.route);
    virtualHosts.push(vh);
  }
  // util.SortVirtualHosts: by name.
  virtualHosts.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (virtualHosts.length === 0) {
    ctx.sink.report(spec.servers[0]!.origin, `route table ${spec.name} has no virtual hosts: every request on port ${spec.port} gets 404`, "warning");
  }
  return { name: spec.name, port: spec.port, tls: spec.tls, sniHosts: spec.sniHosts, virtualHosts };
}

/** Routes after the first catch-all of a vhost (other VirtualServices' catch-alls) can never match. */
function reportShadowedRoutes(vh: VirtualHost, routes: TranslatedRoute[], sink: DiagnosticSink): void {
  const first = routes.findIndex((r) => r.catchAll);
  if (first < 0) return;
  for (const r of routes.slice(first + 1)) {
    sink.report(r.origin, `unreachable route on host ${vh.domain}: the catch-all route of ${routes[first]!.route.virtualService} comes first`, "warning");
  }
}
