// Issue 9 reproducers 1 and 4: configuration updates while requests are delayed, and memory
// over many updates. Rules: Envoy keeps a root context until its streams finish (envoy
// source/extensions/common/wasm/context.cc Context holds a PluginHandleSharedPtr; proxy-wasm-
// cpp-host include/proxy-wasm/wasm.h ~PluginHandleBase → WasmBase::startShutdown), and the fault
// filter ends a delay with the abort draw, then the router (fault_filter.cc postDelayInjection).
import { describe, expect, it } from "vitest";
import { GATEWASM_PRESET, ProxyWasmHost } from "../../host/harness/index.ts";
import { encodeFilterConfig } from "../../host/config/encode.ts";
import type { Route } from "../../host/config/model.ts";
import { GET, fault, forwardRoute, singleHostConfig } from "../support/configs.ts";
import { WASM } from "../fuzz/module.ts";

const INTERNAL = "outbound|8443||admin.internal.svc.cluster.local";
const CLIENT_PICKS: Array<[string, string]> = [...GET, ["x-gatewasm-cluster", INTERNAL]];
const DELAY_MS = 1000;

const missingCluster = (f: ReturnType<typeof fault>): Route => {
  const r = forwardRoute("outbound|80|missing|a.ns.svc.cluster.local", { fault: f });
  if (r.action.kind === "route") r.action.destinations[0]!.clusterExists = false;
  return r;
};

async function delayedHost(route: Route): Promise<{ host: ProxyWasmHost; same: Uint8Array; other: Uint8Array }> {
  const same = encodeFilterConfig(singleHostConfig([route]));
  const other = encodeFilterConfig(singleHostConfig([forwardRoute("outbound|80||b.ns.svc.cluster.local")], { maxActiveFaults: 7 }));
  const host = await ProxyWasmHost.load(WASM, { ...GATEWASM_PRESET, pluginConfig: same });
  expect(host.configured).toEqual([true]);
  return { host, same, other };
}

const upstreamCluster = (r: { upstreamRequest: { headers: Array<[string, string]> } | null }) =>
  r.upstreamRequest?.headers.filter(([k]) => k === "x-gatewasm-cluster").map(([, v]) => v);

describe("issue 9.1: a client never picks the cluster during a fault delay, whatever updates arrive", () => {
  for (const update of ["the same bytes", "another configuration", "the same bytes, then another"] as const) {
    it(`no-cluster route, delay 100 %: an update with ${update} during the delay still ends in the 503 at the deadline`, async () => {
      const { host, same, other } = await delayedHost(missingCluster(fault({ delayMs: DELAY_MS, delayPerMillion: 1_000_000 })));
      const p = host.send({ headers: CLIENT_PICKS });
      expect(p.done).toBe(false);
      if (update !== "another configuration") expect(host.configure(same)).toEqual([true]);
      if (update !== "the same bytes") expect(host.configure(other)).toEqual([true]);
      expect(p.done).toBe(false); // not released by the update
      host.advance(DELAY_MS - 20);
      expect(p.done).toBe(false);
      host.advance(40);
      expect(p.done).toBe(true);
      expect(p.result.upstreamRequest).toBeNull();
      expect(p.result.localReply).toMatchObject({ status: 503, details: "cluster_not_found" });
      // The new configuration serves new requests meanwhile.
      if (update !== "the same bytes") expect(upstreamCluster(host.request({ headers: CLIENT_PICKS }))).toEqual(["outbound|80||b.ns.svc.cluster.local"]);
    });
  }

  it("no-cluster route, delay 100 % + abort 100 %: after an update the post-delay abort is still drawn (never a forward)", async () => {
    const { host, other } = await delayedHost(missingCluster(fault({ delayMs: DELAY_MS, delayPerMillion: 1_000_000, abortHttpStatus: 418, abortPerMillion: 1_000_000 })));
    const p = host.send({ headers: CLIENT_PICKS });
    expect(host.configure(other)).toEqual([true]);
    host.advance(DELAY_MS + 20);
    expect(p.result.upstreamRequest).toBeNull();
    expect(p.result.localReply).toMatchObject({ status: 418, details: "fault_filter_abort" });
  });

  it("a routed delayed request forwards at its deadline with its own configuration's cluster, not the new one's", async () => {
    const { host, other } = await delayedHost(forwardRoute("outbound|80||a.ns.svc.cluster.local", { fault: fault({ delayMs: DELAY_MS, delayPerMillion: 1_000_000 }) }));
    const p = host.send({ headers: CLIENT_PICKS });
    host.configure(other);
    host.advance(DELAY_MS / 2);
    expect(p.done).toBe(false);
    host.advance(DELAY_MS);
    expect(upstreamCluster(p.result)).toEqual(["outbound|80||a.ns.svc.cluster.local"]);
  });

  // A host unlike Envoy that deletes the root context while its streams are delayed: the filter
  // ends each delay now, as the delay would have ended, under that plugin's configuration.
  it.each([
    ["delay 100 %", fault({ delayMs: DELAY_MS, delayPerMillion: 1_000_000 }), 503, "cluster_not_found"],
    ["delay 100 % + abort 100 %", fault({ delayMs: DELAY_MS, delayPerMillion: 1_000_000, abortHttpStatus: 418, abortPerMillion: 1_000_000 }), 418, "fault_filter_abort"],
  ])("no-cluster route, %s: a root context deleted during the delay ends the request with its due reply", async (_name, f, status, details) => {
    const { host } = await delayedHost(missingCluster(f));
    const p = host.send({ headers: CLIENT_PICKS });
    const w = host.workers[0]!;
    w.shutdownRoot(w.rootContextId);
    expect(p.done).toBe(true);
    expect(p.result.upstreamRequest).toBeNull();
    expect(p.result.localReply).toMatchObject({ status, details });
  });

  it("the harness keeps a replaced root context (timer included) until its last stream ends, then on_done/on_delete", async () => {
    const { host, other } = await delayedHost(forwardRoute("outbound|80||a.ns.svc.cluster.local", { fault: fault({ delayMs: DELAY_MS, delayPerMillion: 1_000_000 }) }));
    const w = host.workers[0]!;
    const oldRoot = w.rootContextId;
    const p = host.send({ headers: GET });
    host.configure(other);
    expect(w.rootContextId).not.toBe(oldRoot);
    expect(w.retiringRoots).toEqual([oldRoot]);
    expect(w.timers.has(oldRoot)).toBe(true);
    host.advance(DELAY_MS + 20);
    expect(p.done).toBe(true);
    expect(w.retiringRoots).toEqual([]);
    expect(w.contexts.has(oldRoot)).toBe(false);
  });
});

describe("issue 9.4: linear memory is flat over configuration updates (accepted and refused)", () => {
  it("a 60 KB request per update, accepted and refused updates mixed: memory after 3,000 more updates equals memory after 300", async () => {
    const rewriting = (cluster: string): Route => {
      const r = forwardRoute(cluster);
      if (r.action.kind === "route") r.action.rewriteUri = "/rewritten/";
      return r;
    };
    const a = encodeFilterConfig(singleHostConfig([rewriting("outbound|80||a.ns.svc.cluster.local")]));
    const b = encodeFilterConfig(singleHostConfig([rewriting("outbound|80||b.ns.svc.cluster.local")]));
    const refused = a.slice(0, a.length - 8);
    const host = await ProxyWasmHost.load(WASM, { ...GATEWASM_PRESET, pluginConfig: a });
    const big: Array<[string, string]> = [...GET, ["x-big", "v".repeat(60_000)]];
    const round = (i: number): void => {
      host.configure(i % 3 === 2 ? refused : i % 2 === 0 ? b : a);
      const r = host.request({ headers: big });
      expect(r.upstreamRequest?.headers.find(([k]) => k === ":path")?.[1]).toBe("/rewritten/x");
    };
    for (let i = 0; i < 300; i++) round(i);
    const warm = host.memoryBytes();
    for (let i = 300; i < 3300; i++) round(i);
    expect(host.isFailed()).toBe(false);
    expect(host.memoryBytes()).toBe(warm);
  });
});
