// body: buffers a whole request or response body and rewrites it, on the proxy-wasm Go SDK.
// Request header "buffer-operation" says how (prepend, append, replace); "buffer-replace-at:
// response" rewrites the response body instead of the request's. The inserted text is
// "[go prepended]", "[go appended]" or "[go replaced]". While the body is incomplete the
// callback pauses (Envoy buffers it); a rewritten request drops content-length in
// OnHttpRequestHeaders, a rewritten response in OnHttpResponseHeaders. Every body callback
// logs "<direction> body callback: size=<n> end=<bool>".
package main

import (
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
)

func main() {}
func init() { proxywasm.SetVMContext(&vmContext{}) }

type vmContext struct{ types.DefaultVMContext }

func (*vmContext) NewPluginContext(uint32) types.PluginContext { return &pluginContext{} }

type pluginContext struct{ types.DefaultPluginContext }

func (*pluginContext) NewHttpContext(uint32) types.HttpContext { return &httpContext{} }

type httpContext struct {
	types.DefaultHttpContext
	operation string
	response  bool
}

func (c *httpContext) OnHttpRequestHeaders(int, bool) types.Action {
	op, err := proxywasm.GetHttpRequestHeader("buffer-operation")
	if err != nil || (op != "prepend" && op != "append" && op != "replace") {
		return types.ActionContinue
	}
	c.operation = op
	at, _ := proxywasm.GetHttpRequestHeader("buffer-replace-at")
	c.response = at == "response"
	if !c.response {
		if err := proxywasm.RemoveHttpRequestHeader("content-length"); err != nil {
			proxywasm.LogCriticalf("remove content-length: %v", err)
		}
	}
	return types.ActionContinue
}

func (c *httpContext) OnHttpRequestBody(size int, end bool) types.Action {
	proxywasm.LogInfof("request body callback: size=%d end=%t", size, end)
	if c.operation == "" || c.response {
		return types.ActionContinue
	}
	if !end {
		return types.ActionPause
	}
	c.rewrite(proxywasm.GetHttpRequestBody, proxywasm.PrependHttpRequestBody, proxywasm.AppendHttpRequestBody, proxywasm.ReplaceHttpRequestBody, size)
	return types.ActionContinue
}

func (c *httpContext) OnHttpResponseHeaders(int, bool) types.Action {
	if c.operation != "" && c.response {
		if err := proxywasm.RemoveHttpResponseHeader("content-length"); err != nil {
			proxywasm.LogCriticalf("remove response content-length: %v", err)
		}
	}
	return types.ActionContinue
}

func (c *httpContext) OnHttpResponseBody(size int, end bool) types.Action {
	proxywasm.LogInfof("response body callback: size=%d end=%t", size, end)
	if c.operation == "" || !c.response {
		return types.ActionContinue
	}
	if !end {
		return types.ActionPause
	}
	c.rewrite(proxywasm.GetHttpResponseBody, proxywasm.PrependHttpResponseBody, proxywasm.AppendHttpResponseBody, proxywasm.ReplaceHttpResponseBody, size)
	return types.ActionContinue
}

type bodyOp func([]byte) error

func (c *httpContext) rewrite(get func(int, int) ([]byte, error), prepend, appendOp, replace bodyOp, size int) {
	original, err := get(0, size)
	if err != nil {
		proxywasm.LogErrorf("get body: %v", err)
	}
	proxywasm.LogInfof("original body: %s", original)
	var op bodyOp
	text := ""
	switch c.operation {
	case "prepend":
		op, text = prepend, "[go prepended]"
	case "append":
		op, text = appendOp, "[go appended]"
	default:
		op, text = replace, "[go replaced]"
	}
	if err := op([]byte(text)); err != nil {
		proxywasm.LogErrorf("%s body: %v", c.operation, err)
	}
}
