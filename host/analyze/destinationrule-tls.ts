// IST0128 / IST0129: a DestinationRule originating TLS (SIMPLE or MUTUAL) without
// caCertificates, so the server's certificate is not verified.
// Source: istio/istio pkg/config/analysis/analyzers/destinationrule/ca-certificates.go
// (CaCertificateAnalyzer). The port is printed as Istio prints a PortSelector (`number:443`).
import { asArray, asNumber, asString, isRecord } from "../compiler/common.ts";
import { findingAt } from "./finding.ts";
import { type AnalyzeContext, fullName, ofKind } from "./context.ts";

function unverified(tls: unknown, hasWorkloadSelector: boolean): string | null {
  if (!isRecord(tls)) return null;
  const mode = asString(tls.mode);
  if (mode !== "SIMPLE" && mode !== "MUTUAL") return null;
  if (asString(tls.caCertificates) !== "") return null;
  // A credentialName on a DestinationRule with a workloadSelector brings its own CA.
  if (asString(tls.credentialName) !== "" && hasWorkloadSelector) return null;
  return mode;
}

export function analyzeDestinationRuleTls(ctx: AnalyzeContext): void {
  for (const dr of ofKind(ctx, "DestinationRule")) {
    const policy = isRecord(dr.spec.trafficPolicy) ? dr.spec.trafficPolicy : {};
    const ws = isRecord(dr.spec.workloadSelector);
    const host = asString(dr.spec.host);
    const mode = unverified(policy.tls, ws);
    if (mode) {
      ctx.findings.push(findingAt(dr, ["spec", "trafficPolicy", "tls", "caCertificates"], "NoServerCertificateVerificationDestinationLevel",
        fullName(dr), dr.metadata.namespace, mode, host));
    }
    asArray(policy.portLevelSettings).forEach((p, i) => {
      if (!isRecord(p)) return;
      const m = unverified(p.tls, ws);
      if (!m) return;
      const port = isRecord(p.port) && asNumber(p.port.number) !== 0 ? `number:${asNumber(p.port.number)}` : "";
      ctx.findings.push(findingAt(dr, ["spec", "trafficPolicy", "portLevelSettings", i, "tls", "caCertificates"], "NoServerCertificateVerificationPortLevel",
        fullName(dr), dr.metadata.namespace, m, host, port));
    });
  }
}
