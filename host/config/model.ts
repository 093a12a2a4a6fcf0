// The filter configuration as the compiler produces it: everything Istio decides at config
// time is already decided here. `encode.ts` turns it into the binary form the filter loads
// (docs/config-format.md); tests and `gatewasm compile` can also print it as JSON.

export const FILTER_CONFIG_VERSION = 1;

/** Root id the module registers and the generated Envoy config names (`root_id`). */
export const ROOT_ID = "gatewasm";

/** Request header carrying the chosen cluster to the generated `cluster_header` route. */
export const DEFAULT_CLUSTER_HEADER = "x-gatewasm-cluster";

/** Default per-worker bound on concurrently delayed requests (see FilterConfig.maxActiveFaults). */
export const DEFAULT_MAX_ACTIVE_FAULTS = 100_000;

export interface FilterConfig {
  version: typeof FILTER_CONFIG_VERSION;
  /** Header the filter sets to the chosen cluster; a client-supplied value is always replaced or removed. */
  clusterHeader: string;
  /** Header selecting the generated route that carries a route's timeout and retries (host/config/policies.ts). */
  policyHeader?: string;
  /**
   * Most requests one worker delays at once (Envoy fault filter max_active_faults). Istio sets
   * none (unbounded); the default is large. Beyond it a fault is not injected and counted.
   */
  maxActiveFaults?: number;
  routeTables: RouteTable[];
  /**
   * Outlier detectors by cluster name (`outbound|PORT|SUBSET|FQDN`). A cluster absent from it
   * has no detector, as in Envoy when the DestinationRule sets no outlierDetection.
   */
  outliers?: Record<string, ClusterOutlier>;
}

/** Envoy's cluster.outlier_detection as Istio emits it (istio-semantics.md §9), for one cluster. */
export interface OutlierPolicy {
  /** Envoy consecutive_5xx (Istio unset ⇒ 5). */
  consecutive5xx: number;
  /** Percent 0..100. */
  enforcingConsecutive5xx: number;
  /** Unset ⇒ 5. */
  consecutiveGatewayFailure: number;
  /** Unset ⇒ 0. */
  enforcingConsecutiveGatewayFailure: number;
  splitExternalLocalOriginErrors: boolean;
  /** Unset ⇒ 5. */
  consecutiveLocalOriginFailure: number;
  /** Unset ⇒ 100. */
  enforcingConsecutiveLocalOriginFailure: number;
  /** Unset ⇒ 10000. */
  intervalMs: number;
  /** Unset ⇒ 30000. */
  baseEjectionTimeMs: number;
  /** max(300000, base). */
  maxEjectionTimeMs: number;
  /** Unset/0 ⇒ 10. */
  maxEjectionPercent: number;
  /** Cluster healthy_panic_threshold (Istio default 0). */
  minHealthPercent: number;
}

export interface ClusterOutlier {
  policy: OutlierPolicy;
  /** Endpoints ("ip:port") the inputs list for this cluster; empty = learn them from traffic. */
  endpoints: string[];
}

/** One Envoy route configuration (RDS): `http.<port>` or `https.<port>.<portName>.<gwName>.<gwNs>`. */
export interface RouteTable {
  name: string;
  /** Gateway server port number as written in the Gateway. */
  port: number;
  /**
   * Port the listener binds, which Envoy reports as `destination.port`: the targetPort of the
   * gateway's own Service when it maps `port` (Istio resolvePorts); absent = `port`.
   */
  listenerPort?: number;
  /** TLS-terminating HTTPS server: chosen by SNI among `sniHosts`; plaintext tables have none. */
  tls: boolean;
  /** Server hosts without namespace, for SNI selection (may contain `*.x` and `*`). */
  sniHosts: string[];
  virtualHosts: VirtualHost[];
}

export interface VirtualHost {
  /** Envoy name `<host>:<port>`, for logs and explanations. */
  name: string;
  /** The lower-cased hostname: exact, `*suffix` or `*`. */
  domain: string;
  /** `tls.httpsRedirect` on a plaintext server: 301 to https before route matching. */
  requireTls: boolean;
  /** First-match order, catch-alls already moved to the end. */
  routes: Route[];
}

export type StringMatchKind = "exact" | "prefix" | "regex";

export interface PathMatch {
  kind: StringMatchKind;
  value: string;
  /** `ignoreUriCase`: ASCII case-insensitive for exact and prefix. */
  ignoreCase: boolean;
}

/** A matcher on a request header (including `:method`, `:authority`, `:scheme`) or a query parameter. */
export interface ValueMatcher {
  name: string;
  /** `present` = presence match (Istio `{}` or `regex: "*"`). */
  kind: StringMatchKind | "present";
  value: string;
  /** `withoutHeaders`: the route matches iff the inner matcher does not. */
  invert: boolean;
  /** Envoy `treat_missing_header_as_empty` (set for inverted non-presence matchers). */
  treatMissingAsEmpty: boolean;
}

export interface HeaderOperations {
  /** `set`: OVERWRITE_IF_EXISTS_OR_ADD, applied after removes. Lower-cased names. */
  set: Array<[string, string]>;
  /** `add`: APPEND_IF_EXISTS_OR_ADD. */
  add: Array<[string, string]>;
  remove: string[];
}

export interface Destination {
  /** `outbound|PORT|SUBSET|FQDN`. */
  cluster: string;
  /** False when Istio would produce no such cluster (unknown host/port/subset): 503 NC. */
  clusterExists: boolean;
  weight: number;
  requestHeaders: HeaderOperations;
  responseHeaders: HeaderOperations;
  /** Per-destination authority rewrite (`headers.request.set[:authority|host]`), or null. */
  authority: string | null;
}

export interface RetryPolicy {
  /** Number of retries; 0 disables retries. */
  attempts: number;
  retryOn: string;
  perTryTimeoutMs: number;
  retriableStatusCodes: number[];
}

export interface FaultConfig {
  /** Fixed delay in milliseconds, injected for `delayPerMillion` of requests. */
  delayMs: number;
  delayPerMillion: number;
  /** HTTP status for the abort (0 when the abort is a gRPC status). */
  abortHttpStatus: number;
  /** gRPC status code for the abort, or -1. */
  abortGrpcStatus: number;
  abortPerMillion: number;
}

export type RouteAction =
  | {
      kind: "route";
      destinations: Destination[];
      /**
       * The VirtualService lists more than one destination (weight-0 ones included): Istio builds
       * weighted clusters, whose header operations run before the route's (else one parser,
       * route first). One destination may remain after the weight-0 ones are dropped.
       */
      weighted?: boolean;
      /** `rewrite.uri` (Envoy prefix_rewrite of the matched portion), or null. */
      rewriteUri: string | null;
      /** `rewrite.uriRegexRewrite`, or null. */
      rewriteRegex: { match: string; substitution: string } | null;
      /** Route-level authority rewrite (`rewrite.authority` or request-set `:authority`), or null. */
      authority: string | null;
      /** Route timeout in ms; 0 = disabled (Istio's default). */
      timeoutMs: number;
      /** null = Istio's default retry policy carried by the generated route. */
      retries: RetryPolicy | null;
      /**
       * Subset failover (opt-in, VirtualService annotation `gatewasm.io/subset-failover: "true"`):
       * a weighted destination whose cluster has no un-ejected endpoint gives its weight to the
       * route's other destinations until one comes back; all down ⇒ Istio's choice stands.
       */
      failover?: boolean;
    }
  | {
      kind: "redirect";
      status: number;
      /** `uri` → path_redirect, or null. */
      path: string | null;
      /** `prefixRewrite`, or null. */
      prefixRewrite: string | null;
      authority: string | null;
      scheme: string | null;
      /**
       * Port to put in Location (`port`, or the server port for `derivePort: FROM_REQUEST_PORT`);
       * 0 = none, Envoy keeps the request's host as is (`FROM_PROTOCOL_DEFAULT` too: Istio
       * ApplyRedirect sets no port_redirect for it).
       */
      port: number;
    }
  | { kind: "direct_response"; status: number; body: string };

export interface Route {
  /** `http[].name` or `http[].name.match[].name`, or null. */
  name: string | null;
  /** `ns/name` of the VirtualService the route came from. */
  virtualService: string;
  path: PathMatch | null;
  headers: ValueMatcher[];
  queryParams: ValueMatcher[];
  action: RouteAction;
  /** Route-level header operations (applied after per-destination ones for weighted routes, see docs). */
  requestHeaders: HeaderOperations;
  responseHeaders: HeaderOperations;
  fault: FaultConfig | null;
  /**
   * Istio's route decorator operation (tracing operation name), e.g. `a.default.svc.cluster.local:80/api*`.
   * Envoy's connection manager puts it on the request as x-envoy-decorator-operation before the
   * route's header operations; the filter's generated routes carry no decorator, so the encoder
   * makes it the first header operation of a forwarded request.
   */
  decoratorOperation?: string;
}

/** Envoy's request header for the route's decorator operation. */
export const DECORATOR_HEADER = "x-envoy-decorator-operation";
