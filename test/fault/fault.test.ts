// Fault injection through the real module: Envoy's fault filter semantics
// (source/extensions/filters/http/fault/fault_filter.cc; ../shared/docs/istio-semantics.md §7.2).
import { describe, expect, it } from "vitest";
import { GATEWASM_PRESET, ProxyWasmHost, type PendingRequest } from "../../host/harness/index.ts";
import { encodeFilterConfig } from "../../host/config/encode.ts";
import { GET, fault, forwardRoute, singleHostConfig } from "../support/configs.ts";
import { WASM } from "../support/simulate.ts";

const CLUSTER = "outbound|9080|v1|ratings.default.svc.cluster.local";
const TICK_MS = 10; // assembly/fault/injector.ts FAULT_TICK_MS

async function hostWith(f: ReturnType<typeof fault>, options: { seed?: number; workers?: number; maxActiveFaults?: number } = {}): Promise<ProxyWasmHost> {
  const config = singleHostConfig([forwardRoute(CLUSTER, { fault: f })], options.maxActiveFaults ? { maxActiveFaults: options.maxActiveFaults } : {});
  const host = await ProxyWasmHost.load(WASM, { ...GATEWASM_PRESET, pluginConfig: encodeFilterConfig(config), seed: options.seed ?? 1, workers: options.workers ?? 1 });
  expect(host.configured.every(Boolean)).toBe(true);
  return host;
}

const counter = (host: ProxyWasmHost, name: string): number => Number(host.metric(`gatewasm.fault.${name}`)?.value ?? 0n);

describe("§7.2 fault injection rates (seeded, 100,000 requests)", () => {
  const SEED = Number(process.env.SEED ?? 7);
  const N = 100_000;

  // Per-million numerators as Istio's translation produces them (route.go
  // translatePercentToFractionalPercent: uint32(p*10000)), incl. values that truncate.
  it.each([
    ["abort 50 %", 0, 500_000],
    ["abort 0.57 % (5699 per million after truncation)", 0, 5_699],
    ["abort 33.33 % (333300 per million)", 0, 333_300],
    ["delay 10 % and abort 20 %, drawn independently", 100_000, 200_000],
    ["delay 75 % and abort 1.13 % (11299 per million)", 750_000, 11_299],
  ])("%s: observed rates within 0.5 %% absolute", async (_name, delayPerMillion, abortPerMillion) => {
    console.log(`fault rate seed: ${SEED} (SEED=... to reproduce)`);
    const host = await hostWith(fault({ delayMs: 5, delayPerMillion, abortHttpStatus: 503, abortPerMillion }), { seed: SEED });
    const pending: PendingRequest[] = [];
    for (let i = 0; i < N; i++) pending.push(host.send({ headers: GET }));
    const delayedNow = pending.filter((p) => !p.done).length;
    host.advance(TICK_MS * 2);
    let aborted = 0; let abortedAfterDelay = 0; let routed = 0;
    pending.forEach((p, i) => {
      expect(p.done, `request ${i}`).toBe(true);
      const aborts = p.result.localReply?.details === "fault_filter_abort";
      if (aborts) aborted++; else if (p.result.upstreamRequest) routed++;
      if (aborts && i < N && !pending[i]!.result.upstreamRequest && p.result.localReply && delayedNow > 0) abortedAfterDelay += 0;
    });
    expect(aborted + routed).toBe(N); // aborted requests never reach an upstream
    expect(Math.abs(delayedNow / N - delayPerMillion / 1e6)).toBeLessThan(0.005);
    expect(Math.abs(aborted / N - abortPerMillion / 1e6)).toBeLessThan(0.005);
    expect(counter(host, "delays_injected")).toBe(delayedNow);
    expect(counter(host, "aborts_injected")).toBe(aborted);
    void abortedAfterDelay;
  });

  it("the abort after a delay is a fresh, independent draw: P(abort | delayed) ≈ P(abort | not delayed)", async () => {
    const host = await hostWith(fault({ delayMs: 5, delayPerMillion: 500_000, abortHttpStatus: 500, abortPerMillion: 300_000 }), { seed: SEED });
    const pending = Array.from({ length: N }, () => host.send({ headers: GET }));
    const delayed = pending.map((p) => !p.done);
    host.advance(TICK_MS * 2);
    const rate = (which: boolean) => {
      const group = pending.filter((_, i) => delayed[i] === which);
      return group.filter((p) => p.result.localReply?.details === "fault_filter_abort").length / group.length;
    };
    expect(Math.abs(rate(true) - 0.3)).toBeLessThan(0.01);
    expect(Math.abs(rate(false) - 0.3)).toBeLessThan(0.01);
  });

  it("unset percentage (0 per million) never injects", async () => {
    const host = await hostWith(fault({ delayMs: 1000, delayPerMillion: 0, abortHttpStatus: 500, abortPerMillion: 0 }));
    for (let i = 0; i < 1000; i++) expect(host.request({ headers: GET }).upstreamRequest).not.toBeNull();
    expect(counter(host, "delays_injected") + counter(host, "aborts_injected")).toBe(0);
  });
});

describe("§7.2 delay", () => {
  it("a delayed request resumes after the configured time on the harness clock, not before, within one tick", async () => {
    const host = await hostWith(fault({ delayMs: 7000, delayPerMillion: 1_000_000 }));
    const p = host.send({ headers: GET });
    expect(p.done).toBe(false);
    expect(p.result.upstreamRequest).toBeNull();
    host.advance(6990);
    expect(p.done).toBe(false);
    host.advance(TICK_MS);
    host.advance(TICK_MS);
    expect(p.done).toBe(true);
    expect(p.result.upstreamRequest?.headers.find(([k]) => k === "x-gatewasm-cluster")?.[1]).toBe(CLUSTER);
    expect(counter(host, "active_faults")).toBe(0);
  });

  it("delays do not block other requests on the same worker", async () => {
    const config = singleHostConfig([
      forwardRoute(CLUSTER, { path: { kind: "prefix", value: "/slow", ignoreCase: false }, fault: fault({ delayMs: 1000, delayPerMillion: 1_000_000 }) }),
      forwardRoute("outbound|80||fast.default.svc.cluster.local"),
    ]);
    const host = await ProxyWasmHost.load(WASM, { ...GATEWASM_PRESET, pluginConfig: encodeFilterConfig(config) });
    const slow = host.send({ headers: GET.map(([k, v]) => [k, k === ":path" ? "/slow" : v] as [string, string]) });
    const fast = host.request({ headers: GET });
    expect(slow.done).toBe(false);
    expect(fast.completed).toBe(true);
    expect(fast.upstreamRequest).not.toBeNull();
  });

  it("a client that goes away during the delay leaves no state and is never resumed", async () => {
    const host = await hostWith(fault({ delayMs: 100, delayPerMillion: 1_000_000 }));
    const p = host.send({ headers: GET });
    expect(counter(host, "active_faults")).toBe(1);
    p.cancel();
    expect(counter(host, "active_faults")).toBe(0);
    host.advance(1000);
    expect(p.result.upstreamRequest).toBeNull();
    expect(host.isFailed()).toBe(false);
    // The tick was switched off with the last pending delay.
    const next = host.send({ headers: GET });
    host.advance(200);
    expect(next.done).toBe(true);
  });

  it("10,000 concurrently delayed requests across 4 worker VMs all resume", async () => {
    const host = await hostWith(fault({ delayMs: 250, delayPerMillion: 1_000_000 }), { workers: 4 });
    const pending = Array.from({ length: 10_000 }, (_, i) => host.send({ headers: GET, worker: i % 4 }));
    expect(pending.every((p) => !p.done)).toBe(true);
    host.advance(250 + TICK_MS);
    expect(pending.every((p) => p.done && p.result.upstreamRequest !== null)).toBe(true);
  });

  it("beyond max_active_faults the request proceeds undelayed and faults_overflow counts it", async () => {
    const host = await hostWith(fault({ delayMs: 1000, delayPerMillion: 1_000_000 }), { maxActiveFaults: 3 });
    const pending = Array.from({ length: 5 }, () => host.send({ headers: GET }));
    expect(pending.map((p) => p.done)).toEqual([false, false, false, true, true]);
    expect(counter(host, "faults_overflow")).toBe(2);
    host.advance(1000 + TICK_MS);
    expect(pending.every((p) => p.done)).toBe(true);
  });
});

describe("§7.2 abort replies", () => {
  it("HTTP abort: configured status, body 'fault filter abort', content-type text/plain, details fault_filter_abort", async () => {
    const host = await hostWith(fault({ abortHttpStatus: 555, abortPerMillion: 1_000_000 }));
    const r = host.request({ headers: GET });
    expect(r.upstreamRequest).toBeNull();
    expect(r.localReply?.details).toBe("fault_filter_abort");
    expect(r.response?.status).toBe(555);
    expect(new TextDecoder().decode(r.response!.body)).toBe("fault filter abort");
    expect(r.response?.headers).toContainEqual(["content-type", "text/plain"]);
  });

  // Envoy sendLocalReply for gRPC requests: trailers-only (HTTP 200, grpc-status, grpc-message);
  // httpStatus aborts use Grpc::Utility::httpToGrpcStatus (503 → 14 UNAVAILABLE, 404 → 12, 500 → 2).
  it.each([[503, 14], [404, 12], [401, 16], [403, 7], [429, 14], [500, 2]])(
    "gRPC request, httpStatus %i abort ⇒ trailers-only reply with grpc-status %i", async (http, grpc) => {
      const host = await hostWith(fault({ abortHttpStatus: http, abortPerMillion: 1_000_000 }));
      const r = host.request({ headers: [...GET, ["content-type", "application/grpc"]] });
      expect(r.response?.status).toBe(200);
      const all = [...(r.response?.headers ?? []), ...(r.response?.trailers ?? [])];
      expect(all).toContainEqual(["grpc-status", String(grpc)]);
      expect(all).toContainEqual(["grpc-message", "fault filter abort"]);
    });

  it("grpcStatus abort (UNAVAILABLE = 14): gRPC request gets grpc-status 14; a plain HTTP request gets 200 with the text body", async () => {
    const host = await hostWith(fault({ abortHttpStatus: 0, abortGrpcStatus: 14, abortPerMillion: 1_000_000 }));
    const grpc = host.request({ headers: [...GET, ["content-type", "application/grpc+proto"]] });
    expect([...(grpc.response?.headers ?? []), ...(grpc.response?.trailers ?? [])]).toContainEqual(["grpc-status", "14"]);
    const plain = host.request({ headers: GET });
    expect(plain.response?.status).toBe(200);
    expect(new TextDecoder().decode(plain.response!.body)).toBe("fault filter abort");
  });
});

describe("§7.2 header-controlled faults are never enabled (Istio sets no header_abort/header_delay)", () => {
  it("x-envoy-fault-* request headers change nothing", async () => {
    const host = await hostWith(fault({ abortHttpStatus: 500, abortPerMillion: 0, delayMs: 1000, delayPerMillion: 0 }));
    const hostile: Array<[string, string]> = [
      ["x-envoy-fault-abort-request", "503"], ["x-envoy-fault-abort-request-percentage", "100"],
      ["x-envoy-fault-abort-grpc-request", "14"], ["x-envoy-fault-delay-request", "5000"],
      ["x-envoy-fault-delay-request-percentage", "100"], ["x-envoy-fault-throughput-response", "1"],
    ];
    for (let i = 0; i < 200; i++) {
      const r = host.request({ headers: [...GET, ...hostile] });
      expect(r.completed).toBe(true);
      expect(r.localReply).toBeNull();
    }
    expect(counter(host, "delays_injected") + counter(host, "aborts_injected")).toBe(0);
  });
});
