// gatewasm harness: a proxy-wasm ABI 0.2.1 host on Node's WebAssembly that behaves like Envoy.
export { ProxyWasmHost, PendingRequest, ProxyWasmLoadError, checkModule } from "./host.ts";
export { Worker } from "./worker.ts";
export { GATEWASM_PRESET } from "./presets.ts";
export { Stream } from "./stream.ts";
export { HeaderMap } from "./header-map.ts";
export { parsePairs, serializePairs, pairsByteLength, writePairs } from "./pairs.ts";
export { encodeProperty, propertyPath, pathSegments } from "./properties.ts";
export { clientLocalReply, httpToGrpcStatus } from "./local-reply.ts";
export { FAIL_STREAM_DETAILS } from "./flow.ts";
export {
  Status, MapType, BufferType, StreamType, MetricType, FilterHeadersStatus, LOG_LEVEL_NAMES, ENV_IMPORTS,
  WASI_IMPORTS, PAIRS_MAX_BYTES, PAIRS_MAX_COUNT, PROFILE, HOST_PROFILES, ABI_0_2_0, ABI_0_2_1,
} from "./abi.ts";
export type { Metric } from "./metrics.ts";
export type * from "./types.ts";
