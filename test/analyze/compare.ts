// gatewasm analyze next to Istio's own analyzers on the same files (shared by the fixture and
// the seeded comparisons). What is left out, and why, is listed in istio-analyzers.test.ts.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { istioAnalyze, type IstioAnalyzeMessage } from "../../conformance/istio/analyze-client.ts";
import { analyzeResources, MESSAGES, type Finding } from "../../host/analyze/index.ts";
import { workloadLabels } from "../../host/compiler/workload.ts";
import type { GatewayTarget } from "../../host/pipeline.ts";
import { loadResources } from "../../host/resources/load.ts";
import type { Resource } from "../../host/resources/types.ts";

export const INGRESS: GatewayTarget = { selector: { istio: "ingressgateway" }, gatewayNamespace: "istio-system" };

/** The IST codes gatewasm reproduces. */
export const COMPARED = new Set(Object.values(MESSAGES).map((m) => m.code).filter((c) => c.startsWith("IST")));
/** Codes whose message text is the validator's own (compared by code and resource only). */
const TEXT_DIFFERS = new Set(["IST0106", "IST0133"]);
/** Codes for which gatewasm points at the same field as Istio's util.ErrorLine key. */
const SAME_FIELD = new Set(["IST0101", "IST0112", "IST0132", "IST0109"]);

interface Comparable {
  code: string;
  origin: string;
  message: string;
  line: number;
}

/**
 * protobuf-go's text format puts a random space after a colon ("number:443" / "number: 443").
 * Two messages depend on Go map order in Istio, and istio-xds analyze gives different texts on
 * the same input from run to run: IST0145's list of conflicting Gateways (only its Gateway, port
 * and hosts count), and IST0109's host and list for a VirtualService in several conflicting
 * scopes (the first scope walked reports it; only which VirtualServices are reported counts).
 */
function normalise(code: string, message: string): string {
  if (TEXT_DIFFERS.has(code)) return "";
  if (code === "IST0145") return message.replace(/^Conflict with gateways \S+ \(/, "Conflict with gateways … (");
  if (code === "IST0109") return message.replace(/^The VirtualServices \S+ associated with mesh gateway define the same host \S+ /, "The VirtualServices … associated with mesh gateway define the same host … ");
  return message.replace(/number:\s+/g, "number:");
}

const key = (c: Comparable) => `${c.code} | ${c.origin} | ${c.line} | ${c.message}`;

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

export interface Comparison {
  /** gatewasm's IST findings, as comparable lines, sorted. */
  ours: string[];
  /** Istio's messages of the same codes, as comparable lines, sorted. */
  theirs: string[];
  /** Every code Istio reported (before filtering). */
  istioCodes: string[];
  findings: Finding[];
}

export function compareWithIstio(files: string[], target: GatewayTarget = INGRESS): Comparison {
  const { resources, diagnostics } = loadResources(files.map((path) => ({ path })));
  const loadErrors = diagnostics.filter((d) => d.severity === "error");
  if (loadErrors.length > 0) throw new Error(`inputs do not load: ${loadErrors.map((d) => d.message).join("; ")}`);
  const findings = analyzeResources(resources, { target });

  // Istio finds the gateway workload through its Pods: one Pod with the labels gatewasm infers.
  const dir = mkdtempSync(join(tmpdir(), "gatewasm-analyze-"));
  const pod = join(dir, "gateway-pod.yaml");
  writeFileSync(pod, JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "gateway-0", namespace: target.gatewayNamespace, labels: workloadLabels(resources, target.selector, target.gatewayNamespace) },
    spec: { containers: [{ name: "istio-proxy", image: "docker.io/istio/proxyv2:1.28.0" }] },
  }));
  const istio = istioAnalyze([...files, pod]);
  if (istio.errors.length > 0) throw new Error(`istio-xds analyze: ${istio.errors.join("; ")}`);

  const noService = findings.some((f) => f.code === "GWA0004");
  const untyped = untypedPorts(resources, target);
  const theirs = istio.messages
    .filter((m) => COMPARED.has(m.code))
    .filter((m) => !(m.code === "IST0101" && /^Referenced (selector|credentialName) not found/.test(m.message)))
    .filter((m) => !(m.code === "IST0162" && (noService || untyped.has(Number(/\(port (\d+)\)/.exec(m.message)?.[1])))));
  const fromIstio = (m: IstioAnalyzeMessage): Comparable =>
    ({ code: m.code, origin: m.origin ?? "", message: normalise(m.code, m.message), line: SAME_FIELD.has(m.code) ? m.line : 0 });
  const fromGatewasm = (f: Finding): Comparable => ({
    code: f.code,
    origin: f.kind === "" ? "" : `${f.kind} ${f.namespace}/${f.name}`,
    message: normalise(f.code, f.message),
    line: SAME_FIELD.has(f.code) ? f.location?.line ?? 0 : 0,
  });
  return {
    ours: findings.filter((f) => COMPARED.has(f.code)).map(fromGatewasm).map(key).sort(),
    theirs: theirs.map(fromIstio).map(key).sort(),
    istioCodes: [...new Set(istio.messages.map((m) => m.code))],
    findings,
  };
}
