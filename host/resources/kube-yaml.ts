// YAML as Kubernetes reads it. kubectl and Istio turn YAML into JSON with sigs.k8s.io/yaml on
// go-yaml v2, which resolves YAML 1.1 plain scalars: `y`, `n`, `yes`, `no`, `on`, `off` are
// booleans (a query parameter written `n:` reaches Istio as "false" — found by running Istio's
// translator on our tests), `0777` is octal, `1_000` is 1000. go-yaml v2 has no sexagesimal
// numbers, keeps timestamps as strings when decoding into JSON, and needs a digit in a float
// (`.` is a string; the yaml package's 1.1 float pattern accepts it), so those tags differ here.
import { stringify, type DocumentOptions, type ParseOptions, type SchemaOptions, type ScalarTag, type Tags, type ToStringOptions } from "yaml";

/** go-yaml v2 resolve.go's float pattern (plus `_`, which it strips), and .inf/.nan. */
const GO_YAML_FLOAT: ScalarTag = {
  tag: "tag:yaml.org,2002:float",
  default: true,
  test: /^[-+]?(?:\.[0-9_]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?$/,
  resolve: (text: string) => Number.parseFloat(text.replace(/_/g, "")),
};

function kubernetesTags(tags: Tags): Tags {
  const kept = tags.filter((t) => typeof t === "string"
    || (t.format !== "TIME" && t.tag !== "tag:yaml.org,2002:timestamp" && !(t.tag === "tag:yaml.org,2002:float" && t.format !== "EXP" && !String(t.test).includes("inf"))));
  return [...kept, GO_YAML_FLOAT];
}

export const KUBERNETES_YAML = { version: "1.1", customTags: kubernetesTags } satisfies ParseOptions & DocumentOptions & SchemaOptions;

/** YAML text that Kubernetes reads back as `value` (strings such as "y" or "on" quoted). */
export function toKubernetesYaml(value: unknown, options: ToStringOptions & DocumentOptions = {}): string {
  return stringify(value, { ...KUBERNETES_YAML, lineWidth: 0, ...options });
}
