// The service registry a gateway sees: Kubernetes Services and ServiceEntries, and the
// DestinationRule subsets that decide which `outbound|port|subset|host` clusters exist.
// Sources: istio/istio pilot/pkg/networking/core/gateway.go (buildNameToServiceMapForHTTPRoutes),
// pilot/pkg/model/push_context.go (IsServiceVisible, ServiceForHostname, destinationRule),
// pilot/pkg/model/destination_rule.go (mergeDestinationRule).

import type { Resource } from "../resources/types.ts";
import {
  asArray,
  asNumber,
  asString,
  compareByCreationTime,
  exportToSet,
  isRecord,
  isVisibleTo,
} from "./common.ts";
import { hostSubsetOf, isWildcarded, labelsSubsetOf, resolveShortname } from "./names.ts";

export interface RegistryService {
  hostname: string;
  namespace: string;
  ports: number[];
  exportTo: Set<string>;
  res: Resource;
  /**
   * Labels of each endpoint Istio puts in the cluster itself (STATIC and DNS resolution), or null
   * when endpoints come from EDS (Kubernetes Services, ServiceEntries selecting workloads) or the
   * cluster needs none (resolution NONE).
   */
  staticEndpoints: Array<Record<string, string>> | null;
}

interface DestinationRuleEntry {
  host: string;
  namespace: string;
  exportTo: Set<string>;
  subsets: string[];
  subsetLabels: Map<string, Record<string, string>>;
  /** `spec.trafficPolicy` as written, or undefined. */
  trafficPolicy: Record<string, any> | undefined;
  /** Each subset's own `trafficPolicy`, or undefined (first definition of a name wins). */
  subsetPolicies: Map<string, Record<string, any> | undefined>;
  res: Resource;
}

/**
 * The DestinationRule a gateway applies to one service after Istio's lookup and merge (§8.1,
 * push_context.go destinationRule, destination_rule.go mergeDestinationRule): subsets of every
 * DR with the most specific host in the first scope that has one (first definition of a name
 * wins), the top-level traffic policy of the oldest of them that has one.
 */
export interface EffectiveDestinationRule {
  trafficPolicy: Record<string, any> | undefined;
  subsets: Map<string, { labels: Record<string, string>; trafficPolicy: Record<string, any> | undefined }>;
  /** The DRs merged, oldest first (for diagnostics). */
  from: Resource[];
}

/**
 * The endpoints of a ServiceEntry whose cluster carries them (cluster_builder.go: STRICT_DNS,
 * LOGICAL_DNS and STATIC clusters "without endpoints" are not built): `spec.endpoints`, or for DNS
 * resolution without any, one endpoint per host with no labels.
 */
function serviceEntryEndpoints(spec: Record<string, any>): Array<Record<string, string>> | null {
  const resolution = asString(spec.resolution).toUpperCase() || "NONE";
  if (resolution === "NONE" || isRecord(spec.workloadSelector)) return null;
  const endpoints = asArray(spec.endpoints).filter(isRecord);
  if (endpoints.length > 0) return endpoints.map((e) => (isRecord(e.labels) ? e.labels as Record<string, string> : {}));
  return resolution === "STATIC" ? [] : [{}];
}

/** Annotation carrying a Kubernetes Service's exportTo (comma list). */
const SERVICE_EXPORT_TO_ANNOTATION = "networking.istio.io/exportTo";

export class Registry {
  private readonly byHost = new Map<string, RegistryService[]>();
  private readonly rules: DestinationRuleEntry[] = [];

  constructor(
    resources: Resource[],
    private readonly proxyNamespace: string,
    private readonly proxyLabels: Record<string, string>,
    private readonly rootNamespace: string,
    clusterDomain: string,
  ) {
    const sorted = resources.slice().sort(compareByCreationTime);
    for (const r of sorted) {
      if (!isRecord(r.spec) && r.kind !== "Service") continue;
      if (r.kind === "Service" && (r.apiVersion === "v1" || r.apiVersion === "core/v1")) {
        const spec = isRecord(r.spec) ? r.spec : {};
        const annotations = isRecord(r.metadata.annotations) ? r.metadata.annotations : {};
        const exp = asString(annotations[SERVICE_EXPORT_TO_ANNOTATION]);
        const ports = asArray(spec.ports).map((p) => asNumber(p?.port)).filter((p) => p > 0);
        this.add({
          hostname: `${r.metadata.name}.${r.metadata.namespace}.svc.${clusterDomain}`,
          namespace: r.metadata.namespace,
          ports,
          exportTo: exportToSet(exp === "" ? [] : exp.split(",").map((s) => s.trim()), r.metadata.namespace),
          res: r,
          staticEndpoints: null,
        });
      } else if (r.kind === "ServiceEntry") {
        const ports = asArray(r.spec.ports).map((p) => asNumber(p?.number)).filter((p) => p > 0);
        for (const h of asArray(r.spec.hosts)) {
          if (typeof h !== "string") continue;
          this.add({
            hostname: h,
            namespace: r.metadata.namespace,
            ports,
            exportTo: exportToSet(r.spec.exportTo, r.metadata.namespace),
            res: r,
            staticEndpoints: serviceEntryEndpoints(r.spec),
          });
        }
      } else if (r.kind === "DestinationRule") {
        const ws = r.spec.workloadSelector;
        // A DR with a workloadSelector applies only to the selected workloads of its own namespace.
        if (isRecord(ws)) {
          if (r.metadata.namespace !== proxyNamespace) continue;
          if (!labelsSubsetOf(isRecord(ws.matchLabels) ? ws.matchLabels : {}, proxyLabels)) continue;
        }
        const host = resolveShortname(asString(r.spec.host), r.metadata.namespace, clusterDomain);
        this.rules.push({
          host,
          namespace: r.metadata.namespace,
          exportTo: exportToSet(r.spec.exportTo, r.metadata.namespace),
          subsets: asArray(r.spec.subsets).map((s) => asString(s?.name)).filter((s) => s !== ""),
          subsetLabels: new Map(asArray(r.spec.subsets).filter(isRecord).map((s) => [asString(s.name), isRecord(s.labels) ? s.labels as Record<string, string> : {}])),
          trafficPolicy: isRecord(r.spec.trafficPolicy) ? r.spec.trafficPolicy : undefined,
          subsetPolicies: subsetPolicies(asArray(r.spec.subsets)),
          res: r,
        });
      }
    }
  }

  private add(s: RegistryService): void {
    const list = this.byHost.get(s.hostname) ?? [];
    list.push(s);
    this.byHost.set(s.hostname, list);
  }

  /**
   * The Service a VirtualService's destination host refers to (`buildNameToServiceMapForHTTPRoutes`):
   * the one in the VS namespace if visible to the gateway, else any visible one (gateway namespace
   * first, then creation order), else null.
   */
  lookup(hostname: string, vsNamespace: string): RegistryService | null {
    const list = this.byHost.get(hostname);
    if (!list) return null;
    const visible = list.filter((s) => isVisibleTo(s.exportTo, this.proxyNamespace));
    return (
      visible.find((s) => s.namespace === vsNamespace) ??
      visible.find((s) => s.namespace === this.proxyNamespace) ??
      visible[0] ??
      null
    );
  }

  /**
   * Subset names defined for `svc` by the DestinationRules the gateway uses (§8.1): DRs in the
   * gateway namespace, else in the service namespace exported to it, else in the root namespace;
   * most specific host first; DRs with that host in that scope merged, subsets concatenated.
   */
  subsets(svc: RegistryService): Set<string> {
    return new Set(this.subsetLabels(svc).keys());
  }

  /**
   * Whether Istio builds the cluster for `svc` (and `subset`) with endpoints in it: always for
   * EDS clusters; for STATIC and DNS ones only when some endpoint carries the subset's labels
   * (cluster_builder.go buildCluster returns nil for such a cluster "without endpoints"; shown by
   * the differential round against Istio's translator, seed 1019).
   */
  hasEndpoints(svc: RegistryService, subset: string): boolean {
    if (svc.staticEndpoints === null) return true;
    const labels = subset === "" ? {} : this.subsetLabels(svc).get(subset) ?? {};
    return svc.staticEndpoints.some((endpoint) => labelsSubsetOf(labels, endpoint));
  }

  private subsetLabels(svc: RegistryService): Map<string, Record<string, string>> {
    const out = new Map<string, Record<string, string>>();
    for (const [name, s] of this.destinationRule(svc).subsets) out.set(name, s.labels);
    return out;
  }

  /**
   * The DestinationRules the gateway applies to `svc` (§8.1), oldest first: the first scope with
   * a matching host wins, and within it the most specific host's rules are merged.
   */
  destinationRulesFor(svc: RegistryService): Resource[] {
    return this.destinationRule(svc).from;
  }

  /** Every Service and ServiceEntry host visible to the gateway's namespace, in creation order. */
  visibleServices(): RegistryService[] {
    return [...this.byHost.values()].flat().filter((s) => isVisibleTo(s.exportTo, this.proxyNamespace))
      .sort((a, b) => compareByCreationTime(a.res, b.res));
  }

  /** The merged DestinationRule the gateway applies to `svc` (EffectiveDestinationRule). */
  destinationRule(svc: RegistryService): EffectiveDestinationRule {
    const scopes: Array<(d: DestinationRuleEntry) => boolean> = [
      // push_context.go destinationRule step 1: a gateway in the root namespace (istio-system by
      // default) first looks only at the root namespace's private DRs (exportTo "." alone), so a
      // public DR there does not shadow the service's own (shown by Istio's translator,
      // test/outlier/policy-istio.test.ts); elsewhere every DR of the gateway's namespace.
      this.proxyNamespace === this.rootNamespace
        ? (d) => d.namespace === this.rootNamespace && d.exportTo.size === 1 && d.exportTo.has(d.namespace)
        : (d) => d.namespace === this.proxyNamespace && isVisibleTo(d.exportTo, d.namespace),
      (d) => d.namespace === svc.namespace && isVisibleTo(d.exportTo, this.proxyNamespace),
      (d) => d.namespace === this.rootNamespace && isVisibleTo(d.exportTo, this.proxyNamespace),
    ];
    for (const inScope of scopes) {
      const candidates = this.rules.filter((d) => inScope(d) && hostSubsetOf(svc.hostname, d.host));
      if (candidates.length === 0) continue;
      const best = mostSpecific(candidates.map((d) => d.host));
      const merged: EffectiveDestinationRule = { trafficPolicy: undefined, subsets: new Map(), from: [] };
      for (const d of candidates) {
        if (d.host !== best) continue;
        merged.from.push(d.res);
        if (merged.trafficPolicy === undefined) merged.trafficPolicy = d.trafficPolicy;
        for (const s of d.subsets) {
          if (!merged.subsets.has(s)) merged.subsets.set(s, { labels: d.subsetLabels.get(s) ?? {}, trafficPolicy: d.subsetPolicies.get(s) });
        }
      }
      return merged;
    }
    return { trafficPolicy: undefined, subsets: new Map(), from: [] };
  }
}

function subsetPolicies(subsets: unknown[]): Map<string, Record<string, any> | undefined> {
  const out = new Map<string, Record<string, any> | undefined>();
  for (const s of subsets) {
    if (!isRecord(s) || out.has(asString(s.name))) continue;
    out.set(asString(s.name), isRecord(s.trafficPolicy) ? s.trafficPolicy : undefined);
  }
  return out;
}

/** Exact beats wildcard; a longer wildcard beats a shorter one (`MostSpecificHostMatch`). */
function mostSpecific(hosts: string[]): string {
  let best = hosts[0]!;
  for (const h of hosts) {
    if (isWildcarded(best) && !isWildcarded(h)) best = h;
    else if (isWildcarded(best) && isWildcarded(h) && h.length > best.length) best = h;
  }
  return best;
}
