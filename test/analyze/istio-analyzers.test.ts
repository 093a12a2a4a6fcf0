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
// webhook rules but words them itself).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { istioAnalyze, type IstioAnalyzeMessage } from "../../conformance/istio/analyze-client.ts";
import { analyzeResources, MESSAGES, type Finding } from "../../host/analyze/index.ts";
import { workloadLabels } from "../../host/compiler/workload.ts";
import type { GatewayTarget } from "../../host/pipeline.ts";
import { loadResources } from "../../host/resources/load.ts";
import type { Resource } from "../../host/resources/types.ts";
import { judgesAbsent } from "../support/judges.ts";
import { ROOT } from "../support/test-module.ts";

const absent = judgesAbsent("gatewasm analyze vs Istio's analyzers", { istio: true });

/** The IST codes gatewasm reproduces. */
const COMPARED = new Set(Object.values(MESSAGES).map((m) => m.code).filter((c) => c.startsWith("IST")));
/** Codes whose message text is the validator's own (compared by code and resource only). */
const TEXT_DIFFERS = new Set(["IST0106", "IST0133"]);
/** Codes for which gatewasm points at the same field as Istio's util.ErrorLine key. */
const SAME_FIELD = new Set(["IST0101", "IST0112", "IST0132", "IST0109"]);

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

interface Comparable {
  code: string;
  origin: string;
  message: string;
  line: number;
}

/** protobuf-go's text format puts a random space after a colon ("number:443" / "number: 443"). */
function normalise(message: string): string {
  return message.replace(/number:\s+/g, "number:");
}

function fromIstio(m: IstioAnalyzeMessage): Comparable {
  return { code: m.code, origin: m.origin ?? "", message: TEXT_DIFFERS.has(m.code) ? "" : normalise(m.message), line: SAME_FIELD.has(m.code) ? m.line : 0 };
}

function fromGatewasm(f: Finding): Comparable {
  const origin = f.kind === "" ? "" : `${f.kind} ${f.namespace}/${f.name}`;
  return { code: f.code, origin, message: TEXT_DIFFERS.has(f.code) ? "" : f.message, line: SAME_FIELD.has(f.code) ? f.location?.line ?? 0 : 0 };
}

/** Ports and target ports of the workload's Services whose `protocol` is not written. */
function untypedPorts(resources: Resource[], target: GatewayTarget): Set<number> {
  const labels = workloadLabels(resources, target.selector, target.gatewayNamespace);
  const out = new Set<number>();
  for (const svc of resources) {
    if (svc.kind !== "Service" || svc.metadata.namespace !== target.gatewayNamespace) continue;
    const selector = (svc.spec.selector ?? {}) as Record<string, string>;
    if (!Object.entries(selector).every(([k, v]) => labels[k] === v)) continue;
    for (const p of (svc.spec.ports ?? []) as Array<Record<string, unknown>>) {
      if (p.protocol !== undefined) continue;
      if (typeof p.port === "number") out.add(p.port);
      if (typeof p.targetPort === "number") out.add(p.targetPort);
    }
  }
  return out;
}

const key = (c: Comparable) => `${c.code} | ${c.origin} | ${c.line} | ${c.message}`;

describe.skipIf(absent !== "")("gatewasm analyze vs Istio's analyzers (build/istio-xds analyze)", () => {
  for (const scenario of SCENARIOS) {
    it(`${scenario.name}: the same IST findings`, () => {
      const target = scenario.target ?? { selector: { istio: "ingressgateway" }, gatewayNamespace: "istio-system" };
      const { resources, diagnostics } = loadResources(scenario.files.map((path) => ({ path })));
      expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      const ours = analyzeResources(resources, { target }).filter((f) => COMPARED.has(f.code));

      // Istio finds the gateway workload through its Pods: one Pod with the labels gatewasm infers.
      const dir = mkdtempSync(join(tmpdir(), "gatewasm-analyze-"));
      const pod = join(dir, "gateway-pod.yaml");
      writeFileSync(pod, JSON.stringify({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "gateway-0", namespace: target.gatewayNamespace, labels: workloadLabels(resources, target.selector, target.gatewayNamespace) },
        spec: { containers: [{ name: "istio-proxy", image: "docker.io/istio/proxyv2:1.28.0" }] },
      }));
      const istio = istioAnalyze([...scenario.files, pod]);
      expect(istio.errors).toEqual([]);
      const noService = analyzeResources(resources, { target }).some((f) => f.code === "GWA0004");
      const theirs = istio.messages
        .filter((m) => COMPARED.has(m.code))
        .filter((m) => !(m.code === "IST0101" && /^Referenced (selector|credentialName) not found/.test(m.message)))
        .filter((m) => !(m.code === "IST0162" && (noService || untypedPorts(resources, target).has(Number(/\(port (\d+)\)/.exec(m.message)?.[1])))));

      const a = ours.map(fromGatewasm).map(key).sort();
      const b = theirs.map(fromIstio).map(key).sort();
      expect(a, `gatewasm (left) vs Istio (right) on ${scenario.files.join(", ")}`).toEqual(b);
    });
  }

  it("the comparison has something to compare: every compared code is reported by Istio in some scenario", () => {
    const seen = new Set<string>();
    for (const s of SCENARIOS) {
      const dir = mkdtempSync(join(tmpdir(), "gatewasm-analyze-"));
      const target = s.target ?? { selector: { istio: "ingressgateway" }, gatewayNamespace: "istio-system" };
      const pod = join(dir, "pod.yaml");
      const { resources } = loadResources(s.files.map((path) => ({ path })));
      writeFileSync(pod, JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "g", namespace: target.gatewayNamespace, labels: workloadLabels(resources, target.selector, target.gatewayNamespace) }, spec: { containers: [{ name: "istio-proxy", image: "x" }] } }));
      for (const m of istioAnalyze([...s.files, pod]).messages) seen.add(m.code);
    }
    const missing = [...COMPARED].filter((c) => !seen.has(c));
    // IST0106/IST0133 (schema) and IST0165 (Gateway API internal names) have their own tests in
    // findings.test.ts; the fixtures here are valid Istio configuration.
    expect(missing.sort()).toEqual(["IST0106", "IST0133", "IST0165"]);
  });
});
