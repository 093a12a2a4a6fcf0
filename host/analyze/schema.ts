// Schema and webhook validation as findings, like Istio's schema analyzer
// (istio/istio pkg/config/analysis/analyzers/schema/validation.go): an error is IST0106
// SchemaValidationError, a warning IST0133 SchemaWarning. The validator's reduced copies of
// IST0130/IST0131 are left out: unreachable-rules.ts reports those as Istio does.
import { validateResources } from "../validation/index.ts";
import type { Diagnostic, Resource } from "../resources/types.ts";
import type { Finding } from "./finding.ts";
import { MESSAGES } from "./messages.ts";
import type { AnalyzeContext } from "./context.ts";

const REPORTED_ELSEWHERE = new Set(["vs-unreachable-rule", "vs-ineffective-match"]);

/** A validation or translation diagnostic as a finding of the given message type (whose template is one `%v`/`%s`). */
export function diagnosticFinding(d: Diagnostic, type: (typeof MESSAGES)[keyof typeof MESSAGES]): Finding {
  return {
    code: type.code,
    type: type.name,
    level: type.level,
    kind: d.kind,
    namespace: d.namespace,
    name: d.name,
    field: d.field,
    location: d.location,
    message: type.template.replace(/%[vs]/, () => d.message),
  };
}

export function analyzeSchema(ctx: AnalyzeContext): Diagnostic[] {
  const diagnostics = validateResources(ctx.resources as Resource[]);
  for (const d of diagnostics) {
    if (d.code !== undefined && REPORTED_ELSEWHERE.has(d.code)) continue;
    ctx.findings.push(diagnosticFinding(d, d.severity === "error" ? MESSAGES.SchemaValidationError : MESSAGES.SchemaWarning));
  }
  return diagnostics;
}
