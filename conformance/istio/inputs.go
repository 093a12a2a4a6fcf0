package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kubeyaml "k8s.io/apimachinery/pkg/util/yaml"

	"istio.io/istio/pilot/pkg/config/kube/crd"
	"istio.io/istio/pkg/config"
	"istio.io/istio/pkg/config/schema/collections"
	"istio.io/istio/pkg/config/schema/resource"
	kubelib "istio.io/istio/pkg/kube"
)

// creationTime is given to every Istio config without metadata.creationTimestamp, so that the
// order Istio derives from creation time (EnvoyFilters, conflicting VirtualServices, Gateways) is
// the same on every run: ties fall back to the name, as in Istio.
var creationTime = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

type parsedInputs struct {
	configs  []config.Config  // Istio configs that passed Istio's validation
	kube     []runtime.Object // Kubernetes objects
	errors   []string
	warnings []string
}

func docName(kind, ns, name string) string {
	if ns == "" {
		return kind + " " + name
	}
	return kind + " " + ns + "/" + name
}

// parseInputs splits multi-document YAML (or JSON, or `kind: List`) into Istio configs and
// Kubernetes objects, with Istio's own conversion (crd.ConvertObject, the one crd.ParseInputs
// uses) and validation (the schema's ValidateConfig: the functions of Istio's validation
// webhook, pkg/config/validation). Unlike crd.ParseInputs it keeps going after an error and sets
// Domain to cluster.local, as the Kubernetes config controller does.
func parseInputs(text string) parsedInputs {
	var out parsedInputs
	dec := kubeyaml.NewYAMLOrJSONDecoder(bytes.NewReader([]byte(text)), 512*1024)
	var docs []json.RawMessage
	for i := 1; ; i++ {
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if err == io.EOF {
			break
		}
		if err != nil {
			out.errors = append(out.errors, fmt.Sprintf("document %d: cannot parse YAML: %v", i, err))
			break
		}
		docs = append(docs, raw)
	}
	for len(docs) > 0 {
		raw := docs[0]
		docs = docs[1:]
		trimmed := bytes.TrimSpace(raw)
		if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
			continue
		}
		var head struct {
			metav1.TypeMeta
			Metadata metav1.ObjectMeta `json:"metadata"`
			Items    []json.RawMessage `json:"items"`
		}
		if err := json.Unmarshal(raw, &head); err != nil {
			out.errors = append(out.errors, fmt.Sprintf("cannot parse object: %v", err))
			continue
		}
		if head.Kind == "" && head.APIVersion == "" {
			continue
		}
		if strings.HasSuffix(head.Kind, "List") && head.Items != nil {
			docs = append(head.Items, docs...)
			continue
		}
		id := docName(head.Kind, head.Metadata.Namespace, head.Metadata.Name)
		gvk := head.GroupVersionKind()
		if s, ok := collections.PilotGatewayAPI().FindByGroupVersionAliasesKind(resource.FromKubernetesGVK(&gvk)); ok && !isKubernetesCore(head.APIVersion) {
			var obj crd.IstioKind
			if err := json.Unmarshal(raw, &obj); err != nil {
				out.errors = append(out.errors, fmt.Sprintf("%s: %v", id, err))
				continue
			}
			cfg, err := crd.ConvertObject(s, &obj, "cluster.local")
			if err != nil {
				out.errors = append(out.errors, fmt.Sprintf("%s: %v", id, err))
				continue
			}
			if cfg.Namespace == "" && !s.IsClusterScoped() {
				cfg.Namespace = "default"
			}
			if cfg.CreationTimestamp.IsZero() {
				cfg.CreationTimestamp = creationTime
			}
			warn, err := s.ValidateConfig(*cfg)
			if warn != nil {
				out.warnings = append(out.warnings, fmt.Sprintf("%s: %v", docName(head.Kind, cfg.Namespace, cfg.Name), warn))
			}
			if err != nil {
				out.errors = append(out.errors, fmt.Sprintf("%s: %v", docName(head.Kind, cfg.Namespace, cfg.Name), err))
				continue
			}
			out.configs = append(out.configs, *cfg)
			continue
		}
		o, _, err := kubelib.IstioCodec.UniversalDeserializer().Decode(raw, nil, nil)
		if err != nil {
			out.warnings = append(out.warnings, fmt.Sprintf("%s: ignored, neither an Istio config nor a known Kubernetes object (%v)", id, err))
			continue
		}
		if mo, ok := o.(metav1.Object); ok && mo.GetNamespace() == "" && namespaced(o) {
			mo.SetNamespace("default")
		}
		out.kube = append(out.kube, o)
	}
	return out
}

// isKubernetesCore: Service, Pod, ... are never Istio configs even where a kind name collides.
func isKubernetesCore(apiVersion string) bool {
	return apiVersion == "v1" || strings.HasPrefix(apiVersion, "apps/") || strings.HasPrefix(apiVersion, "discovery.k8s.io/")
}

func namespaced(o runtime.Object) bool {
	switch o.(type) {
	case *corev1.Namespace, *corev1.Node:
		return false
	}
	return true
}
