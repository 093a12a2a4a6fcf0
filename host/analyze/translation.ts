// What the gateway itself does with the configuration, from the compiler's own resolution
// (host/compiler): every warning of the translation for the gateway workload is GWA0001, every
// error GWA0002 — a destination the gateway cannot reach (visibility from the gateway namespace,
// ports, subsets, endpoints), a route hidden by another VirtualService's catch-all on the same
// host, a binding to a Gateway that does not select the workload, an empty route table, … —
// and GWA0003 names VirtualServices that Istio merges on one gateway host.
// Sources: the compiler modules cite theirs; GWA0003 follows pilot/pkg/networking/core/gateway.go
// (buildGatewayHTTPRouteConfig: VirtualServices of a gateway, in creation order, their hosts
// intersected with the server's).
import { compileGateway } from "../compiler/index.ts";
import { emptyRoutingDiagnostic } from "../compiler/empty.ts";
import { asArray, compareByCreationTime, isRecord } from "../compiler/common.ts";
import { selectGateways } from "../compiler/gateways.ts";
import { MESH_GATEWAY, hostIntersection, namesForNamespace, resolveGatewayName, resolveShortname, sanitizeServerHosts } from "../compiler/names.ts";
import type { Resource } from "../resources/types.ts";
import { findingAt, type Finding } from "./finding.ts";
import { MESSAGES } from "./messages.ts";
import { diagnosticFinding } from "./schema.ts";
import { type AnalyzeContext, fullName, ofKind } from "./context.ts";

function isWithin(field: string, parent: string): boolean {
  if (field === parent) return true;
  return field.startsWith(parent) && (field[parent.length] === "." || field[parent.length] === "[");
}

/** An Istio-coded finding already says it: same resource, same field or one inside the other. */
function alreadyReported(d: { kind: string; namespace: string; name: string; field: string }, istio: Finding[]): boolean {
  return istio.some((f) => f.kind === d.kind && f.namespace === d.namespace && f.name === d.name && f.field !== "" && d.field !== ""
    && (isWithin(d.field, f.field) || isWithin(f.field, d.field)));
}

export function analyzeTranslation(ctx: AnalyzeContext): void {
  const istio = ctx.findings.filter((f) => f.code.startsWith("IST"));
  const { config, diagnostics } = compileGateway(ctx.resources, { selector: ctx.target.selector, gatewayNamespace: ctx.target.gatewayNamespace, clusterDomain: ctx.clusterDomain });
  const empty = emptyRoutingDiagnostic(config, ctx.resources, ctx.target, "warning");
  // The empty-routing finding says why nothing is routed; the compiler's own "no Gateway
  // selects the workload" line would repeat its first reason.
  const all = empty ? [...diagnostics.filter((d) => d.kind !== "" || !d.message.startsWith("no Gateway selects the workload")), empty] : diagnostics;
  for (const d of all) {
    if (alreadyReported(d, istio)) continue;
    ctx.findings.push(diagnosticFinding(d, d.severity === "error" ? MESSAGES.GatewayTranslationError : MESSAGES.GatewayTranslation));
  }
  analyzeSharedGatewayHosts(ctx);
}

function analyzeSharedGatewayHosts(ctx: AnalyzeContext): void {
  const vss = ofKind(ctx, "VirtualService").filter((v) => asArray(v.spec.hosts).length > 0).sort(compareByCreationTime);
  for (const gw of selectGateways(ctx.resources, ctx.workloadLabels)) {
    const gwName = fullName(gw);
    const serverHosts = asArray(gw.spec.servers).flatMap((s) =>
      isRecord(s) ? sanitizeServerHosts(asArray(s.hosts).filter((h): h is string => typeof h === "string"), gw.metadata.namespace) : []);
    const byHost = new Map<string, Array<{ vs: Resource; index: number }>>();
    for (const vs of vss) {
      const ns = vs.metadata.namespace;
      const bound = asArray(vs.spec.gateways).some((g) => typeof g === "string" && g !== MESH_GATEWAY && resolveGatewayName(g, ns) === gwName);
      if (!bound) continue;
      const hosts = asArray(vs.spec.hosts).map((h) => (typeof h === "string" ? resolveShortname(h, ns, ctx.clusterDomain) : ""));
      const names = namesForNamespace(serverHosts, ns);
      hosts.forEach((h, index) => {
        if (h === "" || hostIntersection(names, [h]).length === 0) return;
        const key = h.toLowerCase();
        const list = byHost.get(key) ?? [];
        if (!list.some((e) => e.vs === vs)) list.push({ vs, index });
        byHost.set(key, list);
      });
    }
    for (const [host, list] of byHost) {
      if (list.length < 2) continue;
      const names = list.map((e) => fullName(e.vs)).join(",");
      for (const { vs, index } of list.slice(1)) {
        ctx.findings.push(findingAt(vs, ["spec", "hosts", index], "VirtualServicesShareGatewayHost", names, gwName, host, fullName(list[0]!.vs)));
      }
    }
  }
}
