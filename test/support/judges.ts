// Whether the real judges (Envoy from `npm run setup:envoy`, Istio's translator from
// `npm run setup:istio`) are here. A test file that needs them calls `judgesAbsent("what")`: in
// CI their absence fails the file; elsewhere it prints a loud line and the file skips.
import { envoyBinary, ENVOY_ABSENT } from "../../conformance/envoy/index.ts";
import { istioXdsAvailable } from "../../conformance/istio/client.ts";

export const ISTIO_ABSENT = "ISTIO TRANSLATOR ABSENT: build/istio-xds is missing; run npm run setup:istio";

/** What is missing ("" when nothing), without side effects. */
export function missingJudges(needs: { envoy?: boolean; istio?: boolean } = { envoy: true, istio: true }): string {
  return [needs.envoy && !envoyBinary() ? ENVOY_ABSENT : null, needs.istio && !istioXdsAvailable() ? ISTIO_ABSENT : null].filter(Boolean).join("; ");
}

/** "" when the judges are here; else the reason, after failing (CI) or warning (elsewhere). */
export function judgesAbsent(what: string, needs?: { envoy?: boolean; istio?: boolean }): string {
  const missing = missingJudges(needs);
  if (missing && process.env.CI) throw new Error(`the judges must run in CI (${what}): ${missing}`);
  if (missing) console.warn(`${what.toUpperCase()} SKIPPED: ${missing}`);
  return missing;
}
