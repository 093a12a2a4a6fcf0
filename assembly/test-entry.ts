// Test build: exposes filter internals to vitest through @assemblyscript/loader.
// Never loaded by Envoy; the production entry is assembly/index.ts.
import "./abi/abort";
export { malloc } from "./abi/memory";
export * from "./regex/test-exports";
export * from "./filter/test-exports";
