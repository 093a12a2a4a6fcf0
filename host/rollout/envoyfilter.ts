// The rollout artifact: an EnvoyFilter that inserts the filter before the router of the
// gateway's HTTP connection managers, and HTTP_ROUTE patches that route on the cluster the
// filter chose (cluster_header). Formats: ../shared/docs/proxy-wasm.md §4.1–4.2; Istio
// networking/v1alpha3/envoy_filter.proto; Envoy route_components.proto, wasm.proto.
import type { FilterConfig, RetryPolicy } from "../config/model.ts";
import { ROOT_ID } from "../config/model.ts";
import { DEFAULT_POLICY_HEADER, type RoutePolicy } from "../config/policies.ts";

export interface EnvoyFilterOptions {
  /** metadata.name of the EnvoyFilter. */
  name: string;
  /** Namespace of the gateway workload. */
  namespace: string;
  /** Gateway workload labels. */
  selector: Record<string, string>;
  /** Where the gateway mounts the module (a ConfigMap or image volume). */
  wasmPath: string;
}

/** Istio's default route retry policy (pilot/pkg/networking/core/route/retry/retry.go DefaultPolicy). */
const ISTIO_DEFAULT_RETRY_ON = "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";

function duration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(3).replace(/0+$/, "")}s`;
}

function previousHosts(): Record<string, unknown> {
  return {
    name: "envoy.retry_host_predicates.previous_hosts",
    typed_config: { "@type": "type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate" },
  };
}

/** Envoy RetryPolicy for an Istio HTTPRetry (null policy = Istio's default; attempts 0 = none). */
export function retryPolicy(retries: RetryPolicy | null): Record<string, unknown> | null {
  if (retries === null) {
    return { retry_on: ISTIO_DEFAULT_RETRY_ON, num_retries: 2, retry_host_predicate: [previousHosts()], host_selection_retry_max_attempts: 5 };
  }
  if (retries.attempts === 0) return null;
  const policy: Record<string, unknown> = {
    retry_on: retries.retryOn || ISTIO_DEFAULT_RETRY_ON,
    num_retries: retries.attempts,
    retry_host_predicate: [previousHosts()],
    host_selection_retry_max_attempts: 5,
  };
  if (retries.perTryTimeoutMs > 0) policy.per_try_timeout = duration(retries.perTryTimeoutMs);
  if (retries.retriableStatusCodes.length) policy.retriable_status_codes = retries.retriableStatusCodes;
  return policy;
}

function routeFor(config: FilterConfig, policy: RoutePolicy | null): Record<string, unknown> {
  const clusterHeader = config.clusterHeader;
  const policyHeader = config.policyHeader ?? DEFAULT_POLICY_HEADER;
  const timeoutMs = policy?.timeoutMs ?? 0;
  const action: Record<string, unknown> = {
    cluster_header: clusterHeader,
    cluster_not_found_response_code: "SERVICE_UNAVAILABLE",
    // Istio disables Envoy's 15 s default route timeout unless the VirtualService sets one.
    timeout: duration(timeoutMs),
  };
  if (timeoutMs > 0) action.max_stream_duration = { grpc_timeout_header_max: duration(timeoutMs) };
  const retry = retryPolicy(policy?.retries ?? null);
  if (retry) action.retry_policy = retry;
  const headers: Array<Record<string, unknown>> = [{ name: clusterHeader, present_match: true }];
  headers.push(policy === null
    ? { name: policyHeader, present_match: true, invert_match: true }
    : { name: policyHeader, string_match: { exact: policy.id } });
  return {
    name: policy === null ? "gatewasm" : `gatewasm-policy-${policy.id}`,
    match: { prefix: "/", headers },
    route: action,
    request_headers_to_remove: [clusterHeader, policyHeader],
  };
}

/**
 * The EnvoyFilter for one gateway workload. `configBytes` is the binary filter configuration,
 * passed to the plugin verbatim as a BytesValue.
 */
export function buildEnvoyFilter(config: FilterConfig, configBytes: Uint8Array, policies: RoutePolicy[], options: EnvoyFilterOptions): Record<string, unknown> {
  const configPatches: Array<Record<string, unknown>> = [{
    applyTo: "HTTP_FILTER",
    match: {
      context: "GATEWAY",
      listener: { filterChain: { filter: { name: "envoy.filters.network.http_connection_manager", subFilter: { name: "envoy.filters.http.router" } } } },
    },
    patch: {
      operation: "INSERT_BEFORE",
      value: {
        name: "gatewasm",
        typed_config: {
          "@type": "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm",
          config: {
            name: "gatewasm",
            root_id: ROOT_ID,
            // Fail closed: with the filter gone, a client-supplied cluster header would route.
            fail_open: false,
            vm_config: {
              vm_id: "gatewasm",
              runtime: "envoy.wasm.runtime.v8",
              code: { local: { filename: options.wasmPath } },
            },
            configuration: {
              "@type": "type.googleapis.com/google.protobuf.BytesValue",
              value: Buffer.from(configBytes).toString("base64"),
            },
          },
        },
      },
    },
  }];
  for (const table of config.routeTables) {
    // INSERT_FIRST puts each route ahead of Istio's; the policy routes and the default route
    // exclude each other through the policy header, so their relative order does not matter.
    for (const policy of [null, ...policies]) {
      configPatches.push({
        applyTo: "HTTP_ROUTE",
        match: { context: "GATEWAY", routeConfiguration: { portNumber: table.port, name: table.name } },
        patch: { operation: "INSERT_FIRST", value: routeFor(config, policy) },
      });
    }
  }
  return {
    apiVersion: "networking.istio.io/v1alpha3",
    kind: "EnvoyFilter",
    metadata: { name: options.name, namespace: options.namespace },
    spec: { workloadSelector: { labels: { ...options.selector } }, configPatches },
  };
}
