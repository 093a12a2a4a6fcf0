// ticks: timers and set_effective_context, on the proxy-wasm Go SDK (after the SDK's
// postpone_requests example). OnPluginStart sets a 100 ms tick. A request with header
// "x-postpone" pauses (logged "postpone request with contextID=<id>"); the next tick resumes
// every postponed request from the root context through SetEffectiveContext (logged "resume
// request with contextID=<id>") and adds "x-resumed-on-tick: <tick number>" to it. Other requests
// pass. The first three ticks log "tick <n>".
package main

import (
	"strconv"

	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm"
	"github.com/proxy-wasm/proxy-wasm-go-sdk/proxywasm/types"
)

func main() {}
func init() { proxywasm.SetVMContext(&vmContext{}) }

type vmContext struct{ types.DefaultVMContext }

func (*vmContext) NewPluginContext(uint32) types.PluginContext { return &pluginContext{} }

type pluginContext struct {
	types.DefaultPluginContext
	ticks     int
	postponed []uint32
}

func (p *pluginContext) OnPluginStart(int) types.OnPluginStartStatus {
	if err := proxywasm.SetTickPeriodMilliSeconds(100); err != nil {
		proxywasm.LogCriticalf("set tick period: %v", err)
		return types.OnPluginStartStatusFailed
	}
	return types.OnPluginStartStatusOK
}

func (p *pluginContext) OnTick() {
	p.ticks++
	if p.ticks <= 3 {
		proxywasm.LogInfof("tick %d", p.ticks)
	}
	for _, id := range p.postponed {
		if err := proxywasm.SetEffectiveContext(id); err != nil {
			proxywasm.LogErrorf("set effective context %d: %v", id, err)
			continue
		}
		_ = proxywasm.AddHttpRequestHeader("x-resumed-on-tick", strconv.Itoa(p.ticks))
		if err := proxywasm.ResumeHttpRequest(); err != nil {
			proxywasm.LogErrorf("resume %d: %v", id, err)
		}
		proxywasm.LogInfof("resume request with contextID=%d", id)
	}
	p.postponed = p.postponed[:0]
}

func (p *pluginContext) NewHttpContext(id uint32) types.HttpContext {
	return &httpContext{id: id, p: p}
}

type httpContext struct {
	types.DefaultHttpContext
	id uint32
	p  *pluginContext
}

func (c *httpContext) OnHttpRequestHeaders(int, bool) types.Action {
	if _, err := proxywasm.GetHttpRequestHeader("x-postpone"); err != nil {
		return types.ActionContinue
	}
	proxywasm.LogInfof("postpone request with contextID=%d", c.id)
	c.p.postponed = append(c.p.postponed, c.id)
	return types.ActionPause
}
