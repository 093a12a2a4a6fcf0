// shareddata: counters in the host's shared key-value store (per vm_id, shared by every VM of
// the process), on the proxy-wasm Go SDK. OnVMStart adds 1 to "vm_starts" (so the count says how
// many VMs the host started: Envoy starts a canary VM on the main thread besides each worker's).
// Each request adds 1 to "hits" with compare-and-swap, retrying on a CAS mismatch, logs
// "shared value: <n>", and answers response headers "x-shared-hits: <n>" and
// "x-vm-starts: <vm_starts now>".
package main

import (
	"strconv"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
)

func main() {}
func init() { proxywasm.SetVMContext(&vmContext{}) }

type vmContext struct{ types.DefaultVMContext }

func (*vmContext) OnVMStart(int) types.OnVMStartStatus {
	n, err := increment("vm_starts")
	if err != nil {
		proxywasm.LogCriticalf("vm_starts: %v", err)
		return types.OnVMStartStatusFailed
	}
	proxywasm.LogInfof("vm start %d", n)
	return types.OnVMStartStatusOK
}

func (*vmContext) NewPluginContext(uint32) types.PluginContext { return &pluginContext{} }

type pluginContext struct{ types.DefaultPluginContext }

func (*pluginContext) NewHttpContext(uint32) types.HttpContext { return &httpContext{} }

type httpContext struct {
	types.DefaultHttpContext
	hits uint64
}

// increment adds 1 to the decimal counter under key: a missing key starts at 1 (cas 0), a CAS
// mismatch (another VM wrote in between) reads again.
func increment(key string) (uint64, error) {
	for {
		value, cas, err := proxywasm.GetSharedData(key)
		var n uint64
		if err == nil {
			n, _ = strconv.ParseUint(string(value), 10, 64)
		} else if err != types.ErrorStatusNotFound {
			return 0, err
		}
		n++
		switch err := proxywasm.SetSharedData(key, []byte(strconv.FormatUint(n, 10)), cas); err {
		case nil:
			return n, nil
		case types.ErrorStatusCasMismatch:
			continue
		default:
			return 0, err
		}
	}
}

func (c *httpContext) OnHttpRequestHeaders(int, bool) types.Action {
	n, err := increment("hits")
	if err != nil {
		proxywasm.LogCriticalf("hits: %v", err)
		return types.ActionContinue
	}
	c.hits = n
	proxywasm.LogInfof("shared value: %d", n)
	return types.ActionContinue
}

func (c *httpContext) OnHttpResponseHeaders(int, bool) types.Action {
	starts, _, _ := proxywasm.GetSharedData("vm_starts")
	_ = proxywasm.AddHttpResponseHeader("x-shared-hits", strconv.FormatUint(c.hits, 10))
	_ = proxywasm.AddHttpResponseHeader("x-vm-starts", string(starts))
	return types.ActionContinue
}
