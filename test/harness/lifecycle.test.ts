// Request lifecycle in Envoy's order, pause/continue, local replies.
import { describe, expect, test } from "vitest";
import { FilterHeadersStatus, Status } from "../../host/harness/index.ts";
import { FLAG, probeHost, setSlot, slot, text } from "./helpers.ts";

describe("VM start and root context (cpp-host src/wasm.cc startVm, context.cc onStart/onConfigure)", () => {
  test("root context 1 is created with parent 0, then on_vm_start and on_configure with the config size", async () => {
    const host = await probeHost({ pluginConfig: "{\"a\":1}" });
    const w = host.workers[0]!;
    expect(slot(w, "contextCreateCount")).toBe(1);
    expect(slot(w, "lastParentCtx")).toBe(0);
    expect(slot(w, "vmStartCount")).toBe(1);
    expect(slot(w, "configureCount")).toBe(1);
    expect(slot(w, "configSize")).toBe(7);
    expect(host.configured).toEqual([true]);
    expect(w.rootContextId).toBe(1);
  });
});

describe("full request (envoy context.cc decode*/encode*/log/onDestroy order)", () => {
  test("runs headers → upstream → response → on_log → on_done → on_delete", async () => {
    const host = await probeHost();
    const w = host.workers[0]!;
    const r = host.request({
      headers: { ":method": "GET", ":path": "/a", ":authority": "x", "X-Up": "A" },
      upstream: { status: 201, headers: { "x-r": "1" }, body: "hello" },
    });
    expect(r.completed).toBe(true);
    expect(r.upstreamRequest!.headers).toEqual([[":method", "GET"], [":path", "/a"], [":authority", "x"], ["x-up", "A"]]);
    expect(r.response).toMatchObject({ status: 201, source: "upstream", headers: [[":status", "201"], ["x-r", "1"]] });
    expect(text(r.response!.body)).toBe("hello");
    expect(r.actions.map((a) => a.callback)).toEqual([
      "proxy_on_request_headers", "proxy_on_response_headers", "proxy_on_response_body",
    ]);
    expect(slot(w, "reqPathStatus")).toBe(Status.OK);
    expect(slot(w, "logCount")).toBe(1);
    expect(slot(w, "doneCount")).toBe(1);
    expect(slot(w, "deleteCount")).toBe(1);
    // Stream context created lazily with the root as parent.
    expect(slot(w, "lastParentCtx")).toBe(1);
    expect(r.contextId).toBe(2);
  });

  test("request headers are gone after on_request_headers returned Continue: BAD_ARGUMENT in on_response_headers (envoy context.cc decodeHeaders nulls request_headers_)", async () => {
    const host = await probeHost();
    const w = host.workers[0]!;
    host.request({ headers: { ":path": "/a" } });
    expect(slot(w, "respReqPathStatus")).toBe(Status.BAD_ARGUMENT);
    // on_log reads the access-log copy.
    expect(slot(w, "logPathStatus")).toBe(Status.OK);
  });

  test("a low-level call touching request headers after Continue gets BAD_ARGUMENT; while paused it is OK", async () => {
    const host = await probeHost();
    const w = host.workers[0]!;
    const s = w.newStream();
    const { put } = await import("./helpers.ts");
    const [[kp, kl]] = put(w, ":path") as [[number, number]];
    expect(s.requestHeaders({ ":path": "/x" }, true)).toBe(0);
    expect(s.call("call_proxy_get_header_map_value", 0, kp, kl, 0x400, 0x404)).toBe(Status.BAD_ARGUMENT);
    const s2 = w.newStream();
    setSlot(w, "reqHeadersAction", FilterHeadersStatus.StopIteration);
    expect(s2.requestHeaders({ ":path": "/y" }, true)).toBe(1);
    expect(s2.call("call_proxy_get_header_map_value", 0, kp, kl, 0x400, 0x404)).toBe(Status.OK);
  });

  test("request adding a header is seen upstream and clears the route cache (envoy PR #14318)", async () => {
    const host = await probeHost({}, { reqFlags: FLAG.addHeader });
    const r = host.request({ headers: { ":path": "/" } });
    expect(r.upstreamRequest!.headers).toContainEqual(["x-probe", "1"]);
    expect(r.routeCacheCleared).toBe(true);
    expect(r.hostCalls.proxy_add_header_map_value).toBe(1);
  });

  test("without header writes the route cache is untouched", async () => {
    const host = await probeHost();
    expect(host.request({ headers: { ":path": "/" } }).routeCacheCleared).toBe(false);
  });
});

describe("local replies (envoy context.cc sendLocalResponse, filter_manager.cc sendLocalReply, utility.cc)", () => {
  test("deferred, stops iteration although the callback returned Continue, and re-enters on_response_headers", async () => {
    const host = await probeHost({}, { reqFlags: FLAG.localReply, respFlags: FLAG.respAdd });
    const w = host.workers[0]!;
    const r = host.request({ headers: { ":path": "/" }, upstream: () => { throw new Error("must not reach upstream"); } });
    expect(slot(w, "localReplyStatus")).toBe(Status.OK);
    expect(r.upstreamRequest).toBeNull();
    expect(r.localReply).toMatchObject({ status: 403, details: "probe_denied", headers: [["x-deny", "yes"]], grpcStatus: null });
    expect(text(r.localReply!.body)).toBe("denied");
    expect(slot(w, "respHeadersCount")).toBe(1);
    expect(slot(w, "respStatusStatus")).toBe(Status.OK);
    expect(r.response).toMatchObject({
      status: 403,
      source: "local_reply",
      headers: [[":status", "403"], ["x-deny", "yes"], ["content-length", "6"], ["content-type", "text/plain"], ["x-resp-probe", "1"]],
    });
    expect(text(r.response!.body)).toBe("denied");
    expect(r.completed).toBe(true);
  });

  test("gRPC request: trailers-only reply with grpc-status mapped from the HTTP status", async () => {
    const host = await probeHost({}, { reqFlags: FLAG.localReply });
    const r = host.request({ headers: { ":path": "/svc/M", "content-type": "application/grpc" } });
    expect(r.response!.status).toBe(200);
    expect(r.response!.headers).toEqual([
      [":status", "200"], ["x-deny", "yes"], ["content-type", "application/grpc"], ["grpc-status", "7"], ["grpc-message", "denied"],
    ]);
  });

  test("a local reply from on_response_headers goes straight to the client (no re-entry)", async () => {
    const host = await probeHost({}, { respFlags: FLAG.respLocalReply });
    const w = host.workers[0]!;
    const r = host.request({ headers: { ":path": "/" }, upstream: { status: 200, body: "up" } });
    expect(slot(w, "respHeadersCount")).toBe(1);
    expect(r.response).toMatchObject({ status: 502, source: "local_reply" });
    expect(text(r.response!.body)).toBe("denied");
    expect(r.upstreamRequest).not.toBeNull();
  });
});

describe("pause and continue (cpp-host context.cc convertVmCallResultToFilterHeadersStatus; envoy continueStream)", () => {
  test("StopIteration pauses; proxy_continue_stream from a tick resumes after the VM call", async () => {
    const host = await probeHost({}, { reqHeadersAction: 1 });
    const w = host.workers[0]!;
    expect(w.call("call_proxy_set_tick_period_milliseconds", 100)).toBe(Status.OK);
    const p = host.send({ headers: { ":path": "/slow" }, body: "b" });
    expect(p.done).toBe(false);
    expect(p.result.paused).toBe(true);
    expect(p.result.response).toBeNull();
    // Body is held back while headers are stopped (StopAllIterationAndWatermark).
    expect(slot(w, "reqBodyCount")).toBe(0);
    setSlot(w, "tickContinueCtx", p.contextId);
    host.advance(99);
    expect(p.done).toBe(false);
    host.advance(1);
    expect(slot(w, "tickCount")).toBe(1);
    expect(p.done).toBe(true);
    expect(slot(w, "reqBodyCount")).toBe(1);
    expect(p.result.response!.status).toBe(200);
    expect(text(p.result.upstreamRequest!.body)).toBe("b");
  });

  test("continue_stream inside the pausing callback resumes once the callback returned", async () => {
    const host = await probeHost({}, { reqHeadersAction: 1, reqFlags: FLAG.continueStream });
    const r = host.request({ headers: { ":path": "/" } });
    expect(r.completed).toBe(true);
    expect(r.upstreamRequest).not.toBeNull();
  });

  test("cancel of a paused request: on_log, on_done, on_delete still run", async () => {
    const host = await probeHost({}, { reqHeadersAction: 1 });
    const w = host.workers[0]!;
    const p = host.send({ headers: { ":path": "/" } });
    p.cancel();
    expect(p.done).toBe(true);
    expect(p.result).toMatchObject({ reset: true, response: null, upstreamRequest: null });
    expect([slot(w, "logCount"), slot(w, "doneCount"), slot(w, "deleteCount")]).toEqual([1, 1, 1]);
  });
});

describe("configuration updates (cpp-host src/wasm.cc getOrCreateThreadLocalPlugin, ~PluginHandleBase → startShutdown; envoy context.cc Context::plugin_handle_)", () => {
  test("bytes a live root context accepted get that root back: no new root context, no on_configure (plugin key = root_id + configuration)", async () => {
    const host = await probeHost({ pluginConfig: "same" });
    const w = host.workers[0]!;
    expect(host.configure("same")).toEqual([true]);
    expect(slot(w, "configureCount")).toBe(1);
    expect(w.rootContextId).toBe(1);
  });

  test("a refused update: the refused root context gets on_done and on_delete at once, the old one keeps serving", async () => {
    const host = await probeHost();
    const w = host.workers[0]!;
    setSlot(w, "configureResult", 0);
    expect(host.configure("bad")).toEqual([false]);
    expect([slot(w, "doneCount"), slot(w, "deleteCount")]).toEqual([1, 1]);
    expect(w.rootContextId).toBe(1);
    expect(w.contexts.size).toBe(1);
  });

  test("an accepted update while a stream is paused: the old root context lives until that stream is deleted, then on_done and on_delete", async () => {
    const host = await probeHost({}, { reqHeadersAction: FilterHeadersStatus.StopIteration });
    const w = host.workers[0]!;
    const p = host.send({ headers: { ":path": "/" } });
    expect(p.done).toBe(false);
    setSlot(w, "reqHeadersAction", 0);
    expect(host.configure("next")).toEqual([true]);
    expect(w.retiringRoots).toEqual([1]);
    expect(w.contexts.has(1)).toBe(true);
    const before = [slot(w, "doneCount"), slot(w, "deleteCount")];
    expect(host.request({ headers: { ":path": "/" } }).completed).toBe(true); // new streams use the new root
    expect(w.retiringRoots).toEqual([1]);
    p.cancel();
    // The stream's on_done/on_delete, then the old root's.
    expect([slot(w, "doneCount") - before[0]!, slot(w, "deleteCount") - before[1]!]).toEqual([3, 3]);
    expect(w.retiringRoots).toEqual([]);
    expect(w.contexts.has(1)).toBe(false);
  });
});
