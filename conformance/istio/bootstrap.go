package main

import (
	"encoding/json"
	"fmt"
	"net"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

type bootstrapResult struct {
	bootstrap      map[string]any
	listeners      []ListenerInfo
	clusters       map[string]string
	removed        []Removal
	warnings       []string
	certificate    string
	certificateKey string
}

type obj = map[string]any

func toJSON(m proto.Message) (obj, error) {
	b, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(m)
	if err != nil {
		return nil, err
	}
	var o obj
	if err := json.Unmarshal(b, &o); err != nil {
		return nil, err
	}
	return o, nil
}

const hcmType = "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager"

// typeName of an Any in JSON form ("@type"), looking through (udpa|xds).type.v*.TypedStruct.
func typeName(any obj) string {
	t, _ := any["@type"].(string)
	t = t[strings.LastIndex(t, "/")+1:]
	if t == "udpa.type.v1.TypedStruct" || t == "xds.type.v3.TypedStruct" {
		u, _ := any["type_url"].(string)
		t = u[strings.LastIndex(u, "/")+1:]
	}
	return t
}

// upstreamType: the message type is part of Envoy's own API (go-control-plane's envoy module,
// or the cncf/xds types Envoy uses), not Istio's extensions nor Envoy's contrib build.
func upstreamType(name string) bool {
	if name == "" {
		return false
	}
	mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(name))
	if err != nil {
		return false
	}
	rt := reflect.TypeOf(mt.Zero().Interface())
	if rt.Kind() == reflect.Pointer {
		rt = rt.Elem()
	}
	pkg := rt.PkgPath()
	return strings.HasPrefix(pkg, "github.com/envoyproxy/go-control-plane/envoy/") ||
		strings.HasPrefix(pkg, "github.com/cncf/xds/go/") ||
		strings.HasPrefix(pkg, "google.golang.org/protobuf/types/")
}

// removalReason says why an Istio-proxy-only extension can go without changing routing.
func removalReason(name, typ string) string {
	switch {
	case strings.Contains(name, "metadata_exchange") || strings.Contains(typ, "metadataexchange") || strings.Contains(typ, "peer_metadata"):
		return "Istio's peer metadata exchange (istio-proxy only) only attaches workload metadata for telemetry; no route, cluster or header decision reads it"
	case strings.Contains(name, "istio.stats") || typ == "stats.PluginConfig":
		return "Istio's standard metrics filter (istio-proxy only) only counts requests; it never changes them"
	case strings.Contains(name, "istio.alpn") || strings.Contains(typ, "alpn"):
		return "istio.alpn (istio-proxy only) sets the upstream ALPN to istio-peer-exchange for Istio mTLS; upstreams here are plaintext and route selection happens before it"
	case strings.HasPrefix(name, "istio."):
		return fmt.Sprintf("%s (%s) is an istio-proxy extension absent from upstream Envoy; Istio does not use it for gateway route selection", name, typ)
	}
	return fmt.Sprintf("type %s is not in upstream Envoy's API (istio-proxy or contrib only); Istio does not use it for gateway route selection", typ)
}

// istioOnly reports whether an extension entry ({name, typed_config} or {name,
// config_discovery}) cannot be loaded by upstream Envoy, and why dropping it is safe.
func istioOnly(e obj) (string, string, bool) {
	name, _ := e["name"].(string)
	if _, ok := e["config_discovery"]; ok {
		return name, "discovered over ECDS (Istio's WasmPlugin/Telemetry extensions), which a static bootstrap has no server for; not part of Istio's route or cluster generation", true
	}
	tc, ok := e["typed_config"].(obj)
	if !ok {
		return "", "", false
	}
	typ := typeName(tc)
	if !upstreamType(typ) {
		return name, removalReason(name, typ), true
	}
	if typ == "envoy.extensions.filters.http.wasm.v3.Wasm" || typ == "envoy.extensions.filters.network.wasm.v3.Wasm" {
		if cfg, ok := tc["config"].(obj); ok {
			if vm, ok := cfg["vm_config"].(obj); ok && vm["runtime"] == "envoy.wasm.runtime.null" {
				return name, "a null-VM Wasm plugin compiled into istio-proxy (Istio's stats/metadata plugins); upstream Envoy has no null-VM plugins and it only observes traffic", true
			}
		}
	}
	return "", "", false
}

// removeIstioOnly walks a JSON resource and drops every istio-proxy-only extension from the
// lists it appears in (network, HTTP, listener and upstream filters, access loggers,
// formatters, ...) and from typed_per_filter_config maps.
func removeIstioOnly(v any, where string, removed *[]Removal) any {
	switch t := v.(type) {
	case obj:
		for k, val := range t {
			if k == "typed_per_filter_config" {
				if m, ok := val.(obj); ok {
					for fname, cfg := range m {
						c, _ := cfg.(obj)
						typ := typeName(c)
						if typ == "envoy.config.route.v3.FilterConfig" {
							if inner, ok := c["config"].(obj); ok {
								typ = typeName(inner)
							}
						}
						if !upstreamType(typ) {
							delete(m, fname)
							*removed = append(*removed, Removal{What: fname, Where: where + " typed_per_filter_config", Why: removalReason(fname, typ)})
						}
					}
				}
			}
			t[k] = removeIstioOnly(val, where, removed)
		}
		return t
	case []any:
		out := t[:0]
		for _, el := range t {
			if e, ok := el.(obj); ok {
				if name, why, drop := istioOnly(e); drop {
					*removed = append(*removed, Removal{What: name, Where: where, Why: why})
					continue
				}
			}
			out = append(out, removeIstioOnly(el, where, removed))
		}
		return out
	}
	return v
}

// containsKey: some value under v has the key.
func containsKey(v any, key string) bool {
	switch t := v.(type) {
	case obj:
		for k, val := range t {
			if k == key || containsKey(val, key) {
				return true
			}
		}
	case []any:
		for _, el := range t {
			if containsKey(el, key) {
				return true
			}
		}
	}
	return false
}

// sdsNames lists the SDS secret names under v.
func sdsNames(v any, out *[]string) {
	switch t := v.(type) {
	case obj:
		if _, ok := t["sds_config"]; ok {
			if n, ok := t["name"].(string); ok {
				*out = append(*out, n)
			}
		}
		for _, val := range t {
			sdsNames(val, out)
		}
	case []any:
		for _, el := range t {
			sdsNames(el, out)
		}
	}
}

// inlineSecrets replaces SDS references in a DownstreamTlsContext's common_tls_context with the
// test certificate (as the server certificate and as the trusted CA).
func inlineSecrets(v any, cert *testCert) {
	switch t := v.(type) {
	case obj:
		if ctc, ok := t["common_tls_context"].(obj); ok {
			if _, ok := ctc["tls_certificate_sds_secret_configs"]; ok {
				delete(ctc, "tls_certificate_sds_secret_configs")
				ctc["tls_certificates"] = []any{obj{
					"certificate_chain": obj{"inline_string": cert.certPEM},
					"private_key":       obj{"inline_string": cert.keyPEM},
				}}
			}
			trusted := obj{"inline_string": cert.certPEM}
			if cvc, ok := ctc["combined_validation_context"].(obj); ok {
				vc, _ := cvc["default_validation_context"].(obj)
				if vc == nil {
					vc = obj{}
				}
				vc["trusted_ca"] = trusted
				delete(ctc, "combined_validation_context")
				ctc["validation_context"] = vc
			}
			if _, ok := ctc["validation_context_sds_secret_config"]; ok {
				delete(ctc, "validation_context_sds_secret_config")
				ctc["validation_context"] = obj{"trusted_ca": trusted}
			}
		}
		for _, val := range t {
			inlineSecrets(val, cert)
		}
	case []any:
		for _, el := range t {
			inlineSecrets(el, cert)
		}
	}
}

// upstreamIPs gives each cluster, in sorted name order, the next address of the net:
// "127.201" → 127.201.0.1, 127.201.0.2, ... (host parts 0 and 255 skipped).
func upstreamIPs(netPrefix string, n int) ([]string, error) {
	parts := strings.Split(strings.Trim(netPrefix, "."), ".")
	if len(parts) < 1 || len(parts) > 3 {
		return nil, fmt.Errorf("upstreamNet %q: want 1 to 3 octets", netPrefix)
	}
	base := make([]int, 4)
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 || v > 255 {
			return nil, fmt.Errorf("upstreamNet %q: bad octet %q", netPrefix, p)
		}
		base[i] = v
	}
	free := 4 - len(parts)
	var out []string
	for k := 1; len(out) < n; k++ {
		if k >= 1<<(8*free) {
			return nil, fmt.Errorf("upstreamNet %q has room for %d clusters, %d needed", netPrefix, len(out), n)
		}
		ip := append([]int(nil), base...)
		for i, x := 3, k; i >= len(parts); i, x = i-1, x>>8 {
			ip[i] = x & 255
		}
		if ip[3] == 0 || ip[3] == 255 {
			continue
		}
		out = append(out, fmt.Sprintf("%d.%d.%d.%d", ip[0], ip[1], ip[2], ip[3]))
	}
	return out, nil
}

var istioRuntimeDefaults = obj{
	// Istio's bootstrap defaults (pkg/bootstrap/config.go extractRuntimeFlags); the first two
	// bear on routing (regex size limit, paths with a fragment).
	"re2.max_program_size.error_level":                         "32768",
	"envoy.reloadable_features.http_reject_path_with_fragment": false,
	"envoy.reloadable_features.fixed_heap_use_allocated":       true,
}

func buildBootstrap(req *Request, out *xdsOutput, hosts []string) (*bootstrapResult, error) {
	res := &bootstrapResult{clusters: map[string]string{}, removed: []Removal{}, listeners: []ListenerInfo{}}
	if net.ParseIP(req.ListenAddress) == nil {
		return nil, fmt.Errorf("listenAddress %q is not an IP address", req.ListenAddress)
	}
	cert, err := certFor(hosts, []string{req.ListenAddress})
	if err != nil {
		return nil, fmt.Errorf("test certificate: %v", err)
	}
	res.certificate = cert.certPEM
	res.certificateKey = cert.keyPEM
	routes := map[string]obj{}
	for _, rc := range out.routes {
		j, err := toJSON(rc)
		if err != nil {
			return nil, fmt.Errorf("route %s: %v", rc.Name, err)
		}
		routes[rc.Name] = j
	}

	// Clusters first: the listeners' tracing and logging may refer to them.
	clusterJSON := make([]obj, 0, len(out.clusters))
	var names []string
	for _, c := range out.clusters {
		j, err := toJSON(c)
		if err != nil {
			return nil, fmt.Errorf("cluster %s: %v", c.Name, err)
		}
		clusterJSON = append(clusterJSON, j)
	}
	known := map[string]bool{}
	needIP := map[string]bool{}
	for _, c := range clusterJSON {
		name, _ := c["name"].(string)
		known[name] = true
		typ, _ := c["type"].(string)
		if typ == "" {
			typ = "STATIC"
		}
		if _, custom := c["cluster_type"]; custom || typ == "ORIGINAL_DST" || name == "BlackHoleCluster" || strings.HasPrefix(name, "PassthroughCluster") || strings.HasPrefix(name, "InboundPassthroughCluster") {
			continue
		}
		needIP[name] = true
		names = append(names, name)
	}
	sort.Strings(names)
	ips, err := upstreamIPs(req.UpstreamNet, len(names))
	if err != nil {
		return nil, err
	}
	for i, n := range names {
		res.clusters[n] = ips[i]
	}
	clusters := make([]any, 0, len(clusterJSON))
	for _, c := range clusterJSON {
		name, _ := c["name"].(string)
		where := "cluster " + name
		if needIP[name] {
			for _, k := range []string{"eds_cluster_config", "dns_lookup_family", "dns_refresh_rate", "dns_failure_refresh_rate", "respect_dns_ttl", "dns_jitter", "typed_dns_resolver_config", "dns_resolvers", "use_tcp_for_dns_lookups", "dns_resolution_config"} {
				delete(c, k)
			}
			c["type"] = "STATIC"
			c["load_assignment"] = obj{
				"cluster_name": name,
				"endpoints": []any{obj{"lb_endpoints": []any{obj{"endpoint": obj{"address": obj{"socket_address": obj{
					"address": res.clusters[name], "port_value": req.UpstreamPort,
				}}}}}}},
			}
		}
		for _, k := range []string{"transport_socket", "transport_socket_matches"} {
			if ts, ok := c[k]; ok && containsKey(ts, "sds_config") {
				var secrets []string
				sdsNames(ts, &secrets)
				delete(c, k)
				res.removed = append(res.removed, Removal{
					What:  k + " (" + strings.Join(secrets, ", ") + ")",
					Where: where,
					Why:   "upstream TLS with SDS certificates (Istio mTLS or DestinationRule TLS); the test upstreams are plaintext, and the TLS origination does not take part in choosing the route or cluster",
				})
			}
		}
		clusters = append(clusters, removeIstioOnly(c, where, &res.removed))
	}

	listeners := make([]any, 0, len(out.listeners))
	for _, l := range out.listeners {
		j, err := toJSON(l)
		if err != nil {
			return nil, fmt.Errorf("listener %s: %v", l.Name, err)
		}
		info := ListenerInfo{Name: l.Name, Port: l.GetAddress().GetSocketAddress().GetPortValue(), RouteConfigs: []string{}}
		if sa, ok := j["address"].(obj)["socket_address"].(obj); ok {
			sa["address"] = req.ListenAddress
			delete(sa, "ipv4_compat")
		}
		if _, ok := j["additional_addresses"]; ok {
			delete(j, "additional_addresses")
			res.removed = append(res.removed, Removal{What: "additional_addresses", Where: "listener " + l.Name, Why: "the listener binds listenAddress only; the port, which tells route tables apart, is kept"})
		}
		var chains []any
		if fcs, ok := j["filter_chains"].([]any); ok {
			chains = append(chains, fcs...)
		}
		if d, ok := j["default_filter_chain"]; ok {
			chains = append(chains, d)
		}
		for ci, fc := range chains {
			fco, _ := fc.(obj)
			chain := fmt.Sprintf("filter chain %d", ci)
			if n, ok := fco["name"].(string); ok && n != "" {
				chain = "filter chain " + n
			}
			if m, ok := fco["filter_chain_match"].(obj); ok {
				if sn, ok := m["server_names"].([]any); ok {
					chain += fmt.Sprintf(" %v", sn)
				}
			}
			if ts, ok := fco["transport_socket"]; ok && containsKey(ts, "sds_config") {
				var secrets []string
				sdsNames(ts, &secrets)
				inlineSecrets(ts, cert)
				res.removed = append(res.removed, Removal{
					What:  "SDS secrets " + strings.Join(secrets, ", "),
					Where: "listener " + l.Name + " " + chain,
					Why:   "replaced by the inline test certificate (SAN * and the Gateway hosts); the TLS settings and SNI matching stay Istio's",
				})
			}
			filters, _ := fco["filters"].([]any)
			for _, f := range filters {
				fo, _ := f.(obj)
				tc, _ := fo["typed_config"].(obj)
				if typeName(tc) != hcmType {
					continue
				}
				if rds, ok := tc["rds"].(obj); ok {
					name, _ := rds["route_config_name"].(string)
					rc, ok := routes[name]
					if !ok {
						res.warnings = append(res.warnings, fmt.Sprintf("listener %s: Istio generated no route configuration %q", l.Name, name))
						rc = obj{"name": name}
					}
					delete(tc, "rds")
					tc["route_config"] = deepCopy(rc)
					if !contains(info.RouteConfigs, name) {
						info.RouteConfigs = append(info.RouteConfigs, name)
					}
				}
				if tr, ok := tc["tracing"].(obj); ok {
					if p, ok := tr["provider"].(obj); ok {
						if missing := missingClusterRef(p, known); missing != "" {
							delete(tr, "provider")
							res.removed = append(res.removed, Removal{
								What:  fmt.Sprintf("tracing provider %v", p["name"]),
								Where: "listener " + l.Name + " HTTP connection manager",
								Why:   fmt.Sprintf("it sends spans to cluster %q, which Istio defines in the proxy's bootstrap, not over xDS; tracing does not change routing", missing),
							})
						}
					}
				}
			}
		}
		j = removeIstioOnly(j, "listener "+l.Name, &res.removed).(obj)
		dropMissingClusterLoggers(j, known, "listener "+l.Name, &res.removed)
		listeners = append(listeners, j)
		res.listeners = append(res.listeners, info)
	}

	res.bootstrap = obj{
		"node": obj{"id": "router~" + req.ListenAddress + "~istio-xds." + req.Namespace + "~" + req.Namespace + ".svc.cluster.local", "cluster": "istio-xds." + req.Namespace},
		"static_resources": obj{
			"listeners": listeners,
			"clusters":  clusters,
		},
		"admin": obj{"address": obj{"socket_address": obj{"address": req.ListenAddress, "port_value": req.AdminPort}}},
		"layered_runtime": obj{"layers": []any{
			obj{"name": "istio defaults", "static_layer": deepCopy(istioRuntimeDefaults)},
			obj{"name": "admin", "admin_layer": obj{}},
		}},
	}
	var left []string
	sdsNames(res.bootstrap, &left)
	if len(left) > 0 {
		res.warnings = append(res.warnings, "SDS references left in the bootstrap: "+strings.Join(left, ", "))
	}
	return res, nil
}

// missingClusterRef: a cluster the extension sends to (collector_cluster, envoy_grpc
// cluster_name) that is not among the xDS clusters, or "".
func missingClusterRef(v any, known map[string]bool) string {
	switch t := v.(type) {
	case obj:
		for _, k := range []string{"collector_cluster", "cluster_name"} {
			if s, ok := t[k].(string); ok && !known[s] {
				return s
			}
		}
		for _, val := range t {
			if m := missingClusterRef(val, known); m != "" {
				return m
			}
		}
	case []any:
		for _, el := range t {
			if m := missingClusterRef(el, known); m != "" {
				return m
			}
		}
	}
	return ""
}

// dropMissingClusterLoggers removes access loggers that send to clusters from Istio's bootstrap
// (gRPC/OpenTelemetry access log services).
func dropMissingClusterLoggers(v any, known map[string]bool, where string, removed *[]Removal) {
	switch t := v.(type) {
	case obj:
		for k, val := range t {
			if k == "access_log" {
				if list, ok := val.([]any); ok {
					out := list[:0]
					for _, al := range list {
						if m := missingClusterRef(al, known); m != "" {
							name, _ := al.(obj)["name"].(string)
							*removed = append(*removed, Removal{What: "access log " + name, Where: where, Why: fmt.Sprintf("it sends to cluster %q, defined in Istio's bootstrap, not over xDS; logging does not change routing", m)})
							continue
						}
						out = append(out, al)
					}
					t[k] = out
				}
				continue
			}
			dropMissingClusterLoggers(val, known, where, removed)
		}
	case []any:
		for _, el := range t {
			dropMissingClusterLoggers(el, known, where, removed)
		}
	}
}

func deepCopy(v obj) obj {
	b, _ := json.Marshal(v)
	var o obj
	_ = json.Unmarshal(b, &o)
	return o
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
