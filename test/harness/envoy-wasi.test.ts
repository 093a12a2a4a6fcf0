// The WASI and start-phase answers of test/harness/wasi.test.ts, measured in a real Envoy 1.36.4:
// one WAT module calls each function from on_request_headers (and the monotonic clock from
// _initialize) and sends what it got back as the body of a local reply; Envoy's body and log
// lines must equal the harness's (hostProfile "envoy-1.36"). Sources as in wasi.test.ts.
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendRequest } from "../../conformance/envoy/index.ts";
import { ProxyWasmHost } from "../../host/harness/index.ts";
import { judgesAbsent } from "../support/judges.ts";
import { watToWasm } from "../fixtures/wat.ts";
import { wasiImports } from "../fixtures/wasi.ts";
import { loadInHarness, startModuleRig, wasmLogs, type ModuleRig, type Plugin } from "../modules/rig.ts";

const skip = Boolean(judgesAbsent("WASI answers in real Envoy", { envoy: true }));

const R = 0x1000; // results: u32 slots, sent back as the reply body
const SLOTS = [
  "sched_yield", "poll_oneoff", "poll_nevents", "fd_fdstat_set_flags", "clock_cputime", "fd_close", "fd_seek",
  "fd_write_newline", "fd_write_nwritten", "path_open", "fd_fdstat_get", "fdstat_filetype", "fdstat_rights",
  "random_get_0", "after_proc_exit", "monotonic_at_init_nonzero", "buffer_past_end", "buffer_ptr", "buffer_len",
  "fd_prestat_get", "fd_read",
] as const;
const at = (name: (typeof SLOTS)[number]) => R + 4 * SLOTS.indexOf(name);

const WASI = ["sched_yield", "poll_oneoff", "fd_fdstat_set_flags", "clock_time_get", "fd_close", "fd_seek", "fd_write",
  "path_open", "fd_fdstat_get", "random_get", "proc_exit", "fd_prestat_get", "fd_read"];

async function probeModule(): Promise<Uint8Array> {
  const st = (slot: (typeof SLOTS)[number], expr: string) => `(i32.store (i32.const ${at(slot)}) ${expr})`;
  return watToWasm(`(module
    (import "env" "proxy_send_local_response" (func $reply (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
    (import "env" "proxy_get_buffer_bytes" (func $buf (param i32 i32 i32 i32 i32) (result i32)))
    ${wasiImports(WASI)}
    (memory (export "memory") 1)
    (global $heap (mut i32) (i32.const 0x8000))
    (data (i32.const 0x300) "\\0a")
    (data (i32.const 0x310) "\\00\\03\\00\\00\\01\\00\\00\\00")
    (func (export "proxy_abi_version_0_2_1"))
    (func (export "malloc") (param $n i32) (result i32) (local $p i32)
      (local.set $p (global.get $heap)) (global.set $heap (i32.add (global.get $heap) (local.get $n))) (local.get $p))
    (func (export "_initialize")
      (drop (call $w_clock_time_get (i32.const 1) (i64.const 0) (i32.const 0x400)))
      ${st("monotonic_at_init_nonzero", "(i64.ne (i64.load (i32.const 0x400)) (i64.const 0))")})
    (func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.const 1))
    (func (export "proxy_on_configure") (param i32 i32) (result i32) (i32.const 1))
    (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
      ${st("sched_yield", "(call $w_sched_yield)")}
      (i32.store (i32.const 0x500) (i32.const 0xabab))
      ${st("poll_oneoff", "(call $w_poll_oneoff (i32.const 0x600) (i32.const 0x700) (i32.const 1) (i32.const 0x500))")}
      ${st("poll_nevents", "(i32.load (i32.const 0x500))")}
      ${st("fd_fdstat_set_flags", "(call $w_fd_fdstat_set_flags (i32.const 1) (i32.const 0))")}
      ${st("clock_cputime", "(call $w_clock_time_get (i32.const 2) (i64.const 0) (i32.const 0x400))")}
      ${st("fd_close", "(call $w_fd_close (i32.const 5))")}
      ${st("fd_seek", "(call $w_fd_seek (i32.const 1) (i64.const 0) (i32.const 0) (i32.const 0x400))")}
      ${st("fd_write_newline", "(call $w_fd_write (i32.const 1) (i32.const 0x310) (i32.const 1) (i32.const 0x410))")}
      ${st("fd_write_nwritten", "(i32.load (i32.const 0x410))")}
      ${st("path_open", "(call $w_path_open (i32.const 3) (i32.const 0) (i32.const 0x300) (i32.const 1) (i32.const 0) (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 0x400))")}
      (memory.fill (i32.const 0x420) (i32.const 0xaa) (i32.const 24))
      ${st("fd_fdstat_get", "(call $w_fd_fdstat_get (i32.const 1) (i32.const 0x420))")}
      ${st("fdstat_filetype", "(i32.load8_u (i32.const 0x420))")}
      ${st("fdstat_rights", "(i32.load (i32.const 0x428))")}
      ${st("random_get_0", "(call $w_random_get (i32.const 0xfffff0) (i32.const 0))")}
      ${st("fd_prestat_get", "(call $w_fd_prestat_get (i32.const 3) (i32.const 0x400))")}
      ${st("fd_read", "(call $w_fd_read (i32.const 0) (i32.const 0x310) (i32.const 1) (i32.const 0x400))")}
      (i32.store (i32.const 0x440) (i32.const 0xdeadbeef)) (i32.store (i32.const 0x444) (i32.const 0xdeadbeef))
      ${st("buffer_past_end", "(call $buf (i32.const 6) (i32.const 100) (i32.const 10) (i32.const 0x440) (i32.const 0x444))")}
      ${st("buffer_ptr", "(i32.load (i32.const 0x440))")}
      ${st("buffer_len", "(i32.load (i32.const 0x444))")}
      (call $w_proc_exit (i32.const 7))
      ${st("after_proc_exit", "(i32.const 1)")}
      (drop (call $reply (i32.const 200) (i32.const 0) (i32.const 0) (i32.const ${R}) (i32.const ${4 * SLOTS.length}) (i32.const 0) (i32.const 0) (i32.const -1)))
      (i32.const 1)))`);
}

/** The reply body as slot name → value. */
function decode(body: Uint8Array): Record<string, number> {
  const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  return Object.fromEntries(SLOTS.map((s, i) => [s, dv.getUint32(4 * i, true)]));
}

describe.skipIf(skip)("WASI answers: real Envoy 1.36.4 and the harness", () => {
  let rig: ModuleRig;
  let plugin: Plugin;

  beforeAll(async () => {
    const path = join(tmpdir(), `gatewasm-wasi-probe-${process.pid}.wasm`);
    writeFileSync(path, await probeModule());
    plugin = { name: "wasi-probe", rootId: "", vmId: "wasi-probe", wasm: path, port: 10031 };
    rig = await startModuleRig([plugin]);
  }, 120_000);
  afterAll(async () => rig?.stop());

  it("every answer, out-slot write and log line is the same", async () => {
    const before = wasmLogs(rig.envoy.log(), plugin.vmId).length;
    const r = await sendRequest(rig.envoy.target(plugin.port), { authority: "wasi.example", path: "/" });
    expect(r.status).toBe(200);
    const envoy = decode(new Uint8Array(r.bodyBytes));
    const envoyLogs = wasmLogs(rig.envoy.log(), plugin.vmId).slice(before).filter((l) => l.thread === "worker").map((l) => [l.level, l.message]);

    const host: ProxyWasmHost = await loadInHarness(plugin);
    const h = host.request({ headers: { ":method": "GET", ":path": "/", ":authority": "wasi.example" } });
    expect(h.response!.status).toBe(200);
    const harness = decode(h.response!.body);
    console.log("envoy", envoy, "\nharness", harness);
    expect(harness).toEqual(envoy);
    expect(h.logs.map((l) => [l.levelName, l.message])).toEqual(envoyLogs);
    // What they are (cpp-host c4d7bb0 src/exports.cc), so a change on both sides is seen too.
    expect(envoy).toMatchObject({
      sched_yield: 0, poll_oneoff: 52, poll_nevents: 0xabab, fd_fdstat_set_flags: 52, clock_cputime: 58,
      fd_close: 0, fd_seek: 0, fd_write_newline: 0, fd_write_nwritten: 1, path_open: 44, fd_fdstat_get: 0,
      fdstat_filetype: 0, fdstat_rights: 64, random_get_0: 0, after_proc_exit: 1, monotonic_at_init_nonzero: 1,
      buffer_past_end: 0, buffer_ptr: 0, buffer_len: 0, fd_prestat_get: 8, fd_read: 52,
    });
    expect(envoyLogs).toEqual([["info", ""]]);
  }, 60_000);
});
