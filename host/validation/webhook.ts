// Istio's validating-webhook rules (istio/istio pkg/config/validation), one module per kind.
// Runs on the spec as written; every accessor tolerates wrong types (the schema reports those).

import type { Diagnostic, Resource } from "../resources/types.ts";
import { validateDestinationRule } from "./destinationrule.ts";
import { validateGateway } from "./gateway.ts";
import { Report } from "./report.ts";
import { validateServiceEntry } from "./serviceentry.ts";
import { validateVirtualService } from "./virtualservice.ts";

const BY_KIND: Record<string, (report: Report) => void> = {
  Gateway: validateGateway,
  VirtualService: validateVirtualService,
  DestinationRule: validateDestinationRule,
  ServiceEntry: validateServiceEntry,
};

// validateMetadata (validation.go): annotations that make the webhook reject any object.
// pkg/config/constants: AlwaysReject, InternalParentNamespace, InternalParentNames.
const REJECTING_ANNOTATIONS = ["internal.istio.io/webhook-always-reject", "internal.istio.io/parent-namespace", "internal.istio.io/parents"];

export function validateWebhook(resource: Resource): Diagnostic[] {
  const validate = BY_KIND[resource.kind];
  if (!validate) return [];
  const report = new Report(resource);
  const annotations = resource.metadata.annotations;
  if (annotations !== null && typeof annotations === "object") {
    for (const a of REJECTING_ANNOTATIONS) {
      if (a in annotations) report.error(["metadata", "annotations", a], "annotation-rejected", `"${a}" annotation found, rejecting`);
    }
  }
  validate(report);
  return report.diagnostics;
}
