// Runs the README "Harness API" example (keep the two in sync): the real module with the
// store-front example's compiled configuration.
import { expect, test } from "vitest";
import { ROOT } from "../support/test-module.ts";
import { goModulesAbsent } from "../modules/rig.ts";

test("README harness example", async () => {
  process.chdir(ROOT); // the README's paths are relative to the project root
  // --- README example start
  const { GATEWASM_PRESET, ProxyWasmHost } = await import("../../host/harness/index.ts");
  const { compileInputs } = await import("../../host/pipeline.ts");

  const { compiled } = compileInputs([{ path: "examples/storefront" }]);
  const host = await ProxyWasmHost.load("build/gatewasm.wasm", {
    ...GATEWASM_PRESET, // root_id/name/vm_id "gatewasm", log level info
    pluginConfig: compiled!.bytes,
    workers: 2,
    seed: 7,
  });
  const r = host.request({
    headers: { ":method": "GET", ":scheme": "https", ":path": "/api/cart", ":authority": "shop.example.com", "x-forwarded-proto": "https" },
    properties: { "destination.port": 8443n, "connection.requested_server_name": "shop.example.com" }, // the listener port
    upstream: (req) => ({ status: 200, body: `saw ${req.headers.length} headers`, address: "10.0.0.5:8080" }),
  });
  console.log(r.response?.status, r.upstreamRequest?.headers, r.routeCacheCleared, r.hostCalls);
  host.advance(1000); // fires on_tick for every root context whose period elapsed
  // --- README example end
  expect(r.completed).toBe(true);
  expect(r.response!.status).toBe(200);
  const sent = new Map(r.upstreamRequest!.headers);
  // examples/storefront/routes.yaml rule "api": prefix /api/ rewritten to /, to cart:8080, x-shop-entry set.
  expect(sent.get("x-gatewasm-cluster")).toBe("outbound|8080||cart.shop.svc.cluster.local");
  expect(sent.get(":path")).toBe("/cart");
  expect(sent.get("x-shop-entry")).toBe("gateway");
  expect(r.routeCacheCleared).toBe(true);
});

// The README's example on a module we did not write: the proxy-wasm Go SDK headers plugin
// (conformance/modules/go/headers, whose behaviour test/modules/go-sdk.test.ts checks in Envoy).
test.skipIf(Boolean(goModulesAbsent("README harness example on a Go-SDK module")))("README harness example on a foreign module", async () => {
  process.chdir(ROOT);
  // --- README foreign example start
  const { HeaderMap, ProxyWasmHost, Status } = await import("../../host/harness/index.ts");

  const host = await ProxyWasmHost.load("build/modules/go/headers.wasm", {
    pluginName: "headers-plugin", vmId: "go-headers",     // defaults: "" as in an empty PluginConfig
    pluginConfig: "x-wasm-header: demo-wasm",
  });
  console.log(host.boot.map((b) => `${b.vm} ${b.callback}=${b.result}`)); // base, canary, main, worker
  const r = host.request({
    headers: { ":method": "GET", ":path": "/p", ":authority": "headers.example", "test": "t", "x-remove-me": "1" },
    upstream: { status: 200 },
  });
  console.log(r.upstreamRequest?.headers); // test: best, x-go-request: seen, no x-remove-me
  console.log(r.response?.headers, r.logs.map((l) => l.message), r.hostCalls);

  host.onHostCall = (c) => (c.name === "proxy_add_header_map_value" ? Status.BAD_ARGUMENT : undefined);
  const failed = host.request({ headers: HeaderMap.raw([[":method", "GET"], [":path", "/"], [":authority", "h"]]) });
  console.log(failed.logs.map((l) => l.message)); // the module's own "add x-go-request: ..." line
  // --- README foreign example end
  expect([...new Set(host.boot.map((b) => b.vm))]).toEqual(["base", "canary", "main", "worker"]);
  expect(host.boot.filter((b) => b.callback === "proxy_on_configure").map((b) => b.result)).toEqual([1, 1, 1]);
  const up = new Map(r.upstreamRequest!.headers);
  expect([up.get("test"), up.get("x-go-request"), up.has("x-remove-me")]).toEqual(["best", "seen", false]);
  expect(new Map(r.response!.headers).get("x-wasm-header")).toBe("demo-wasm");
  expect(r.logs.map((l) => l.message)).toContain("request header --> x-go-request: seen");
  // The SDK's own error text (proxywasm/internal: "error status returned by host: ...").
  expect(failed.logs.map((l) => l.message)).toContain("add x-go-request: error status returned by host: bad argument");
  expect(failed.hostCalls.proxy_add_header_map_value).toBeGreaterThan(0);
});
