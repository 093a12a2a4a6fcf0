// What every analyzer gets: the resources by kind, the gateway workload, and a findings list.
import type { GatewayTarget } from "../pipeline.ts";
import type { Resource } from "../resources/types.ts";
import type { Finding } from "./finding.ts";

export interface AnalyzeContext {
  resources: Resource[];
  target: GatewayTarget;
  /** Labels the gateway pod is known to carry: --selector plus its Services' selectors (compiler/workload.ts). */
  workloadLabels: Record<string, string>;
  clusterDomain: string;
  findings: Finding[];
}

export function ofKind(ctx: AnalyzeContext, kind: string): Resource[] {
  return ctx.resources.filter((r) => r.kind === kind);
}

export function fullName(r: Resource): string {
  return `${r.metadata.namespace}/${r.metadata.name}`;
}

export type Analyzer = (ctx: AnalyzeContext) => void;
