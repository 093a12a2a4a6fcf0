// What Envoy's cluster does with a request the filter routed: the DestinationRule traffic policy
// Istio puts on that cluster (TLS origination, load balancer, connection pool, outlier
// detection). The filter only picks the cluster; `simulate` shows these as notes so that the
// egress TLS-origination tutorial's point (tls.mode SIMPLE) is visible.
//
// Which DestinationRule applies: §8.1 of istio-semantics.md (Registry.destinationRulesFor).
// Which policy a cluster gets: pilot/pkg/networking/util/util.go GetPortLevelTrafficPolicy (a
// matching portLevelSettings entry replaces the destination-level policy), MergeSubsetTrafficPolicy
// (a subset's policy overrides per component; a subset port-level entry supplies all four),
// pilot/pkg/model/destination_rule.go mergeDestinationRule (the oldest rule with a
// trafficPolicy wins).
import type { FilterConfig } from "../config/model.ts";
import type { Resource } from "../resources/types.ts";
import { asArray, asNumber, asString, isRecord } from "./common.ts";
import type { L4Listener } from "./l4.ts";
import type { Registry } from "./registry.ts";

type Policy = Record<string, any>;
const COMPONENTS = ["tls", "loadBalancer", "connectionPool", "outlierDetection"] as const;

/** `outbound|port|subset|host` or `outbound_.port_.subset_.host`. */
function parseCluster(name: string): { port: number; subset: string; host: string } | null {
  let m = /^outbound\|(\d+)\|([^|]*)\|(.+)$/.exec(name);
  if (!m) m = /^outbound_\.(\d+)_\.([^_]*)_\.(.+)$/.exec(name);
  return m ? { port: Number(m[1]), subset: m[2]!, host: m[3]! } : null;
}

function portLevel(policy: Policy | null, port: number): Policy | null {
  if (!policy) return null;
  return asArray(policy.portLevelSettings).filter(isRecord).find((p) => isRecord(p.port) && asNumber(p.port.number) === port) ?? null;
}

function effectivePolicy(rules: Resource[], port: number, subset: string): { policy: Partial<Record<(typeof COMPONENTS)[number], unknown>>; source: string } | null {
  const withPolicy = rules.find((r) => isRecord(r.spec.trafficPolicy));
  const top: Policy | null = withPolicy ? withPolicy.spec.trafficPolicy : null;
  const base: Policy = portLevel(top, port) ?? top ?? {};
  const policy: Record<string, unknown> = {};
  for (const c of COMPONENTS) if (base[c] !== undefined) policy[c] = base[c];
  const sources = withPolicy ? [`DestinationRule ${withPolicy.metadata.namespace}/${withPolicy.metadata.name}`] : [];
  if (subset !== "") {
    for (const r of rules) {
      const s = asArray(r.spec.subsets).filter(isRecord).find((x) => asString(x.name) === subset);
      if (!s) continue;
      const sp: Policy | null = isRecord(s.trafficPolicy) ? s.trafficPolicy : null;
      if (sp) {
        const level = portLevel(sp, port);
        if (level) for (const c of COMPONENTS) policy[c] = level[c];
        else for (const c of COMPONENTS) if (sp[c] !== undefined) policy[c] = sp[c];
        sources.push(`subset ${subset} of DestinationRule ${r.metadata.namespace}/${r.metadata.name}`);
      }
      break;
    }
  }
  if (sources.length === 0) return null;
  return { policy, source: sources.join(", ") };
}

function compact(value: unknown): string {
  return JSON.stringify(value).replace(/"([A-Za-z0-9_]+)":/g, "$1: ").replace(/,/g, ", ");
}

const TLS_MEANING: Record<string, string> = {
  SIMPLE: "TLS origination: Envoy opens TLS to the upstream",
  MUTUAL: "TLS origination with a client certificate (mutual TLS)",
  ISTIO_MUTUAL: "Istio mutual TLS to the upstream",
  DISABLE: "plaintext to the upstream",
};

/** Notes per cluster referenced by the configuration (routes and L4 chains). */
export function clusterNotes(config: FilterConfig, l4: L4Listener[], registry: Registry): Record<string, string[]> {
  const clusters = new Set<string>();
  for (const t of config.routeTables) for (const v of t.virtualHosts) for (const r of v.routes) {
    if (r.action.kind === "route") for (const d of r.action.destinations) if (d.clusterExists) clusters.add(d.cluster);
  }
  for (const l of l4) for (const c of l.chains) for (const d of c.destinations) clusters.add(d.cluster);
  const services = registry.visibleServices();
  const out: Record<string, string[]> = {};
  for (const cluster of clusters) {
    const parsed = parseCluster(cluster);
    if (!parsed) continue;
    const svc = services.find((s) => s.hostname === parsed.host);
    if (!svc) continue;
    const found = effectivePolicy(registry.destinationRulesFor(svc), parsed.port, parsed.subset);
    const notes: string[] = [];
    const by = found ? ` — ${found.source}; applied by Envoy's cluster, not the filter` : "";
    const p = found?.policy ?? {};
    if (isRecord(p.tls)) {
      const mode = asString(p.tls.mode).toUpperCase() || "DISABLE";
      const sni = asString(p.tls.sni);
      notes.push(`tls.mode ${mode}: ${TLS_MEANING[mode] ?? "TLS settings"}${sni ? `, SNI ${sni}` : ""}${by}`);
    }
    if (isRecord(p.loadBalancer)) notes.push(`loadBalancer ${compact(p.loadBalancer)}${by}`);
    else notes.push("loadBalancer: LEAST_REQUEST (Istio's default); applied by Envoy's cluster, not the filter");
    if (isRecord(p.connectionPool)) notes.push(`connectionPool ${compact(p.connectionPool)}${by}`);
    if (isRecord(p.outlierDetection)) notes.push(`outlierDetection ${compact(p.outlierDetection)}${by}`);
    out[cluster] = notes;
  }
  return out;
}
