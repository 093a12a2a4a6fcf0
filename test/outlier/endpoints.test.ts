// Endpoint sets per cluster (host/compiler/endpoints.ts): what the inputs say Envoy's cluster
// holds, for the max-ejection-percent check; empty = the filter learns them. Sources: Kubernetes
// Endpoints/EndpointSlice (ready addresses, the port named like the Service port; Istio
// pilot/pkg/serviceregistry/kube/controller/endpointslice.go), ServiceEntry endpoints and
// WorkloadEntries (pilot/pkg/serviceregistry/serviceentry/conversion.go: ports[name], else
// targetPort, else number), subset labels (§8.2; a Kubernetes endpoint's labels are its Pod's).
import { describe, expect, it } from "vitest";
import { compileInputs } from "../../host/pipeline.ts";
import { formatDiagnostic } from "../../host/resources/types.ts";

const BASE = `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: shop, namespace: default}
spec:
  host: shop
  trafficPolicy: {outlierDetection: {consecutive5xxErrors: 1}}
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
---
apiVersion: v1
kind: Service
metadata: {name: shop, namespace: default}
spec:
  selector: {app: shop}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: shop, namespace: istio-system}
spec:
  hosts: ["*"]
  gateways: [gw]
  http:
  - match: [{uri: {prefix: /all}}]
    route: [{destination: {host: shop.default.svc.cluster.local}}]
  - route:
    - {destination: {host: shop.default.svc.cluster.local, subset: v1}, weight: 90}
    - {destination: {host: shop.default.svc.cluster.local, subset: v2}, weight: 10}
    - {destination: {host: shop.default.svc.cluster.local}, weight: 0}
`;

function outliers(extra: string): Record<string, string[]> {
  const r = compileInputs([{ name: "case.yaml", text: BASE + extra }]);
  expect(r.diagnostics.filter((d) => d.severity === "error").map(formatDiagnostic)).toEqual([]);
  const out: Record<string, string[]> = {};
  for (const [cluster, o] of Object.entries(r.compiled!.config.outliers ?? {})) out[cluster.split("|").slice(0, 3).join("|")] = o.endpoints;
  return out;
}

const PODS = `
---
apiVersion: v1
kind: Pod
metadata: {name: shop-v1-a, namespace: default, labels: {app: shop, version: v1}}
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: shop-v1-b, namespace: default, labels: {app: shop, version: v1}}
status: {podIP: 10.0.0.2}
---
apiVersion: v1
kind: Pod
metadata: {name: shop-v2-a, namespace: default, labels: {app: shop, version: v2}}
status: {podIP: 10.0.0.3}
`;

describe("endpoint sets of the clusters the filter can choose", () => {
  it("no endpoint objects in the inputs: every set is empty (the filter learns from traffic)", () => {
    expect(outliers("")).toEqual({ "outbound|80|": [], "outbound|80|v1": [], "outbound|80|v2": [] });
  });

  it("Kubernetes Endpoints: ready addresses at the named port; subsets by their Pod's labels (targetRef)", () => {
    const endpoints = `
---
apiVersion: v1
kind: Endpoints
metadata: {name: shop, namespace: default}
subsets:
- addresses:
  - {ip: 10.0.0.1, targetRef: {kind: Pod, name: shop-v1-a}}
  - {ip: 10.0.0.2, targetRef: {kind: Pod, name: shop-v1-b}}
  - {ip: 10.0.0.3, targetRef: {kind: Pod, name: shop-v2-a}}
  notReadyAddresses:
  - {ip: 10.0.0.9}
  ports: [{name: http, port: 8080}, {name: metrics, port: 9090}]
`;
    expect(outliers(endpoints + PODS)).toEqual({
      "outbound|80|": ["10.0.0.1:8080", "10.0.0.2:8080", "10.0.0.3:8080"],
      "outbound|80|v1": ["10.0.0.1:8080", "10.0.0.2:8080"],
      "outbound|80|v2": ["10.0.0.3:8080"],
    });
    // Without the Pods the subsets' sets are unknown (a wrong count would change the max-ejection
    // check), the unsubsetted cluster's is not.
    expect(outliers(endpoints)).toEqual({ "outbound|80|": ["10.0.0.1:8080", "10.0.0.2:8080", "10.0.0.3:8080"], "outbound|80|v1": [], "outbound|80|v2": [] });
  });

  it("EndpointSlice: endpoints not ready (conditions.ready false) are left out; Pods matched by IP", () => {
    const slice = `
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: shop-abc, namespace: default, labels: {kubernetes.io/service-name: shop}}
addressType: IPv4
ports: [{name: http, port: 8080}]
endpoints:
- {addresses: [10.0.0.1]}
- {addresses: [10.0.0.3], conditions: {ready: true}}
- {addresses: [10.0.0.2], conditions: {ready: false}}
`;
    expect(outliers(slice + PODS)).toEqual({
      "outbound|80|": ["10.0.0.1:8080", "10.0.0.3:8080"],
      "outbound|80|v1": ["10.0.0.1:8080"],
      "outbound|80|v2": ["10.0.0.3:8080"],
    });
  });

  it("WorkloadEntries selected by the Service's selector join it, at ports[name], else the targetPort", () => {
    const wes = `
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm-1, namespace: default}
spec: {address: 192.168.1.5, labels: {app: shop, version: v2}, ports: {http: 18080}}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm-2, namespace: default}
spec: {address: 192.168.1.6, labels: {app: shop, version: v2}}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: other, namespace: default}
spec: {address: 192.168.1.7, labels: {app: other}}
`;
    expect(outliers(wes)).toEqual({
      "outbound|80|": ["192.168.1.5:18080", "192.168.1.6:8080"],
      "outbound|80|v1": [],
      "outbound|80|v2": ["192.168.1.5:18080", "192.168.1.6:8080"],
    });
  });

  it("STATIC ServiceEntry endpoints (ports[name] or the port number); DNS resolution stays empty", () => {
    const se = `
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: pay, namespace: default}
spec:
  hosts: [pay.example.com]
  resolution: STATIC
  ports: [{number: 443, name: http, protocol: HTTP}]
  endpoints:
  - {address: 10.9.0.1, labels: {track: stable}}
  - {address: 10.9.0.2, labels: {track: canary}, ports: {http: 8443}}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: dns, namespace: default}
spec:
  hosts: [dns.example.com]
  resolution: DNS
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints: [{address: a.example.com}, {address: b.example.com}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: pay, namespace: default}
spec:
  host: pay.example.com
  trafficPolicy: {outlierDetection: {}}
  subsets: [{name: canary, labels: {track: canary}}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: dns, namespace: default}
spec:
  host: dns.example.com
  trafficPolicy: {outlierDetection: {}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ext, namespace: istio-system}
spec:
  hosts: [ext.example.com]
  gateways: [gw]
  http:
  - match: [{uri: {prefix: /dns}}]
    route: [{destination: {host: dns.example.com}}]
  - route:
    - {destination: {host: pay.example.com}, weight: 50}
    - {destination: {host: pay.example.com, subset: canary}, weight: 50}
`;
    const got = outliers(se);
    expect(got["outbound|443|"]).toEqual(["10.9.0.1:443", "10.9.0.2:8443"]);
    expect(got["outbound|443|canary"]).toEqual(["10.9.0.2:8443"]);
    expect(got["outbound|80|"]).toEqual([]);
  });
});

describe("subset failover annotation gatewasm.io/subset-failover", () => {
  const annotate = (value: string) => BASE.replace("metadata: {name: shop, namespace: istio-system}", `metadata: {name: shop, namespace: istio-system, annotations: {gatewasm.io/subset-failover: "${value}"}}`);

  it('"true" marks the weighted routes (only those left with more than one destination)', () => {
    const r = compileInputs([{ name: "case.yaml", text: annotate("true") }]);
    const routes = r.compiled!.config.routeTables[0]!.virtualHosts[0]!.routes;
    expect(routes.map((x) => x.action.kind === "route" && x.action.failover === true)).toEqual([false, true]);
  });

  it("failover where no destination has a detector: a warning at the annotation (it would never trigger)", () => {
    const text = annotate("true").replace("  trafficPolicy: {outlierDetection: {consecutive5xxErrors: 1}}\n", "");
    const r = compileInputs([{ name: "case.yaml", text }]);
    const w = r.diagnostics.filter((d) => d.message.includes("subset failover never triggers"));
    expect(w.map((d) => [d.severity, d.kind, d.field])).toEqual([["warning", "VirtualService", "metadata.annotations.gatewasm.io/subset-failover"]]);
    expect(compileInputs([{ name: "case.yaml", text: annotate("true") }]).diagnostics.filter((d) => d.message.includes("never triggers"))).toEqual([]);
  });

  it("outlierDetectionHttpErrorCodes: a warning that it changes nothing (Istio writes no error matcher; test/outlier/policy-istio.test.ts)", () => {
    const text = BASE.replace("trafficPolicy: {outlierDetection: {consecutive5xxErrors: 1}}", "trafficPolicy: {outlierDetection: {consecutive5xxErrors: 1, outlierDetectionHttpErrorCodes: [503]}}");
    const r = compileInputs([{ name: "case.yaml", text }]);
    const w = r.diagnostics.filter((d) => d.message.startsWith("outlierDetectionHttpErrorCodes has no effect"));
    expect(w.map((d) => [d.severity, d.field])).toEqual([["warning", "spec.trafficPolicy.outlierDetection.outlierDetectionHttpErrorCodes"]]);
  });

  it("absent or \"false\": off; another value is a warning at the annotation and leaves it off", () => {
    for (const text of [BASE, annotate("false")]) {
      const r = compileInputs([{ name: "case.yaml", text }]);
      expect(r.compiled!.config.routeTables[0]!.virtualHosts[0]!.routes.some((x) => x.action.kind === "route" && x.action.failover)).toBe(false);
      expect(r.diagnostics.filter((d) => d.message.includes("subset-failover"))).toEqual([]);
    }
    const r = compileInputs([{ name: "case.yaml", text: annotate("yes") }]);
    expect(r.compiled!.config.routeTables[0]!.virtualHosts[0]!.routes.some((x) => x.action.kind === "route" && x.action.failover)).toBe(false);
    const w = r.diagnostics.filter((d) => d.message.includes("subset-failover"));
    const line = annotate("yes").split("\n").findIndex((l) => l.includes("gatewasm.io/subset-failover")) + 1;
    expect(w.map((d) => [d.severity, d.field, d.location?.line])).toEqual([["warning", "metadata.annotations.gatewasm.io/subset-failover", line]]);
  });
});
