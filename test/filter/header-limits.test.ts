// Issue 9 reproducer 5: requests with 1,023 and more headers. cpp-host refuses a map of more
// than 1,024 pairs or 1 MiB in proxy_set_header_map_pairs (include/proxy-wasm/limits.h,
// src/pairs_util.cc toPairs ⇒ empty map); the filter must never forward without its cluster
// header, nor lose header operations. Envoy's default limit is 100 request headers
// (max_request_headers_count); operators raise it.
import { describe, expect, it } from "vitest";
import { GATEWASM_PRESET, ProxyWasmHost } from "../../host/harness/index.ts";
import { encodeFilterConfig } from "../../host/config/encode.ts";
import type { Route } from "../../host/config/model.ts";
import { GET, forwardRoute, singleHostConfig } from "../support/configs.ts";
import { WASM } from "../fuzz/module.ts";

const A = "outbound|80||a.ns.svc.cluster.local";

function rewriting(): Route {
  const r = forwardRoute(A, {
    requestHeaders: { set: [["x-set", "1"]], add: [["x-add", "2"]], remove: ["x-h-5"] },
  });
  if (r.action.kind === "route") {
    r.action.rewriteUri = "/rw/";
    r.action.timeoutMs = 1500; // a policy header too
  }
  return r;
}

const withHeaders = (n: number, extra: Array<[string, string]> = []): Array<[string, string]> => {
  const h: Array<[string, string]> = [...GET, ...extra];
  for (let i = 0; h.length < n; i++) h.push([`x-h-${i}`, `v${i}`]);
  return h;
};

describe("issue 9.5: many request headers never drop the decision or header operations", () => {
  for (const n of [100, 1022, 1023, 1024]) {
    it(`${n} request headers (client cluster header among them), rewriting route: path, operations, policy and cluster all applied`, async () => {
      const host = await ProxyWasmHost.load(WASM, { ...GATEWASM_PRESET, pluginConfig: encodeFilterConfig(singleHostConfig([rewriting()])) });
      const r = host.request({ headers: withHeaders(n, [["x-gatewasm-cluster", "outbound|1||evil"]]) });
      const up = r.upstreamRequest!.headers;
      const values = (k: string) => up.filter(([key]) => key === k).map(([, v]) => v);
      expect(values("x-gatewasm-cluster")).toEqual([A]);
      expect(values(":path")).toEqual(["/rw/x"]);
      expect(values("x-set")).toEqual(["1"]);
      expect(values("x-add")).toEqual(["2"]);
      expect(values("x-h-5")).toEqual([]);
      expect(values("x-gatewasm-policy")).toHaveLength(1);
      expect(up.length).toBe(n - 1 /* x-h-5 */ + 4 /* x-set, x-add, policy, x-envoy-original-path (the path was rewritten) */);
    });
  }

  it("1,024 headers, plain route: the cluster header replaces the client's value", async () => {
    const host = await ProxyWasmHost.load(WASM, { ...GATEWASM_PRESET, pluginConfig: encodeFilterConfig(singleHostConfig([forwardRoute(A)])) });
    const r = host.request({ headers: withHeaders(1024, [["x-gatewasm-cluster", "outbound|1||evil"]]) });
    expect(r.upstreamRequest!.headers.filter(([k]) => k === "x-gatewasm-cluster")).toEqual([["x-gatewasm-cluster", A]]);
  });

  it("a rewritten map over 1 MiB is still forwarded with every edit and the decision", async () => {
    const host = await ProxyWasmHost.load(WASM, { ...GATEWASM_PRESET, pluginConfig: encodeFilterConfig(singleHostConfig([rewriting()])) });
    const r = host.request({ headers: [...GET, ["x-big", "b".repeat(1024 * 1024)]] });
    const up = r.upstreamRequest!.headers;
    expect(up.find(([k]) => k === "x-gatewasm-cluster")?.[1]).toBe(A);
    expect(up.find(([k]) => k === ":path")?.[1]).toBe("/rw/x");
  });

  it("more than 1,024 request headers: the filter fails closed (503), nothing goes upstream", async () => {
    const host = await ProxyWasmHost.load(WASM, { ...GATEWASM_PRESET, pluginConfig: encodeFilterConfig(singleHostConfig([rewriting()])) });
    const r = host.request({ headers: withHeaders(1025, [["x-gatewasm-cluster", "outbound|1||evil"]]) });
    expect(r.upstreamRequest).toBeNull();
    expect(r.localReply?.status).toBe(503);
  });
});
