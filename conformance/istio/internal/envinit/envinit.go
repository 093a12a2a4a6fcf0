// Package envinit sets the environment variables that Istio reads once, at package
// initialisation, before any istio.io package initialises. It must import nothing but the
// standard library: Go initialises ready packages in import-path order, and
// "gatewasm/..." sorts before "github.com/..." and "istio.io/...".
package envinit

import "os"

func init() {
	// pilot/pkg/features.EnableEnvoyFilterMetrics: without it the per-patch "applied" record
	// (pilot/pkg/networking/core/envoyfilter/monitoring.go) and its gauge are disabled.
	os.Setenv("PILOT_ENVOY_FILTER_STATS", "true")
}
