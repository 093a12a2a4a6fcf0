package main

// A WasmPlugin reaches the gateway as an ECDS reference: Istio converts it into a
// TrafficExtension (pilot/pkg/config/kube/extensions/controller.go) and puts an HTTP filter
// named "extensions.istio.io/trafficextension/<ns>.<name>" with a config_discovery source in the
// connection manager (pilot/pkg/networking/core/extension/extensionfilter.go); the filter's
// configuration itself is served over ECDS (pilot/pkg/xds/ecds.go → ConfigGeneratorImpl
// BuildExtensionConfiguration, whose Wasm PluginConfig is pilot/pkg/model/extensions.go
// buildWasmConfig). A static bootstrap has no ECDS, so each reference is resolved here with the
// same ECDS generator and the resulting TypedExtensionConfig inlined as the filter's
// typed_config — what Envoy holds once ECDS has answered. (For file:// modules the data source is
// a local file Envoy loads itself; a remote one would be fetched and rewritten to a local file by
// the istio-agent, which this tool does not run: such references are left unresolved and
// reported.)

import (
	"fmt"
	"sort"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	listener "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	wasmhttp "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/wasm/v3"
	hcm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	"google.golang.org/protobuf/types/known/anypb"

	"istio.io/istio/pilot/pkg/model"
	"istio.io/istio/pilot/test/xds"
)

// ResolvedExtension is one ECDS reference of the listeners and what it resolved to.
type ResolvedExtension struct {
	Name string `json:"name"`
	// Listeners holding the reference.
	Listeners []string `json:"listeners"`
	// Resolved: the configuration was inlined; otherwise Reason says why not.
	Resolved bool   `json:"resolved"`
	Reason   string `json:"reason,omitempty"`
	// Code: the Wasm module's data source as Istio generated it (local filename or remote URI).
	Code string `json:"code,omitempty"`
}

// resolveECDS inlines every ECDS HTTP filter of the listeners (in place) and reports each name.
func resolveECDS(s *xds.FakeDiscoveryServer, proxy *model.Proxy, ls []*listener.Listener) ([]ResolvedExtension, error) {
	type site struct {
		holder *listener.Filter
		cm     *hcm.HttpConnectionManager
	}
	sites := []site{}
	where := map[string][]string{}
	for _, l := range ls {
		chains := append([]*listener.FilterChain{}, l.FilterChains...)
		if l.DefaultFilterChain != nil {
			chains = append(chains, l.DefaultFilterChain)
		}
		for _, fc := range chains {
			for _, nf := range fc.Filters {
				tc := nf.GetTypedConfig()
				if tc == nil || tc.TypeUrl != "type.googleapis.com/"+hcmType {
					continue
				}
				cm := &hcm.HttpConnectionManager{}
				if err := tc.UnmarshalTo(cm); err != nil {
					return nil, fmt.Errorf("listener %s: %v", l.Name, err)
				}
				found := false
				for _, hf := range cm.HttpFilters {
					if hf.GetConfigDiscovery() != nil {
						found = true
						if !contains(where[hf.Name], l.Name) {
							where[hf.Name] = append(where[hf.Name], l.Name)
						}
					}
				}
				if found {
					sites = append(sites, site{nf, cm})
				}
			}
		}
	}
	if len(where) == 0 {
		return []ResolvedExtension{}, nil
	}
	names := make([]string, 0, len(where))
	for n := range where {
		names = append(names, n)
	}
	sort.Strings(names)
	byName := map[string]*core.TypedExtensionConfig{}
	for _, ec := range s.ConfigGen.BuildExtensionConfiguration(proxy, s.PushContext(), names, nil) {
		byName[ec.Name] = ec
	}
	report := map[string]*ResolvedExtension{}
	for _, n := range names {
		r := &ResolvedExtension{Name: n, Listeners: where[n]}
		ec := byName[n]
		switch {
		case ec == nil:
			r.Reason = "Istio's ECDS generator returned no configuration for it"
		default:
			code, local := wasmCode(ec)
			r.Code = code
			if local || code == "" {
				r.Resolved = true
			} else {
				r.Reason = "a remote Wasm module: the istio-agent would fetch it and rewrite the source to a local file; this tool runs no agent"
			}
		}
		report[n] = r
	}
	for _, st := range sites {
		for _, hf := range st.cm.HttpFilters {
			r := report[hf.Name]
			if hf.GetConfigDiscovery() == nil || r == nil || !r.Resolved {
				continue
			}
			hf.ConfigType = &hcm.HttpFilter_TypedConfig{TypedConfig: byName[hf.Name].TypedConfig}
		}
		a, err := anypb.New(st.cm)
		if err != nil {
			return nil, err
		}
		st.holder.ConfigType = &listener.Filter_TypedConfig{TypedConfig: a}
	}
	out := make([]ResolvedExtension, 0, len(names))
	for _, n := range names {
		out = append(out, *report[n])
	}
	return out, nil
}

// wasmCode: the module source of a Wasm HTTP filter configuration, and whether it is local.
func wasmCode(ec *core.TypedExtensionConfig) (string, bool) {
	w := &wasmhttp.Wasm{}
	if ec.TypedConfig == nil || ec.TypedConfig.UnmarshalTo(w) != nil {
		return "", false
	}
	code := w.GetConfig().GetVmConfig().GetCode()
	if f := code.GetLocal().GetFilename(); f != "" {
		return "file://" + f, true
	}
	if u := code.GetRemote().GetHttpUri().GetUri(); u != "" {
		return u, false
	}
	return "", false
}
