// The outlier policy the compiler gives each cluster the filter can choose, against the clusters
// Istio's own translator builds (build/istio-xds): its `outlier_detection` and
// `common_lb_config.healthy_panic_threshold`, with Envoy's defaults for what Istio leaves out
// (envoy source/common/upstream/outlier_detection_impl.h DetectorConfig::DEFAULT_*;
// max_ejection_time per api/envoy/config/cluster/v3/outlier_detection.proto). Rules:
// istio-semantics.md §8 (which policy: subset over top level, port-level replaces, merged DRs)
// and §9 (istio/istio pilot/pkg/networking/core/cluster_traffic_policy.go applyOutlierDetection;
// cases in the spirit of cluster_test.go TestApplyOutlierDetection).
import { afterAll, describe, expect, it } from "vitest";
import { IstioXds } from "../../conformance/istio/client.ts";
import type { OutlierPolicy } from "../../host/config/model.ts";
import { compileInputs } from "../../host/pipeline.ts";
import { formatDiagnostic } from "../../host/resources/types.ts";
import { judgesAbsent } from "../support/judges.ts";

const absent = judgesAbsent("outlier policies against Istio's translator", { istio: true });

function ms(duration: unknown, fallback: number): number {
  if (typeof duration !== "string") return fallback;
  return Math.round(Number(duration.replace(/s$/, "")) * 1000);
}

/** Envoy's effective detector for an Istio-generated cluster (DetectorConfig with its defaults). */
function envoyDetector(cluster: Record<string, any>): OutlierPolicy | null {
  const od = cluster.outlier_detection;
  if (!od) return null;
  const u = (v: unknown, d: number) => (v === undefined ? d : Number(v));
  const base = ms(od.base_ejection_time, 30_000);
  return {
    consecutive5xx: u(od.consecutive_5xx, 5),
    enforcingConsecutive5xx: u(od.enforcing_consecutive_5xx, 100),
    consecutiveGatewayFailure: u(od.consecutive_gateway_failure, 5),
    enforcingConsecutiveGatewayFailure: u(od.enforcing_consecutive_gateway_failure, 0),
    splitExternalLocalOriginErrors: od.split_external_local_origin_errors === true,
    consecutiveLocalOriginFailure: u(od.consecutive_local_origin_failure, 5),
    enforcingConsecutiveLocalOriginFailure: u(od.enforcing_consecutive_local_origin_failure, 100),
    intervalMs: ms(od.interval, 10_000),
    baseEjectionTimeMs: base,
    maxEjectionTimeMs: od.max_ejection_time === undefined ? Math.max(300_000, base) : ms(od.max_ejection_time, 0),
    maxEjectionPercent: u(od.max_ejection_percent, 10),
    // Envoy's own default is 50 %; Istio always writes it when it writes a detector.
    minHealthPercent: Number(cluster.common_lb_config?.healthy_panic_threshold?.value ?? (cluster.common_lb_config?.healthy_panic_threshold ? 0 : 50)),
  };
}

const GATEWAY = `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
`;

/** A VirtualService on the gateway routing to every destination, so each cluster is one the filter can choose. */
function routes(destinations: Array<{ host: string; port: number; subset?: string }>): string {
  const route = destinations.map((d) => `    - destination: {host: ${d.host}, port: {number: ${d.port}}${d.subset ? `, subset: ${d.subset}` : ""}}\n      weight: 1`).join("\n");
  return `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs, namespace: istio-system}
spec:
  hosts: ["*"]
  gateways: [gw]
  http:
  - route:
${route}
`;
}

function service(name: string, ports: number[], extra = ""): string {
  return `
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: default}
spec:
  selector: {app: ${name}}
  ports: [${ports.map((p) => `{name: http-${p}, port: ${p}}`).join(", ")}]
${extra}`;
}

interface Case {
  name: string;
  yaml: string;
  destinations: Array<{ host: string; port: number; subset?: string }>;
  /** Clusters with a detector, as a check that the case tests what it says. */
  withDetector: number;
  /** Where the gateway workload (and its Gateway and VirtualService) run; default istio-system. */
  gatewayNamespace?: string;
}

const R = "reviews.default.svc.cluster.local";
const CASES: Case[] = [
  {
    name: "top-level outlierDetection {} (every field unset: 5×5xx enforced, gateway errors counted not enforced, 10 s / 30 s / 10 %, panic 0)",
    yaml: service("reviews", [9080]) + `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  trafficPolicy: {outlierDetection: {}}
  subsets: [{name: v1, labels: {version: v1}}]
`,
    destinations: [{ host: R, port: 9080 }, { host: R, port: 9080, subset: "v1" }],
    withDetector: 2,
  },
  {
    name: "explicit zeros: consecutive 5xx and gateway 0 (written, enforcing 0), maxEjectionPercent 0 (⇒ 10), minHealthPercent 0",
    yaml: service("reviews", [9080]) + `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  trafficPolicy:
    outlierDetection: {consecutive5xxErrors: 0, consecutiveGatewayErrors: 0, maxEjectionPercent: 0, minHealthPercent: 0}
`,
    destinations: [{ host: R, port: 9080 }],
    withDetector: 1,
  },
  {
    name: "every field set, split local-origin errors, and the deprecated consecutiveErrors (ignored)",
    yaml: service("reviews", [9080]) + `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  trafficPolicy:
    outlierDetection:
      consecutiveErrors: 1
      consecutive5xxErrors: 7
      consecutiveGatewayErrors: 2
      splitExternalLocalOriginErrors: true
      consecutiveLocalOriginFailures: 3
      interval: 1500ms
      baseEjectionTime: 2s
      maxEjectionPercent: 100
      minHealthPercent: 40
`,
    destinations: [{ host: R, port: 9080 }],
    withDetector: 1,
  },
  {
    name: "baseEjectionTime above 300 s (max_ejection_time becomes base); split without a local-origin count keeps 5; outlierDetectionHttpErrorCodes writes nothing",
    yaml: service("reviews", [9080]) + `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  trafficPolicy:
    outlierDetection: {baseEjectionTime: 400s, splitExternalLocalOriginErrors: true, outlierDetectionHttpErrorCodes: [429, 503]}
`,
    destinations: [{ host: R, port: 9080 }],
    withDetector: 1,
  },
  {
    name: "port-level settings replace the top level: a port entry without outlierDetection has none; one with it replaces it",
    yaml: service("reviews", [9080, 9090, 9091]) + `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  trafficPolicy:
    outlierDetection: {consecutive5xxErrors: 3, interval: 1s}
    portLevelSettings:
    - port: {number: 9090}
      connectionPool: {tcp: {maxConnections: 5}}
    - port: {number: 9091}
      outlierDetection: {consecutiveGatewayErrors: 4}
`,
    destinations: [{ host: R, port: 9080 }, { host: R, port: 9090 }, { host: R, port: 9091 }],
    withDetector: 2,
  },
  {
    name: "subset policy over the top level; a subset port-level entry replaces it even without outlierDetection; a subset without policy inherits",
    yaml: service("reviews", [9080, 9090]) + `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  trafficPolicy:
    outlierDetection: {consecutive5xxErrors: 3}
  subsets:
  - name: v1
    labels: {version: v1}
  - name: v2
    labels: {version: v2}
    trafficPolicy:
      outlierDetection: {consecutive5xxErrors: 1, baseEjectionTime: 5s, maxEjectionPercent: 50}
  - name: v3
    labels: {version: v3}
    trafficPolicy:
      connectionPool: {tcp: {maxConnections: 9}}
      portLevelSettings:
      - port: {number: 9090}
        connectionPool: {tcp: {maxConnections: 2}}
`,
    destinations: [
      { host: R, port: 9080, subset: "v1" }, { host: R, port: 9080, subset: "v2" }, { host: R, port: 9080, subset: "v3" },
      { host: R, port: 9090, subset: "v1" }, { host: R, port: 9090, subset: "v2" }, { host: R, port: 9090, subset: "v3" },
    ],
    withDetector: 5,
  },
  {
    name: "no top-level policy: only the subset that sets outlierDetection has a detector",
    yaml: service("reviews", [9080]) + `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  subsets:
  - name: v1
    labels: {version: v1}
  - name: v2
    labels: {version: v2}
    trafficPolicy: {outlierDetection: {consecutiveGatewayErrors: 1, interval: 2s}}
`,
    destinations: [{ host: R, port: 9080 }, { host: R, port: 9080, subset: "v1" }, { host: R, port: 9080, subset: "v2" }],
    withDetector: 1,
  },
  {
    name: "two DestinationRules for one host: the older one's top-level policy, subsets of both",
    yaml: service("reviews", [9080]) + `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: a-old, namespace: default, creationTimestamp: "2024-01-01T00:00:00Z"}
spec:
  host: reviews.default.svc.cluster.local
  trafficPolicy: {outlierDetection: {consecutive5xxErrors: 2}}
  subsets: [{name: v1, labels: {version: v1}}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: b-new, namespace: default, creationTimestamp: "2024-06-01T00:00:00Z"}
spec:
  host: reviews.default.svc.cluster.local
  trafficPolicy: {outlierDetection: {consecutive5xxErrors: 9}}
  subsets: [{name: v2, labels: {version: v2}, trafficPolicy: {outlierDetection: {interval: 3s}}}]
`,
    destinations: [{ host: R, port: 9080 }, { host: R, port: 9080, subset: "v1" }, { host: R, port: 9080, subset: "v2" }],
    withDetector: 3,
  },
  {
    name: "a gateway in the root namespace: a public DR there does not shadow the service's own (push_context.go destinationRule step 1)",
    yaml: service("reviews", [9080]) + `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  trafficPolicy: {outlierDetection: {consecutive5xxErrors: 2}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews-at-gateway, namespace: istio-system}
spec:
  host: reviews.default.svc.cluster.local
  trafficPolicy: {outlierDetection: {consecutive5xxErrors: 6, interval: 4s}}
`,
    destinations: [{ host: R, port: 9080 }],
    withDetector: 1,
  },
  {
    name: "a gateway outside the root namespace: every DR of its own namespace wins over the service's",
    gatewayNamespace: "ingress",
    yaml: service("reviews", [9080]) + `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  trafficPolicy: {outlierDetection: {consecutive5xxErrors: 2}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews-at-gateway, namespace: ingress}
spec:
  host: reviews.default.svc.cluster.local
  trafficPolicy: {outlierDetection: {consecutive5xxErrors: 6, interval: 4s}}
`,
    destinations: [{ host: R, port: 9080 }],
    withDetector: 1,
  },
  {
    name: "a gateway in the root namespace: a private DR there (exportTo .) wins over the service's own",
    yaml: service("reviews", [9080]) + `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  trafficPolicy: {outlierDetection: {consecutive5xxErrors: 2}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews-at-gateway, namespace: istio-system}
spec:
  host: reviews.default.svc.cluster.local
  exportTo: ["."]
  trafficPolicy: {outlierDetection: {consecutive5xxErrors: 6, interval: 4s}}
`,
    destinations: [{ host: R, port: 9080 }],
    withDetector: 1,
  },
  {
    name: "a Service with trafficDistribution: PreferClose forces the panic threshold to 0",
    yaml: service("reviews", [9080], "  trafficDistribution: PreferClose\n") + `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  trafficPolicy: {outlierDetection: {minHealthPercent: 30}}
`,
    destinations: [{ host: R, port: 9080 }],
    withDetector: 1,
  },
  {
    name: "ServiceEntry hosts (STATIC with endpoints and DNS), subsets on endpoint labels",
    yaml: `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: payments, namespace: default}
spec:
  hosts: [payments.example.com]
  location: MESH_EXTERNAL
  resolution: STATIC
  ports: [{number: 8443, name: http, protocol: HTTP}]
  endpoints:
  - {address: 10.1.0.1, labels: {track: stable}}
  - {address: 10.1.0.2, labels: {track: canary}}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: search, namespace: default}
spec:
  hosts: [search.example.com]
  resolution: DNS
  ports: [{number: 80, name: http, protocol: HTTP}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: payments, namespace: default}
spec:
  host: payments.example.com
  trafficPolicy: {outlierDetection: {consecutive5xxErrors: 2, maxEjectionPercent: 50}}
  subsets:
  - {name: canary, labels: {track: canary}, trafficPolicy: {outlierDetection: {consecutiveGatewayErrors: 1, maxEjectionPercent: 100}}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: search, namespace: default}
spec:
  host: search.example.com
  trafficPolicy: {outlierDetection: {baseEjectionTime: 1s}}
`,
    destinations: [
      { host: "payments.example.com", port: 8443 }, { host: "payments.example.com", port: 8443, subset: "canary" },
      { host: "search.example.com", port: 80 },
    ],
    withDetector: 3,
  },
];

describe.skipIf(!!absent)("outlier policy per cluster = Envoy's detector for the cluster Istio builds", () => {
  const istio = absent ? null : new IstioXds();
  afterAll(async () => { await istio?.close(); });

  for (const c of CASES) {
    it(c.name, async () => {
      const ns = c.gatewayNamespace ?? "istio-system";
      const yaml = [GATEWAY, c.yaml, routes(c.destinations)].join("\n---\n").replaceAll("namespace: istio-system}\nspec:\n  selector", `namespace: ${ns}}\nspec:\n  selector`).replace("metadata: {name: vs, namespace: istio-system}", `metadata: {name: vs, namespace: ${ns}}`);
      const target = { selector: { istio: "ingressgateway" }, gatewayNamespace: ns };
      const result = compileInputs([{ name: "case.yaml", text: yaml }], target);
      expect(result.diagnostics.filter((d) => d.severity === "error").map(formatDiagnostic)).toEqual([]);
      const ours = result.compiled!.config.outliers ?? {};
      const theirs = await istio!.translate({ yaml, namespace: ns });
      expect(theirs.errors).toEqual([]);
      const clusters = new Map<string, Record<string, any>>();
      for (const cl of (theirs.bootstrap as any).static_resources.clusters) clusters.set(cl.name, cl);
      let detectors = 0;
      for (const d of c.destinations) {
        const name = `outbound|${d.port}|${d.subset ?? ""}|${d.host}`;
        const cluster = clusters.get(name);
        expect(cluster, `Istio builds ${name}`).toBeDefined();
        const expected = envoyDetector(cluster!);
        if (expected) detectors++;
        expect({ cluster: name, policy: ours[name]?.policy ?? null }).toEqual({ cluster: name, policy: expected });
      }
      expect(detectors).toBe(c.withDetector);
    });
  }
});
