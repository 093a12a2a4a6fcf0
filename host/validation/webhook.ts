// Istio's validating-webhook rules (istio/istio pkg/config/validation). Filled in per kind below.
import type { Diagnostic, Resource } from "../resources/types.ts";

export function validateWebhook(_resource: Resource): Diagnostic[] {
  return [];
}
