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
 * Which host the harness mirrors where proxy-wasm-cpp-host changed under Envoy:
 * - "envoy-1.36" (default): Envoy 1.36.4, the judge in `conformance/envoy/`. Its cpp-host has the
 *   Go-SDK WASI additions of cpp-host #427 (c4d7bb0, 2024-12: `sched_yield`, `poll_oneoff`,
 *   `fd_fdstat_set_flags`) and not #533 (94091cd, 2026-04) — checked on the binary: it holds the
 *   stub names `sched_yield`/`poll_oneoff` but no `clock_res_get`, no `sock_recv`, no
 *   `__main_void`, and its start list names `fd_fdstat_set_flags` but not `poll_oneoff`.
 * - "cpp-host-main": proxy-wasm-cpp-host main (52a0291, 2026-07): every WASI function of
 *   `FOR_ALL_WASI_FUNCTIONS`, `poll_oneoff` answering 0 events, the long start list, `__main_void`.
 */
export type HostProfile = "envoy-1.36" | "cpp-host-main";
export const HOST_PROFILES: readonly HostProfile[] = ["envoy-1.36", "cpp-host-main"];

/** include/proxy-wasm/exports.h FOR_ALL_WASI_FUNCTIONS at c4d7bb0 (Envoy 1.36.4). */
const WASI_ENVOY_1_36 = [
  "fd_write", "fd_read", "fd_seek", "fd_close", "fd_fdstat_get", "fd_fdstat_set_flags", "environ_get",
  "environ_sizes_get", "args_get", "args_sizes_get", "clock_time_get", "random_get", "sched_yield",
  "poll_oneoff", "proc_exit", "path_open", "fd_prestat_get", "fd_prestat_dir_name",
] as const;
/** The same list on cpp-host main (94091cd and later). */
const WASI_CPP_HOST_MAIN = [
  ...WASI_ENVOY_1_36, "fd_fdstat_set_rights", "clock_res_get", "fd_advise", "fd_allocate", "fd_datasync",
  "fd_filestat_set_size", "fd_filestat_set_times", "fd_pread", "fd_pwrite", "fd_readdir", "fd_renumber",
  "fd_sync", "fd_tell", "path_create_directory", "path_filestat_set_times", "path_link", "path_readlink",
  "path_remove_directory", "path_rename", "path_symlink", "path_unlink_file", "sock_accept", "sock_recv",
  "sock_send", "sock_shutdown", "path_filestat_get", "fd_filestat_get",
] as const;

/** WASI functions the harness implements (the union of the profiles). */
export const WASI_IMPORTS: readonly string[] = WASI_CPP_HOST_MAIN;
export const WASI_MODULES = ["wasi_snapshot_preview1", "wasi_unstable"] as const;

const qualify = (names: readonly string[]) => WASI_MODULES.flatMap((m) => names.map((f) => `${m}.${f}`));

/** Everything a profile links, its start-phase and malloc-phase allow-lists, and its start exports. */
export interface ProfileTables {
  wasi: ReadonlySet<string>;
  /** Imports callable while the VM starts (`_initialize`/`main`/`_start`): src/wasm.cc WasmBase::startVm. */
  startAllowed: ReadonlySet<string>;
  /** Imports callable from inside the module's malloc: include/proxy-wasm/wasm.h allocMemory. */
  mallocAllowed: ReadonlySet<string>;
  /** `__main_void` is called after `_initialize` when there is no `main` (cpp-host e55d150, 2026-03). */
  mainVoid: boolean;
  /** `poll_oneoff` writes nevents = 0 and succeeds (main) or returns ENOSYS untouched (c4d7bb0). */
  pollOneoffSucceeds: boolean;
}

const START_ENVOY_1_36 = [
  "fd_write", "args_sizes_get", "args_get", "environ_sizes_get", "environ_get", "fd_prestat_get",
  "fd_prestat_dir_name", "clock_time_get", "random_get", "fd_fdstat_get", "fd_fdstat_set_flags",
];
const START_CPP_HOST_MAIN = [
  ...START_ENVOY_1_36, "clock_res_get", "poll_oneoff", "fd_advise", "fd_allocate", "fd_datasync",
  "fd_fdstat_set_rights", "fd_filestat_get", "fd_filestat_set_size", "fd_filestat_set_times", "fd_pread",
  "fd_pwrite", "fd_readdir", "fd_renumber", "fd_sync", "fd_tell", "path_create_directory",
  "path_filestat_get", "path_filestat_set_times", "path_link", "path_readlink", "path_remove_directory",
  "path_rename", "path_symlink", "path_unlink_file", "sock_accept", "sock_recv", "sock_send", "sock_shutdown",
];

export const PROFILE: Readonly<Record<HostProfile, ProfileTables>> = {
  "envoy-1.36": {
    wasi: new Set(WASI_ENVOY_1_36),
    startAllowed: new Set(["env.proxy_log", ...qualify(START_ENVOY_1_36)]),
    mallocAllowed: new Set(["env.proxy_log", ...qualify(["fd_write", "clock_time_get"])]),
    mainVoid: false,
    pollOneoffSucceeds: false,
  },
  "cpp-host-main": {
    wasi: new Set(WASI_CPP_HOST_MAIN),
    // 14fa83a (2025-11) also allows env.emscripten_notify_memory_growth while starting.
    startAllowed: new Set(["env.proxy_log", "env.emscripten_notify_memory_growth", ...qualify(START_CPP_HOST_MAIN)]),
    mallocAllowed: new Set(["env.proxy_log", ...qualify(["fd_write", "clock_time_get", "poll_oneoff"])]),
    mainVoid: true,
    pollOneoffSucceeds: true,
  },
};

/**
 * ABI versions by export name (cpp-host src/bytecode_util.cc getAbiVersion: the first matching
 * function export wins). 0.2.0 links the 0.2.1 imports without proxy_get_log_level
 * (src/wasm.cc registerCallbacks); 0.1.0 has other imports and callback signatures and is not run.
 */
export const ABI_0_2_1 = "proxy_abi_version_0_2_1";
export const ABI_0_2_0 = "proxy_abi_version_0_2_0";
export const ABI_0_1_0 = "proxy_abi_version_0_1_0";
export type AbiVersion = typeof ABI_0_2_1 | typeof ABI_0_2_0;
/** env imports not linked for a 0.2.0 module. */
export const ENV_0_2_1_ONLY = new Set(["proxy_get_log_level"]);

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
