// metrics: the host's stats, on the proxy-wasm Go SDK. OnPluginStart defines counter
// "go_requests_total", gauge "go_header_bytes" and histogram "go_path_length". Each request
// increments the counter, adds the request's header count to the gauge, records its path's
// length, increments counter "go_header_value_counts_value=<my-custom-header>" (defined on
// first use, as the SDK's metrics example tags a counter by a header value) when that header is
// present, and answers response headers "x-go-requests: <counter value>" and
// "x-go-header-bytes: <gauge value>".
package main

import (
	"strconv"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
)

func main() {}
func init() { proxywasm.SetVMContext(&vmContext{}) }

type vmContext struct{ types.DefaultVMContext }

func (*vmContext) NewPluginContext(uint32) types.PluginContext {
	return &pluginContext{tagged: map[string]proxywasm.MetricCounter{}}
}

type pluginContext struct {
	types.DefaultPluginContext
	requests    proxywasm.MetricCounter
	headerBytes proxywasm.MetricGauge
	pathLength  proxywasm.MetricHistogram
	tagged      map[string]proxywasm.MetricCounter
}

func (p *pluginContext) OnPluginStart(int) types.OnPluginStartStatus {
	p.requests = proxywasm.DefineCounterMetric("go_requests_total")
	p.headerBytes = proxywasm.DefineGaugeMetric("go_header_bytes")
	p.pathLength = proxywasm.DefineHistogramMetric("go_path_length")
	return types.OnPluginStartStatusOK
}

func (p *pluginContext) NewHttpContext(uint32) types.HttpContext { return &httpContext{p: p} }

type httpContext struct {
	types.DefaultHttpContext
	p *pluginContext
}

func (c *httpContext) OnHttpRequestHeaders(numHeaders int, _ bool) types.Action {
	c.p.requests.Increment(1)
	c.p.headerBytes.Add(int64(numHeaders))
	path, _ := proxywasm.GetHttpRequestHeader(":path")
	c.p.pathLength.Record(uint64(len(path)))
	if v, err := proxywasm.GetHttpRequestHeader("my-custom-header"); err == nil {
		m, ok := c.p.tagged[v]
		if !ok {
			m = proxywasm.DefineCounterMetric("go_header_value_counts_value=" + v)
			c.p.tagged[v] = m
		}
		m.Increment(1)
	}
	return types.ActionContinue
}

func (c *httpContext) OnHttpResponseHeaders(int, bool) types.Action {
	_ = proxywasm.AddHttpResponseHeader("x-go-requests", strconv.FormatUint(c.p.requests.Value(), 10))
	_ = proxywasm.AddHttpResponseHeader("x-go-header-bytes", strconv.FormatInt(c.p.headerBytes.Value(), 10))
	return types.ActionContinue
}
