// gatewasm: the proxy-wasm (ABI 0.2.1) module Envoy loads (root_id "gatewasm").
import "./abi/abort";
export { malloc } from "./abi/memory";
export * from "./abi/exports";
