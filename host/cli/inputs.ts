// Options shared by the commands: inputs (-f), the gateway workload, diagnostics output.
import { formatDiagnostic, type Diagnostic } from "../resources/types.ts";
import type { LoadInput } from "../resources/load.ts";
import { DEFAULT_TARGET, type GatewayTarget, type PipelineOptions } from "../pipeline.ts";
import { parseSelector, type Io } from "./main.ts";

export function inputsFrom(files: string[] | undefined, io: Io): LoadInput[] {
  if (!files || files.length === 0) throw new Error("at least one -f PATH is required");
  return files.map((f) => (f === "-" ? { name: "<stdin>", text: io.stdin() } : { path: f }));
}

export function targetFrom(values: { selector?: string; "gateway-namespace"?: string }): GatewayTarget {
  return {
    selector: values.selector !== undefined ? parseSelector(values.selector) : DEFAULT_TARGET.selector,
    gatewayNamespace: values["gateway-namespace"] ?? DEFAULT_TARGET.gatewayNamespace,
  };
}

/** Prints every diagnostic (errors and warnings) to stderr; returns whether any is an error. */
export function reportDiagnostics(diagnostics: Diagnostic[], io: Io): boolean {
  for (const d of diagnostics) io.stderr(`${formatDiagnostic(d)}\n`);
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  if (errors > 0) io.stderr(`gatewasm: ${errors} error${errors === 1 ? "" : "s"}; nothing was written\n`);
  return errors > 0;
}

/** `-n/--namespace`: the namespace of documents that set none, as `kubectl apply -n`. */
export function pipelineOptionsFrom(values: { namespace?: string }, emptyRouting: "error" | "warning"): PipelineOptions {
  if (values.namespace !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(values.namespace)) {
    throw new Error(`-n/--namespace: ${JSON.stringify(values.namespace)} is not a namespace name (a DNS-1123 label)`);
  }
  return { defaultNamespace: values.namespace, emptyRouting };
}
