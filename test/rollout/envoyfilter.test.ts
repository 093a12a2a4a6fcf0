// The EnvoyFilter `gatewasm compile` writes must be a valid Istio EnvoyFilter (the CRD's OpenAPI
// schema and CEL rules, istio manifests/charts/base/files/crd-all.gen.yaml, networking.istio.io/
// v1alpha3) and carry the patches ../shared/docs/proxy-wasm.md §4.1–4.2 describe.
import { describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { buildEnvoyFilter } from "../../host/rollout/envoyfilter.ts";
import { compileInputs } from "../../host/pipeline.ts";
import { ROOT_ID } from "../../host/config/model.ts";
import type { Resource } from "../../host/resources/types.ts";
import { validateSchema } from "../../host/validation/index.ts";
import { ROOT } from "../support/test-module.ts";

function asResource(object: Record<string, any>): Resource {
  return {
    apiVersion: object.apiVersion, kind: object.kind, metadata: object.metadata, spec: object.spec,
    source: { file: "envoyfilter.yaml", docIndex: 0, locate: () => ({ file: "envoyfilter.yaml", line: 1, col: 1 }) },
  };
}

describe("generated EnvoyFilter", () => {
  const { compiled } = compileInputs([{ path: `${ROOT}/examples/storefront` }]);
  const ef = buildEnvoyFilter(compiled!.config, compiled!.bytes, compiled!.policies, {
    name: "gatewasm", namespace: "istio-system", selector: { istio: "ingressgateway" }, wasmPath: "/var/lib/gatewasm/gatewasm.wasm",
  });
  // Round-trip through YAML, as `kubectl apply` would read it.
  const applied = parse(stringify(ef)) as Record<string, any>;

  it("validates against Istio's EnvoyFilter CRD schema", () => {
    expect(validateSchema(asResource(applied))).toEqual([]);
  });

  it("the schema check is real: a wrong patch operation is rejected", () => {
    const broken = structuredClone(applied);
    broken.spec.configPatches[0].patch.operation = "INSERT_SOMEWHERE";
    expect(validateSchema(asResource(broken)).length).toBeGreaterThan(0);
  });

  it("inserts the Wasm filter before the router, fail closed, root_id and the binary config inline", () => {
    const [filter] = applied.spec.configPatches;
    expect(filter.applyTo).toBe("HTTP_FILTER");
    expect(filter.patch.operation).toBe("INSERT_BEFORE");
    expect(filter.match.listener.filterChain.filter.subFilter.name).toBe("envoy.filters.http.router");
    const config = filter.patch.value.typed_config.config;
    expect(config.root_id).toBe(ROOT_ID);
    expect(config.fail_open).toBe(false);
    expect(config.vm_config.runtime).toBe("envoy.wasm.runtime.v8");
    expect(Buffer.from(config.configuration.value, "base64")).toEqual(Buffer.from(compiled!.bytes));
  });

  it("puts a cluster_header route first in every route table, stripping the internal headers", () => {
    const routes = applied.spec.configPatches.filter((p: any) => p.applyTo === "HTTP_ROUTE");
    const tables = compiled!.config.routeTables.map((t) => t.name);
    expect(new Set(routes.map((p: any) => p.match.routeConfiguration.name))).toEqual(new Set(tables));
    for (const p of routes) {
      expect(p.patch.operation).toBe("INSERT_FIRST");
      expect(p.patch.value.route.cluster_header).toBe(compiled!.config.clusterHeader);
      expect(p.patch.value.request_headers_to_remove).toContain(compiled!.config.clusterHeader);
      // Istio's default for a gateway route: no route timeout.
      if (p.patch.value.name === "gatewasm") expect(p.patch.value.route.timeout).toBe("0s");
    }
  });
});
