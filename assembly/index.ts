// gatewasm: the proxy-wasm (ABI 0.2.1) module Envoy loads.
import "./abi/abort";
export { malloc } from "./abi/memory";
export function proxy_abi_version_0_2_1(): void {}
