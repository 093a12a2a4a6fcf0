// The message types `gatewasm analyze` reports. IST codes, names, levels and templates are
// Istio's (istio/istio pkg/config/analysis/msg/messages.yaml, release-1.31 as pinned in
// conformance/istio/go.mod); GWA codes are gatewasm's own, for what only the gateway's
// translation shows (no Istio analyzer reports it).
//
// IST0104 (GatewayPortNotOnWorkload) is retired in messages.yaml ("# IST0104 RETIRED"); the
// gateway-port finding is IST0162 GatewayPortNotDefinedOnService.

export type Level = "Error" | "Warning" | "Info";

/** Severity order, worst first: diag.Level's IsWorseThanOrEqualTo (pkg/config/analysis/diag/level.go). */
export const LEVELS: readonly Level[] = ["Error", "Warning", "Info"];

export function isWorseThanOrEqual(a: Level, b: Level): boolean {
  return LEVELS.indexOf(a) <= LEVELS.indexOf(b);
}

/** Argument kinds of messages.yaml, which decide how a Go verb prints them. */
type Arg = "string" | "int" | "[]string" | "[]int";

export interface MessageType {
  code: string;
  name: string;
  level: Level;
  /** A Go format string (`%s`, `%q`, `%v`, `%d`). */
  template: string;
  args: Arg[];
}

function type(code: string, name: string, level: Level, template: string, ...args: Arg[]): MessageType {
  return { code, name, level, template, args };
}

export const MESSAGES = {
  ReferencedResourceNotFound: type("IST0101", "ReferencedResourceNotFound", "Error", "Referenced %s not found: %q", "string", "string"),
  SchemaValidationError: type("IST0106", "SchemaValidationError", "Error", "Schema validation error: %v", "string"),
  ConflictingMeshGatewayVirtualServiceHosts: type("IST0109", "ConflictingMeshGatewayVirtualServiceHosts", "Error",
    "The VirtualServices %s associated with mesh gateway define the same host %s which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.",
    "string", "string"),
  VirtualServiceDestinationPortSelectorRequired: type("IST0112", "VirtualServiceDestinationPortSelectorRequired", "Error",
    "This VirtualService routes to a service %q that exposes multiple ports %v. Specifying a port in the destination is required to disambiguate.",
    "string", "[]int"),
  NoServerCertificateVerificationDestinationLevel: type("IST0128", "NoServerCertificateVerificationDestinationLevel", "Warning",
    "DestinationRule %s in namespace %s has TLS mode set to %s but no caCertificates are set to validate server identity for host: %s",
    "string", "string", "string", "string"),
  NoServerCertificateVerificationPortLevel: type("IST0129", "NoServerCertificateVerificationPortLevel", "Warning",
    "DestinationRule %s in namespace %s has TLS mode set to %s but no caCertificates are set to validate server identity for host: %s at port %s",
    "string", "string", "string", "string", "string"),
  VirtualServiceUnreachableRule: type("IST0130", "VirtualServiceUnreachableRule", "Warning", "VirtualService rule %v not used (%s).", "string", "string"),
  VirtualServiceIneffectiveMatch: type("IST0131", "VirtualServiceIneffectiveMatch", "Info",
    "VirtualService rule %v match %v is not used (duplicate/overlapping match in rule %v).", "string", "string", "string"),
  VirtualServiceHostNotFoundInGateway: type("IST0132", "VirtualServiceHostNotFoundInGateway", "Warning",
    "one or more host %v defined in VirtualService %s not found in Gateway %s.", "[]string", "string", "string"),
  SchemaWarning: type("IST0133", "SchemaWarning", "Warning", "Schema validation warning: %v", "string"),
  IngressRouteRulesNotAffected: type("IST0140", "IngressRouteRulesNotAffected", "Warning",
    "Subset in virtual service %s has no effect on ingress gateway %s requests", "string", "string"),
  ConflictingGateways: type("IST0145", "ConflictingGateways", "Error",
    "Conflict with gateways %s (workload selector %s, port %s, hosts %v).", "string", "string", "string", "string"),
  GatewayPortNotDefinedOnService: type("IST0162", "GatewayPortNotDefinedOnService", "Warning",
    "The gateway is listening on a target port (port %d) that is not defined in the Service associated with its workload instances (Pod selector %s). If you need to access the gateway port through the gateway Service, it will not be available.",
    "int", "string"),
  ReferencedInternalGateway: type("IST0165", "ReferencedInternalGateway", "Warning",
    "Gateway reference in VirtualService %s is to an implementation-generated internal Gateway: %s.", "string", "string"),

  // gatewasm's own.
  GatewayTranslation: type("GWA0001", "GatewayTranslation", "Warning", "%s", "string"),
  GatewayTranslationError: type("GWA0002", "GatewayTranslationError", "Error", "%s", "string"),
  VirtualServicesShareGatewayHost: type("GWA0003", "VirtualServicesShareGatewayHost", "Info",
    "The VirtualServices %s bound to Gateway %s define the same host %s: Istio merges their routes in creation order (%s first), and a catch-all of an earlier one hides the later ones.",
    "string", "string", "string", "string"),
  GatewayServiceNotGiven: type("GWA0004", "GatewayServiceNotGiven", "Info",
    "No Service of the gateway workload (selector %s) in namespace %s is among the inputs: the gateway ports are not checked against it (IST0162). Pass the gateway's Service with -f.",
    "string", "string"),
} as const satisfies Record<string, MessageType>;

export type MessageName = keyof typeof MESSAGES;

/** Go's `%q` for a string (strconv.Quote; exact for printable text). */
function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** Go's `%v` of a value of the given kind: slices print as `[a b]`. */
function goValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goValue).join(" ")}]`;
  return String(v);
}

/** fmt.Sprintf of a messages.yaml template. */
export function formatTemplate(template: string, params: unknown[]): string {
  let i = 0;
  return template.replace(/%([sqvd%])/g, (_m, verb: string) => {
    if (verb === "%") return "%";
    const p = params[i++];
    if (verb === "q") return typeof p === "string" ? goQuote(p) : goValue(p);
    return goValue(p);
  });
}
