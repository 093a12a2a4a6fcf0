// The rollout artifact: an EnvoyFilter that inserts the filter before the router of the
// gateway's HTTP connection managers, and the routes that carry its decision to Envoy's router
// (cluster_header). Formats: ../shared/docs/proxy-wasm.md §4.1–4.2; Istio
// networking/v1alpha3/envoy_filter.proto; Envoy route_components.proto, wasm.proto.
//
// Two rollouts (docs/design.md "Who owns routing"):
// - owner (default): Istio's virtual hosts in the gateway's route configurations are replaced by
//   one `*` virtual host with the filter's few generated routes, so Envoy's own route matching
//   costs the same at 10 or 10,000 routes;
// - alongside: Istio's routes stay behind the generated ones (Envoy matches them once before the
//   filter runs); their per-route fault configuration is neutralised so faults are injected once,
//   by the filter.
import type { FilterConfig, RetryPolicy, RouteTable } from "../config/model.ts";
import { ROOT_ID } from "../config/model.ts";
import { DEFAULT_POLICY_HEADER, type RoutePolicy } from "../config/policies.ts";

export type RolloutMode = "owner" | "alongside";
export const ROLLOUT_MODES: readonly RolloutMode[] = ["owner", "alongside"];
export const DEFAULT_ROLLOUT: RolloutMode = "owner";

export interface EnvoyFilterOptions {
  /** metadata.name of the EnvoyFilter. */
  name: string;
  /** Namespace of the gateway workload. */
  namespace: string;
  /** Gateway workload labels. */
  selector: Record<string, string>;
  /** Where the gateway mounts the module (a ConfigMap or image volume). */
  wasmPath: string;
  /** Who matches routes in Envoy; default owner. */
  rollout?: RolloutMode;
  /**
   * Only the route patches, without the HTTP_FILTER patch: the companion of a WasmPlugin, which
   * inserts the filter itself (host/rollout/wasmplugin.ts).
   */
  routesOnly?: boolean;
}

/**
 * What the plugin configuration carries: the blob (plain or compressed framing) as a
 * BytesValue, or — for a bundled module — the bundle's version as a StringValue.
 */
export type PluginConfiguration = Uint8Array | { version: string };

function configurationValue(configuration: PluginConfiguration): Record<string, unknown> {
  if (configuration instanceof Uint8Array) {
    return { "@type": "type.googleapis.com/google.protobuf.BytesValue", value: Buffer.from(configuration).toString("base64") };
  }
  return { "@type": "type.googleapis.com/google.protobuf.StringValue", value: configuration.version };
}

/** Istio's default route retry policy (pilot/pkg/networking/core/route/retry/retry.go DefaultPolicy). */
const ISTIO_DEFAULT_RETRY_ON = "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";

/** The `*` virtual host with the generated routes: the only one in owner, added where needed alongside (catchAllNeeded). */
export const CATCH_ALL_VHOST = "gatewasm-catch-all";

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

/** One generated route: matches the filter's cluster header (and policy id), routes on it. */
function routeFor(config: FilterConfig, policy: RoutePolicy | null): Record<string, unknown> {
  const clusterHeader = config.clusterHeader;
  const policyHeader = config.policyHeader ?? DEFAULT_POLICY_HEADER;
  const timeoutMs = policy?.timeoutMs ?? 0;
  const timeout = duration(timeoutMs);
  const action: Record<string, unknown> = {
    cluster_header: clusterHeader,
    cluster_not_found_response_code: "SERVICE_UNAVAILABLE",
    // Istio disables Envoy's 15 s default route timeout unless the VirtualService sets one, and
    // always lets a grpc-timeout header bound the stream, capped by the route timeout (0s: no
    // cap), through the deprecated max_grpc_timeout (pilot/pkg/networking/core/route/route.go
    // setTimeout: "Use deprecated value for now as the replacement MaxStreamDuration has some
    // regressions").
    timeout,
    max_grpc_timeout: timeout,
  };
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
 * The EnvoyFilter match for one route table. Istio names a gateway's plaintext route
 * configuration after the port its listener binds (`http.8080` for server port 80 behind
 * istio-ingressgateway's Service), and its patch code resolves `portNumber` through the same
 * port map (pilot/pkg/networking/core/envoyfilter/rc_patch.go routeConfigurationMatch,
 * anyPortMatches), so the server port alone selects it; a `name` would have to be the listener
 * port's. HTTPS route configurations are one per server (`https.<port>.<portName>.<gw>.<ns>`), and
 * the name tells them apart.
 */
function routeConfigurationMatch(table: RouteTable): Record<string, unknown> {
  return table.tls ? { portNumber: table.port, name: table.name } : { portNumber: table.port };
}

/**
 * After the filter rewrites `:authority` it clears the route cache, and Envoy matches the virtual
 * host again with the new authority. A route table whose domains do not include `*` would then
 * find no virtual host and answer 404 (route_not_found); a `*` virtual host carrying the
 * generated routes catches those requests. Only requests the filter forwarded carry the cluster
 * header the routes need; everything else it answered itself. Istio adds its own `*` (blackhole)
 * virtual host to a route configuration with none (route/gateway.go buildGatewayHTTPRouteConfig),
 * and two `*` domains would make Envoy reject the configuration.
 */
function catchAllNeeded(table: RouteTable): boolean {
  return table.virtualHosts.length > 0 && !table.virtualHosts.some((v) => v.domain === "*");
}

/**
 * The filter goes only into the listeners of the ports the configuration has route tables for:
 * a listener of another Gateway on the same workload that the inputs did not include keeps
 * Istio's routing, instead of a filter answering for hosts it was never told about (with one
 * route table the filter does not look at the port at all). Unlike a route configuration's, a
 * listener's `portNumber` is compared with the port the listener binds (envoyfilter
 * listener_patch.go listenerMatch; shown by test/judges/filter-ports.test.ts: server port 80
 * behind the Service's targetPort 8080 matches nothing), so the patch names that port.
 */
function wasmFilterPatches(config: FilterConfig, configuration: PluginConfiguration, options: EnvoyFilterOptions): Array<Record<string, unknown>> {
  const ports = [...new Set(config.routeTables.map((t) => t.listenerPort ?? t.port))].sort((a, b) => a - b);
  return ports.map((port) => wasmFilterPatch(port, configuration, options));
}

function wasmFilterPatch(port: number, configuration: PluginConfiguration, options: EnvoyFilterOptions): Record<string, unknown> {
  return {
    applyTo: "HTTP_FILTER",
    match: {
      context: "GATEWAY",
      listener: { portNumber: port, filterChain: { filter: { name: "envoy.filters.network.http_connection_manager", subFilter: { name: "envoy.filters.http.router" } } } },
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
            // (failure_policy replaces the deprecated fail_open in Envoy's PluginConfig.)
            failure_policy: "FAIL_CLOSED",
            vm_config: {
              vm_id: "gatewasm",
              runtime: "envoy.wasm.runtime.v8",
              code: { local: { filename: options.wasmPath } },
            },
            configuration: configurationValue(configuration),
          },
        },
      },
    },
  };
}

/** Istio's per-route fault configuration replaced by an empty one: the filter injects faults. */
function neutralisedFaults(): Record<string, unknown> {
  return {
    typed_per_filter_config: {
      "envoy.filters.http.fault": { "@type": "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault" },
    },
  };
}

/** The `*` virtual host carrying the generated routes. */
function catchAllVirtualHost(generated: Array<Record<string, unknown>>): Record<string, unknown> {
  // include_request_attempt_count as on every virtual host Istio builds (route/gateway.go), so
  // the upstream sees the same x-envoy-attempt-count.
  return { name: CATCH_ALL_VHOST, domains: ["*"], include_request_attempt_count: true, routes: generated };
}

/**
 * The route-configuration patches for one table, in the order Istio applies them
 * (rc_patch.go patchVirtualHosts: removes and merges of existing virtual hosts, with their route
 * patches, then adds).
 */
function tablePatches(config: FilterConfig, table: RouteTable, policies: RoutePolicy[], mode: RolloutMode): Array<Record<string, unknown>> {
  const match = { context: "GATEWAY", routeConfiguration: routeConfigurationMatch(table) };
  const generated = [null, ...policies].map((p) => routeFor(config, p));
  if (mode === "owner") {
    // Every virtual host Istio built goes, and one `*` virtual host with the generated routes
    // takes their place: the filter has already chosen the virtual host (404 for an unknown
    // host, the https redirect of a TLS-only one), so Envoy's own lookup only has to find the
    // generated routes. Matching the vhost again after the filter rewrote :authority then
    // cannot land in another host's settings (a require_tls host would redirect; found by the
    // differential round, seed 1001). A route table always has a virtual host to remove (Istio
    // adds a `*` blackhole host to one without any).
    return [
      { applyTo: "VIRTUAL_HOST", match, patch: { operation: "REMOVE" } },
      { applyTo: "VIRTUAL_HOST", match, patch: { operation: "ADD", value: catchAllVirtualHost(generated) } },
    ];
  }
  const patches: Array<Record<string, unknown>> = [];
  // A table without routes (Istio's blackhole virtual host) has nothing to merge, and a patch
  // that matches nothing is a mistake the judges report.
  if (table.virtualHosts.some((v) => v.routes.length > 0)) {
    patches.push({ applyTo: "HTTP_ROUTE", match, patch: { operation: "MERGE", value: neutralisedFaults() } });
  }
  // INSERT_FIRST puts each route ahead of Istio's; the policy routes and the default route
  // exclude each other through the policy header, so their relative order does not matter.
  for (const route of generated) {
    patches.push({ applyTo: "HTTP_ROUTE", match, patch: { operation: "INSERT_FIRST", value: route } });
  }
  // Added virtual hosts get no route patches (they are added after the existing ones were
  // patched), so this one carries the generated routes itself.
  if (catchAllNeeded(table)) patches.push({ applyTo: "VIRTUAL_HOST", match, patch: { operation: "ADD", value: catchAllVirtualHost(generated) } });
  return patches;
}

/**
 * The EnvoyFilter for one gateway workload. `configuration` is the binary filter configuration
 * (passed to the plugin verbatim as a BytesValue), or a bundled module's version.
 */
export function buildEnvoyFilter(config: FilterConfig, configuration: PluginConfiguration, policies: RoutePolicy[], options: EnvoyFilterOptions): Record<string, unknown> {
  const mode = options.rollout ?? DEFAULT_ROLLOUT;
  const configPatches: Array<Record<string, unknown>> = options.routesOnly ? [] : wasmFilterPatches(config, configuration, options);
  for (const table of config.routeTables) configPatches.push(...tablePatches(config, table, policies, mode));
  return {
    apiVersion: "networking.istio.io/v1alpha3",
    kind: "EnvoyFilter",
    metadata: { name: options.name, namespace: options.namespace },
    spec: { workloadSelector: { labels: { ...options.selector } }, configPatches },
  };
}
