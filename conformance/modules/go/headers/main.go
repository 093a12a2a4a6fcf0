// headers: request and response header operations, plugin configuration and properties on the
// proxy-wasm Go SDK. Behaviour (each line is checked in test/modules/go-sdk.test.ts):
//   - plugin configuration "name: value" (one line); OnPluginStart logs
//     "header from config: name = value" and refuses anything else ("bad configuration");
//   - request: replaces "test" with "best", removes "x-remove-me", adds "x-go-request: seen";
//     logs "request header --> name: value" for every header whose name starts with "x-" or ":"
//     other than :scheme and x-forwarded-*, x-request-id, x-envoy-* (which Envoy adds itself);
//   - response: adds "x-go-sdk-example: headers", the configured header and
//     "x-go-properties: root_id,plugin_name,vm_id,method,path" read through GetProperty;
//   - OnHttpStreamDone logs "<context id> finished".
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
	name, value string
}

func (p *pluginContext) OnPluginStart(int) types.OnPluginStartStatus {
	data, err := proxywasm.GetPluginConfiguration()
	if err != nil && err != types.ErrorStatusNotFound {
		proxywasm.LogCriticalf("cannot read plugin configuration: %v", err)
		return types.OnPluginStartStatusFailed
	}
	name, value, ok := strings.Cut(string(data), ":")
	p.name, p.value = strings.TrimSpace(name), strings.TrimSpace(value)
	if !ok || p.name == "" || p.value == "" {
		proxywasm.LogCriticalf("bad configuration %q: want \"name: value\"", string(data))
		return types.OnPluginStartStatusFailed
	}
	proxywasm.LogInfof("header from config: %s = %s", p.name, p.value)
	return types.OnPluginStartStatusOK
}

func (p *pluginContext) NewHttpContext(id uint32) types.HttpContext {
	return &httpContext{id: id, plugin: p}
}

type httpContext struct {
	types.DefaultHttpContext
	id     uint32
	plugin *pluginContext
}

func envoyAdded(name string) bool {
	return name == ":scheme" || name == "x-request-id" || strings.HasPrefix(name, "x-forwarded-") || strings.HasPrefix(name, "x-envoy-")
}

func (c *httpContext) OnHttpRequestHeaders(int, bool) types.Action {
	if err := proxywasm.ReplaceHttpRequestHeader("test", "best"); err != nil {
		proxywasm.LogCriticalf("replace test: %v", err)
	}
	if err := proxywasm.RemoveHttpRequestHeader("x-remove-me"); err != nil {
		proxywasm.LogCriticalf("remove x-remove-me: %v", err)
	}
	if err := proxywasm.AddHttpRequestHeader("x-go-request", "seen"); err != nil {
		proxywasm.LogCriticalf("add x-go-request: %v", err)
	}
	hs, err := proxywasm.GetHttpRequestHeaders()
	if err != nil {
		proxywasm.LogCriticalf("get request headers: %v", err)
	}
	for _, h := range hs {
		if (strings.HasPrefix(h[0], "x-") || strings.HasPrefix(h[0], ":")) && !envoyAdded(h[0]) {
			proxywasm.LogInfof("request header --> %s: %s", h[0], h[1])
		}
	}
	return types.ActionContinue
}

func property(path ...string) string {
	v, err := proxywasm.GetProperty(path)
	if err != nil {
		return "<" + err.Error() + ">"
	}
	return string(v)
}

func (c *httpContext) OnHttpResponseHeaders(int, bool) types.Action {
	if err := proxywasm.AddHttpResponseHeader("x-go-sdk-example", "headers"); err != nil {
		proxywasm.LogCriticalf("add response header: %v", err)
	}
	if err := proxywasm.AddHttpResponseHeader(c.plugin.name, c.plugin.value); err != nil {
		proxywasm.LogCriticalf("add configured header: %v", err)
	}
	props := []string{
		property("plugin_root_id"), property("plugin_name"), property("plugin_vm_id"),
		property("request", "method"), property("request", "path"),
	}
	if err := proxywasm.AddHttpResponseHeader("x-go-properties", strings.Join(props, ",")); err != nil {
		proxywasm.LogCriticalf("add x-go-properties: %v", err)
	}
	return types.ActionContinue
}

func (c *httpContext) OnHttpStreamDone() {
	proxywasm.LogInfof("%d finished", c.id)
}
