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
    // Envoy's PluginConfig.failure_policy (fail_open is deprecated): a dead VM answers 503.
    expect(config.failure_policy).toBe("FAIL_CLOSED");
    expect(config.fail_open).toBeUndefined();
    expect(config.vm_config.runtime).toBe("envoy.wasm.runtime.v8");
    expect(Buffer.from(config.configuration.value, "base64")).toEqual(Buffer.from(compiled!.bytes));
  });

  it("puts a cluster_header route first in every route table, stripping the internal headers", () => {
    const routes = applied.spec.configPatches.filter((p: any) => p.applyTo === "HTTP_ROUTE" && p.patch.operation === "INSERT_FIRST");
    // Plaintext tables are matched by server port alone (Istio names them after the listener
    // port: http.8080); HTTPS tables by port and name.
    const matched = new Set(routes.map((p: any) => JSON.stringify(p.match.routeConfiguration)));
    const expected = new Set(compiled!.config.routeTables.map((t) => JSON.stringify(t.tls ? { portNumber: t.port, name: t.name } : { portNumber: t.port })));
    expect(matched).toEqual(expected);
    for (const p of routes) {
      expect(p.patch.value.route.cluster_header).toBe(compiled!.config.clusterHeader);
      expect(p.patch.value.request_headers_to_remove).toContain(compiled!.config.clusterHeader);
      // Istio's default for a gateway route: no route timeout; grpc-timeout honoured uncapped.
      if (p.patch.value.name === "gatewasm") {
        expect(p.patch.value.route.timeout).toBe("0s");
        expect(p.patch.value.route.max_grpc_timeout).toBe("0s");
      }
    }
  });

  it("owner rollout (default) removes Istio's routes of every table before inserting its own", () => {
    const removes = applied.spec.configPatches.filter((p: any) => p.applyTo === "HTTP_ROUTE" && p.patch.operation === "REMOVE");
    expect(removes.length).toBe(compiled!.config.routeTables.length);
  });

  it("alongside rollout keeps Istio's routes and empties their per-route fault config", () => {
    const alongside = buildEnvoyFilter(compiled!.config, compiled!.bytes, compiled!.policies, {
      name: "gatewasm", namespace: "istio-system", selector: { istio: "ingressgateway" }, wasmPath: "/x.wasm", rollout: "alongside",
    }) as Record<string, any>;
    expect(validateSchema(asResource(parse(stringify(alongside))))).toEqual([]);
    const ops = alongside.spec.configPatches.map((p: any) => p.patch.operation);
    expect(ops).not.toContain("REMOVE");
    const merges = alongside.spec.configPatches.filter((p: any) => p.patch.operation === "MERGE");
    expect(merges.length).toBe(compiled!.config.routeTables.length);
    for (const m of merges) expect(Object.keys(m.patch.value.typed_per_filter_config)).toEqual(["envoy.filters.http.fault"]);
  });
});
