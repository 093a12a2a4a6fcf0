// Byte strings the filter sends or compares (header names, Envoy response details, property
// paths), encoded once when the module starts.

function bytes(s: string): ArrayBuffer { return String.UTF8.encode(s); }

export const ROOT_ID = bytes("gatewasm");
export const ROUTE_NOT_FOUND = bytes("route_not_found");
export const CLUSTER_NOT_FOUND = bytes("cluster_not_found");
export const DIRECT_RESPONSE = bytes("direct_response");
export const FAULT_ABORT_DETAILS = bytes("fault_filter_abort");
export const FAULT_ABORT_BODY = bytes("fault filter abort");
export const NOT_CONFIGURED = bytes("gatewasm_not_configured");
export const BAD_HEADERS = bytes("gatewasm_bad_request_headers");
export const LOCATION = bytes("location");
export const X_FORWARDED_PROTO = bytes("x-forwarded-proto");
export const SCHEME = bytes(":scheme");
export const PATH = bytes(":path");
export const AUTHORITY = bytes(":authority");
/** What Envoy's router records when a route rewrites the path or the host (insert_envoy_original_path). */
export const ENVOY_ORIGINAL_PATH = bytes("x-envoy-original-path");
export const ENVOY_ORIGINAL_HOST = bytes("x-envoy-original-host");
export const HTTPS = bytes("https");
export const HTTP = bytes("http");
export const SCHEME_SEPARATOR = bytes("://");
export const PORT_443 = bytes(":443");
export const PORT_80 = bytes(":80");
export const PROPERTY_DESTINATION_PORT = bytes("destination\0port");
export const PROPERTY_SNI = bytes("connection\0requested_server_name");
export const PROPERTY_ROOT_ID = bytes("plugin_root_id");
/** The endpoint Envoy's load balancer chose, "ip:port" (set once the router picked a host). */
export const PROPERTY_UPSTREAM_ADDRESS = bytes("upstream\0address");
/** "via_upstream" for a response from the upstream, else the local reply's details. */
export const PROPERTY_CODE_DETAILS = bytes("response\0code_details");
export const STATUS = bytes(":status");
export const VIA_UPSTREAM = bytes("via_upstream");
/** Shared-data key prefix of the outlier tracker: "<prefix><cluster>" and "<prefix><cluster> <endpoint>". */
export const OUTLIER_KEY_PREFIX = bytes("gatewasm.outlier ");

@inline export function ptrOf(b: ArrayBuffer): usize { return changetype<usize>(b); }
@inline export function lenOf(b: ArrayBuffer): usize { return <usize>b.byteLength; }
