// IST0109: VirtualServices bound to the mesh gateway that define the same host.
// Source: istio/istio pkg/config/analysis/analyzers/virtualservice/conflictingmeshgatewayhosts.go
// (ConflictingMeshGatewayHostsAnalyzer, initMeshGatewayHosts,
// getExportToAllNamespacesVSListForScopedHost). Istio walks a Go map, so which host a
// VirtualService with several conflicting hosts is reported for is unspecified there; gatewasm
// takes the hosts in sorted order. (Several VirtualServices on one *gateway* host are merged by
// Istio, not a conflict: see GWA0003 in translation.ts.)
import { asArray } from "../compiler/common.ts";
import { MESH_GATEWAY } from "../compiler/names.ts";
import type { Resource } from "../resources/types.ts";
import { findingAt } from "./finding.ts";
import { type AnalyzeContext, fullName, ofKind } from "./context.ts";
import { hostsMatch } from "./virtualservice-gateways.ts";

function toFqdn(host: string, namespace: string, clusterDomain: string): string {
  return host.startsWith("*") || host.includes(".") ? host : `${host}.${namespace}.svc.${clusterDomain}`;
}

export function analyzeMeshHosts(ctx: AnalyzeContext): void {
  const byScopedHost = new Map<string, Resource[]>();
  for (const vs of ofKind(ctx, "VirtualService")) {
    const gateways = asArray(vs.spec.gateways);
    if (gateways.length > 0 && !gateways.includes(MESH_GATEWAY)) continue;
    const ns = vs.metadata.namespace;
    const exportTo = asArray(vs.spec.exportTo).filter((e): e is string => typeof e === "string");
    const scopes = exportTo.length === 0 || exportTo.includes("*") ? ["*"] : [...new Set(exportTo.map((e) => (e === "." ? ns : e)))];
    for (const scope of scopes) {
      for (const h of asArray(vs.spec.hosts)) {
        if (typeof h !== "string") continue;
        const key = `${scope}/${toFqdn(h, ns, ctx.clusterDomain)}`;
        const list = byScopedHost.get(key) ?? [];
        list.push(vs);
        byScopedHost.set(key, list);
      }
    }
  }
  const reported = new Set<string>();
  for (const key of [...byScopedHost.keys()].sort()) {
    let list = byScopedHost.get(key)!;
    const slash = key.indexOf("/");
    const scope = key.slice(0, slash);
    const host = key.slice(slash + 1);
    if (scope !== "*") {
      for (const [other, vss] of byScopedHost) {
        const os = other.indexOf("/");
        if (other.slice(0, os) === "*" && hostsMatch(host, other.slice(os + 1))) list = [...list, ...vss];
      }
    }
    if (list.length <= 1) continue;
    const names = list.map(fullName).sort().join(",");
    for (const vs of list) {
      if (reported.has(fullName(vs))) continue;
      reported.add(fullName(vs));
      ctx.findings.push(findingAt(vs, ["metadata", "name"], "ConflictingMeshGatewayVirtualServiceHosts", names, key));
    }
  }
}
