// Kubernetes size limits a rollout object meets, and which delivery fits them.
//
// - 256 KiB: all annotations of an object together (k8s.io/apimachinery
//   pkg/api/validation/objectmeta.go TotalAnnotationSizeLimitB = 256 * (1 << 10)). Client-side
//   `kubectl apply` stores the whole object as JSON in the
//   `kubectl.kubernetes.io/last-applied-configuration` annotation, so an object whose JSON is
//   over 256 KiB cannot be client-side applied ("metadata.annotations: Too long").
// - 1.5 MiB: etcd's default request size limit (etcd server/embed/config.go
//   DefaultMaxRequestBytes = 1.5 * 1024 * 1024; Kubernetes docs "Operating etcd clusters":
//   objects are limited to 1.5 MiB); a custom resource is stored as JSON.
// - 1 MiB: a ConfigMap's data (kubernetes pkg/apis/core/validation ValidateConfigMap, the
//   MaxSecretSize = 1 MiB bound), for a module mounted from a ConfigMap for file://.
export const KiB = 1024;
export const LAST_APPLIED_LIMIT = 256 * KiB;
export const ETCD_OBJECT_LIMIT = 1.5 * 1024 * KiB;
export const CONFIGMAP_LIMIT = 1024 * KiB;

/** Bytes an object takes as the JSON the API server stores (and kubectl annotates). */
export function objectBytes(object: unknown): number {
  return Buffer.byteLength(JSON.stringify(object));
}

export const kib = (n: number): string => `${(n / KiB).toFixed(n < 10 * KiB ? 1 : 0)} KiB`;

export interface SizeFinding {
  /** "error": the API server cannot store the object; "warning": a common way to apply it fails. */
  severity: "error" | "warning";
  message: string;
}

/** What the limits say about one object of `bytes` named `what`. */
export function objectLimits(what: string, bytes: number): SizeFinding[] {
  const out: SizeFinding[] = [];
  if (bytes > ETCD_OBJECT_LIMIT) {
    out.push({ severity: "error", message: `${what} is ${kib(bytes)}: over etcd's ${kib(ETCD_OBJECT_LIMIT)} object limit, the API server cannot store it` });
  } else if (bytes > LAST_APPLIED_LIMIT) {
    out.push({ severity: "warning", message: `${what} is ${kib(bytes)}: over the ${kib(LAST_APPLIED_LIMIT)} kubectl.kubernetes.io/last-applied-configuration annotation limit, so client-side \`kubectl apply\` fails; use \`kubectl apply --server-side\` or \`kubectl create\`` });
  } else if (bytes > 0.75 * LAST_APPLIED_LIMIT) {
    out.push({ severity: "warning", message: `${what} is ${kib(bytes)}: close to the ${kib(LAST_APPLIED_LIMIT)} last-applied-configuration limit of client-side \`kubectl apply\`` });
  }
  return out;
}
