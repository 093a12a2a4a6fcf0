// The gateway workload's labels, as far as the inputs tell them.
//
// Istio decides which Services front a pod by label selection: a Service selects the pod when its
// selector is a non-empty subset of the pod's labels (istio/istio
// pilot/pkg/serviceregistry/kube/controller/util.go getPodServices:
// `labels.Instance(service.Spec.Selector).Match(pod.Labels)`, and pkg/config/labels/instance.go
// Match/SubsetOf). gatewasm never sees the pod: it knows the `--selector` labels, which the pod
// carries. The gateway's own Service as `kubectl get svc -n istio-system istio-ingressgateway`
// prints it selects `app: istio-ingressgateway, istio: ingressgateway`, a superset of the default
// `istio=ingressgateway`: that Service can only reach the gateway pods if they carry every label of
// its selector, so it is taken as the gateway's Service and its selector labels as labels the pod
// carries (which then also decide Gateway selection and `sourceLabels` matches, as on the pod).
import type { Resource } from "../resources/types.ts";
import { isRecord } from "./common.ts";

function stringLabels(selector: unknown): Record<string, string> | null {
  if (!isRecord(selector)) return null;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(selector)) {
    if (typeof v !== "string") return null;
    out[k] = v;
  }
  return Object.keys(out).length === 0 ? null : out;
}

/**
 * Does a Service with `selector` front the gateway workload known by `labels`? Certainly when the
 * selector is a subset of the labels (getPodServices' rule); and when it is a superset that agrees
 * on every known label, because the operator passed the Service of pods the selector picks.
 */
export function serviceSelectsWorkload(selector: unknown, labels: Record<string, string>): boolean {
  const sel = stringLabels(selector);
  if (sel === null) return false; // an empty selector selects no pod (labels.Instance.Match)
  const agrees = Object.entries(sel).every(([k, v]) => !(k in labels) || labels[k] === v);
  if (!agrees) return false;
  const subset = Object.keys(sel).every((k) => k in labels);
  const superset = Object.keys(labels).every((k) => k in sel);
  return subset || superset;
}

/** The gateway's Services among the inputs: in the workload's namespace, selecting it. */
export function gatewayServices(resources: Resource[], labels: Record<string, string>, namespace: string): Resource[] {
  return resources.filter((r) => r.kind === "Service" && r.metadata.namespace === namespace
    && isRecord(r.spec) && serviceSelectsWorkload(r.spec.selector, labels));
}

/** The labels the gateway pod is known to carry: the selector's, plus its Services' selectors. */
export function workloadLabels(resources: Resource[], selector: Record<string, string>, namespace: string): Record<string, string> {
  const labels = { ...selector };
  for (const svc of gatewayServices(resources, selector, namespace)) Object.assign(labels, stringLabels(svc.spec.selector));
  return labels;
}
