// Proxy-Wasm ABI 0.2.1 numbers and the import surface Envoy links a module against.
// Enum values equal the spec numbers (proxy-wasm/spec abi-versions/v0.2.1/README.md;
// proxy-wasm-cpp-sdk proxy_wasm_common.h).

/** proxy_status_t / WasmResult. */
export const Status = {
  OK: 0,
  NOT_FOUND: 1,
  BAD_ARGUMENT: 2,
  SERIALIZATION_FAILURE: 3,
  PARSE_FAILURE: 4,
  INVALID_MEMORY_ACCESS: 6,
  EMPTY: 7,
  CAS_MISMATCH: 8,
  INTERNAL_FAILURE: 10,
  BROKEN_CONNECTION: 11,
  UNIMPLEMENTED: 12,
} as const;

export const MapType = {
  HTTP_REQUEST_HEADERS: 0,
  HTTP_REQUEST_TRAILERS: 1,
  HTTP_RESPONSE_HEADERS: 2,
  HTTP_RESPONSE_TRAILERS: 3,
  GRPC_CALL_INITIAL_METADATA: 4,
  GRPC_CALL_TRAILING_METADATA: 5,
  HTTP_CALL_RESPONSE_HEADERS: 6,
  HTTP_CALL_RESPONSE_TRAILERS: 7,
} as const;

export const BufferType = {
  HTTP_REQUEST_BODY: 0,
  HTTP_RESPONSE_BODY: 1,
  DOWNSTREAM_DATA: 2,
  UPSTREAM_DATA: 3,
  HTTP_CALL_RESPONSE_BODY: 4,
  GRPC_CALL_MESSAGE: 5,
  VM_CONFIGURATION: 6,
  PLUGIN_CONFIGURATION: 7,
  FOREIGN_FUNCTION_ARGUMENTS: 8,
} as const;

export const StreamType = { HTTP_REQUEST: 0, HTTP_RESPONSE: 1, DOWNSTREAM: 2, UPSTREAM: 3 } as const;
export const MetricType = { COUNTER: 0, GAUGE: 1, HISTOGRAM: 2 } as const;
export const LOG_LEVEL_NAMES = ["trace", "debug", "info", "warn", "error", "critical"] as const;
export type LogLevelName = (typeof LOG_LEVEL_NAMES)[number];

/** Header callbacks (cpp-sdk proxy_wasm_enums.h FilterHeadersStatus). */
export const FilterHeadersStatus = {
  Continue: 0,
  StopIteration: 1,
  ContinueAndEndStream: 2,
  StopAllIterationAndBuffer: 3,
  StopAllIterationAndWatermark: 4,
} as const;

/**
 * Every `env` import of ABI 0.2.1 with its parameter types (all return i32 proxy_status_t).
 * cpp-host include/proxy-wasm/exports.h FOR_ALL_HOST_FUNCTIONS plus the 0.2.x ABI-specific
 * ones (continue_stream, close_stream, get_log_level). The 0.1.0-only imports
 * (get_configuration, continue_request, continue_response, clear_route_cache) are not linked
 * for a 0.2.1 module.
 */
export const ENV_IMPORTS: Readonly<Record<string, readonly ("i32" | "i64")[]>> = {
  proxy_log: ["i32", "i32", "i32"],
  proxy_get_log_level: ["i32"],
  proxy_get_status: ["i32", "i32", "i32"],
  proxy_set_property: ["i32", "i32", "i32", "i32"],
  proxy_get_property: ["i32", "i32", "i32", "i32"],
  proxy_send_local_response: ["i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32"],
  proxy_get_shared_data: ["i32", "i32", "i32", "i32", "i32"],
  proxy_set_shared_data: ["i32", "i32", "i32", "i32", "i32"],
  proxy_register_shared_queue: ["i32", "i32", "i32"],
  proxy_resolve_shared_queue: ["i32", "i32", "i32", "i32", "i32"],
  proxy_dequeue_shared_queue: ["i32", "i32", "i32"],
  proxy_enqueue_shared_queue: ["i32", "i32", "i32"],
  proxy_get_header_map_value: ["i32", "i32", "i32", "i32", "i32"],
  proxy_add_header_map_value: ["i32", "i32", "i32", "i32", "i32"],
  proxy_replace_header_map_value: ["i32", "i32", "i32", "i32", "i32"],
  proxy_remove_header_map_value: ["i32", "i32", "i32"],
  proxy_get_header_map_pairs: ["i32", "i32", "i32"],
  proxy_set_header_map_pairs: ["i32", "i32", "i32"],
  proxy_get_header_map_size: ["i32", "i32"],
  proxy_get_buffer_status: ["i32", "i32", "i32"],
  proxy_get_buffer_bytes: ["i32", "i32", "i32", "i32", "i32"],
  proxy_set_buffer_bytes: ["i32", "i32", "i32", "i32", "i32"],
  proxy_http_call: ["i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32"],
  proxy_grpc_call: ["i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32"],
  proxy_grpc_stream: ["i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32", "i32"],
  proxy_grpc_close: ["i32"],
  proxy_grpc_cancel: ["i32"],
  proxy_grpc_send: ["i32", "i32", "i32", "i32"],
  proxy_set_tick_period_milliseconds: ["i32"],
  proxy_get_current_time_nanoseconds: ["i32"],
  proxy_define_metric: ["i32", "i32", "i32", "i32"],
  proxy_increment_metric: ["i32", "i64"],
  proxy_record_metric: ["i32", "i64"],
  proxy_get_metric: ["i32", "i32"],
  proxy_set_effective_context: ["i32"],
  proxy_done: [],
  proxy_call_foreign_function: ["i32", "i32", "i32", "i32", "i32", "i32"],
  proxy_continue_stream: ["i32"],
  proxy_close_stream: ["i32"],
};

/** Non-proxy `env` functions cpp-host registers (src/wasm.cc registerCallbacks). */
export const ENV_EXTRA_IMPORTS = ["emscripten_notify_memory_growth", "pthread_equal"] as const;

/**
 * WASI functions cpp-host registers under both `wasi_snapshot_preview1` and `wasi_unstable`
 * (include/proxy-wasm/exports.h FOR_ALL_WASI_FUNCTIONS).
 */
export const WASI_IMPORTS = [
  "fd_write", "fd_read", "fd_seek", "fd_close", "fd_fdstat_get", "environ_get",
  "environ_sizes_get", "args_get", "args_sizes_get", "clock_time_get", "random_get",
  "proc_exit", "path_open", "fd_prestat_get", "fd_prestat_dir_name",
] as const;
export const WASI_MODULES = ["wasi_snapshot_preview1", "wasi_unstable"] as const;

/**
 * Imports callable while the VM starts (`_initialize`/`main`/`_start`):
 * cpp-host src/wasm.cc WasmBase::startVm setRestrictedCallback list.
 */
export const START_ALLOWED = new Set<string>([
  "env.proxy_log",
  ...WASI_MODULES.flatMap((m) =>
    ["fd_write", "args_sizes_get", "args_get", "environ_sizes_get", "environ_get", "fd_prestat_get",
      "fd_prestat_dir_name", "clock_time_get", "random_get"].map((f) => `${m}.${f}`)),
]);

/** Imports callable from inside the module's malloc: include/proxy-wasm/wasm.h allocMemory. */
export const MALLOC_ALLOWED = new Set<string>([
  "env.proxy_log",
  ...WASI_MODULES.flatMap((m) => ["fd_write", "clock_time_get"].map((f) => `${m}.${f}`)),
]);

export const ABI_0_2_1 = "proxy_abi_version_0_2_1";
/** Versions cpp-host recognises (src/bytecode_util.cc) but this harness does not run. */
export const ABI_OTHER = ["proxy_abi_version_0_2_0", "proxy_abi_version_0_1_0"] as const;

/** proxy-wasm-cpp-host include/proxy-wasm/limits.h */
export const PAIRS_MAX_BYTES = 1024 * 1024;
export const PAIRS_MAX_COUNT = 1024;
/** PROXY_WASM_HOST_WASI_RANDOM_GET_MAX_SIZE_BYTES */
export const RANDOM_GET_MAX_BYTES = 64 * 1024;

/** Names of the import functions, in a fixed order: the index of the host-call counter. */
export const HOST_CALL_NAMES: readonly string[] = [
  ...Object.keys(ENV_IMPORTS),
  ...ENV_EXTRA_IMPORTS,
  ...WASI_IMPORTS,
];
export const HOST_CALL_INDEX: ReadonlyMap<string, number> = new Map(HOST_CALL_NAMES.map((n, i) => [n, i]));
