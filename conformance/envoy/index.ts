// The rig tests use to run requests through a real Envoy (docs/design.md, "The real judges: Envoy").
export { envoyBinary, venvEnvoy, ENVOY_ABSENT, REPO_ROOT } from "./binary.ts";
export { allocateLoopback } from "./loopback.ts";
export { EnvoyProcess, EnvoyStartError, type EnvoyOptions, type EnvoyMemory, type AdminResponse } from "./process.ts";
export {
  bootstrap,
  httpListener,
  staticCluster,
  wasmFilter,
  routerFilter,
  withAdmin,
  rebindListeners,
  GATEWASM_WASM,
  type WasmFilterOptions,
  type HttpListenerOptions,
} from "./bootstrap.ts";
export { RecordingUpstream, type RecordedRequest, type Behaviour, type HeaderPairs, type RecordingUpstreamOptions } from "./upstream.ts";
export { sendRequest, header, headerValues, type Target, type RequestSpec, type Response } from "./client.ts";
