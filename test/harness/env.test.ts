// Shared state across worker VMs, timers, randomness, callouts and VM failure policy.
import { describe, expect, test } from "vitest";
import { serializePairs, Status } from "../../host/harness/index.ts";
import { DEFAULT_MONOTONIC_START_NS } from "../../host/harness/core.ts";
import { FLAG, outBytes, outString, probeHost, put, setSlot, slot, SLOT, text } from "./helpers.ts";

const OUT = SLOT.out;

describe("shared data with CAS across worker VMs (cpp-host src/shared_data.cc)", () => {
  test("a stale CAS from another worker is a CAS_MISMATCH; missing key ignores CAS; cas 0 unconditional", async () => {
    const host = await probeHost({ workers: 2 });
    const [w0, w1] = host.workers as [typeof host.workers[0], typeof host.workers[0]];
    const [[k, kl], [v, vl]] = put(w0, "hosts", "a") as Array<[number, number]>;
    put(w1, "hosts", "b");
    expect(w0.call("call_proxy_get_shared_data", k, kl, OUT, OUT + 4, OUT + 8)).toBe(Status.NOT_FOUND);
    expect(w0.call("call_proxy_set_shared_data", k, kl, v, vl, 12345)).toBe(Status.OK); // missing key: CAS ignored
    expect(w0.call("call_proxy_get_shared_data", k, kl, OUT, OUT + 4, OUT + 8)).toBe(Status.OK);
    const cas0 = w0.readU32(OUT + 8);
    expect(w1.call("call_proxy_get_shared_data", k, kl, OUT, OUT + 4, OUT + 8)).toBe(Status.OK);
    expect(w1.readU32(OUT + 8)).toBe(cas0);
    expect(outString(w1)).toBe("a");
    // Worker 1 wins the race, worker 0's CAS is now stale.
    expect(w1.call("call_proxy_set_shared_data", k, kl, v, vl, cas0)).toBe(Status.OK);
    expect(w0.call("call_proxy_set_shared_data", k, kl, v, vl, cas0)).toBe(Status.CAS_MISMATCH);
    expect(w0.call("call_proxy_set_shared_data", k, kl, v, vl, 0)).toBe(Status.OK);
    const e = host.sharedValue("hosts")!;
    expect(e.cas).toBeGreaterThan(cas0);
    expect(text(e.value)).toBe("a");
  });
});

describe("shared queues (cpp-host src/shared_queue.cc)", () => {
  test("register/resolve/enqueue/dequeue; EMPTY when drained; on_queue_ready to the registering root", async () => {
    const host = await probeHost({ workers: 2 });
    const [w0, w1] = host.workers as [typeof host.workers[0], typeof host.workers[0]];
    const [[n, nl], [v, vl], [e, el]] = put(w0, "q", "item", "") as Array<[number, number]>;
    put(w1, "q", "item", "");
    expect(w0.call("call_proxy_register_shared_queue", n, nl, OUT)).toBe(Status.OK);
    const token = w0.readU32(OUT);
    expect(w1.call("call_proxy_resolve_shared_queue", e, el, n, nl, OUT)).toBe(Status.OK);
    expect(w1.readU32(OUT)).toBe(token);
    expect(w1.call("call_proxy_resolve_shared_queue", e, el, v, vl, OUT)).toBe(Status.NOT_FOUND);
    expect(w1.call("call_proxy_enqueue_shared_queue", token, v, vl)).toBe(Status.OK);
    host.settle();
    expect(slot(w0, "queueReadyCount")).toBe(1);
    expect(slot(w0, "lastQueueToken")).toBe(token);
    expect(slot(w1, "queueReadyCount")).toBe(0);
    expect(w0.call("call_proxy_dequeue_shared_queue", token, OUT, OUT + 4)).toBe(Status.OK);
    expect(outString(w0)).toBe("item");
    expect(w0.call("call_proxy_dequeue_shared_queue", token, OUT, OUT + 4)).toBe(Status.EMPTY);
    expect(w0.call("call_proxy_enqueue_shared_queue", 999, v, vl)).toBe(Status.NOT_FOUND);
  });
});

describe("ticks on the injected clock (envoy wasm.cc setTimerPeriod/tickHandler)", () => {
  test("fire at the period per worker root context, several times in one advance", async () => {
    const host = await probeHost({ workers: 2 });
    for (const w of host.workers) expect(w.call("call_proxy_set_tick_period_milliseconds", 250)).toBe(Status.OK);
    host.advance(249);
    expect(host.workers.map((w) => slot(w, "tickCount"))).toEqual([0, 0]);
    host.advance(1);
    expect(host.workers.map((w) => slot(w, "tickCount"))).toEqual([1, 1]);
    host.advance(1000);
    expect(host.workers.map((w) => slot(w, "tickCount"))).toEqual([5, 5]);
    expect(host.now()).toBe(1_700_000_000_000 + 1250);
    host.workers[0]!.call("call_proxy_set_tick_period_milliseconds", 0);
    host.advance(500);
    expect(host.workers.map((w) => slot(w, "tickCount"))).toEqual([5, 7]);
  });

  test("proxy_get_current_time_nanoseconds and WASI clock follow the injected clock", async () => {
    const host = await probeHost({ startTimeMs: 1000 });
    const w = host.workers[0]!;
    host.advance(5);
    expect(w.call("call_proxy_get_current_time_nanoseconds", OUT)).toBe(Status.OK);
    expect(w.readU64(OUT)).toBe(1_005_000_000n);
    expect(w.call("call_clock_time_get", 0, 0n, OUT)).toBe(0);
    expect(w.readU64(OUT)).toBe(1_005_000_000n);
    expect(w.call("call_clock_time_get", 1, 0n, OUT)).toBe(0);
    // Monotonic: Envoy's steady clock (time since boot), never 0; starts at DEFAULT_MONOTONIC_START_NS.
    expect(w.readU64(OUT)).toBe(DEFAULT_MONOTONIC_START_NS + 5_000_000n);
  });
});

describe("seeded random_get", () => {
  test("same seed ⇒ same bytes, other seed ⇒ other bytes; > 64 KiB ⇒ EINVAL", async () => {
    const seed = 42;
    console.log(`random_get seed ${seed}`);
    const draw = async (s: number) => {
      const host = await probeHost({ seed: s });
      const w = host.workers[0]!;
      expect(w.call("call_random_get", OUT, 16)).toBe(0);
      expect(w.call("call_random_get", OUT, 65537)).toBe(28);
      expect(host.seed).toBe(s);
      return Array.from(w.readBytes(OUT, 16));
    };
    const a = await draw(seed);
    expect(await draw(seed)).toEqual(a);
    expect(await draw(seed + 1)).not.toEqual(a);
  });
});

describe("proxy_http_call (envoy context.cc httpCall, onHttpCallSuccess/Failure)", () => {
  const req = (w: Parameters<typeof put>[0], cluster: string, headers: Array<[string, string]>) => {
    return put(w, cluster, serializePairs(headers), "body") as Array<[number, number]>;
  };
  const good: Array<[string, string]> = [[":method", "GET"], [":path", "/x"], [":authority", "svc"]];

  test("unknown cluster or missing pseudo-headers ⇒ BAD_ARGUMENT", async () => {
    const host = await probeHost({ clusters: ["auth"] });
    const w = host.workers[0]!;
    let [[c, cl], [h, hl], [b, bl]] = req(w, "nope", good) as Array<[number, number]>;
    expect(w.call("call_proxy_http_call", c, cl, h, hl, b, bl, 0, 0, 1000, OUT)).toBe(Status.BAD_ARGUMENT);
    [[c, cl], [h, hl], [b, bl]] = req(w, "auth", good.slice(0, 2)) as Array<[number, number]>;
    expect(w.call("call_proxy_http_call", c, cl, h, hl, b, bl, 0, 0, 1000, OUT)).toBe(Status.BAD_ARGUMENT);
  });

  test("answer delivers on the root context with headers/body readable; failure ⇒ 0 headers and BROKEN_CONNECTION", async () => {
    const host = await probeHost({ clusters: ["auth"] });
    const w = host.workers[0]!;
    const [[c, cl], [h, hl], [b, bl]] = req(w, "auth", good) as Array<[number, number]>;
    expect(w.call("call_proxy_http_call", c, cl, h, hl, b, bl, 0, 0, 1000, OUT)).toBe(Status.OK);
    const token = w.readU32(OUT);
    expect(host.pendingHttpCalls).toMatchObject([{ token, cluster: "auth", timeoutMs: 1000 }]);
    host.respondHttpCall(token, { headers: [[":status", "200"], ["x", "y"]], body: "ok!" });
    expect([slot(w, "httpCallResponseCount"), slot(w, "httpCallNumHeaders"), slot(w, "httpCallBodySize")]).toEqual([1, 2, 3]);
    expect(w.call("call_proxy_http_call", c, cl, h, hl, b, bl, 0, 0, 1000, OUT)).toBe(Status.OK);
    host.respondHttpCall(w.readU32(OUT), "fail");
    expect(slot(w, "httpCallNumHeaders")).toBe(0);
    expect(w.call("call_proxy_get_status", OUT, OUT + 4, OUT + 8)).toBe(Status.OK);
    expect(w.readU32(OUT)).toBe(Status.BROKEN_CONNECTION);
    expect(outString(w, 4)).toBe("reset");
    expect(host.pendingHttpCalls).toHaveLength(0);
  });

  test("gRPC calls fail as on an Envoy without the gRPC cluster", async () => {
    const host = await probeHost();
    const w = host.workers[0]!;
    expect(w.call("call_proxy_grpc_call", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, OUT)).toBe(Status.BAD_ARGUMENT);
    expect(w.call("call_proxy_grpc_cancel", 1)).toBe(Status.NOT_FOUND);
    void outBytes;
  });
});

describe("VM failure (cpp-host context.cc CHECK_FAIL_HTTP / failStream; envoy context.cc failStream)", () => {
  test("fail closed: the trapping request and later ones get 503 wasm_fail_stream", async () => {
    const host = await probeHost();
    const w = host.workers[0]!;
    expect(host.request({ headers: { ":path": "/" } }).response!.status).toBe(200);
    setSlot(w, "reqFlags", FLAG.abortLikeAs);
    const r = host.request({ headers: { ":path": "/" } });
    expect(host.isFailed(0)).toBe(true);
    expect(host.trapMessage(0)).toMatch(/Function: proxy_on_request_headers failed: Uncaught RuntimeError: unreachable/);
    expect(host.logs.find((l) => l.levelName === "critical")!.message).toBe("abort: probe failure");
    expect(r.response).toMatchObject({ status: 503, source: "fail_closed", headers: [[":status", "503"]] });
    expect(r.localReply).toMatchObject({ status: 503, details: "wasm_fail_stream", grpcStatus: 14 });
    expect(r.upstreamRequest).toBeNull();
    const later = host.request({ headers: { ":path": "/" } });
    expect(later.response).toMatchObject({ status: 503, source: "fail_closed" });
    expect(later.actions).toEqual([]);
  });

  test("fail open: the request and later ones pass straight through to the upstream", async () => {
    const host = await probeHost({ failOpen: true }, { reqFlags: FLAG.trap });
    const r = host.request({ headers: { ":path": "/p" }, upstream: { status: 204 } });
    expect(host.isFailed(0)).toBe(true);
    expect(r.response).toMatchObject({ status: 204, source: "upstream" });
    expect(r.upstreamRequest!.headers).toEqual([[":path", "/p"]]);
    const later = host.request({ headers: { ":path": "/q" } });
    expect(later.response!.status).toBe(200);
    expect(later.actions).toEqual([]);
  });

  test("proc_exit does not fail the VM (cpp-host exports.cc proc_exit → envoy Context::error, a trace log): the request goes on", async () => {
    const host = await probeHost({ workers: 2 });
    setSlot(host.workers[0]!, "reqFlags", FLAG.procExit);
    const r0 = host.request({ worker: 0, headers: { ":path": "/" } });
    expect(host.isFailed(0)).toBe(false);
    expect(r0.response).toMatchObject({ status: 200, source: "upstream" });
    expect(r0.hostCalls.proc_exit).toBe(1);
    expect(host.hostTrace).toEqual([{ worker: 0, message: "wasi_unstable proc_exit(255)", contextId: r0.contextId }]);
  });

  test("a refused configuration update leaves the old root context serving; an accepted one replaces it", async () => {
    const host = await probeHost();
    const w = host.workers[0]!;
    setSlot(w, "configureResult", 0);
    expect(host.configure("bad")).toEqual([false]);
    // The old root context keeps serving after a refused update.
    expect(host.request({ headers: { ":path": "/" } }).response!.status).toBe(200);
    setSlot(w, "configureResult", 1);
    expect(host.configure("good")).toEqual([true]);
    expect(slot(w, "configSize")).toBe(4);
    expect(host.request({ headers: { ":path": "/" } }).response!.status).toBe(200);
  });
});

describe("host-call counts and logs per request", () => {
  test("counts by import name are per stream", async () => {
    const host = await probeHost({}, { reqFlags: FLAG.addHeader });
    const r = host.request({ headers: { ":path": "/" } });
    expect(r.hostCalls).toEqual({
      // on_request_headers :path, on_response_headers :status + request :path, on_log :path
      proxy_get_header_map_value: 4,
      proxy_add_header_map_value: 1,
    });
    const r2 = host.request({ headers: { ":path": "/" } });
    expect(r2.hostCalls.proxy_add_header_map_value).toBe(1);
  });
});
