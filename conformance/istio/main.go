// Command istio-xds translates Istio configuration into the xDS Istio would push to an
// ingress gateway, with Istio's own code (istio.io/istio/pilot/test/xds), and turns it into a
// static Envoy bootstrap that runs in upstream Envoy on loopback. See README.md.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"

	_ "gatewasm/conformance/istio/internal/envinit"

	"istio.io/istio/pkg/log"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// quietIstio sends Istio's logs to stderr, errors only (they would go to stdout otherwise).
func quietIstio(level string) {
	o := log.DefaultOptions()
	o.OutputPaths = []string{"stderr"}
	o.ErrorOutputPaths = []string{"stderr"}
	lvl := log.ErrorLevel
	switch level {
	case "debug":
		lvl = log.DebugLevel
	case "info":
		lvl = log.InfoLevel
	case "warn":
		lvl = log.WarnLevel
	case "none":
		lvl = log.NoneLevel
	}
	o.SetDefaultOutputLevel(log.OverrideScopeName, lvl)
	for _, s := range log.Scopes() {
		o.SetDefaultOutputLevel(s.Name(), lvl)
	}
	_ = log.Configure(o)
}

// protectStdout moves the real stdout to a private descriptor and points fd 1 at stderr, so
// nothing but responses can reach the caller's stdout.
func protectStdout() *os.File {
	fd, err := syscall.Dup(1)
	if err != nil {
		return os.Stdout
	}
	_ = syscall.Dup2(2, 1)
	return os.NewFile(uintptr(fd), "stdout")
}

func setIstioVersion() {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "istio.io/istio" {
				istioVersion = d.Version
			}
		}
	}
}

func main() {
	var files multiFlag
	var labels string
	serve := flag.Bool("serve", false, "read JSON requests from stdin, one per line; write one JSON response per line")
	flag.Var(&files, "f", "input YAML file (repeatable; - for stdin)")
	flag.StringVar(&labels, "labels", "istio=ingressgateway", "gateway workload labels, k=v[,k=v]")
	namespace := flag.String("namespace", "istio-system", "gateway workload namespace")
	listenAddress := flag.String("listen-address", "127.0.0.2", "address of every listener and of admin")
	upstreamPort := flag.Int("upstream-port", 19000, "port of every cluster's static endpoint")
	upstreamNet := flag.String("upstream-net", "127.201", "first octets of the clusters' endpoint addresses")
	adminPort := flag.Int("admin-port", 19901, "admin port")
	proxyVersion := flag.String("proxy-version", "1.28.0", "Istio version the gateway proxy reports")
	logLevel := flag.String("log-level", "error", "Istio log level on stderr: debug, info, warn, error, none")
	flag.Parse()

	out := protectStdout()
	quietIstio(*logLevel)
	setIstioVersion()
	if err := initMetrics(); err != nil {
		fmt.Fprintln(os.Stderr, "istio-xds:", err)
		os.Exit(2)
	}

	if *serve {
		in := bufio.NewReaderSize(os.Stdin, 1<<20)
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		for {
			line, err := in.ReadBytes('\n')
			if len(strings.TrimSpace(string(line))) > 0 {
				var req Request
				var resp Response
				if jerr := json.Unmarshal(line, &req); jerr != nil {
					resp = Response{Errors: []string{"bad request JSON: " + jerr.Error()}, Clusters: map[string]string{},
						Removed: []Removal{}, UnmatchedPatches: []UnmatchedPatch{}, Warnings: []string{}, Listeners: []ListenerInfo{}, IstioVersion: istioVersion}
				} else {
					resp = translate(req)
				}
				if eerr := enc.Encode(resp); eerr != nil {
					fmt.Fprintln(os.Stderr, "istio-xds: writing response:", eerr)
					os.Exit(1)
				}
			}
			if err != nil {
				return
			}
		}
	}

	if len(files) == 0 {
		fmt.Fprintln(os.Stderr, "usage: istio-xds --serve | istio-xds -f FILE [-f FILE]... [--labels k=v,...] [--namespace NS] [--listen-address IP] [--upstream-port N] [--upstream-net A.B] [--admin-port N]")
		os.Exit(2)
	}
	var yaml strings.Builder
	for _, f := range files {
		if err := readInput(f, &yaml); err != nil {
			fmt.Fprintln(os.Stderr, "istio-xds:", err)
			os.Exit(2)
		}
	}
	lm := map[string]string{}
	for _, kv := range strings.Split(labels, ",") {
		if k, v, ok := strings.Cut(strings.TrimSpace(kv), "="); ok {
			lm[k] = v
		}
	}
	resp := translate(Request{YAML: yaml.String(), Labels: lm, Namespace: *namespace, ListenAddress: *listenAddress,
		UpstreamPort: *upstreamPort, UpstreamNet: *upstreamNet, AdminPort: *adminPort, ProxyVersion: *proxyVersion})
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(resp)
	if len(resp.Errors) > 0 {
		os.Exit(1)
	}
}

// readInput appends a file, every .yaml/.yml/.json file under a folder (in name order), or
// stdin ("-") to the YAML stream.
func readInput(path string, out *strings.Builder) error {
	if path == "-" {
		b, err := readAll(os.Stdin)
		if err != nil {
			return err
		}
		out.Write(b)
		out.WriteString("\n---\n")
		return nil
	}
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !st.IsDir() {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		out.Write(b)
		out.WriteString("\n---\n")
		return nil
	}
	return filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".yaml", ".yml", ".json":
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out.Write(b)
			out.WriteString("\n---\n")
		}
		return nil
	})
}

func readAll(f *os.File) ([]byte, error) {
	var b []byte
	buf := make([]byte, 64<<10)
	for {
		n, err := f.Read(buf)
		b = append(b, buf[:n]...)
		if err != nil {
			if err.Error() == "EOF" {
				return b, nil
			}
			return b, err
		}
	}
}
