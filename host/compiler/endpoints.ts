// The endpoint set of a cluster, when the inputs say what it is: Envoy's max_ejection_percent
// check divides by the number of hosts in the cluster, so the filter's tracker needs it
// (docs/design.md, "Outlier detection: endpoint sets"). An empty list means "not known from
// the inputs": the filter then counts the endpoints it sees answering.
//
// Sources, for what Istio puts in a cluster: Kubernetes Services — the Endpoints / EndpointSlice
// addresses that are ready (all of them with publishNotReadyAddresses), at the endpoint port named
// like the Service port (istio/istio pilot/pkg/serviceregistry/kube/controller/endpointslice.go);
// ServiceEntry — `spec.endpoints`, or the WorkloadEntries and Pods its `workloadSelector`
// selects in its namespace, at `ports[<port name>]`, else the port's `targetPort`, else its number
// (pilot/pkg/serviceregistry/serviceentry/conversion.go convertWorkloadEntryToServiceInstances);
// WorkloadEntries a Kubernetes Service's selector selects. A subset cluster keeps the endpoints
// whose labels include the subset's (a Kubernetes endpoint's labels are its Pod's).
import { rawObject } from "../resources/load.ts";
import type { Resource } from "../resources/types.ts";
import { asArray, asNumber, asString, isRecord } from "./common.ts";
import { labelsSubsetOf } from "./names.ts";
import type { Registry, RegistryService } from "./registry.ts";

type Labels = Record<string, string>;
/** One endpoint; labels null = unknown (its Pod is not among the inputs). */
interface Candidate { address: string; labels: Labels | null }

const SERVICE_NAME_LABEL = "kubernetes.io/service-name";

function labelsOf(v: unknown): Labels {
  return isRecord(v) ? (v as Labels) : {};
}

function isIP(address: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(address) || (address.includes(":") && /^[0-9a-fA-F:.]+$/.test(address));
}

/** Envoy's `upstream.address`: `ip:port`, IPv6 in brackets. */
export function endpointAddress(ip: string, port: number): string {
  return ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export class EndpointIndex {
  private readonly byKind = new Map<string, Resource[]>();
  private readonly podsByName = new Map<string, Resource>();
  private readonly podsByIp = new Map<string, Resource>();

  constructor(resources: Resource[], private readonly registry: Registry) {
    for (const r of resources) {
      const list = this.byKind.get(r.kind) ?? [];
      list.push(r);
      this.byKind.set(r.kind, list);
      if (r.kind === "Pod") {
        this.podsByName.set(`${r.metadata.namespace}/${r.metadata.name}`, r);
        const status = rawObject(r).status;
        if (isRecord(status) && typeof status.podIP === "string") this.podsByIp.set(status.podIP, r);
      }
    }
  }

  private of(kind: string): Resource[] {
    return this.byKind.get(kind) ?? [];
  }

  /** `ip:port` of every endpoint of the cluster for `port` and `subset` of `svc`, sorted; [] = unknown. */
  endpointsOf(svc: RegistryService, port: number, subset: string): string[] {
    const candidates = svc.res.kind === "ServiceEntry" ? this.serviceEntryEndpoints(svc, port) : this.kubernetesEndpoints(svc, port);
    const wanted = subset === "" ? {} : this.registry.destinationRule(svc).subsets.get(subset)?.labels ?? {};
    const out = new Set<string>();
    for (const c of candidates) {
      if (Object.keys(wanted).length === 0) out.add(c.address);
      // An endpoint whose labels are unknown makes the subset's set unknown: a wrong count would
      // change what the max-ejection check allows, so the filter learns it instead.
      else if (c.labels === null) return [];
      else if (labelsSubsetOf(wanted, c.labels)) out.add(c.address);
    }
    return [...out].sort();
  }

  private podLabels(namespace: string, targetRef: unknown, ip: string): Labels | null {
    if (isRecord(targetRef) && targetRef.kind === "Pod") {
      const pod = this.podsByName.get(`${asString(targetRef.namespace) || namespace}/${asString(targetRef.name)}`);
      if (pod) return labelsOf(pod.metadata.labels);
    }
    const pod = this.podsByIp.get(ip);
    return pod ? labelsOf(pod.metadata.labels) : null;
  }

  private kubernetesEndpoints(svc: RegistryService, port: number): Candidate[] {
    const res = svc.res;
    const spec = isRecord(res.spec) ? res.spec : {};
    const svcPort = asArray(spec.ports).find((p) => isRecord(p) && asNumber(p.port) === port);
    if (!isRecord(svcPort)) return [];
    const portName = asString(svcPort.name);
    const includeNotReady = spec.publishNotReadyAddresses === true;
    const ns = res.metadata.namespace;
    const out: Candidate[] = [];
    for (const ep of this.of("Endpoints")) {
      if (ep.metadata.namespace !== ns || ep.metadata.name !== res.metadata.name) continue;
      for (const s of asArray(rawObject(ep).subsets)) {
        if (!isRecord(s)) continue;
        const p = asArray(s.ports).find((x) => isRecord(x) && asString(x.name) === portName);
        if (!isRecord(p) || asNumber(p.port) <= 0) continue;
        const addresses = [...asArray(s.addresses), ...(includeNotReady ? asArray(s.notReadyAddresses) : [])];
        for (const a of addresses) {
          if (!isRecord(a) || !isIP(asString(a.ip))) continue;
          out.push({ address: endpointAddress(a.ip, asNumber(p.port)), labels: this.podLabels(ns, a.targetRef, a.ip) });
        }
      }
    }
    for (const slice of this.of("EndpointSlice")) {
      if (slice.metadata.namespace !== ns || labelsOf(slice.metadata.labels)[SERVICE_NAME_LABEL] !== res.metadata.name) continue;
      const raw = rawObject(slice);
      const p = asArray(raw.ports).find((x) => isRecord(x) && asString(x.name) === portName);
      if (!isRecord(p) || asNumber(p.port) <= 0) continue;
      for (const e of asArray(raw.endpoints)) {
        if (!isRecord(e)) continue;
        // conditions.ready unset means ready (discovery.k8s.io/v1 EndpointConditions).
        const ready = !isRecord(e.conditions) || e.conditions.ready !== false;
        if (!ready && !includeNotReady) continue;
        for (const ip of asArray(e.addresses)) {
          if (typeof ip !== "string" || !isIP(ip)) continue;
          out.push({ address: endpointAddress(ip, asNumber(p.port)), labels: this.podLabels(ns, e.targetRef, ip) });
        }
      }
    }
    // WorkloadEntries selected by the Service's selector join its endpoints.
    const selector = labelsOf(spec.selector);
    if (Object.keys(selector).length > 0) {
      const target = typeof svcPort.targetPort === "number" && svcPort.targetPort > 0 ? svcPort.targetPort : port;
      for (const we of this.of("WorkloadEntry")) {
        if (we.metadata.namespace !== ns || !labelsSubsetOf(selector, labelsOf(we.spec.labels))) continue;
        const c = this.workloadEntry(we, portName, target);
        if (c) out.push(c);
      }
    }
    return out;
  }

  private workloadEntry(we: Resource, portName: string, fallbackPort: number): Candidate | null {
    const address = asString(we.spec.address);
    if (!isIP(address)) return null;
    const mapped = asNumber(labelsOf(we.spec.ports)[portName]);
    return { address: endpointAddress(address, mapped > 0 ? mapped : fallbackPort), labels: labelsOf(we.spec.labels) };
  }

  private serviceEntryEndpoints(svc: RegistryService, port: number): Candidate[] {
    const spec = isRecord(svc.res.spec) ? svc.res.spec : {};
    // DNS: Envoy resolves the names, so the addresses it will report are not in the inputs;
    // NONE: no endpoints at all (the original destination is used).
    if ((asString(spec.resolution).toUpperCase() || "NONE") !== "STATIC") return [];
    const sePort = asArray(spec.ports).find((p) => isRecord(p) && asNumber(p.number) === port);
    if (!isRecord(sePort)) return [];
    const portName = asString(sePort.name);
    const fallback = asNumber(sePort.targetPort) > 0 ? asNumber(sePort.targetPort) : port;
    const out: Candidate[] = [];
    for (const e of asArray(spec.endpoints)) {
      if (!isRecord(e) || !isIP(asString(e.address))) continue;
      const mapped = asNumber(labelsOf(e.ports)[portName]);
      out.push({ address: endpointAddress(e.address, mapped > 0 ? mapped : fallback), labels: labelsOf(e.labels) });
    }
    const ws = isRecord(spec.workloadSelector) ? labelsOf(spec.workloadSelector.labels) : null;
    if (ws) {
      const ns = svc.res.metadata.namespace;
      for (const we of this.of("WorkloadEntry")) {
        if (we.metadata.namespace !== ns || !labelsSubsetOf(ws, labelsOf(we.spec.labels))) continue;
        const c = this.workloadEntry(we, portName, fallback);
        if (c) out.push(c);
      }
      for (const pod of this.of("Pod")) {
        if (pod.metadata.namespace !== ns || !labelsSubsetOf(ws, labelsOf(pod.metadata.labels))) continue;
        const status = rawObject(pod).status;
        const ip = isRecord(status) ? asString(status.podIP) : "";
        if (isIP(ip)) out.push({ address: endpointAddress(ip, fallback), labels: labelsOf(pod.metadata.labels) });
      }
    }
    return out;
  }
}
