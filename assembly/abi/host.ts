// Non-aborting wrappers over the proxy-wasm 0.2.1 host functions.
//
// The SDK's own wrappers throw (and so trap the VM) on any non-OK status and build strings
// on every call; on the request path a BAD_ARGUMENT or NOT_FOUND is an ordinary answer, so
// we call the SDK's raw `imports` declarations and return the status to the caller.
// Output slots live in static memory: no allocation per call.
import * as abi from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";

export const enum Status {
  Ok = 0,
  NotFound = 1,
  BadArgument = 2,
  SerializationFailure = 3,
  ParseFailure = 4,
  InvalidMemoryAccess = 6,
  Empty = 7,
  CasMismatch = 8,
  InternalFailure = 10,
  Unimplemented = 12,
}

export const enum LogLevel { Trace = 0, Debug = 1, Info = 2, Warn = 3, Error = 4, Critical = 5 }
export const enum MapType { RequestHeaders = 0, RequestTrailers = 1, ResponseHeaders = 2, ResponseTrailers = 3 }
export const enum BufferType { RequestBody = 0, ResponseBody = 1, VmConfiguration = 6, PluginConfiguration = 7 }
export const enum StreamType { Request = 0, Response = 1 }
export const enum MetricType { Counter = 0, Gauge = 1, Histogram = 2 }

// Two output words written by the host (ptr/len, or value/flags).
const OUT: usize = memory.data(16);

/** Pointer written by the last call that returns a host-allocated block. */
export function outPtr(): usize { return load<u32>(OUT); }
/** Length written by the last call that returns a host-allocated block. */
export function outLen(): usize { return load<u32>(OUT, 4); }
export function outU64(): u64 { return load<u64>(OUT); }

export function getHeaderMapPairs(map: MapType): Status {
  store<u64>(OUT, 0);
  return abi.proxy_get_header_map_pairs(map, OUT, OUT + 4) as Status;
}

/** First value of a header; the block is host-allocated (free it). */
export function getHeaderValue(map: MapType, keyPtr: usize, keyLen: usize): Status {
  store<u64>(OUT, 0);
  return abi.proxy_get_header_map_value(map, keyPtr, keyLen, OUT, OUT + 4) as Status;
}

/** Shared data (process-wide per vm_id): value block at outPtr/outLen (free it), CAS at outCas. */
export function getSharedData(keyPtr: usize, keyLen: usize): Status {
  store<u64>(OUT, 0);
  store<u32>(OUT, 0, 8);
  return abi.proxy_get_shared_data(keyPtr, keyLen, OUT, OUT + 4, OUT + 8) as Status;
}

export function outCas(): u32 { return load<u32>(OUT, 8); }

/** cas 0 is unconditional; otherwise CasMismatch when another set came first. */
export function setSharedData(keyPtr: usize, keyLen: usize, valuePtr: usize, valueLen: usize, cas: u32): Status {
  return abi.proxy_set_shared_data(keyPtr, keyLen, valuePtr, valueLen, cas) as Status;
}

export function setHeaderMapPairs(map: MapType, ptr: usize, len: usize): Status {
  return abi.proxy_set_header_map_pairs(map, ptr, len) as Status;
}

export function replaceHeader(map: MapType, keyPtr: usize, keyLen: usize, valuePtr: usize, valueLen: usize): Status {
  return abi.proxy_replace_header_map_value(map, keyPtr, keyLen, valuePtr, valueLen) as Status;
}

export function addHeader(map: MapType, keyPtr: usize, keyLen: usize, valuePtr: usize, valueLen: usize): Status {
  return abi.proxy_add_header_map_value(map, keyPtr, keyLen, valuePtr, valueLen) as Status;
}

export function removeHeader(map: MapType, keyPtr: usize, keyLen: usize): Status {
  return abi.proxy_remove_header_map_value(map, keyPtr, keyLen) as Status;
}

export function getBufferBytes(type: BufferType, start: usize, maxSize: usize): Status {
  store<u64>(OUT, 0);
  return abi.proxy_get_buffer_bytes(type, <u32>start, <u32>maxSize, OUT, OUT + 4) as Status;
}

/** Reads a property; `path` holds `\0`-separated segments. */
export function getProperty(pathPtr: usize, pathLen: usize): Status {
  store<u64>(OUT, 0);
  return abi.proxy_get_property(pathPtr, pathLen, OUT, OUT + 4) as Status;
}

export function sendLocalResponse(
  status: u32,
  detailsPtr: usize, detailsLen: usize,
  bodyPtr: usize, bodyLen: usize,
  headersPtr: usize, headersLen: usize,
  grpcStatus: i32,
): Status {
  return abi.proxy_send_local_response(
    status, detailsPtr, detailsLen, bodyPtr, bodyLen, headersPtr, headersLen, <u32>grpcStatus,
  ) as Status;
}

export function continueStream(stream: StreamType): Status {
  return abi.proxy_continue_stream(stream) as Status;
}

export function setEffectiveContext(contextId: u32): Status {
  return abi.proxy_set_effective_context(contextId) as Status;
}

export function setTickPeriodMilliseconds(ms: u32): Status {
  return abi.proxy_set_tick_period_milliseconds(ms) as Status;
}

export function currentTimeNanoseconds(): u64 {
  store<u64>(OUT, 0);
  abi.proxy_get_current_time_nanoseconds(OUT);
  return load<u64>(OUT);
}

export function logLevel(): LogLevel {
  store<u32>(OUT, <u32>LogLevel.Info);
  if (abi.proxy_get_log_level(OUT) != Status.Ok) return LogLevel.Info;
  return load<u32>(OUT) as LogLevel;
}

/** Logs raw UTF-8 bytes; never on the request path unless debug logging is on. */
export function logBytes(level: LogLevel, ptr: usize, len: usize): void {
  abi.proxy_log(<usize>level, ptr, len);
}

export function log(level: LogLevel, message: string): void {
  const bytes = String.UTF8.encode(message);
  abi.proxy_log(<usize>level, changetype<usize>(bytes), <usize>bytes.byteLength);
}

export function defineMetric(type: MetricType, name: string): u32 {
  const bytes = String.UTF8.encode(name);
  store<u32>(OUT, 0);
  if (abi.proxy_define_metric(type, changetype<usize>(bytes), <usize>bytes.byteLength, OUT) != Status.Ok) return 0;
  return load<u32>(OUT);
}

export function incrementMetric(id: u32, delta: i64): Status {
  return abi.proxy_increment_metric(id, delta) as Status;
}

export function recordMetric(id: u32, value: u64): Status {
  return abi.proxy_record_metric(id, value) as Status;
}

/**
 * proxy_call_foreign_function. On OK the result is a block the host placed with our `malloc`
 * (`outPtr`/`outLen`, possibly (0, 0)); on any other status cpp-host still writes the result
 * words, (0, 0) when the function allocated nothing (proxy-wasm-cpp-host src/exports.cc
 * call_foreign_function).
 */
export function callForeignFunction(namePtr: usize, nameLen: usize, argsPtr: usize, argsLen: usize): Status {
  store<u64>(OUT, 0);
  return abi.proxy_call_foreign_function(namePtr, nameLen, argsPtr, argsLen, OUT, OUT + 4) as Status;
}
