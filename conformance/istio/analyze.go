// The `analyze` mode of istio-xds: Istio's own configuration analyzers (the ones
// `istioctl analyze` runs, istio.io/istio/pkg/config/analysis/analyzers.AllCombined) on local
// files, in process, printing every message as JSON. gatewasm's `analyze` tests compare their
// findings (code, resource, line) with this output on the same inputs.
//
//	build/istio-xds analyze [--mode cluster|istioctl] [--namespace NS] [--istio-namespace istio-system] -f a.yaml [-f dir/]
//
// --mode istioctl is exactly `istioctl analyze --use-kube=false`: its default ingress
// resources, and the files read with the runtime kinds (Service, Pod, Namespace, Node, Secret)
// dropped (local.IstiodAnalyzer.AddReaderKubeSource). --mode cluster (the default) keeps those
// kinds, i.e. what `istioctl analyze` reports against a cluster that holds exactly the given
// objects — the gateway's Service and a gateway Pod included.
//
// It is dispatched from init (below) rather than from main, so that main.go stays untouched.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"istio.io/istio/pilot/pkg/config/file"
	"istio.io/istio/pkg/config/analysis/analyzers"
	"istio.io/istio/pkg/config/analysis/legacy/util/kuberesource"
	"istio.io/istio/pkg/config/analysis/local"
	"istio.io/istio/pkg/config/resource"
)

// AnalyzeMessage is one diag.Message as JSON.
type AnalyzeMessage struct {
	Code    string `json:"code"`
	Level   string `json:"level"`
	Message string `json:"message"`
	// Origin is istioctl's "<Kind> <namespace>/<name>" (empty for a message about no resource).
	Origin string `json:"origin,omitempty"`
	// Reference is the file and line istioctl prints ("file:line"), with the field's line when
	// the analyzer found one.
	Reference string `json:"reference,omitempty"`
	// Line is the field's line (util.ErrorLine), 0 when the analyzer set none.
	Line int `json:"line"`
}

type AnalyzeOutput struct {
	Messages          []AnalyzeMessage `json:"messages"`
	ExecutedAnalyzers []string         `json:"executedAnalyzers"`
	SkippedAnalyzers  []string         `json:"skippedAnalyzers"`
	Errors            []string         `json:"errors"`
}

func init() {
	if len(os.Args) > 1 && os.Args[1] == "analyze" {
		os.Exit(runAnalyze(os.Args[2:]))
	}
}

func runAnalyze(args []string) int {
	fs := flag.NewFlagSet("analyze", flag.ContinueOnError)
	var files multiFlag
	fs.Var(&files, "f", "input YAML file or folder (repeatable)")
	mode := fs.String("mode", "cluster", "cluster (files hold every object) or istioctl (istioctl analyze --use-kube=false)")
	// istioctl keeps only the messages on resources of this namespace; "" keeps all (istioctl -A).
	namespace := fs.String("namespace", "", "the only namespace reported; empty: all (istioctl -A)")
	defaultNamespace := fs.String("default-namespace", "default", "namespace of documents without one (cluster mode), as kubectl apply's")
	istioNamespace := fs.String("istio-namespace", "istio-system", "Istio's root namespace")
	logLevel := fs.String("log-level", "error", "Istio log level on stderr")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	out := protectStdout()
	quietIstio(*logLevel)

	result := AnalyzeOutput{Messages: []AnalyzeMessage{}, Errors: []string{}}
	readers, err := analyzeReaders(files)
	if err != nil {
		result.Errors = append(result.Errors, err.Error())
	}
	sa := local.NewSourceAnalyzer(analyzers.AllCombined(), resource.Namespace(*namespace), resource.Namespace(*istioNamespace), nil)
	switch *mode {
	case "istioctl":
		if err := sa.AddDefaultResources(); err != nil {
			result.Errors = append(result.Errors, err.Error())
		}
		if err := sa.AddReaderKubeSource(readers); err != nil {
			result.Errors = append(result.Errors, err.Error())
		}
	case "cluster":
		// AddTestReaderKubeSource keeps every kind but gives documents without a namespace the
		// reported namespace; a source of our own gives them --default-namespace instead.
		src := file.NewKubeSource(kuberesource.ConvertInputsToSchemas(analyzers.AllCombined().Metadata().Inputs))
		src.SetDefaultNamespace(resource.Namespace(*defaultNamespace))
		for _, r := range readers {
			b, err := io.ReadAll(r.Reader)
			if err == nil {
				err = src.ApplyContent(r.Name, string(b))
			}
			if err != nil {
				result.Errors = append(result.Errors, err.Error())
			}
		}
		sa.AddSource(src)
	default:
		fmt.Fprintf(os.Stderr, "istio-xds analyze: unknown --mode %q\n", *mode)
		return 2
	}
	cancel := make(chan struct{})
	res, err := sa.Analyze(cancel)
	close(cancel)
	if err != nil {
		result.Errors = append(result.Errors, err.Error())
	}
	for _, m := range res.Messages.SortedDedupedCopy() {
		u := m.Unstructured(true)
		am := AnalyzeMessage{Code: m.Type.Code(), Level: m.Type.Level().String(), Line: m.Line}
		am.Message, _ = u["message"].(string)
		am.Origin, _ = u["origin"].(string)
		am.Reference, _ = u["reference"].(string)
		result.Messages = append(result.Messages, am)
	}
	result.ExecutedAnalyzers = append([]string{}, res.ExecutedAnalyzers...)
	result.SkippedAnalyzers = append([]string{}, res.SkippedAnalyzers...)
	sort.Strings(result.ExecutedAnalyzers)
	sort.Strings(result.SkippedAnalyzers)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(result); err != nil {
		fmt.Fprintln(os.Stderr, "istio-xds analyze:", err)
		return 2
	}
	if len(result.Errors) > 0 {
		return 1
	}
	return 0
}

// analyzeReaders opens each -f path; folders are walked for .yaml/.yml/.json files in name order.
func analyzeReaders(paths []string) ([]local.ReaderSource, error) {
	var readers []local.ReaderSource
	for _, p := range paths {
		files, err := expandInputs(p)
		if err != nil {
			return readers, err
		}
		for _, f := range files {
			fh, err := os.Open(f)
			if err != nil {
				return readers, err
			}
			readers = append(readers, local.ReaderSource{Name: f, Reader: fh})
		}
	}
	return readers, nil
}

func expandInputs(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	var out []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".yaml", ".yml", ".json":
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}
