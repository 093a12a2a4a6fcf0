// Outlier-detection fields Istio rejects, reported with their position (file:line:col, resource,
// field), wherever the outlierDetection is written: top level, a subset, a port-level entry.
// Each case is one of istio/istio pkg/config/validation/validation_test.go
// TestValidateOutlierDetection (rules in validation.go validateOutlierDetection, durations in
// agent/validation.go ValidateDuration, percentages in ValidatePercent) or a CRD schema rule
// (manifests/charts/base/files/crd-all.gen.yaml: consecutive* are uint32,
// outlierDetectionHttpErrorCodes items 100..599, durations >= 1ms). istio-semantics.md §12.
import { describe, expect, it } from "vitest";
import { compileInputs } from "../../host/pipeline.ts";
import { formatDiagnostic } from "../../host/resources/types.ts";

/** A DestinationRule with `od` (flow-style YAML) at each of the three places it can be written. */
function dr(od: string): string {
  return `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  trafficPolicy:
    outlierDetection: ${od}
    portLevelSettings:
    - port: {number: 9080}
      outlierDetection: ${od}
  subsets:
  - name: v1
    labels: {version: v1}
    trafficPolicy:
      outlierDetection: ${od}
`;
}

const PLACES = ["spec.trafficPolicy.outlierDetection", "spec.trafficPolicy.portLevelSettings[0].outlierDetection", "spec.subsets[0].trafficPolicy.outlierDetection"];
const LINES = [7, 10, 15];

function diagnose(od: string) {
  const r = compileInputs([{ name: "dr.yaml", text: dr(od) }]);
  // Only the DestinationRule's own diagnostics (the inputs have no Gateway, which is a warning).
  const diagnostics = r.diagnostics.filter((d) => d.kind === "DestinationRule");
  return { result: r, diagnostics, lines: diagnostics.map(formatDiagnostic) };
}

interface Case { rule: string; od: string; field: string; message: string; severity?: "error" | "warning" }

const CASES: Case[] = [
  { rule: "TestValidateOutlierDetection: bad interval (not whole ms)", od: "{interval: 2.000000005s}", field: "interval", message: "only durations to ms precision are supported" },
  { rule: "TestValidateOutlierDetection: bad base ejection time (not whole ms)", od: "{baseEjectionTime: 2.000000005s}", field: "baseEjectionTime", message: "only durations to ms precision are supported" },
  { rule: "CRD CEL: interval must be >= 1ms", od: "{interval: 500us}", field: "interval", message: 'must be a valid duration greater than 1ms (got "500us")' },
  { rule: "TestValidateOutlierDetection: bad max ejection percent", od: "{maxEjectionPercent: 105}", field: "maxEjectionPercent", message: "percentage 105 is not in range 0..100" },
  { rule: "TestValidateOutlierDetection: panic threshold too low", od: "{minHealthPercent: -1}", field: "minHealthPercent", message: "percentage -1 is not in range 0..100" },
  { rule: "TestValidateOutlierDetection: panic threshold too high", od: "{minHealthPercent: 101}", field: "minHealthPercent", message: "percentage 101 is not in range 0..100" },
  { rule: "TestValidateOutlierDetection: local origin failures without split", od: "{consecutiveLocalOriginFailures: 10}", field: "consecutiveLocalOriginFailures", message: "outlier detection consecutive local origin failures is specified, but split external local origin errors is set to false" },
  { rule: "CRD: consecutive5xxErrors is a uint32", od: "{consecutive5xxErrors: -1}", field: "consecutive5xxErrors", message: "must be >= 0 (got -1)" },
  { rule: "CRD: consecutiveGatewayErrors is a uint32", od: "{consecutiveGatewayErrors: 4294967296}", field: "consecutiveGatewayErrors", message: "must be <= 4294967295 (got 4294967296)" },
  { rule: "CRD: outlierDetectionHttpErrorCodes items in 100..599", od: "{outlierDetectionHttpErrorCodes: [503, 600]}", field: "outlierDetectionHttpErrorCodes[1]", message: "must be <= 599 (got 600)" },
  { rule: "TestValidateOutlierDetection: deprecated ConsecutiveErrors warns with Istio's text", od: "{consecutiveErrors: 101}", field: "consecutiveErrors", message: "outlier detection consecutive errors is deprecated, use consecutiveGatewayErrors or consecutive5xxErrors instead", severity: "warning" },
];

describe("outlierDetection validation, with positions", () => {
  for (const c of CASES) {
    it(`${c.rule}`, () => {
      const { result, diagnostics, lines } = diagnose(c.od);
      const severity = c.severity ?? "error";
      const mine = diagnostics.filter((d) => d.severity === severity);
      expect(mine.map((d) => [d.field, d.message])).toEqual(PLACES.map((p) => [`${p}.${c.field}`, c.message]));
      // One line per place, pointing into the flow mapping written on that line.
      expect(mine.map((d) => d.location?.line)).toEqual(LINES);
      for (const d of mine) expect(formatDiagnostic(d)).toMatch(new RegExp(`^dr\\.yaml:\\d+:\\d+  DestinationRule default/reviews  ${d.field.replace(/[[\].]/g, "\\$&")}  `));
      if (severity === "error") expect(result.compiled).toBeUndefined();
      else expect(lines.filter((l) => !l.includes("warning:"))).toEqual([]);
    });
  }

  it("TestValidateOutlierDetection: a valid detector (2 s interval and base, 50 %) has no diagnostic", () => {
    expect(diagnose("{interval: 2s, baseEjectionTime: 2s, maxEjectionPercent: 50}").lines).toEqual([]);
  });

  it("every problem of one run is reported, not only the first", () => {
    const { diagnostics } = diagnose("{interval: 2.000000005s, maxEjectionPercent: 105, consecutiveLocalOriginFailures: 1, consecutiveErrors: 2}");
    expect(diagnostics.filter((d) => d.severity === "error")).toHaveLength(9);
    expect(diagnostics.filter((d) => d.severity === "warning")).toHaveLength(3);
  });
});
