module gatewasm.local/conformance/modules/go

// Go ≥ 1.24 builds wasip1 reactors (-buildmode=c-shared) with //go:wasmexport, which this SDK
// needs. The SDK is pinned by pseudo-version (it has no tagged release).
go 1.24

require github.com/proxy-wasm/proxy-wasm-go-sdk v0.0.0-20260105142703-44c7d5847745
