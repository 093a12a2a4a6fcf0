// exportTo rules shared by VirtualService, DestinationRule and ServiceEntry: istio/istio
// @86c9f01f pkg/config/validation/validation.go validateExportTo, pkg/config/visibility.

import { isDNS1123Label } from "./names.ts";
import { arr, str, type Report } from "./report.ts";

export function validateExportTo(
  report: Report,
  raw: unknown,
  opts: { isServiceEntry: boolean; isDestinationRuleWithSelector: boolean },
): void {
  const exportTo = arr(raw).map(str);
  if (exportTo.length === 0) return;
  const namespace = report.resource.metadata.namespace;
  const at = (i: number) => ["spec", "exportTo", i];
  const set = new Set<string>();
  exportTo.forEach((e, i) => {
    const key = e === "." ? namespace : e;
    if (set.has(key)) {
      report.error(at(i), "export-to", key !== e ? `duplicate entries in exportTo: . and current namespace ${namespace}` : `duplicate entries in exportTo for entry ${e}`);
      return;
    }
    if (opts.isServiceEntry && e === "~") {
      set.add(key);
      return;
    }
    if (key === "~") report.error(at(i), "export-to", "exportTo ~ (none) is not allowed for Istio configuration objects");
    else if (key !== "*" && key !== "." && !isDNS1123Label(key)) report.error(at(i), "export-to", "only .,*, or a valid DNS 1123 label is allowed as exportTo entry");
    else set.add(key);
  });
  if (opts.isDestinationRuleWithSelector && set.size > 0) {
    if (set.has(namespace)) {
      if (set.size > 1) report.error(["spec", "exportTo"], "export-to", "destination rule with workload selector cannot have multiple entries in exportTo");
    } else {
      report.error(["spec", "exportTo"], "export-to", "destination rule with workload selector cannot have exportTo beyond current namespace");
    }
  }
  if (set.has("*") && exportTo.length > 1) report.error(["spec", "exportTo"], "export-to", "cannot have both public (*) and non-public exportTo values for a resource");
  if (set.has("~") && exportTo.length > 1) report.error(["spec", "exportTo"], "export-to", "cannot export service entry to no one (~) and someone");
}
