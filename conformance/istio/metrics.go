package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"istio.io/istio/pilot/pkg/features"
	"istio.io/istio/pilot/pkg/networking/core/envoyfilter"
	"istio.io/istio/pkg/monitoring"
)

var (
	metricsOnce sync.Once
	metricsReg  *prometheus.Registry
	metricsErr  error
)

// initMetrics exports Istio's metrics to a private Prometheus registry, from which the
// EnvoyFilter patch status gauge (pilot_envoy_filter_status{name,patch,result="applied"}) is read.
func initMetrics() error {
	metricsOnce.Do(func() {
		if !features.EnableEnvoyFilterMetrics {
			metricsErr = fmt.Errorf("PILOT_ENVOY_FILTER_STATS was not set before Istio initialised")
			return
		}
		metricsReg = prometheus.NewRegistry()
		_, metricsErr = monitoring.RegisterPrometheusExporter(metricsReg, metricsReg)
	})
	return metricsErr
}

// appliedPatches flushes Istio's EnvoyFilter record (envoyfilter.RecordMetrics) and returns the
// namespace/name of each EnvoyFilter that Istio recorded as applied to something.
func appliedPatches() map[string]bool {
	out := map[string]bool{}
	if initMetrics() != nil {
		return out
	}
	envoyfilter.RecordMetrics()
	families, err := metricsReg.Gather()
	if err != nil {
		return out
	}
	for _, f := range families {
		if !strings.HasPrefix(f.GetName(), "pilot_envoy_filter_status") {
			continue
		}
		for _, m := range f.Metric {
			var name, result string
			for _, l := range m.Label {
				switch l.GetName() {
				case "name":
					name = l.GetValue()
				case "result":
					result = l.GetValue()
				}
			}
			if result == "applied" && name != "" && m.GetGauge().GetValue() == 1 {
				out[name] = true
			}
		}
	}
	return out
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
