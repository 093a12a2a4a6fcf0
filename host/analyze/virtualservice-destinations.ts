// VirtualService destinations: IST0101 (host, host:port, mirror host, host+subset not found),
// IST0112 (a port is needed), IST0140 (a subset-less gateway route next to subset routing).
// Sources: istio/istio pkg/config/analysis/analyzers/virtualservice/destinationhosts.go
// (DestinationHostAnalyzer, checkServiceEntryPorts, analyzeSubset),
// virtualservice/destinationrules.go (DestinationRuleAnalyzer), virtualservice/util.go
// (getRouteDestinations, getHTTPMirrorDestinations), analyzers/util/service_lookup.go
// (InitServiceEntryHostMap, GetDestinationHost), analyzers/util/hosts.go (NewScopedFqdn,
// GetResourceNameFromHost).
//
// These follow Istio's analyzers, which judge a reference from the VirtualService's namespace.
// What the gateway itself can reach (visibility from the gateway namespace, ports, endpoints) is
// the compiler's resolution, reported as GWA0001 by translation.ts.
import { asArray, asNumber, asString, isRecord } from "../compiler/common.ts";
import type { FieldPath, Resource } from "../resources/types.ts";
import { findingAt } from "./finding.ts";
import { type AnalyzeContext, fullName, ofKind } from "./context.ts";

const ALL = "*";
const LOCAL = ".";

interface HostEntry {
  ports: number[];
}

interface AnnotatedDestination {
  /** "tcp" | "tls" | "http" | "http.mirror" | "http.mirrors" */
  rule: string;
  destination: Record<string, any>;
  /** Where `destination.host` is written. */
  hostPath: FieldPath;
}

/** `ConvertHostToFQDN`: a name without a dot (and not a wildcard) is `<name>.<ns>.svc.<domain>`. */
function toFqdn(host: string, namespace: string, clusterDomain: string): string {
  return host.startsWith("*") || host.includes(".") ? host : `${host}.${namespace}.svc.${clusterDomain}`;
}

function scoped(scope: string, namespace: string, host: string, clusterDomain: string): string {
  return `${scope}/${toFqdn(host, namespace, clusterDomain)}`;
}

/** `InitServiceEntryHostMap`: ServiceEntry hosts and Services, keyed by `<scope>/<fqdn>`. */
function hostMap(ctx: AnalyzeContext): Map<string, HostEntry> {
  const out = new Map<string, HostEntry>();
  for (const se of ofKind(ctx, "ServiceEntry")) {
    const ns = se.metadata.namespace;
    const entry = { ports: asArray(se.spec.ports).map((p) => asNumber(p?.number)) };
    const exportTo = asArray(se.spec.exportTo).filter((e): e is string => typeof e === "string");
    for (const h of asArray(se.spec.hosts)) {
      if (typeof h !== "string") continue;
      if (exportTo.length === 0) {
        out.set(scoped(ALL, ns, h, ctx.clusterDomain), entry);
        continue;
      }
      for (const e of exportTo) {
        out.set(scoped(e === LOCAL ? ns : e, ns, h, ctx.clusterDomain), entry);
        if (e === ALL) break;
      }
    }
  }
  for (const svc of ofKind(ctx, "Service")) {
    const ns = svc.metadata.namespace;
    const entry = { ports: asArray(svc.spec.ports).map((p) => asNumber(p?.port)) };
    const annotations = isRecord(svc.metadata.annotations) ? svc.metadata.annotations : {};
    const anno = asString(annotations["networking.istio.io/exportTo"]);
    const scopes = anno === "" ? [ALL] : anno.split(",").map((s) => s.trim()).map((s) => (s === LOCAL ? ns : s));
    for (const scope of scopes) out.set(scoped(scope, ns, svc.metadata.name, ctx.clusterDomain), entry);
  }
  return out;
}

/** `GetDestinationHost`: public first, then the VirtualService's exportTo scopes, then wildcard hosts. */
function lookupHost(hosts: Map<string, HostEntry>, vsNs: string, exportTo: string[], host: string, clusterDomain: string): HostEntry | null {
  const pub = hosts.get(scoped(ALL, vsNs, host, clusterDomain));
  if (pub) return pub;
  const scopes = exportTo.length === 0 ? [vsNs] : exportTo.map((e) => (e === LOCAL ? vsNs : e));
  for (const s of scopes) {
    const e = hosts.get(scoped(s, vsNs, host, clusterDomain));
    if (e) return e;
  }
  for (const [key, entry] of hosts) {
    const slash = key.indexOf("/");
    const scope = key.slice(0, slash);
    const seHost = key.slice(slash + 1);
    if (!seHost.startsWith("*")) continue;
    if (scope !== ALL && scope !== vsNs) continue;
    const bare = host.startsWith("*") ? host.slice(1) : host;
    if (bare.endsWith(seHost.slice(1))) return entry;
  }
  return null;
}

function routeDestinations(vs: Resource): AnnotatedDestination[] {
  const out: AnnotatedDestination[] = [];
  for (const rule of ["tcp", "tls", "http"]) {
    asArray(vs.spec[rule]).forEach((r, i) => {
      if (!isRecord(r)) return;
      asArray(r.route).forEach((rd, j) => {
        const d = isRecord(rd) && isRecord(rd.destination) ? rd.destination : {};
        out.push({ rule, destination: d, hostPath: ["spec", rule, i, "route", j, "destination", "host"] });
      });
    });
  }
  return out;
}

function mirrorDestinations(vs: Resource): AnnotatedDestination[] {
  const out: AnnotatedDestination[] = [];
  asArray(vs.spec.http).forEach((r, i) => {
    if (!isRecord(r)) return;
    if (isRecord(r.mirror)) out.push({ rule: "http.mirror", destination: r.mirror, hostPath: ["spec", "http", i, "mirror", "host"] });
    asArray(r.mirrors).forEach((m, j) => {
      const d = isRecord(m) && isRecord(m.destination) ? m.destination : {};
      out.push({ rule: "http.mirrors", destination: d, hostPath: ["spec", "http", i, "mirrors", j, "destination", "host"] });
    });
  });
  return out;
}

/** `checkServiceEntryPorts`. */
function checkPorts(ctx: AnalyzeContext, vs: Resource, d: AnnotatedDestination, entry: HostEntry): void {
  const host = asString(d.destination.host);
  const port = isRecord(d.destination.port) ? asNumber(d.destination.port.number) : null;
  if (port === null) {
    if (entry.ports.length > 1) ctx.findings.push(findingAt(vs, d.hostPath, "VirtualServiceDestinationPortSelectorRequired", host, entry.ports));
    return;
  }
  if (!entry.ports.includes(port)) ctx.findings.push(findingAt(vs, d.hostPath, "ReferencedResourceNotFound", "host:port", `${host}:${port}`));
}

const FQDN = /^(.+)\.(.+)\.svc\.cluster\.local$/;

/** `GetResourceNameFromHost`: `name.ns.svc.cluster.local` ⇒ ns/name, anything else ⇒ `<default ns>/<host>`. */
function resourceNameFromHost(defaultNs: string, host: string): string {
  const m = FQDN.exec(host);
  return m ? `${m[2]}/${m[1]}` : `${defaultNs}/${host}`;
}

export function analyzeVirtualServiceDestinations(ctx: AnalyzeContext): void {
  const hosts = hostMap(ctx);
  const subsets = new Set<string>();
  for (const dr of ofKind(ctx, "DestinationRule")) {
    const name = resourceNameFromHost(dr.metadata.namespace, asString(dr.spec.host));
    for (const s of asArray(dr.spec.subsets)) subsets.add(`${name}+${asString(s?.name)}`);
  }
  const vss = ofKind(ctx, "VirtualService");
  for (const vs of vss) {
    const ns = vs.metadata.namespace;
    const exportTo = asArray(vs.spec.exportTo).filter((e): e is string => typeof e === "string");
    for (const [list, reftype] of [[routeDestinations(vs), "host"], [mirrorDestinations(vs), "mirror host"]] as const) {
      for (const d of list) {
        const host = asString(d.destination.host);
        const entry = lookupHost(hosts, ns, exportTo, host, ctx.clusterDomain);
        if (entry === null) ctx.findings.push(findingAt(vs, d.hostPath, "ReferencedResourceNotFound", reftype, host));
        else checkPorts(ctx, vs, d, entry);
      }
    }
    for (const [list, reftype] of [[routeDestinations(vs), "host+subset in destinationrule"], [mirrorDestinations(vs), "mirror+subset in destinationrule"]] as const) {
      for (const d of list) {
        const subset = asString(d.destination.subset);
        if (subset === "") continue;
        const host = asString(d.destination.host);
        if (!subsets.has(`${resourceNameFromHost(ns, host)}+${subset}`)) {
          ctx.findings.push(findingAt(vs, d.hostPath, "ReferencedResourceNotFound", reftype, `${host}+${subset}`));
        }
      }
    }
  }
  analyzeIngressSubsets(ctx, vss);
}

/**
 * `analyzeSubset` (IST0140): a VirtualService bound to gateways routes to a host without a
 * subset, while some VirtualService routes that host (one of its own hosts, as written) by subset.
 */
function analyzeIngressSubsets(ctx: AnalyzeContext, vss: Resource[]): void {
  const withSubsets: Array<{ vs: Resource; hosts: string[] }> = [];
  for (const vs of vss) {
    const own = asArray(vs.spec.hosts);
    const hosts: string[] = [];
    for (const h of asArray(vs.spec.http)) {
      for (const rd of asArray(isRecord(h) ? h.route : [])) {
        const d = isRecord(rd) && isRecord(rd.destination) ? rd.destination : {};
        if (asString(d.subset) !== "" && own.includes(asString(d.host))) hosts.push(asString(d.host));
      }
    }
    if (hosts.length > 0) withSubsets.push({ vs, hosts });
  }
  for (const vs of vss) {
    if (asArray(vs.spec.gateways).length === 0) continue;
    asArray(vs.spec.http).forEach((h, i) => {
      asArray(isRecord(h) ? h.route : []).forEach((rd, j) => {
        const d = isRecord(rd) && isRecord(rd.destination) ? rd.destination : {};
        if (asString(d.subset) !== "") return;
        for (const other of withSubsets) {
          for (const host of other.hosts) {
            if (host !== asString(d.host)) continue;
            ctx.findings.push(findingAt(vs, ["spec", "http", i, "route", j, "destination", "host"], "IngressRouteRulesNotAffected", fullName(other.vs), fullName(vs)));
          }
        }
      });
    });
  }
}
