// A configuration that routes no host at all. The filter runs on every HTTP listener of the
// gateway workload and, in the owner rollout, replaces Istio's virtual hosts: compiled from an
// empty or partial input (an empty file, a folder without YAML, the wrong --selector, a gateway
// with only TLS-passthrough servers) it would answer 404 for every host, including hosts that
// other teams' Gateways and VirtualServices serve. `gatewasm compile` refuses that unless
// `--allow-empty` says it is meant (docs/design.md "Empty and partial inputs").
import type { FilterConfig } from "../config/model.ts";
import type { Diagnostic, Resource } from "../resources/types.ts";
import { asArray, asString, isRecord } from "./common.ts";
import { selectGateways } from "./gateways.ts";
import { workloadLabels } from "./workload.ts";

function labelsText(labels: Record<string, string>): string {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(",") || "(none)";
}

/** Why nothing is routed, in the operator's terms. */
function reason(resources: Resource[], selector: Record<string, string>, namespace: string): string {
  const usable = resources.filter((r) => r && isRecord(r.metadata) && typeof r.kind === "string");
  if (usable.length === 0) return "the inputs hold no Kubernetes object (an empty file, or a folder without YAML or JSON)";
  const gateways = usable.filter((r) => r.kind === "Gateway");
  if (gateways.length === 0) return "the inputs hold no Gateway";
  const selected = selectGateways(usable, workloadLabels(usable, selector, namespace));
  if (selected.length === 0) {
    const selectors = [...new Set(gateways.map((g) => labelsText(isRecord(g.spec.selector) ? g.spec.selector : {})))];
    return `no Gateway selects the workload --selector ${labelsText(selector)} (the Gateways given select ${selectors.join("; ")})`;
  }
  const servers = selected.flatMap((g) => asArray(g.spec.servers).filter(isRecord));
  const l4 = servers.filter((s) => {
    const protocol = asString(isRecord(s.port) ? s.port.protocol : "").toUpperCase();
    const mode = isRecord(s.tls) ? asString(s.tls.mode).toUpperCase() || "PASSTHROUGH" : "";
    return ["TCP", "TLS", "MONGO", "REDIS", "MYSQL", "UDP"].includes(protocol) || (protocol === "HTTPS" && (mode === "PASSTHROUGH" || mode === "AUTO_PASSTHROUGH"));
  });
  if (l4.length === servers.length) {
    return "the selected Gateways have only TLS passthrough or TCP servers, which Envoy serves without HTTP routing (see the warnings about them)";
  }
  return "no VirtualService binds a host of the selected Gateways' HTTP servers";
}

export function emptyRoutingDiagnostic(
  config: FilterConfig,
  resources: Resource[],
  target: { selector: Record<string, string>; gatewayNamespace: string },
  severity: "error" | "warning",
): Diagnostic | null {
  const hosts = config.routeTables.reduce((n, t) => n + t.virtualHosts.length, 0);
  if (hosts > 0) return null;
  const why = reason(resources, target.selector, target.gatewayNamespace);
  const consequence = "a filter compiled from it would answer 404 for every host on the gateway, including hosts served by Gateways and VirtualServices not given here";
  const advice = severity === "error" ? "; pass --allow-empty if that is intended" : "";
  return {
    severity,
    location: null,
    kind: "",
    namespace: "",
    name: "",
    field: "",
    message: `nothing to route: ${why}; compiled to ${config.routeTables.length} route table${config.routeTables.length === 1 ? "" : "s"} with no virtual host: ${consequence}${advice}`,
    code: "empty-routing",
  };
}
