// The WasmPlugin delivery applied by Istio's own code (build/istio-xds, conformance/istio/): Istio
// turns the WasmPlugin into a TrafficExtension (pilot/pkg/config/kube/extensions/controller.go)
// whose HTTP filter is an ECDS reference in the gateway's connection managers
// (pilot/pkg/networking/core/extension/extensionfilter.go: config_discovery, ADS); the tool
// resolves it with Istio's ECDS generator (pilot/pkg/xds/ecds.go → BuildExtensionConfiguration)
// and inlines it, as Envoy holds it once ECDS answered. Then real Envoy 1.36.4 runs the bundled
// module with Istio's configuration for it (root_id from pluginName, pluginConfig as JSON in a
// StringValue, failure_policy from failStrategy) and routes as Istio's configuration alone.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EnvoyJudge } from "../../conformance/judge.ts";
import { diffOutcomes, type ClientRequest } from "../../conformance/outcome.ts";
import { IstioXds } from "../../conformance/istio/client.ts";
import { compileInputs } from "../../host/pipeline.ts";
import { buildDelivery, objectsYaml } from "../../host/rollout/delivery.ts";
import { judgesAbsent } from "../support/judges.ts";
import { gatewayYaml, servicesYaml } from "../support/yaml.ts";
import { WASM } from "../fuzz/module.ts";

const absent = judgesAbsent("WasmPlugin applied by Istio, run in real Envoy");

const yaml = gatewayYaml([{ port: 80, name: "http", hosts: ["*"] }]) + servicesYaml(["a", "b"]) + `
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: shop, namespace: default}
spec:
  hosts: [shop.test]
  gateways: [istio-system/gw]
  http:
  - match: [{uri: {prefix: /b}}]
    route: [{destination: {host: b}}]
    timeout: 3s
  - match: [{uri: {exact: /old}}]
    redirect: {uri: /new}
  - route: [{destination: {host: a}}]
`;

const requests: ClientRequest[] = [
  ["shop.test", "/b/1"], ["shop.test", "/x"], ["shop.test", "/old"], ["other.test", "/"],
].map(([authority, path]) => ({ method: "GET", scheme: "http" as const, authority: authority!, path: path!, headers: [], listenerPort: 80 }));

function wasmPluginRollout(url: (bundlePath: string) => string): { rollout: string; version: string; bundlePath: string } {
  const { compiled } = compileInputs([{ name: "case.yaml", text: yaml }]);
  const bundlePath = join(mkdtempSync(join(tmpdir(), "gatewasm-wp-")), "gatewasm-bundle.wasm");
  const d = buildDelivery(compiled!.config, compiled!.bytes, compiled!.policies, {
    name: "gatewasm", namespace: "istio-system", selector: { istio: "ingressgateway" }, wasmPath: bundlePath,
    delivery: "wasmplugin", module: WASM, wasmUrl: url(bundlePath),
  });
  writeFileSync(bundlePath, d.module!);
  return { rollout: objectsYaml(d.objects), version: d.version!, bundlePath };
}

describe.skipIf(!!absent)("WasmPlugin delivery through Istio's translator and real Envoy", () => {
  const istio = absent ? null : new IstioXds();
  const judges: EnvoyJudge[] = [];
  afterAll(async () => { for (const j of judges) await j.stop(); await istio?.close(); });

  it("Istio resolves the WasmPlugin to a Wasm filter ahead of fault, CORS and the router, with our root_id, version and FAIL_CLOSED", async () => {
    const { rollout, version, bundlePath } = wasmPluginRollout((p) => `file://${p}`);
    const r = await istio!.translate({ yaml: `${yaml}\n---\n${rollout}`, listenAddress: "127.0.0.1", upstreamPort: 1, adminPort: 0 });
    expect(r.errors).toEqual([]);
    expect(r.unmatchedPatches).toEqual([]);
    // The converted TrafficExtension is named after the WasmPlugin, with the controller's suffix.
    const name = "extensions.istio.io/trafficextension/istio-system.gatewasm~istio-translated-wasmplugin";
    expect(r.extensions).toEqual([{ name, listeners: ["0.0.0.0_80"], resolved: true, code: `file://${bundlePath}` }]);
    const listener = (r.bootstrap as any).static_resources.listeners[0];
    const filters = listener.filter_chains[0].filters[0].typed_config.http_filters as Array<Record<string, any>>;
    const names = filters.map((f) => f.name);
    const at = names.indexOf(name);
    // UNSPECIFIED_PHASE goes after the authn/authz/stats slots and before grpc_stats, fault, cors
    // and the router (pilot/pkg/networking/core/listener_builder.go, PopAppendHTTPTrafficExtension
    // with TrafficExtension_UNSPECIFIED): with no auth policy, first. The EnvoyFilter rollout
    // inserts before the router instead; the fault and CORS filters then read the generated
    // routes' settings either way (none: the filter injects faults itself).
    expect(names).toEqual([name, "envoy.filters.http.grpc_stats", "envoy.filters.http.fault", "envoy.filters.http.cors", "envoy.filters.http.router"]);
    const plugin = filters[at]!.typed_config.config;
    expect(plugin).toMatchObject({
      root_id: "gatewasm", failure_policy: "FAIL_CLOSED",
      configuration: { "@type": "type.googleapis.com/google.protobuf.StringValue", value: JSON.stringify({ version }) },
      vm_config: { runtime: "envoy.wasm.runtime.v8", code: { local: { filename: bundlePath } } },
    });
  }, 180_000);

  it("an oci:// module stays an unresolved reference: Istio leaves fetching to the istio-agent", async () => {
    const { rollout } = wasmPluginRollout(() => "oci://ghcr.io/acme/gatewasm:v1");
    const r = await istio!.translate({ yaml: `${yaml}\n---\n${rollout}`, listenAddress: "127.0.0.1", upstreamPort: 1, adminPort: 0 });
    expect(r.errors).toEqual([]);
    expect(r.extensions).toMatchObject([{ resolved: false, code: expect.stringMatching(/^oci:\/\/ghcr\.io\/acme\/gatewasm:v1$/), reason: expect.stringMatching(/istio-agent/) }]);
  }, 180_000);

  it("real Envoy runs the bundled module as Istio configured it, and routes as Istio's configuration alone", async () => {
    const { rollout } = wasmPluginRollout((p) => `file://${p}`);
    const reference = await EnvoyJudge.start(istio!, yaml, "istio");
    judges.push(reference);
    const ours = await EnvoyJudge.start(istio!, yaml, "owner", undefined, rollout);
    judges.push(ours);
    expect(ours.log()).toMatch(/gatewasm: configuration loaded \(3 routes/);
    const options = { reserved: ["x-gatewasm-cluster", "x-gatewasm-policy"], ignoreEnvoyAdded: false, upstreamBodies: true, delayToleranceMs: 500, compareAttempts: true };
    for (const req of requests) {
      expect(diffOutcomes(await reference.send(req), await ours.send(req), options), `${req.authority}${req.path}`).toEqual([]);
    }
  }, 180_000);
});
