// Test build: exposes filter internals to vitest through @assemblyscript/loader.
import "./abi/abort";
// Never loaded by Envoy; the production entry is assembly/index.ts.
export * from "./regex/test-exports";
