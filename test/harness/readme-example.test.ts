// Runs the README "Harness API" example verbatim (keep the two in sync).
import { expect, test } from "vitest";
import { probeWasm } from "../fixtures/probe.ts";

test("README harness example", async () => {
  const wasm = await probeWasm(); // in the README: "build/gatewasm.wasm"
  // --- README example start
  const { ProxyWasmHost } = await import("../../host/harness/index.ts");
  const host = await ProxyWasmHost.load(wasm, {
    rootId: "gatewasm",
    pluginConfig: JSON.stringify({ version: 1 }),
    workers: 2,
    seed: 7,
  });
  const r = host.request({
    headers: { ":method": "GET", ":path": "/reviews/1", ":authority": "bookinfo.example.com" },
    properties: { "destination.port": 8080n },
    upstream: (req) => ({ status: 200, body: `saw ${req.headers.length} headers`, address: "10.0.0.5:9080" }),
  });
  console.log(r.response?.status, r.upstreamRequest?.headers, r.routeCacheCleared, r.hostCalls);
  host.advance(1000); // fires on_tick for every root context whose period elapsed
  // --- README example end
  expect(r.completed).toBe(true);
  expect(r.response!.status).toBe(200);
  expect(r.upstreamRequest!.headers).toHaveLength(3);
});
