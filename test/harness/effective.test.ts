// Host calls and logs made for a stream from a root-context callback (tick, callout response)
// after proxy_set_effective_context are charged to that stream (cpp-host src/exports.cc: every
// host function acts on contextOrEffectiveContext(), including proxy_log → ContextBase::log),
// and the fault-injection hook for host calls.
import { describe, expect, test } from "vitest";
import { ProxyWasmHost, Status, type HostCallInfo } from "../../host/harness/index.ts";
import { watToWasm } from "../fixtures/wat.ts";
import { FLAG, probeHost, SLOT } from "./helpers.ts";

/**
 * on_request_headers pauses and remembers its context id; on_tick (period 10 ms) sets the
 * effective context to it, logs "resuming" and continues the request.
 */
async function resumer() {
  return watToWasm(`(module
    (import "env" "proxy_log" (func $log (param i32 i32 i32) (result i32)))
    (import "env" "proxy_set_effective_context" (func $eff (param i32) (result i32)))
    (import "env" "proxy_continue_stream" (func $cont (param i32) (result i32)))
    (import "env" "proxy_set_tick_period_milliseconds" (func $tick (param i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 0x100) "resuming")
    (data (i32.const 0x110) "ticked")
    (func (export "proxy_abi_version_0_2_1"))
    (func (export "malloc") (param i32) (result i32) (i32.const 0x8000))
    (func (export "proxy_on_configure") (param i32 i32) (result i32) (drop (call $tick (i32.const 10))) (i32.const 1))
    (func (export "proxy_on_request_headers") (param $id i32) (param i32 i32) (result i32)
      (i32.store (i32.const 0x200) (local.get $id)) (i32.const 1))
    (func (export "proxy_on_tick") (param i32)
      (drop (call $log (i32.const 2) (i32.const 0x110) (i32.const 6)))
      (if (i32.load (i32.const 0x200)) (then
        (drop (call $eff (i32.load (i32.const 0x200))))
        (drop (call $log (i32.const 2) (i32.const 0x100) (i32.const 8)))
        (drop (call $cont (i32.const 0)))
        (i32.store (i32.const 0x200) (i32.const 0))))))`);
}

describe("effective-context accounting (contextOrEffectiveContext)", () => {
  test("a tick that resumes a paused request: its continue_stream and log are in that request's result, the tick's own log is not", async () => {
    const host = await ProxyWasmHost.load(await resumer());
    const p = host.send({ headers: { ":path": "/" } });
    expect(p.done).toBe(false);
    expect(p.result.hostCalls).toEqual({});
    host.advance(10);
    expect(p.done).toBe(true);
    const r = p.result;
    expect(r.response).toMatchObject({ status: 200, source: "upstream" });
    // set_effective_context itself acts for the root context; what follows acts for the stream.
    expect(r.hostCalls).toEqual({ proxy_log: 1, proxy_continue_stream: 1 });
    expect(r.logs.map((l) => [l.message, l.contextId])).toEqual([["resuming", r.contextId]]);
    // The main thread's VM ticks too (it serves no request, so it resumes nothing).
    expect(host.logs.map((l) => [l.vm, l.message, l.contextId])).toEqual([
      ["main", "ticked", 1], ["worker", "ticked", 1], ["worker", "resuming", r.contextId],
    ]);
  });
});

describe("fault injection: onHostCall", () => {
  test("a returned status replaces the call; undefined runs it; the call is still counted", async () => {
    const seen: HostCallInfo[] = [];
    const host = await probeHost({
      onHostCall: (c) => {
        seen.push(c);
        return c.name === "proxy_get_header_map_value" && c.contextId !== 1 ? Status.NOT_FOUND : undefined;
      },
    });
    const w = host.workers[0]!;
    const r = host.request({ headers: { ":path": "/a" } });
    // The probe stores the status of its :path read in on_request_headers.
    expect(w.readU32(SLOT.reqPathStatus)).toBe(Status.NOT_FOUND);
    expect(r.hostCalls.proxy_get_header_map_value).toBeGreaterThan(0);
    expect(seen.find((c) => c.name === "proxy_get_header_map_value")).toMatchObject({
      module: "env", worker: 0, vm: "worker", contextId: r.contextId,
    });
    // Settable at any time; null turns it off.
    host.onHostCall = null;
    host.request({ headers: { ":path": "/a" } });
    expect(w.readU32(SLOT.reqPathStatus)).toBe(Status.OK);
  });

  test("failing WASI random_get with EIO (29) and a send_local_response with INTERNAL_FAILURE: the module sees exactly that", async () => {
    const host = await probeHost({}, { reqFlags: FLAG.localReply });
    host.onHostCall = (c) => (c.name === "random_get" ? 29 : c.name === "proxy_send_local_response" ? Status.INTERNAL_FAILURE : undefined);
    const w = host.workers[0]!;
    expect(w.call("call_random_get", 0x400, 8)).toBe(29);
    const r = host.request({ headers: { ":path": "/" } });
    expect(w.readU32(SLOT.localReplyStatus)).toBe(Status.INTERNAL_FAILURE);
    expect(r.localReply).toBeNull(); // the host never ran the call
    expect(r.response!.status).toBe(200);
  });
});

