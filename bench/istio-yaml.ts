// Synthetic Istio inputs for the real-Envoy benchmark (bench/envoy.ts): one Gateway on port 80,
// the ingress gateway's Service (80 → 8080), backend Services with v1/v2 subsets, and one
// VirtualService per host whose `http` routes mix exact paths, prefixes and header matches —
// the shape of bench/synthetic.ts (which builds the filter's own configuration), as YAML Istio
// translates. Seeded: the same arguments give the same text.
import { stringify } from "yaml";
import { mulberry32 } from "../host/util/mulberry32.ts";

export interface IstioBenchShape {
  /** Routes in all (Envoy routes: one `http` entry with one match each). */
  routes: number;
  /** Hosts (one VirtualService each); the routes are spread evenly over them. */
  hosts: number;
  seed?: number;
}

export interface IstioBenchInputs {
  yaml: string;
  /** Kubernetes Services (each with subsets v1 and v2: three Istio clusters apiece). */
  services: number;
  /**
   * A request that only the last route of the last VirtualService matches (a header-matched
   * prefix route): the worst position for Envoy's linear route matching.
   */
  probe: { authority: string; path: string; headers: Array<[string, string]> };
  /** The cluster the probe must reach. */
  probeCluster: string;
}

const NAMESPACE = "bench";
const DOMAIN = "bench.example.com";
const SERVICE_PORT = 8080;

const doc = (o: object): string => stringify(o, { lineWidth: 0 });

export function istioBenchInputs(shape: IstioBenchShape): IstioBenchInputs {
  const random = mulberry32(shape.seed ?? 42);
  const hosts = Math.max(1, shape.hosts);
  const perHost = Math.ceil(shape.routes / hosts);
  const services = Math.min(100, hosts * 10, Math.max(1, Math.ceil(shape.routes / 10)));
  const docs: string[] = [];

  docs.push(doc({
    apiVersion: "v1", kind: "Service",
    metadata: { name: "istio-ingressgateway", namespace: "istio-system" },
    spec: { type: "LoadBalancer", selector: { istio: "ingressgateway" }, ports: [{ name: "http2", port: 80, targetPort: 8080 }] },
  }));
  docs.push(doc({
    apiVersion: "networking.istio.io/v1", kind: "Gateway",
    metadata: { name: "bench-gateway", namespace: NAMESPACE, creationTimestamp: "2026-01-01T00:00:00Z" },
    spec: { selector: { istio: "ingressgateway" }, servers: [{ port: { number: 80, name: "http", protocol: "HTTP" }, hosts: [`${NAMESPACE}/*.${DOMAIN}`] }] },
  }));
  for (let s = 0; s < services; s++) {
    docs.push(doc({
      apiVersion: "v1", kind: "Service",
      metadata: { name: `backend-${s}`, namespace: NAMESPACE },
      spec: { selector: { app: `backend-${s}` }, ports: [{ name: "http", port: SERVICE_PORT }] },
    }));
    docs.push(doc({
      apiVersion: "networking.istio.io/v1", kind: "DestinationRule",
      metadata: { name: `backend-${s}`, namespace: NAMESPACE },
      spec: { host: `backend-${s}`, subsets: [{ name: "v1", labels: { version: "v1" } }, { name: "v2", labels: { version: "v2" } }] },
    }));
  }

  let made = 0;
  let probe: IstioBenchInputs["probe"] | null = null;
  let probeCluster = "";
  for (let h = 0; h < hosts && made < shape.routes; h++) {
    const host = `svc-${h}.${DOMAIN}`;
    const http: object[] = [];
    const count = Math.min(perHost, shape.routes - made);
    for (let r = 0; r < count; r++, made++) {
      const last = made === shape.routes - 1;
      // The last route of all is the probe's: header-matched prefix, whatever its index.
      const kind = last ? 2 : r % 3;
      const path = `/api/v${r}/${Math.floor(random() * 1e6).toString(36)}`;
      const service = `backend-${(h * 7 + r) % services}`;
      const match: Record<string, unknown> = { uri: kind === 0 ? { exact: path } : { prefix: path } };
      if (kind === 2) match.headers = { "x-tenant": { exact: `t${r}` } };
      const split = r % 4 === 0;
      http.push({
        name: `r${r}`,
        match: [match],
        route: split
          ? [{ destination: { host: service, subset: "v1" }, weight: 90 }, { destination: { host: service, subset: "v2" }, weight: 10 }]
          : [{ destination: { host: service } }],
      });
      if (last) {
        probe = { authority: host, path: `${path}/item/42?q=1`, headers: [["x-tenant", `t${r}`]] };
        // A 90/10 split is not one cluster: the probe route never splits.
        if (split) http[http.length - 1] = { ...(http[http.length - 1] as object), route: [{ destination: { host: service } }] };
        probeCluster = `outbound|${SERVICE_PORT}||${service}.${NAMESPACE}.svc.cluster.local`;
      }
    }
    docs.push(doc({
      apiVersion: "networking.istio.io/v1", kind: "VirtualService",
      metadata: { name: `vs-${h}`, namespace: NAMESPACE, creationTimestamp: "2026-01-01T00:00:00Z" },
      spec: { hosts: [host], gateways: ["bench-gateway"], http },
    }));
  }
  return { yaml: docs.join("---\n"), services, probe: probe!, probeCluster };
}
