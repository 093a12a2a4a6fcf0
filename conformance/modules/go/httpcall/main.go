// httpcall: authorises each request with an HTTP callout, on the proxy-wasm Go SDK. The plugin
// configuration names the callout's cluster. OnHttpRequestHeaders dispatches
// GET /check?user=<x-user> (authority "auth.local", 5 s timeout) and pauses. In the callback
// (logged as "auth answered <status>: <body>"): status 200 with a body starting with "allow"
// adds "x-auth: <body>" to the paused request and resumes it; anything else, or a failed callout
// (no headers; logged "auth call failed"), answers 403 "access forbidden" with header
// "powered-by: proxy-wasm-go-sdk". A refused dispatch answers 500 "dispatch failed: <error>".
package main

import (
	"strings"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
)

func main() {}
func init() { proxywasm.SetVMContext(&vmContext{}) }

type vmContext struct{ types.DefaultVMContext }

func (*vmContext) NewPluginContext(uint32) types.PluginContext { return &pluginContext{} }

type pluginContext struct {
	types.DefaultPluginContext
	cluster string
}

func (p *pluginContext) OnPluginStart(int) types.OnPluginStartStatus {
	data, err := proxywasm.GetPluginConfiguration()
	p.cluster = strings.TrimSpace(string(data))
	if err != nil || p.cluster == "" {
		proxywasm.LogCritical("the plugin configuration must name the auth cluster")
		return types.OnPluginStartStatusFailed
	}
	return types.OnPluginStartStatusOK
}

func (p *pluginContext) NewHttpContext(uint32) types.HttpContext {
	return &httpContext{cluster: p.cluster}
}

type httpContext struct {
	types.DefaultHttpContext
	cluster string
}

func forbid() {
	if err := proxywasm.SendHttpResponse(403, [][2]string{{"powered-by", "proxy-wasm-go-sdk"}}, []byte("access forbidden"), -1); err != nil {
		proxywasm.LogErrorf("send 403: %v", err)
	}
}

func (c *httpContext) OnHttpRequestHeaders(int, bool) types.Action {
	user, _ := proxywasm.GetHttpRequestHeader("x-user")
	headers := [][2]string{{":method", "GET"}, {":path", "/check?user=" + user}, {":authority", "auth.local"}}
	if _, err := proxywasm.DispatchHttpCall(c.cluster, headers, nil, nil, 5000, c.answered); err != nil {
		proxywasm.LogErrorf("dispatch: %v", err)
		if err := proxywasm.SendHttpResponse(500, nil, []byte("dispatch failed: "+err.Error()), -1); err != nil {
			proxywasm.LogErrorf("send 500: %v", err)
		}
		return types.ActionPause
	}
	return types.ActionPause
}

func (c *httpContext) answered(numHeaders, bodySize, _ int) {
	if numHeaders == 0 {
		proxywasm.LogWarn("auth call failed")
		forbid()
		return
	}
	status := ""
	hs, err := proxywasm.GetHttpCallResponseHeaders()
	if err != nil {
		proxywasm.LogErrorf("callout headers: %v", err)
	}
	for _, h := range hs {
		if h[0] == ":status" {
			status = h[1]
		}
	}
	body, err := proxywasm.GetHttpCallResponseBody(0, bodySize)
	if err != nil && bodySize > 0 {
		proxywasm.LogErrorf("callout body: %v", err)
	}
	proxywasm.LogInfof("auth answered %s: %s", status, body)
	if status == "200" && strings.HasPrefix(string(body), "allow") {
		if err := proxywasm.AddHttpRequestHeader("x-auth", string(body)); err != nil {
			proxywasm.LogErrorf("add x-auth: %v", err)
		}
		if err := proxywasm.ResumeHttpRequest(); err != nil {
			proxywasm.LogErrorf("resume: %v", err)
		}
		return
	}
	forbid()
}
