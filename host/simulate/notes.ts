// What Envoy does with a routed request beyond the filter's choice of cluster, as notes for
// `simulate`: the route's rewrites (done by the filter), timeout and retries (carried by the
// generated route to Envoy's router, docs/design.md "Carrying the decision"), fault settings.
import type { Route } from "../config/model.ts";

/** Istio's default retry policy (pilot/pkg/networking/core/route/retry/retry.go DefaultPolicy). */
const ISTIO_DEFAULT_RETRIES = "2 retries on connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";

export function routeNotes(route: Route): string[] {
  const notes: string[] = [];
  const a = route.action;
  if (a.kind !== "route") return notes;
  if (a.rewriteUri !== null) notes.push(`rewrite.uri: the matched ${route.path?.kind === "exact" ? "path" : "prefix"} becomes ${JSON.stringify(a.rewriteUri)} (done by the filter)`);
  if (a.rewriteRegex !== null) notes.push(`rewrite.uriRegexRewrite: ${JSON.stringify(a.rewriteRegex.match)} → ${JSON.stringify(a.rewriteRegex.substitution)} (done by the filter)`);
  if (a.authority !== null) notes.push(`rewrite.authority: ${JSON.stringify(a.authority)} (done by the filter)`);
  notes.push(a.timeoutMs > 0
    ? `timeout: ${a.timeoutMs} ms (Envoy's router, through the generated route)`
    : "timeout: none (Istio disables Envoy's 15 s default route timeout)");
  if (a.retries === null) notes.push(`retries: Istio's default, ${ISTIO_DEFAULT_RETRIES} (Envoy's router, through the generated route)`);
  else if (a.retries.attempts === 0) notes.push("retries: none (attempts: 0)");
  else {
    const perTry = a.retries.perTryTimeoutMs > 0 ? `, ${a.retries.perTryTimeoutMs} ms per try` : "";
    notes.push(`retries: ${a.retries.attempts} on ${a.retries.retryOn || "Istio's default conditions"}${perTry} (Envoy's router, through the generated route)`);
  }
  if (route.fault) {
    const f = route.fault;
    if (f.delayPerMillion > 0) notes.push(`fault: ${f.delayMs} ms delay for ${f.delayPerMillion / 10_000} % of requests (done by the filter)`);
    if (f.abortPerMillion > 0) notes.push(`fault: abort ${f.abortHttpStatus || `grpc-status ${f.abortGrpcStatus}`} for ${f.abortPerMillion / 10_000} % of requests (done by the filter)`);
  }
  return notes;
}
