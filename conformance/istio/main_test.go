package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

func readTestdata(t *testing.T, names ...string) string {
	t.Helper()
	var b strings.Builder
	for _, n := range names {
		d, err := os.ReadFile(filepath.Join("testdata", n))
		if err != nil {
			t.Fatal(err)
		}
		b.Write(d)
		b.WriteString("\n---\n")
	}
	return b.String()
}

// httpOnly: basic.yaml without its HTTPS server, as in Istio's TestTargetPort.
const httpOnly = `
apiVersion: v1
kind: Service
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  ports:
  - {name: http2, port: 80, targetPort: 8080}
---
apiVersion: v1
kind: Service
metadata: {name: a, namespace: default}
spec:
  selector: {app: a}
  ports:
  - {name: http, port: 80}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gateway80, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["example.com"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: a, namespace: default}
spec:
  hosts: ["example.com"]
  gateways: ["istio-system/gateway80"]
  http:
  - match: [{uri: {prefix: /}}]
    route:
    - destination: {host: a, port: {number: 80}}
`

func mustTranslate(t *testing.T, req Request) Response {
	t.Helper()
	resp := translate(req)
	if len(resp.Errors) > 0 {
		t.Fatalf("errors: %v", resp.Errors)
	}
	return resp
}

func TestMain(m *testing.M) {
	quietIstio("none")
	if err := initMetrics(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Exit(m.Run())
}

// As Istio's TestTargetPort: Service port 80 → targetPort 8080 gives listener 0.0.0.0_8080
// with route configuration http.8080; short hosts resolve in the VirtualService's namespace.
func TestTargetPort(t *testing.T) {
	resp := mustTranslate(t, Request{YAML: httpOnly})
	want := []ListenerInfo{{Name: "0.0.0.0_8080", Port: 8080, RouteConfigs: []string{"http.8080"}}}
	if !reflect.DeepEqual(resp.Listeners, want) {
		t.Fatalf("listeners = %+v, want %+v", resp.Listeners, want)
	}
	if _, ok := resp.Clusters["outbound|80||a.default.svc.cluster.local"]; !ok {
		t.Fatalf("clusters = %v, want outbound|80||a.default.svc.cluster.local", resp.Clusters)
	}
	// Listener address is replaced, port kept; the route configuration is inline.
	l := resp.Bootstrap["static_resources"].(obj)["listeners"].([]any)[0].(obj)
	sa := l["address"].(obj)["socket_address"].(obj)
	if sa["address"] != "127.0.0.2" || sa["port_value"] != float64(8080) {
		t.Fatalf("address = %v", sa)
	}
	b, _ := json.Marshal(l)
	if !strings.Contains(string(b), `"route_config":{`) || strings.Contains(string(b), `"rds"`) {
		t.Fatalf("route configuration not inlined: %s", b)
	}
}

// Without the gateway Service the listener binds the Gateway port itself (no Pod is selected).
func TestNoServiceKeepsGatewayPort(t *testing.T) {
	yaml := strings.Replace(httpOnly, "kind: Service\nmetadata: {name: istio-ingressgateway", "kind: ConfigMap\nmetadata: {name: istio-ingressgateway", 1)
	resp := mustTranslate(t, Request{YAML: yaml})
	if len(resp.Listeners) != 1 || resp.Listeners[0].Port != 80 || resp.Listeners[0].RouteConfigs[0] != "http.80" {
		t.Fatalf("listeners = %+v", resp.Listeners)
	}
}

func TestUpstreamIPs(t *testing.T) {
	resp := mustTranslate(t, Request{YAML: readTestdata(t, "basic.yaml"), UpstreamNet: "127.203", UpstreamPort: 18000})
	var names []string
	for n := range resp.Clusters {
		names = append(names, n)
	}
	sort.Strings(names)
	for i, n := range names {
		if want := fmt.Sprintf("127.203.0.%d", i+1); resp.Clusters[n] != want {
			t.Fatalf("%s = %s, want %s", n, resp.Clusters[n], want)
		}
	}
	for _, c := range resp.Bootstrap["static_resources"].(obj)["clusters"].([]any) {
		co := c.(obj)
		ip, ok := resp.Clusters[co["name"].(string)]
		if !ok {
			continue
		}
		b, _ := json.Marshal(co["load_assignment"])
		if co["type"] != "STATIC" || !strings.Contains(string(b), `"address":"`+ip+`","port_value":18000`) {
			t.Fatalf("cluster %v: type %v, load_assignment %s", co["name"], co["type"], b)
		}
		if _, ok := co["transport_socket_matches"]; ok {
			t.Fatalf("cluster %v keeps Istio mTLS transport_socket_matches", co["name"])
		}
	}
}

// The known fact about gateway route-configuration matches: a patch naming http.80 matches
// nothing (the RDS name carries the listener port, 8080), portNumber 80 alone applies.
func TestUnmatchedPatches(t *testing.T) {
	resp := mustTranslate(t, Request{YAML: readTestdata(t, "basic.yaml", "envoyfilter.yaml")})
	var got []int
	for _, u := range resp.UnmatchedPatches {
		if u.EnvoyFilter != "istio-system/gatewasm" {
			t.Fatalf("unexpected %+v", u)
		}
		got = append(got, u.Index)
	}
	if want := []int{0, 3, 5}; !reflect.DeepEqual(got, want) {
		t.Fatalf("unmatched patches %v, want %v (%+v)", got, want, resp.UnmatchedPatches)
	}
	if resp.UnmatchedPatches[0].ApplyTo != "HTTP_ROUTE" {
		t.Fatalf("applyTo = %s", resp.UnmatchedPatches[0].ApplyTo)
	}
	// The applied patches are in the output.
	b, _ := json.Marshal(resp.Bootstrap)
	for _, s := range []string{"x-merged", "gatewasm-first", "envoy.filters.http.buffer"} {
		if !strings.Contains(string(b), s) {
			t.Errorf("bootstrap lacks %s", s)
		}
	}
	if strings.Contains(string(b), "x-never") {
		t.Errorf("bootstrap has the unmatched patch's header")
	}
}

// Istio's own record (the EnvoyFilter status metric) sees the MERGE, INSERT_FIRST and
// HTTP_FILTER patches but not the route REMOVE (6), which the diff finds.
func TestIstioPatchRecord(t *testing.T) {
	in := parseInputs(readTestdata(t, "basic.yaml", "envoyfilter.yaml"))
	req := Request{}
	req.defaults()
	kube, proxy, _ := gatewayProxy(&req, in.kube)
	configs, splits := splitEnvoyFilters(in.configs, 999999)
	if _, err := generate(configs, kube, proxy); err != nil {
		t.Fatal(err)
	}
	applied := appliedPatches()
	var got []int
	for _, sp := range splits {
		if applied[sp.full] {
			got = append(got, sp.index)
		}
	}
	if want := []int{1, 2, 4}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Istio recorded %v as applied, want %v", got, want)
	}
}

func TestValidationErrors(t *testing.T) {
	yaml := httpOnly + `
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: broken, namespace: default}
spec:
  hosts: ["broken.example.com"]
  gateways: ["istio-system/gateway80"]
  http:
  - route:
    - destination: {host: ""}
`
	resp := translate(Request{YAML: yaml})
	if len(resp.Errors) != 1 || !strings.Contains(resp.Errors[0], "VirtualService default/broken") {
		t.Fatalf("errors = %v", resp.Errors)
	}
	// The valid inputs are still translated.
	if len(resp.Listeners) != 1 {
		t.Fatalf("listeners = %+v", resp.Listeners)
	}
}

func TestDeterministic(t *testing.T) {
	a := mustTranslate(t, Request{YAML: readTestdata(t, "basic.yaml", "envoyfilter.yaml")})
	b := mustTranslate(t, Request{YAML: readTestdata(t, "basic.yaml", "envoyfilter.yaml")})
	ja, _ := json.Marshal(a.Bootstrap)
	jb, _ := json.Marshal(b.Bootstrap)
	if string(ja) != string(jb) {
		t.Fatal("two translations of the same inputs differ")
	}
}

// envoyBinary: GATEWASM_ENVOY, the repository's .venv-envoy (npm run setup:envoy), or PATH.
func envoyBinary() string {
	if e := os.Getenv("GATEWASM_ENVOY"); e != "" {
		return e
	}
	if p, err := filepath.Abs("../../.venv-envoy/bin/envoy"); err == nil {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("envoy"); err == nil {
		return p
	}
	return ""
}

func writeBootstrap(t *testing.T, b map[string]any) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "bootstrap.json")
	d, _ := json.Marshal(b)
	if err := os.WriteFile(p, d, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestEnvoyValidates(t *testing.T) {
	envoy := envoyBinary()
	if envoy == "" {
		t.Skip("no Envoy binary (npm run setup:envoy, or GATEWASM_ENVOY)")
	}
	for _, files := range [][]string{{"basic.yaml"}, {"basic.yaml", "envoyfilter.yaml"}, {"features.yaml"}} {
		resp := mustTranslate(t, Request{YAML: readTestdata(t, files...)})
		out, err := exec.Command(envoy, "--mode", "validate", "--log-level", "error", "-c", writeBootstrap(t, resp.Bootstrap)).CombinedOutput()
		if err != nil {
			t.Fatalf("%v: envoy --mode validate: %v\n%s", files, err, out)
		}
	}
}

// A TLS server with credentialName: Envoy serves the test certificate on 8443 and routes to
// the VirtualService's destination, a plain HTTP upstream at the cluster's loopback address.
func TestTLSListenerServes(t *testing.T) {
	envoy := envoyBinary()
	if envoy == "" {
		t.Skip("no Envoy binary (npm run setup:envoy, or GATEWASM_ENVOY)")
	}
	r := rand.New(rand.NewSource(time.Now().UnixNano()))
	listen := fmt.Sprintf("127.0.%d.%d", 100+r.Intn(100), 2+r.Intn(250))
	upNet := fmt.Sprintf("127.%d", 210+r.Intn(40))
	upPort := 20000 + r.Intn(20000)
	admin := 40000 + r.Intn(20000)
	resp := mustTranslate(t, Request{YAML: readTestdata(t, "basic.yaml"), ListenAddress: listen, UpstreamNet: upNet, UpstreamPort: upPort, AdminPort: admin})
	if len(resp.Listeners) != 2 || resp.Listeners[1].Port != 8443 {
		t.Fatalf("listeners = %+v", resp.Listeners)
	}
	upIP := resp.Clusters["outbound|80||frontend.shop.svc.cluster.local"]
	ln, err := net.Listen("tcp", net.JoinHostPort(upIP, fmt.Sprint(upPort)))
	if err != nil {
		t.Skipf("cannot listen on %s: %v", upIP, err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "upstream %s %s", r.Host, r.URL.Path)
	})}
	go srv.Serve(ln)
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, envoy, "-c", writeBootstrap(t, resp.Bootstrap), "--log-level", "warn", "--base-id", fmt.Sprint(r.Intn(1<<20)), "--concurrency", "1")
	logs := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()

	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(resp.Certificate))
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "shop.example.com"},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, net.JoinHostPort(listen, "8443"))
		},
	}}
	var body string
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := client.Get("https://shop.example.com/api/items")
		if err == nil {
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			body = fmt.Sprintf("%d %s", res.StatusCode, b)
			if res.StatusCode == 200 {
				break
			}
		} else {
			body = err.Error()
		}
		if time.Now().After(deadline) {
			t.Fatalf("no 200 over TLS from %s:8443: %s\nenvoy:\n%s", listen, body, logs)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.Contains(body, "upstream shop.example.com /api/items") {
		t.Fatalf("response %q", body)
	}
}

// A gateway Pod in the inputs is the proxy (its IP and name); none is added.
func TestGatewayPodFromInputs(t *testing.T) {
	yaml := httpOnly + `
---
apiVersion: v1
kind: Pod
metadata: {name: istio-ingressgateway-abc, namespace: istio-system, labels: {istio: ingressgateway}}
spec: {containers: [{name: istio-proxy, image: proxyv2}]}
status:
  phase: Running
  podIP: 10.1.2.3
  conditions: [{type: Ready, status: "True"}]
`
	resp := mustTranslate(t, Request{YAML: yaml})
	if len(resp.Listeners) != 1 || resp.Listeners[0].Port != 8080 {
		t.Fatalf("listeners = %+v", resp.Listeners)
	}
	if len(resp.Warnings) != 1 || !strings.Contains(resp.Warnings[0], "istio-ingressgateway-abc (10.1.2.3)") {
		t.Fatalf("warnings = %v", resp.Warnings)
	}
}
