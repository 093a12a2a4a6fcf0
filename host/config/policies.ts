// Route timeouts and retry policies travel to Envoy's router through generated routes, not
// through x-envoy-* request headers: Envoy's header forms cannot express Istio's default
// retry policy (retry_host_predicate previous_hosts, host_selection_retry_max_attempts) and
// x-envoy-retry-on is OR-ed with the route's own policy. Each distinct (timeout, retries)
// pair gets an id; the filter sets the policy header to that id, and the generated HTTP_ROUTE
// that matches it carries Istio's exact timeout and retry_policy (docs/design.md).
import type { FilterConfig, RetryPolicy, RouteAction } from "./model.ts";

export const DEFAULT_POLICY_HEADER = "x-gatewasm-policy";

export interface RoutePolicy {
  /** Header value, "1", "2", ...; the default policy has no id (no header). */
  id: string;
  timeoutMs: number;
  retries: RetryPolicy | null;
}

type RouteForward = Extract<RouteAction, { kind: "route" }>;

function policyKey(action: RouteForward): string | null {
  if (action.timeoutMs === 0 && action.retries === null) return null;
  return JSON.stringify([action.timeoutMs, action.retries]);
}

/** Distinct non-default policies, in first-use order, keyed by their canonical form. */
export function collectPolicies(config: FilterConfig): { byKey: Map<string, RoutePolicy>; list: RoutePolicy[] } {
  const byKey = new Map<string, RoutePolicy>();
  const list: RoutePolicy[] = [];
  for (const table of config.routeTables) {
    for (const vhost of table.virtualHosts) {
      for (const route of vhost.routes) {
        if (route.action.kind !== "route") continue;
        const key = policyKey(route.action);
        if (key === null || byKey.has(key)) continue;
        const policy = { id: String(list.length + 1), timeoutMs: route.action.timeoutMs, retries: route.action.retries };
        byKey.set(key, policy);
        list.push(policy);
      }
    }
  }
  return { byKey, list };
}

export function policyIdFor(action: RouteForward, byKey: Map<string, RoutePolicy>): string | null {
  const key = policyKey(action);
  return key === null ? null : byKey.get(key)!.id;
}
