// `gatewasm analyze` against Istio's own analyzers: the same inputs go to
// `build/istio-xds analyze` (conformance/istio/analyze.go: analyzers.AllCombined() run in process
// by pkg/config/analysis/local, as `istioctl analyze` runs them) and to gatewasm; for every IST
// code gatewasm implements, both must report the same messages (code, resource, text) and, where
// Istio knows the field's line, the same line.
//
// Istio is run in "cluster" mode (the files are every object of the cluster: Services and Pods
// count) with one gateway Pod carrying the workload's labels, since Istio's gateway analyzers find
// the workload through its Pods and gatewasm knows it from --selector. Left out of the
// comparison, on purpose: IST0101 "selector" (Istio looks for Pods of Gateways that select
// another workload; gatewasm knows only its own); IST0101 "credentialName" (gateway/secret.go
// looks for the TLS Secret, which gatewasm never reads); IST0162 when no Service of the workload
// is among the inputs (gatewasm then says so once, GWA0004, rather than flag every port), or for a
// port whose Service port has no `protocol` written (Istio counts only "TCP" as written; the API
// server stores TCP for it, which gatewasm assumes, so a live cluster agrees with gatewasm); and the
// text of IST0106/IST0133 (the message is the validator's: gatewasm's validation follows Istio's
// webhook rules but words them itself); and the list of Gateways in IST0145, which Istio builds
// in Go map order (different runs of its analyzer on one input give different lists). The
// comparison itself is test/analyze/compare.ts.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { GatewayTarget } from "../../host/pipeline.ts";
import { judgesAbsent } from "../support/judges.ts";
import { ROOT } from "../support/test-module.ts";
import { COMPARED, compareWithIstio } from "./compare.ts";

const absent = judgesAbsent("gatewasm analyze vs Istio's analyzers", { istio: true });

interface Scenario {
  name: string;
  files: string[];
  target?: GatewayTarget;
}

const F = (p: string) => join(ROOT, "test/analyze/fixtures", p);
const T = (p: string) => join(ROOT, "test/fixtures/tutorials", p);
const INGRESS_SERVICE = T("ingressgateway-service.yaml");

const SCENARIOS: Scenario[] = [
  { name: "references", files: [F("references.yaml")] },
  { name: "rules", files: [F("rules.yaml")] },
  { name: "gateways", files: [F("gateways.yaml")] },
  { name: "mesh and TLS", files: [F("mesh-and-tls.yaml")] },
  { name: "tutorial: ingress httpbin", files: [T("ingress-httpbin.yaml"), T("httpbin-service.yaml"), INGRESS_SERVICE] },
  { name: "tutorial: secure ingress httpbin", files: [T("secure-ingress-httpbin.yaml"), T("httpbin-service.yaml"), INGRESS_SERVICE] },
  { name: "tutorial: SNI passthrough", files: [T("ingress-sni-passthrough.yaml"), INGRESS_SERVICE] },
  { name: "tutorial: helloworld", files: [T("helloworld-gateway.yaml"), INGRESS_SERVICE] },
  { name: "tutorial: egress TLS origination", files: [T("egress-tls-origination.yaml")], target: { selector: { istio: "egressgateway" }, gatewayNamespace: "istio-system" } },
  { name: "tutorial: multicluster", files: [T("multicluster-cross-network.yaml")], target: { selector: { istio: "eastwestgateway" }, gatewayNamespace: "istio-system" } },
  { name: "examples/storefront", files: [join(ROOT, "examples/storefront")] },
];

describe.skipIf(absent !== "")("gatewasm analyze vs Istio's analyzers (build/istio-xds analyze)", () => {
  const seen = new Set<string>();
  for (const scenario of SCENARIOS) {
    it(`${scenario.name}: the same IST findings`, () => {
      const c = compareWithIstio(scenario.files, scenario.target);
      for (const code of c.istioCodes) seen.add(code);
      expect(c.ours, `gatewasm (left) vs Istio (right) on ${scenario.files.join(", ")}`).toEqual(c.theirs);
    });
  }

  it("the comparison has something to compare: every compared code is reported by Istio in some scenario", () => {
    const missing = [...COMPARED].filter((c) => !seen.has(c));
    // IST0106/IST0133 (schema) and IST0165 (Gateway API internal names) have their own tests in
    // findings.test.ts; the fixtures here are valid Istio configuration.
    expect(missing.sort()).toEqual(["IST0106", "IST0133", "IST0165"]);
  });
});
