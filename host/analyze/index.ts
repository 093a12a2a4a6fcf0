// `gatewasm analyze`: istioctl-analyze-style findings on the routing configuration.
// IST codes reproduce Istio's analyzers (istio/istio pkg/config/analysis/analyzers, each module
// here cites its own) and are compared with them by test/analyze/istio-analyzers.test.ts;
// GWA codes come from the compiler's translation for the gateway workload.
import { DEFAULT_TARGET, type GatewayTarget } from "../pipeline.ts";
import { DEFAULT_CLUSTER_DOMAIN } from "../compiler/compile.ts";
import { workloadLabels } from "../compiler/workload.ts";
import type { Resource } from "../resources/types.ts";
import type { AnalyzeContext, Analyzer } from "./context.ts";
import { analyzeDestinationRuleTls } from "./destinationrule-tls.ts";
import type { Finding } from "./finding.ts";
import { analyzeConflictingGateways, analyzeGatewayPorts } from "./gateways.ts";
import { analyzeMeshHosts } from "./mesh-hosts.ts";
import { analyzeSchema } from "./schema.ts";
import { applySuppressions, type Suppression } from "./suppress.ts";
import { analyzeTranslation } from "./translation.ts";
import { analyzeUnreachableRules } from "./unreachable-rules.ts";
import { analyzeVirtualServiceDestinations } from "./virtualservice-destinations.ts";
import { analyzeVirtualServiceGateways } from "./virtualservice-gateways.ts";

export type { Finding } from "./finding.ts";
export { formatFindings, formatText, OUTPUT_FORMATS, type OutputFormat } from "./finding.ts";
export { isWorseThanOrEqual, LEVELS, MESSAGES, type Level } from "./messages.ts";
export { parseSuppression, SUPPRESS_ANNOTATION, type Suppression } from "./suppress.ts";

/** Istio's analyzers, in all.go's order. */
const ISTIO_ANALYZERS: Analyzer[] = [
  analyzeDestinationRuleTls,
  analyzeGatewayPorts,
  analyzeConflictingGateways,
  analyzeMeshHosts,
  analyzeVirtualServiceDestinations,
  analyzeVirtualServiceGateways,
  analyzeUnreachableRules,
];

export interface AnalyzeOptions {
  target?: GatewayTarget;
  clusterDomain?: string;
  /** `--suppress CODE=RESOURCE` entries (resource annotations are always honoured). */
  suppressions?: Suppression[];
}

export function analyzeResources(resources: Resource[], options: AnalyzeOptions = {}): Finding[] {
  const target = options.target ?? DEFAULT_TARGET;
  const ctx: AnalyzeContext = {
    resources,
    target,
    workloadLabels: workloadLabels(resources, target.selector, target.gatewayNamespace),
    clusterDomain: options.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN,
    findings: [],
  };
  const validation = analyzeSchema(ctx);
  for (const run of ISTIO_ANALYZERS) run(ctx);
  // The translation needs valid resources (the compile pipeline does not translate otherwise).
  if (!validation.some((d) => d.severity === "error")) analyzeTranslation(ctx);
  return sortFindings(dedupe(applySuppressions(ctx.findings, resources, options.suppressions ?? [])));
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.code}\0${f.kind}\0${f.namespace}\0${f.name}\0${f.field}\0${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** File, line, column, then code; findings about no resource first. */
function sortFindings(findings: Finding[]): Finding[] {
  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => {
      const la = a.f.location;
      const lb = b.f.location;
      if (!la || !lb) return (la ? 1 : 0) - (lb ? 1 : 0) || a.i - b.i;
      if (la.file !== lb.file) return la.file < lb.file ? -1 : 1;
      return la.line - lb.line || la.col - lb.col || (a.f.code < b.f.code ? -1 : a.f.code > b.f.code ? 1 : 0) || a.i - b.i;
    })
    .map(({ f }) => f);
}
