// Which documents the compiler keeps, which it ignores with a warning, which it skips silently
// and which are errors. One table, so that the CLI's behaviour on mixed manifests is predictable.

/** The Istio kinds gatewasm compiles. */
export const ISTIO_KINDS = ["Gateway", "VirtualService", "DestinationRule", "ServiceEntry"] as const;
export type IstioKind = (typeof ISTIO_KINDS)[number];

export const ISTIO_NETWORKING_GROUP = "networking.istio.io";

/** Versions served by the CRDs (crd-all.gen.yaml: v1 storage, v1beta1 and v1alpha3 served). */
export const ISTIO_SERVED_VERSIONS = ["v1", "v1beta1", "v1alpha3"] as const;

/** Other kinds of networking.istio.io (crd-all.gen.yaml): accepted by a cluster, not by us. */
const OTHER_NETWORKING_KINDS = new Set(["EnvoyFilter", "Sidecar", "WorkloadGroup", "ProxyConfig"]);

/**
 * Kinds read only for the endpoints of a cluster (host/compiler/endpoints.ts: outlier
 * detection's endpoint count): Kubernetes Endpoints, EndpointSlice and Pod (a subset's labels),
 * Istio WorkloadEntry. Not validated; never an error.
 */
export type EndpointKind = "Endpoints" | "EndpointSlice" | "Pod" | "WorkloadEntry";

/** Core (`apiVersion: v1`) kinds; anything else under `v1` is a typo. */
const CORE_V1_KINDS = new Set([
  "Binding", "ComponentStatus", "ConfigMap", "Endpoints", "Event", "LimitRange", "Namespace", "Node",
  "PersistentVolume", "PersistentVolumeClaim", "Pod", "PodTemplate", "ReplicationController",
  "ResourceQuota", "Secret", "Service", "ServiceAccount", "List",
]);

export type Classification =
  | { action: "keep"; kind: IstioKind | "Service" | EndpointKind }
  | { action: "list" }
  | { action: "ignore"; message: string }
  | { action: "skip" }
  | { action: "error"; code: string; message: string };

// Kubernetes API version syntax: `v1`, `group/v1`, `group/v1beta2`; kinds are CamelCase.
const API_VERSION = /^(?:[a-z0-9]([-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?v[1-9][0-9]*(?:(?:alpha|beta)[1-9][0-9]*)?$/;
const KIND = /^[A-Z][A-Za-z0-9]*$/;

export function classifyDocument(apiVersion: string, kind: string): Classification {
  const slash = apiVersion.lastIndexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  if (kind === "List" && (apiVersion === "v1" || group === "")) return { action: "list" };
  if (group === ISTIO_NETWORKING_GROUP) {
    if ((ISTIO_KINDS as readonly string[]).includes(kind)) {
      if ((ISTIO_SERVED_VERSIONS as readonly string[]).includes(version)) return { action: "keep", kind: kind as IstioKind };
      return {
        action: "error",
        code: "unknown-version",
        message: `apiVersion ${apiVersion} is not served for ${kind} (served: ${ISTIO_SERVED_VERSIONS.map((v) => `${ISTIO_NETWORKING_GROUP}/${v}`).join(", ")})`,
      };
    }
    if (kind === "WorkloadEntry" && (ISTIO_SERVED_VERSIONS as readonly string[]).includes(version)) return { action: "keep", kind };
    if (OTHER_NETWORKING_KINDS.has(kind)) {
      return { action: "ignore", message: `${kind} is ignored: gatewasm compiles only ${ISTIO_KINDS.join(", ")}` };
    }
    return { action: "error", code: "unknown-kind", message: `unknown kind ${kind} in ${apiVersion}` };
  }
  if (group.endsWith(".istio.io")) {
    return { action: "ignore", message: `${kind} (${apiVersion}) is ignored: gatewasm compiles only ${ISTIO_KINDS.join(", ")} of ${ISTIO_NETWORKING_GROUP}` };
  }
  if (group === "gateway.networking.k8s.io") {
    return { action: "ignore", message: `${kind} (${apiVersion}) is ignored: the Kubernetes Gateway API is not supported, use Istio's Gateway and VirtualService` };
  }
  if (apiVersion === "v1") {
    if (kind === "Service") return { action: "keep", kind: "Service" };
    if (kind === "Endpoints" || kind === "Pod") return { action: "keep", kind };
    if (CORE_V1_KINDS.has(kind)) return { action: "skip" };
    return { action: "error", code: "unknown-kind", message: `unknown kind ${kind} in apiVersion v1` };
  }
  if (apiVersion === "discovery.k8s.io/v1" && kind === "EndpointSlice") return { action: "keep", kind };
  if (API_VERSION.test(apiVersion) && KIND.test(kind)) return { action: "skip" };
  return { action: "error", code: "unknown-kind", message: `unknown kind ${kind} (apiVersion ${apiVersion})` };
}
