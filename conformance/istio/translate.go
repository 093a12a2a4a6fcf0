package main

import (
	"encoding/json"
	"fmt"
	"os"
	goruntime "runtime"
	"sort"
	"strings"
	"sync/atomic"

	cluster "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	listener "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	klabels "k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	networking "istio.io/api/networking/v1alpha3"
	"istio.io/istio/pilot/pkg/model"
	"istio.io/istio/pilot/test/xds"
	"istio.io/istio/pkg/config"
	"istio.io/istio/pkg/config/constants"
	"istio.io/istio/pkg/config/schema/gvk"
	"istio.io/istio/pkg/kube/krt"
)

// Request is one translation: the inputs and where the bootstrap should listen and send.
type Request struct {
	// ID, if set, is echoed in the response (for clients that pipeline requests).
	ID any `json:"id,omitempty"`
	// YAML: multi-document Istio configs and Kubernetes objects, mixed.
	YAML string `json:"yaml"`
	// Labels of the gateway workload (default istio=ingressgateway).
	Labels map[string]string `json:"labels,omitempty"`
	// Namespace of the gateway workload (default istio-system).
	Namespace string `json:"namespace,omitempty"`
	// ListenAddress replaces every listener's address (ports are kept) and is the admin address.
	ListenAddress string `json:"listenAddress,omitempty"`
	// UpstreamPort is the port of every cluster's single static endpoint.
	UpstreamPort int `json:"upstreamPort,omitempty"`
	// UpstreamNet: the first one to three octets of the endpoints' addresses (default 127.201).
	UpstreamNet string `json:"upstreamNet,omitempty"`
	// AdminPort of the bootstrap's admin interface.
	AdminPort int `json:"adminPort,omitempty"`
	// ProxyVersion is the Istio version the gateway proxy reports (default 1.28.0, whose
	// istio-proxy is Envoy 1.36); Istio gates some generated fields on it.
	ProxyVersion string `json:"proxyVersion,omitempty"`
}

// ListenerInfo summarises one listener of the bootstrap.
type ListenerInfo struct {
	Name         string   `json:"name"`
	Port         uint32   `json:"port"`
	RouteConfigs []string `json:"routeConfigs"`
}

// Removal is something of Istio's output left out of the bootstrap, with why that leaves
// routing unchanged.
type Removal struct {
	What  string `json:"what"`
	Where string `json:"where"`
	Why   string `json:"why"`
}

// UnmatchedPatch is one EnvoyFilter configPatch that changed nothing Istio generated.
type UnmatchedPatch struct {
	EnvoyFilter string `json:"envoyFilter"`
	Index       int    `json:"index"`
	ApplyTo     string `json:"applyTo"`
	Match       any    `json:"match"`
}

// Response is the translation result; see README.md.
type Response struct {
	ID               any               `json:"id,omitempty"`
	Bootstrap        map[string]any    `json:"bootstrap"`
	Listeners        []ListenerInfo    `json:"listeners"`
	Clusters         map[string]string `json:"clusters"`
	Removed          []Removal         `json:"removed"`
	UnmatchedPatches []UnmatchedPatch  `json:"unmatchedPatches"`
	Errors           []string          `json:"errors"`
	Warnings         []string          `json:"warnings"`
	// Extensions: ECDS references (WasmPlugins) resolved into the listeners, see ecds.go.
	Extensions   []ResolvedExtension `json:"extensions"`
	IstioVersion string              `json:"istioVersion"`
	// Certificate (PEM) that replaces every SDS secret; trust it to call the TLS listeners.
	Certificate string `json:"certificate,omitempty"`
	// CertificateKey (PEM) of Certificate, for clients of MUTUAL and ISTIO_MUTUAL servers.
	CertificateKey string `json:"certificateKey,omitempty"`
}

func (r *Request) defaults() {
	if len(r.Labels) == 0 {
		r.Labels = map[string]string{"istio": "ingressgateway"}
	}
	if r.Namespace == "" {
		r.Namespace = "istio-system"
	}
	if r.ListenAddress == "" {
		r.ListenAddress = "127.0.0.2"
	}
	if r.UpstreamPort == 0 {
		r.UpstreamPort = 19000
	}
	if r.UpstreamNet == "" {
		r.UpstreamNet = "127.201"
	}
	if r.AdminPort == 0 {
		r.AdminPort = 19901
	}
	if r.ProxyVersion == "" {
		r.ProxyVersion = "1.28.0"
	}
}

// xdsOutput is what Istio generates for the gateway proxy.
type xdsOutput struct {
	// extensions: the ECDS references resolved into the listeners (ecds.go).
	extensions []ResolvedExtension
	listeners  []*listener.Listener
	routes     []*route.RouteConfiguration
	clusters   []*cluster.Cluster
}

// canonical is the output as JSON with every Any decoded and object keys sorted: the binary
// encoding of a message with map fields (inside Any values) is not deterministic, so
// proto.Equal can see two equal outputs as different.
func (a *xdsOutput) canonical() string {
	var all []any
	for _, m := range append(append(msgs(a.listeners), msgs(a.routes)...), msgs(a.clusters)...) {
		j, err := toJSON(m)
		if err != nil {
			return "error: " + err.Error()
		}
		all = append(all, j)
	}
	b, _ := json.Marshal(all)
	return string(b)
}

func (a *xdsOutput) equal(b *xdsOutput) bool { return a.canonical() == b.canonical() }

func msgs[T proto.Message](in []T) []proto.Message {
	out := make([]proto.Message, len(in))
	for i, m := range in {
		out[i] = m
	}
	return out
}

const gatewayPodIP = "10.88.0.2"

// gatewayProxy finds the gateway Pod among the Kubernetes objects (a Pod in the gateway
// namespace carrying the workload labels, with an IP) or adds one, so that the gateway's
// Service selects the proxy and its targetPorts become the listener ports, as in a cluster.
func gatewayProxy(req *Request, objs []runtime.Object) ([]runtime.Object, func() *model.Proxy, string) {
	sel := klabels.SelectorFromSet(req.Labels)
	var podName, podIP string
	for _, o := range objs {
		p, ok := o.(*corev1.Pod)
		if !ok || p.Namespace != req.Namespace || !sel.Matches(klabels.Set(p.Labels)) || p.Status.PodIP == "" {
			continue
		}
		podName, podIP = p.Name, p.Status.PodIP
		break
	}
	note := ""
	if podName == "" {
		podName, podIP = "istio-xds-gateway", gatewayPodIP
		labels := map[string]string{}
		for k, v := range req.Labels {
			labels[k] = v
		}
		objs = append(objs, &corev1.Pod{
			TypeMeta:   metav1.TypeMeta{Kind: "Pod", APIVersion: "v1"},
			ObjectMeta: metav1.ObjectMeta{Name: podName, Namespace: req.Namespace, Labels: labels},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "istio-proxy", Image: "istio/proxyv2"}}},
			Status: corev1.PodStatus{
				Phase:      corev1.PodRunning,
				PodIP:      podIP,
				PodIPs:     []corev1.PodIP{{IP: podIP}},
				Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
			},
		})
	} else {
		note = fmt.Sprintf("gateway proxy is Pod %s/%s (%s) from the inputs", req.Namespace, podName, podIP)
	}
	newProxy := func() *model.Proxy {
		labels := map[string]string{}
		for k, v := range req.Labels {
			labels[k] = v
		}
		return &model.Proxy{
			Type:            model.Router,
			ID:              podName + "." + req.Namespace,
			ConfigNamespace: req.Namespace,
			IPAddresses:     []string{podIP},
			Labels:          labels,
			DNSDomain:       req.Namespace + ".svc.cluster.local",
			Metadata: &model.NodeMetadata{
				Namespace:    req.Namespace,
				Labels:       labels,
				ClusterID:    constants.DefaultClusterName,
				IstioVersion: req.ProxyVersion,
			},
		}
	}
	return objs, newProxy, note
}

// generate builds the gateway's listeners, routes and clusters with Istio's test discovery
// server, which runs the same config generation and EnvoyFilter patching as istiod.
func generate(configs []config.Config, kube []runtime.Object, newProxy func() *model.Proxy) (*xdsOutput, error) {
	var out *xdsOutput
	// The fake server registers every krt collection with this global debug handler, which
	// would keep each request's collections (and their data) alive for the process lifetime.
	krt.GlobalDebugHandler = new(krt.DebugHandler)
	err := runWithFailer(func(t *failer) {
		s := xds.NewFakeDiscoveryServer(t, xds.FakeOptions{
			Configs:           configs,
			KubernetesObjects: kube,
		})
		proxy := s.SetupProxy(newProxy())
		ls := s.Listeners(proxy)
		ext, err := resolveECDS(s, proxy, ls)
		if err != nil {
			t.Fatalf("resolving ECDS: %v", err)
		}
		out = &xdsOutput{
			extensions: ext,
			listeners:  ls,
			routes:     s.RoutesFromListeners(proxy, ls),
			clusters:   s.Clusters(proxy),
		}
		// Istio's order of resources varies from one build to the next (map iteration); an
		// xDS client does not depend on it, so sort by name.
		sort.SliceStable(out.listeners, func(i, j int) bool { return out.listeners[i].Name < out.listeners[j].Name })
		sort.SliceStable(out.routes, func(i, j int) bool { return out.routes[i].Name < out.routes[j].Name })
		sort.SliceStable(out.clusters, func(i, j int) bool { return out.clusters[i].Name < out.clusters[j].Name })
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

var requestSeq atomic.Int64

// splitPatch records where a one-patch EnvoyFilter came from.
type splitPatch struct {
	origin  string // namespace/name of the EnvoyFilter in the inputs
	index   int
	applyTo networking.EnvoyFilter_ApplyTo
	match   *networking.EnvoyFilter_EnvoyConfigObjectMatch
	full    string // namespace/name of the split EnvoyFilter
}

// splitEnvoyFilters replaces each EnvoyFilter by one EnvoyFilter per configPatch, so Istio's
// per-EnvoyFilter "applied" record becomes a per-patch one. The names are the original name
// followed by "!<seq>!<index>": '!' sorts below every character of a Kubernetes name, so with
// the same priority and creation time the split filters keep their place among the other
// EnvoyFilters (Istio orders by priority, creation time, name) and the patches their order.
func splitEnvoyFilters(configs []config.Config, seq int64) ([]config.Config, []splitPatch) {
	var out []config.Config
	var splits []splitPatch
	for _, c := range configs {
		if c.GroupVersionKind != gvk.EnvoyFilter {
			out = append(out, c)
			continue
		}
		spec := c.Spec.(*networking.EnvoyFilter)
		for i, cp := range spec.ConfigPatches {
			one := proto.Clone(spec).(*networking.EnvoyFilter)
			one.ConfigPatches = []*networking.EnvoyFilter_EnvoyConfigObjectPatch{proto.Clone(cp).(*networking.EnvoyFilter_EnvoyConfigObjectPatch)}
			nc := c.DeepCopy()
			nc.Name = fmt.Sprintf("%s!%06d!%05d", c.Name, seq, i)
			nc.Spec = one
			out = append(out, nc)
			splits = append(splits, splitPatch{
				origin: c.Namespace + "/" + c.Name, index: i, applyTo: cp.ApplyTo, match: cp.Match,
				full: nc.Namespace + "/" + nc.Name,
			})
		}
	}
	return out, splits
}

var istioVersion = "unknown"

// translate runs one request end to end.
func translate(req Request) Response {
	req.defaults()
	resp := Response{ID: req.ID, Clusters: map[string]string{}, Removed: []Removal{}, UnmatchedPatches: []UnmatchedPatch{},
		Errors: []string{}, Warnings: []string{}, Listeners: []ListenerInfo{}, Extensions: []ResolvedExtension{}, IstioVersion: istioVersion}
	in := parseInputs(req.YAML)
	resp.Errors = append(resp.Errors, in.errors...)
	resp.Warnings = append(resp.Warnings, in.warnings...)

	kube, proxy, note := gatewayProxy(&req, in.kube)
	if note != "" {
		resp.Warnings = append(resp.Warnings, note)
	}
	seq := requestSeq.Add(1)
	configs, splits := splitEnvoyFilters(in.configs, seq)
	out, err := generate(configs, kube, proxy)
	if err != nil {
		resp.Errors = append(resp.Errors, "istio: "+err.Error())
		return resp
	}
	resp.Extensions = out.extensions
	applied := appliedPatches()
	debugf("Istio recorded as applied: %v (goroutines %d)", applied, goruntime.NumGoroutine())
	for _, sp := range splits {
		if applied[sp.full] || !patchEvaluated(sp.applyTo) {
			if !patchEvaluated(sp.applyTo) {
				resp.Warnings = append(resp.Warnings, fmt.Sprintf("EnvoyFilter %s patch %d: applyTo %s is not part of listeners, routes or clusters; not checked", sp.origin, sp.index, sp.applyTo))
			}
			continue
		}
		// Istio's record misses some applications (e.g. HTTP_ROUTE REMOVE, INSERT_* without a
		// route match): the patch applied if leaving it out changes the generated config.
		var without []config.Config
		for _, c := range configs {
			if c.GroupVersionKind == gvk.EnvoyFilter && c.Namespace+"/"+c.Name == sp.full {
				continue
			}
			without = append(without, c)
		}
		other, err := generate(without, kube, proxy)
		if err != nil {
			resp.Errors = append(resp.Errors, "istio: "+err.Error())
			return resp
		}
		if !other.equal(out) {
			debugf("patch %s: applied (leaving it out changes the output)", sp.full)

			continue
		}
		resp.UnmatchedPatches = append(resp.UnmatchedPatches, UnmatchedPatch{
			EnvoyFilter: sp.origin, Index: sp.index, ApplyTo: sp.applyTo.String(), Match: matchJSON(sp.match),
		})
	}
	if len(out.listeners) == 0 {
		resp.Warnings = append(resp.Warnings, fmt.Sprintf("no listeners: no Gateway selects the workload %v in %s", req.Labels, req.Namespace))
	}
	b, err := buildBootstrap(&req, out, gatewayHosts(in.configs))
	if err != nil {
		resp.Errors = append(resp.Errors, err.Error())
		return resp
	}
	resp.Bootstrap = b.bootstrap
	resp.Listeners = b.listeners
	resp.Clusters = b.clusters
	resp.Removed = b.removed
	resp.Certificate = b.certificate
	resp.CertificateKey = b.certificateKey
	resp.Warnings = append(resp.Warnings, b.warnings...)
	return resp
}

// patchEvaluated: the patch kinds applied to listeners, route configurations and clusters.
func patchEvaluated(a networking.EnvoyFilter_ApplyTo) bool {
	switch a {
	case networking.EnvoyFilter_EXTENSION_CONFIG, networking.EnvoyFilter_BOOTSTRAP:
		return false
	}
	return true
}

func matchJSON(m *networking.EnvoyFilter_EnvoyConfigObjectMatch) any {
	if m == nil {
		return nil
	}
	b, err := protojson.Marshal(m)
	if err != nil {
		return nil
	}
	var v any
	_ = jsonUnmarshal(b, &v)
	return v
}

// gatewayHosts: the hosts of every Gateway server, for the test certificate's SANs.
func gatewayHosts(configs []config.Config) []string {
	set := map[string]bool{}
	for _, c := range configs {
		if c.GroupVersionKind != gvk.Gateway {
			continue
		}
		for _, s := range c.Spec.(*networking.Gateway).Servers {
			for _, h := range s.Hosts {
				if i := strings.Index(h, "/"); i >= 0 {
					h = h[i+1:]
				}
				if h != "" && h != "*" {
					set[h] = true
				}
			}
		}
	}
	out := make([]string, 0, len(set))
	for h := range set {
		out = append(out, h)
	}
	sort.Strings(out)
	return out
}

var debugOn = os.Getenv("ISTIO_XDS_DEBUG") != ""

func debugf(format string, args ...any) {
	if debugOn {
		fmt.Fprintf(os.Stderr, "istio-xds: "+format+"\n", args...)
	}
}
