// The compile pipeline shared by the CLI, `simulate`, the examples and the benchmarks:
// read → validate (schema + Istio webhook rules) → translate for one gateway → encode.
import { compileGateway } from "./compiler/index.ts";
import type { L4Listener } from "./compiler/l4.ts";
import { encodeFilterConfig } from "./config/encode.ts";
import type { FilterConfig } from "./config/model.ts";
import { collectPolicies, type RoutePolicy } from "./config/policies.ts";
import { emptyRoutingDiagnostic } from "./compiler/empty.ts";
import { loadResources, type LoadInput } from "./resources/load.ts";
import type { Diagnostic, Resource } from "./resources/types.ts";
import { sortDiagnostics, validateResources } from "./validation/index.ts";

export interface GatewayTarget {
  /** Gateway workload labels. */
  selector: Record<string, string>;
  /** Gateway workload namespace. */
  gatewayNamespace: string;
}

export const DEFAULT_TARGET: GatewayTarget = { selector: { istio: "ingressgateway" }, gatewayNamespace: "istio-system" };

export interface PipelineOptions {
  /** Namespace of documents that set none (`-n`); default "default". */
  defaultNamespace?: string;
  /**
   * What a configuration that routes no host at all is: "error" for `gatewasm compile` (such a
   * filter would answer 404 for every host of the gateway) unless `--allow-empty`; "warning"
   * (the default) for simulate and library use.
   */
  emptyRouting?: "error" | "warning";
}

export interface CompiledGateway {
  config: FilterConfig;
  /** Servers Envoy serves without the filter (TLS passthrough, TCP), for simulate. */
  l4?: L4Listener[];
  /** Per cluster, the DestinationRule policy Envoy's cluster applies (simulate notes). */
  clusterNotes?: Record<string, string[]>;
  bytes: Uint8Array;
  policies: RoutePolicy[];
}

export interface PipelineResult {
  diagnostics: Diagnostic[];
  /** Absent when any error was found: nothing may be written then. */
  compiled?: CompiledGateway;
  resources: Resource[];
}

export function compileResources(resources: Resource[], loadDiagnostics: Diagnostic[], target: GatewayTarget, options: PipelineOptions = {}): PipelineResult {
  const diagnostics = [...loadDiagnostics, ...validateResources(resources)];
  if (diagnostics.some((d) => d.severity === "error")) return { diagnostics: sortDiagnostics(diagnostics), resources };
  const { config, diagnostics: translation, l4, clusterNotes } = compileGateway(resources, target);
  diagnostics.push(...translation);
  const empty = emptyRoutingDiagnostic(config, resources, target, options.emptyRouting ?? "warning");
  if (empty) diagnostics.push(empty);
  if (diagnostics.some((d) => d.severity === "error")) return { diagnostics: sortDiagnostics(diagnostics), resources };
  let bytes: Uint8Array;
  try {
    bytes = encodeFilterConfig(config);
  } catch (error) {
    diagnostics.push({ severity: "error", location: null, kind: "", namespace: "", name: "", field: "", message: `cannot encode the filter configuration: ${(error as Error).message}` });
    return { diagnostics: sortDiagnostics(diagnostics), resources };
  }
  return { diagnostics: sortDiagnostics(diagnostics), compiled: { config, bytes, policies: collectPolicies(config).list, l4, clusterNotes }, resources };
}

export function compileInputs(inputs: LoadInput[], target: GatewayTarget = DEFAULT_TARGET, options: PipelineOptions = {}): PipelineResult {
  const { resources, diagnostics } = loadResources(inputs, { defaultNamespace: options.defaultNamespace });
  return compileResources(resources, diagnostics, target, options);
}
