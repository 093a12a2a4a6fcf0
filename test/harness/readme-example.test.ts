// Runs the README "Harness API" example (keep the two in sync): the real module with the
// store-front example's compiled configuration.
import { expect, test } from "vitest";
import { ROOT } from "../support/test-module.ts";

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
