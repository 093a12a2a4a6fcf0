// validateResources: every schema and webhook diagnostic of every resource, in one run,
// sorted by file, line and column. Warnings never fail a compile; errors do.

import type { Diagnostic, Resource } from "../resources/types.ts";
import { validateSchema } from "./schema.ts";
import { validateWebhook } from "./webhook.ts";

export { validateSchema } from "./schema.ts";
export { validateWebhook } from "./webhook.ts";

export function validateResources(resources: Resource[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const resource of resources) {
    const schema = validateSchema(resource);
    // The API server checks the schema before the validating webhook runs; we run both so one
    // run shows every problem, but a field the schema already rejected is not reported twice.
    const rejected = schema.filter((d) => d.severity === "error").map((d) => d.field);
    const webhook = validateWebhook(resource).filter((d) => !rejected.some((f) => isSameOrInside(d.field, f)));
    out.push(...schema, ...webhook);
  }
  return sortDiagnostics(out);
}

function isSameOrInside(field: string, parent: string): boolean {
  if (parent === "" || field === parent) return field === parent;
  return field.startsWith(parent) && (field[parent.length] === "." || field[parent.length] === "[");
}

/** Stable order: file, line, column; diagnostics without a location first. */
export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics
    .map((d, i) => ({ d, i }))
    .sort((a, b) => {
      const la = a.d.location;
      const lb = b.d.location;
      if (!la || !lb) return (la ? 1 : 0) - (lb ? 1 : 0) || a.i - b.i;
      if (la.file !== lb.file) return la.file < lb.file ? -1 : 1;
      return la.line - lb.line || la.col - lb.col || a.i - b.i;
    })
    .map(({ d }) => d);
}

/** True when any diagnostic is an error (warnings do not fail a compile). */
export function hasErrors(diagnostics: Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}
