// The harness's conformance probes (test/harness/*.test.ts) as scripted probes that run in real
// Envoy too. Each case names the harness test it mirrors; the same host calls, made inside the
// same callbacks, must give the same statuses, out-values, logs, replies and upstream requests.
import { serializePairs } from "../../host/harness/index.ts";
import { BufferType as B, MapType as M, MetricType, StreamType } from "../../host/harness/abi.ts";
import type { Script, Step } from "./scripted.ts";

export interface ProbeRequest {
  method?: string;
  path?: string;
  headers?: Array<[string, string]>;
  body?: string;
}

export interface ProbeCase {
  name: string;
  /** The harness test (file › test) this case runs in Envoy. */
  mirrors: string;
  script: Script;
  config?: string;
  request?: ProbeRequest;
  /** After the request paused: advance this long (the harness) / wait for Envoy's tick. */
  tickMs?: number;
  /** The request pauses on an HTTP callout to `backend`; the harness answers it as the backend does. */
  callout?: boolean;
}

const s = (call: string, args: Step["args"], show?: Step["show"], label?: string, save?: number): Step => ({
  call,
  args,
  ...(show ? { show } : {}),
  ...(label ? { label } : {}),
  ...(save !== undefined ? { save } : {}),
});
const value = (map: number, key: string, label?: string) => s("proxy_get_header_map_value", [map, key, "OUT", { raw: 0x804 }], "bytes", label ?? `value ${map} ${key}`);
const pairs = (map: number, label?: string) => s("proxy_get_header_map_pairs", [map, "OUT", { raw: 0x804 }], "bytes", label ?? `pairs ${map}`);
const buffer = (type: number, start: number, len: number, label?: string) =>
  s("proxy_get_buffer_bytes", [type, start, len, "OUT", { raw: 0x804 }], "bytes", label ?? `buffer ${type} ${start} ${len}`);
const prop = (path: string, show: Step["show"] = "bytes") => s("proxy_get_property", [path.replaceAll(".", "\0"), "OUT", { raw: 0x804 }], show, `property ${path}`);
// x-request-id is random per request in Envoy: the probes drop it before reading whole maps.
const dropRequestId = s("proxy_remove_header_map_value", [M.HTTP_REQUEST_HEADERS, "x-request-id"], "status", "remove x-request-id");

export const PROBE_CASES: ProbeCase[] = [
  {
    name: "log levels",
    mirrors: "hostcalls.test.ts › proxy_log / proxy_get_log_level: levels 0..5 accepted, 6 refused; below the host level dropped",
    script: {
      steps: {
        request_headers: [
          ...[0, 1, 2, 3, 4, 5, 6].map((l) => s("proxy_log", [l, `probe level ${l}`], "status", `log ${l}`)),
          s("proxy_get_log_level", ["OUT"], "u32", "log level"),
        ],
      },
    },
  },
  {
    name: "memory rules",
    mirrors: "hostcalls.test.ts › memory rules: out-of-bounds input pointer / output slot ⇒ INVALID_MEMORY_ACCESS",
    script: {
      steps: {
        request_headers: [
          s("proxy_log", [2, { raw: 0x7fff_fff0 }, 100], "status", "log out of bounds"),
          s("proxy_get_log_level", [{ raw: -4 }], "status", "log level to -4"),
          s("proxy_get_header_map_value", [M.HTTP_REQUEST_HEADERS, ":path", { raw: 0x7fff_fff0 }, { raw: 0x7fff_fff4 }], "status", "value to out of bounds"),
        ],
      },
    },
  },
  {
    name: "request header maps",
    mirrors: "hostcalls.test.ts › header maps: pairs, repeated keys, first value, byte size, setCopy, remove, lower-case keys, unknown map",
    request: { headers: [["x-a", "1"], ["X-A", "2"], ["x-b", "3"]] },
    script: {
      steps: {
        request_headers: [
          dropRequestId,
          pairs(M.HTTP_REQUEST_HEADERS),
          value(M.HTTP_REQUEST_HEADERS, "X-A"),
          value(M.HTTP_REQUEST_HEADERS, "missing"),
          s("proxy_get_header_map_size", [M.HTTP_REQUEST_HEADERS, "OUT"], "u32", "size 0"),
          s("proxy_replace_header_map_value", [M.HTTP_REQUEST_HEADERS, "X-A", "x"], "status", "replace X-A"),
          s("proxy_add_header_map_value", [M.HTTP_REQUEST_HEADERS, "X-New", "n"], "status", "add X-New"),
          s("proxy_remove_header_map_value", [M.HTTP_REQUEST_HEADERS, "x-b"], "status", "remove x-b"),
          s("proxy_remove_header_map_value", [M.HTTP_REQUEST_HEADERS, "never-there"], "status", "remove never-there"),
          value(9, "x-a", "value of map 9"),
          value(M.HTTP_RESPONSE_HEADERS, ":status", "response value in request phase"),
          s("proxy_add_header_map_value", [M.HTTP_RESPONSE_HEADERS, "x", "y"], "status", "response add in request phase"),
          pairs(M.HTTP_REQUEST_TRAILERS, "request trailers in headers phase"),
          pairs(M.HTTP_REQUEST_HEADERS, "pairs after"),
        ],
      },
    },
  },
  {
    name: "set_header_map_pairs",
    mirrors: "hostcalls.test.ts › set_header_map_pairs replaces the map; pseudo-headers stay in front",
    script: {
      steps: {
        request_headers: [
          s("proxy_set_header_map_pairs", [M.HTTP_REQUEST_HEADERS, serializePairs([["X-B", "1"], [":path", "/new"], [":method", "GET"], [":authority", "probe.example"], [":scheme", "http"]])], "status", "set pairs"),
          pairs(M.HTTP_REQUEST_HEADERS, "pairs after set"),
        ],
      },
    },
  },
  {
    name: "response phase and on_log",
    mirrors: "lifecycle.test.ts › request headers are gone after Continue (BAD_ARGUMENT in on_response_headers); hostcalls.test.ts › NOT_FOUND for missing maps in on_log",
    script: {
      steps: {
        response_headers: [
          value(M.HTTP_RESPONSE_HEADERS, ":status"),
          value(M.HTTP_RESPONSE_HEADERS, "x-upstream-cluster"),
          s("proxy_add_header_map_value", [M.HTTP_RESPONSE_HEADERS, "x-resp-probe", "1"], "status", "add response header"),
          value(M.HTTP_REQUEST_HEADERS, ":path", "request value in response phase"),
          s("proxy_add_header_map_value", [M.HTTP_REQUEST_HEADERS, "x-late", "1"], "status", "request add in response phase"),
        ],
        log: [
          value(M.HTTP_REQUEST_HEADERS, ":path", "request value in on_log"),
          value(M.HTTP_RESPONSE_HEADERS, "x-resp-probe", "response value in on_log"),
          s("proxy_add_header_map_value", [M.HTTP_REQUEST_HEADERS, "x-log", "1"], "status", "request add in on_log"),
          pairs(M.HTTP_REQUEST_TRAILERS, "request trailers in on_log"),
          pairs(M.HTTP_RESPONSE_TRAILERS, "response trailers in on_log"),
        ],
      },
    },
  },
  {
    name: "configuration buffers",
    mirrors: "hostcalls.test.ts › plugin configuration only during on_configure, VM configuration always; empty result ptr 0 size 0 (also past the end)",
    config: "probe-config",
    script: {
      steps: {
        configure: [
          buffer(B.PLUGIN_CONFIGURATION, 0, 100),
          buffer(B.PLUGIN_CONFIGURATION, 6, 3),
          buffer(B.PLUGIN_CONFIGURATION, 50, 10, "plugin config past the end"),
          buffer(B.VM_CONFIGURATION, 0, 100, "empty vm config"),
          s("proxy_get_buffer_status", [B.PLUGIN_CONFIGURATION, "OUT", { raw: 0x804 }], "bytes", "plugin config status"),
          s("proxy_set_buffer_bytes", [B.PLUGIN_CONFIGURATION, 0, 0, "x"], "status", "write plugin config"),
        ],
        request_headers: [
          buffer(B.PLUGIN_CONFIGURATION, 0, 100, "plugin config in a request"),
          buffer(B.VM_CONFIGURATION, 0, 100, "vm config in a request"),
          buffer(B.HTTP_CALL_RESPONSE_BODY, 0, 100, "callout body outside its callback"),
          buffer(B.HTTP_REQUEST_BODY, 0, 100, "request body in headers phase"),
          buffer(42, 0, 100, "unknown buffer"),
        ],
      },
    },
  },
  {
    name: "request body",
    mirrors: "hostcalls.test.ts › request body: prepend, replace prefix, append; middle writes BAD_ARGUMENT; upstream sees the result",
    request: { method: "POST", body: "hello" },
    script: {
      wholeBodies: true,
      returns: {},
      steps: {
        request_headers: [s("proxy_remove_header_map_value", [M.HTTP_REQUEST_HEADERS, "content-length"], "status", "remove content-length")],
        request_body: [
          buffer(B.HTTP_REQUEST_BODY, 0, 100, "body"),
          buffer(B.HTTP_REQUEST_BODY, 1, 2, "body 1 2"),
          buffer(B.HTTP_REQUEST_BODY, 10, 2, "body past the end"),
          s("proxy_set_buffer_bytes", [B.HTTP_REQUEST_BODY, 0, 0, "pre-"], "status", "prepend"),
          s("proxy_set_buffer_bytes", [B.HTTP_REQUEST_BODY, 0, 3, "PRE"], "status", "replace prefix"),
          s("proxy_set_buffer_bytes", [B.HTTP_REQUEST_BODY, 100, 0, "-post"], "status", "append"),
          s("proxy_set_buffer_bytes", [B.HTTP_REQUEST_BODY, 2, 1, "m"], "status", "middle"),
          buffer(B.HTTP_REQUEST_BODY, 0, 100, "body after"),
          buffer(B.HTTP_RESPONSE_BODY, 0, 100, "response body in request phase"),
        ],
        response_body: [buffer(B.HTTP_RESPONSE_BODY, 0, 100, "response body")],
      },
    },
  },
  {
    name: "properties",
    mirrors: "hostcalls.test.ts › plugin_* and request.* derived from headers; upstream.address and response.code once the upstream answered",
    request: { path: "/pr/x?q=1", headers: [["x-a", "1"], ["x-a", "2"], ["referer", "r"], ["user-agent", "ua"]] },
    script: {
      steps: {
        request_headers: [
          prop("plugin_root_id"),
          prop("plugin_name"),
          prop("plugin_vm_id"),
          prop("request.path"),
          prop("request.url_path"),
          prop("request.query"),
          prop("request.host"),
          prop("request.method"),
          prop("request.scheme"),
          prop("request.referer"),
          prop("request.useragent"),
          prop("request.headers.x-a"),
          prop("request.id", "status"),
          prop("response.code"),
          prop("no.such.property"),
        ],
        response_headers: [prop("response.code"), prop("request.path"), prop("upstream.address", "status"), prop("response.code_details")],
      },
    },
  },
  {
    name: "context and stream control",
    mirrors: "hostcalls.test.ts › set_effective_context unknown BAD_ARGUMENT; continue_stream DOWNSTREAM/UPSTREAM UNIMPLEMENTED, unknown BAD_ARGUMENT; proxy_done NOT_FOUND; foreign functions",
    script: {
      steps: {
        request_headers: [
          s("proxy_set_effective_context", [999], "status", "effective 999"),
          s("proxy_set_effective_context", ["CTX"], "status", "effective own"),
          s("proxy_continue_stream", [StreamType.DOWNSTREAM], "status", "continue downstream"),
          s("proxy_continue_stream", [StreamType.UPSTREAM], "status", "continue upstream"),
          s("proxy_continue_stream", [7], "status", "continue 7"),
          s("proxy_done", [], "status", "done"),
          s("proxy_call_foreign_function", ["clear_route_cache", "", "OUT", { raw: 0x804 }], "status", "foreign clear_route_cache"),
          s("proxy_call_foreign_function", ["no_such_function", "", "OUT", { raw: 0x804 }], "status", "foreign unknown"),
        ],
      },
    },
  },
  {
    name: "metrics",
    mirrors: "hostcalls.test.ts › metrics: ids carry the type; counter delta <= 0 BAD_ARGUMENT; record on counter adds; histogram get BAD_ARGUMENT",
    script: {
      steps: {
        request_headers: [
          s("proxy_define_metric", [MetricType.COUNTER, "probe_counter", "OUT"], "u32", "define counter", 0),
          s("proxy_define_metric", [MetricType.GAUGE, "probe_gauge", "OUT"], "u32", "define gauge", 1),
          s("proxy_define_metric", [MetricType.HISTOGRAM, "probe_histogram", "OUT"], "u32", "define histogram", 2),
          s("proxy_define_metric", [MetricType.COUNTER, "probe_counter", "OUT"], "u32", "define counter again"),
          s("proxy_define_metric", [3, "probe_bad", "OUT"], "status", "define type 3"),
          s("proxy_increment_metric", [{ saved: 0 }, 2n], "status", "counter +2"),
          s("proxy_increment_metric", [{ saved: 0 }, 0n], "status", "counter +0"),
          s("proxy_increment_metric", [{ saved: 0 }, -1n], "status", "counter -1"),
          s("proxy_record_metric", [{ saved: 0 }, 5n], "status", "counter record 5"),
          s("proxy_get_metric", [{ saved: 0 }, "OUT"], "u64", "counter value"),
          s("proxy_record_metric", [{ saved: 1 }, 7n], "status", "gauge record 7"),
          s("proxy_increment_metric", [{ saved: 1 }, 3n], "status", "gauge +3"),
          s("proxy_increment_metric", [{ saved: 1 }, -4n], "status", "gauge -4"),
          s("proxy_get_metric", [{ saved: 1 }, "OUT"], "u64", "gauge value"),
          s("proxy_record_metric", [{ saved: 2 }, 4n], "status", "histogram record 4"),
          s("proxy_increment_metric", [{ saved: 2 }, 1n], "status", "histogram +1"),
          s("proxy_get_metric", [{ saved: 2 }, "OUT"], "status", "histogram value"),
          // 100 & 3 = 0: a counter id never defined; 99 & 3 = 3: no metric type has it.
          s("proxy_get_metric", [100, "OUT"], "status", "unknown counter"),
          s("proxy_increment_metric", [100, 1n], "status", "unknown counter +1"),
          s("proxy_get_metric", [99, "OUT"], "status", "id of type 3"),
          s("proxy_increment_metric", [99, 1n], "status", "id of type 3 +1"),
          s("proxy_record_metric", [99, 1n], "status", "id of type 3 record"),
          // 102 & 3 = 2: a histogram id never defined.
          s("proxy_increment_metric", [102, 1n], "status", "unknown histogram +1"),
          s("proxy_record_metric", [102, 1n], "status", "unknown histogram record"),
          s("proxy_get_metric", [102, "OUT"], "status", "unknown histogram value"),
          s("proxy_record_metric", [101, 1n], "status", "unknown gauge record"),
          s("proxy_get_metric", [101, "OUT"], "status", "unknown gauge value"),
        ],
      },
    },
  },
  {
    name: "shared data and queues",
    mirrors: "env.test.ts › shared data with CAS (missing key ignores CAS; cas 0 unconditional; mismatch); shared queues (EMPTY when drained; on_queue_ready to the registering root)",
    script: {
      steps: {
        request_headers: [
          s("proxy_get_shared_data", ["probe-key", "OUT", { raw: 0x804 }, "OUT2"], "bytes_u32", "get missing"),
          s("proxy_set_shared_data", ["probe-key", "v1", 0], "status", "set cas 0"),
          s("proxy_get_shared_data", ["probe-key", "OUT", { raw: 0x804 }, "OUT2"], "bytes_u32", "get after set"),
          s("proxy_set_shared_data", ["probe-key", "v2", 123456], "status", "set stale cas"),
          s("proxy_set_shared_data", ["probe-other", "w", 77], "status", "set missing key with a cas"),
          s("proxy_set_shared_data", ["probe-empty", "", 0], "status", "set empty value"),
          s("proxy_get_shared_data", ["probe-empty", "OUT", { raw: 0x804 }, "OUT2"], "bytes", "get empty value"),
          s("proxy_register_shared_queue", ["probe-queue", "OUT"], "u32", "register queue", 3),
          s("proxy_resolve_shared_queue", ["", "probe-queue", "OUT"], "status", "resolve in own vm"),
          s("proxy_resolve_shared_queue", ["", "no-queue", "OUT"], "status", "resolve unknown"),
          s("proxy_enqueue_shared_queue", [{ saved: 3 }, "m1"], "status", "enqueue"),
          s("proxy_dequeue_shared_queue", [{ saved: 3 }, "OUT", { raw: 0x804 }], "bytes", "dequeue"),
          s("proxy_dequeue_shared_queue", [{ saved: 3 }, "OUT", { raw: 0x804 }], "bytes", "dequeue drained"),
          s("proxy_enqueue_shared_queue", [12345, "x"], "status", "enqueue unknown"),
        ],
      },
    },
  },
  {
    name: "http callout",
    mirrors: "env.test.ts › proxy_http_call: unknown cluster or missing pseudo-headers BAD_ARGUMENT; the answer delivers on the root context with headers/body readable; gRPC calls fail",
    callout: true,
    script: {
      returns: { request_headers: 1 },
      steps: {
        request_headers: [
          s("proxy_http_call", ["no-such-cluster", serializePairs([[":method", "GET"], [":path", "/"], [":authority", "x"]]), "", serializePairs([]), 1000, "OUT"], "status", "call unknown cluster"),
          s("proxy_http_call", ["backend", serializePairs([[":method", "GET"], [":authority", "x"]]), "", serializePairs([]), 1000, "OUT"], "status", "call without :path"),
          s("proxy_http_call", ["backend", serializePairs([[":method", "GET"], [":path", "/callout"], [":authority", "callout.local"]]), "", serializePairs([]), 5000, "OUT"], "status", "call backend"),
          s("proxy_grpc_call", ["backend", "svc", "m", serializePairs([]), "", 1000, "OUT"], "status", "grpc call"),
          s("proxy_grpc_cancel", [77], "status", "grpc cancel unknown"),
        ],
        http_call_response: [
          value(M.HTTP_CALL_RESPONSE_HEADERS, ":status"),
          value(M.HTTP_CALL_RESPONSE_HEADERS, "x-upstream-cluster"),
          buffer(B.HTTP_CALL_RESPONSE_BODY, 0, 100, "callout body"),
          pairs(M.HTTP_CALL_RESPONSE_TRAILERS, "callout trailers"),
          value(M.HTTP_REQUEST_HEADERS, ":path", "request value before set_effective_context"),
          s("proxy_set_effective_context", ["CTX"], "status", "effective stream"),
          value(M.HTTP_REQUEST_HEADERS, ":path", "request value of the paused stream"),
          s("proxy_add_header_map_value", [M.HTTP_REQUEST_HEADERS, "x-after-callout", "1"], "status", "add to paused request"),
          s("proxy_continue_stream", [StreamType.HTTP_REQUEST], "status", "continue request"),
        ],
      },
    },
  },
  {
    name: "local reply from on_request_headers",
    mirrors: "lifecycle.test.ts › local replies: deferred, stops iteration although the callback returned Continue, and re-enters on_response_headers",
    script: {
      steps: {
        request_headers: [
          s("proxy_send_local_response", [403, "probe denied", "denied", serializePairs([["x-deny", "yes"]]), -1], "status", "local reply"),
          value(M.HTTP_REQUEST_HEADERS, ":path", "request value after the local reply"),
        ],
        response_headers: [value(M.HTTP_RESPONSE_HEADERS, ":status"), value(M.HTTP_RESPONSE_HEADERS, "x-deny"), prop("response.code_details")],
        log: [prop("response.code"), prop("response.code_details")],
      },
    },
  },
  {
    name: "local reply from on_response_headers",
    mirrors: "lifecycle.test.ts › a local reply from on_response_headers goes straight to the client (no re-entry)",
    script: {
      steps: {
        response_headers: [s("proxy_send_local_response", [502, "probe late", "late", serializePairs([]), -1], "status", "late local reply")],
        log: [prop("response.code"), prop("response.code_details")],
      },
    },
  },
  {
    name: "pause, tick, continue",
    mirrors: "lifecycle.test.ts › StopIteration pauses; proxy_continue_stream from a tick resumes after the VM call",
    tickMs: 50,
    script: {
      tickOnce: true,
      returns: { request_headers: 1 },
      steps: {
        configure: [s("proxy_set_tick_period_milliseconds", [50], "status", "tick period")],
        tick: [
          value(M.HTTP_REQUEST_HEADERS, ":path", "request value from the tick"),
          s("proxy_set_effective_context", ["CTX"], "status", "effective stream"),
          s("proxy_add_header_map_value", [M.HTTP_REQUEST_HEADERS, "x-resumed", "tick"], "status", "add from tick"),
          s("proxy_continue_stream", [StreamType.HTTP_REQUEST], "status", "continue from tick"),
          value(M.HTTP_REQUEST_HEADERS, ":path", "request value after continue"),
        ],
      },
    },
  },
  {
    name: "WASI in a callback",
    mirrors: "wasi.test.ts › return values and out-slots; fd_write → logs (fd 1 info, fd 2 error, a lone newline logs an empty line); clocks; proc_exit",
    script: {
      steps: {
        request_headers: [
          s("wasi:fd_write", [1, { iov: "to stdout\n" }, "OUT"], "u32", "fd_write 1"),
          s("wasi:fd_write", [2, { iov: "to stderr" }, "OUT"], "u32", "fd_write 2"),
          s("wasi:fd_write", [1, { iov: "\n" }, "OUT"], "u32", "fd_write newline"),
          s("wasi:fd_write", [7, { iov: "x" }, "OUT"], "status", "fd_write 7"),
          s("wasi:clock_time_get", [0, 1n, "OUT"], "status", "realtime"),
          s("wasi:clock_time_get", [1, 1n, "OUT"], "status", "monotonic"),
          s("wasi:clock_time_get", [2, 1n, "OUT"], "status", "process cputime"),
          s("wasi:clock_time_get", [9, 1n, "OUT"], "status", "clock 9"),
          s("wasi:random_get", ["OUT", 8], "status", "random 8"),
          s("wasi:random_get", ["OUT", 65537], "status", "random 64 KiB + 1"),
          s("wasi:sched_yield", [], "status", "sched_yield"),
          s("wasi:fd_fdstat_get", [1, "OUT"], "u64", "fdstat 1"),
          s("wasi:fd_fdstat_set_flags", [1, 0], "status", "fdstat_set_flags"),
          s("wasi:environ_sizes_get", ["OUT", "OUT2"], "u32", "environ sizes"),
          s("wasi:args_sizes_get", ["OUT", "OUT2"], "u32", "args sizes"),
          s("wasi:fd_prestat_get", [3, "OUT"], "status", "prestat 3"),
          s("wasi:fd_seek", [1, 0n, 0, "OUT"], "status", "fd_seek"),
          s("wasi:fd_close", [5], "status", "fd_close 5"),
          s("wasi:poll_oneoff", ["OUT", "OUT2", 0, { raw: 0x810 }], "status", "poll_oneoff"),
          s("wasi:fd_read", [0, { iov: "xxxx" }, "OUT"], "status", "fd_read"),
          s("wasi:proc_exit", [3], "status", "proc_exit"),
          s("proxy_log", [2, "after proc_exit"], "status", "log after proc_exit"),
        ],
      },
    },
  },
];
