// Subset failover is opt-in per VirtualService, with an annotation Istio ignores (docs/design.md,
// "Subset failover"): `gatewasm.io/subset-failover: "true"` on the VirtualService makes each of
// its weighted routes give a destination's weight to the others while that destination's cluster
// has no un-ejected endpoint. Any other value is a warning and leaves it off.
import type { Resource } from "../resources/types.ts";
import { type DiagnosticSink, isRecord } from "./common.ts";

export const SUBSET_FAILOVER_ANNOTATION = "gatewasm.io/subset-failover";

function annotation(res: Resource): unknown {
  const annotations = isRecord(res.metadata.annotations) ? res.metadata.annotations : {};
  return annotations[SUBSET_FAILOVER_ANNOTATION];
}

/** The annotation says "true" (Kubernetes annotation values are strings). */
export function subsetFailoverEnabled(res: Resource): boolean {
  return annotation(res) === "true";
}

/** A value other than "true"/"false" is reported once per VirtualService. */
export function checkSubsetFailoverAnnotation(res: Resource, sink: DiagnosticSink): void {
  const v = annotation(res);
  if (v === undefined || v === "true" || v === "false") return;
  sink.report(
    { res, path: ["metadata", "annotations", SUBSET_FAILOVER_ANNOTATION] },
    `annotation ${SUBSET_FAILOVER_ANNOTATION} must be "true" or "false", got ${JSON.stringify(v)}: subset failover stays off`,
    "warning",
  );
}
