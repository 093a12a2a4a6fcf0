// WASI as Envoy provides it: which functions are linked, what each returns and writes, what may
// run while the VM starts, and the clocks. Sources: proxy-wasm-cpp-host
// include/proxy-wasm/exports.h FOR_ALL_WASI_FUNCTIONS, src/exports.cc wasi_unstable_*,
// src/wasm.cc WasmBase::startVm, include/proxy-wasm/wasm.h allocMemory — at c4d7bb0 (#427, the
// cpp-host of Envoy 1.36.4, profile "envoy-1.36") and at main 52a0291 (#533, "cpp-host-main");
// envoy source/extensions/common/wasm/context.cc (Context::error is a trace log,
// getMonotonicTimeNanoseconds is the steady clock).
import { describe, expect, test } from "vitest";
import { DEFAULT_MONOTONIC_START_NS } from "../../host/harness/core.ts";
import { PROFILE, ProxyWasmHost, type HostOptions, type HostProfile } from "../../host/harness/index.ts";
import { watToWasm } from "../fixtures/wat.ts";
import { wasiForwarders, wasiImports } from "../fixtures/wasi.ts";

const OUT = 0x400;
const IOV = 0x300;
const DATA = 0x380;
const SENTINEL = 0xdeadbeef;

const ERRNO = { SUCCESS: 0, BADF: 8, NOTDIR: 20, FAULT: 21, INVAL: 28, NOENT: 44, NOSYS: 52, NOTSUP: 58 };

/** A 0.2.1 module importing `names` (WASI) with `wcall_<name>` forwarders; `extra` adds definitions. */
async function wasiHost(names: readonly string[], opts: HostOptions = {}, extra = "", module = "wasi_snapshot_preview1") {
  const wasm = await watToWasm(`(module
    ${wasiImports(names, module)}
    (memory (export "memory") 1)
    (global $heap (mut i32) (i32.const 0x8000))
    (func (export "proxy_abi_version_0_2_1"))
    (func (export "malloc") (param $n i32) (result i32) (local $p i32)
      (local.set $p (global.get $heap)) (global.set $heap (i32.add (global.get $heap) (local.get $n))) (local.get $p))
    ${wasiForwarders(names)}
    ${extra})`);
  return ProxyWasmHost.load(wasm, opts);
}

const ENVOY_136 = [...PROFILE["envoy-1.36"].wasi];
const MAIN = [...PROFILE["cpp-host-main"].wasi];

describe("WASI functions linked (exports.h FOR_ALL_WASI_FUNCTIONS)", () => {
  test("envoy-1.36 links the c4d7bb0 set (sched_yield, poll_oneoff, fd_fdstat_set_flags among them) under both module names", async () => {
    expect(ENVOY_136).toEqual(expect.arrayContaining(["sched_yield", "poll_oneoff", "fd_fdstat_set_flags", "fd_fdstat_get"]));
    expect(ENVOY_136).toHaveLength(18);
    for (const m of ["wasi_snapshot_preview1", "wasi_unstable"]) {
      const host = await wasiHost(ENVOY_136, {}, "", m);
      expect(host.isFailed(0)).toBe(false);
    }
  });

  test("clock_res_get and the file/socket stubs are cpp-host main only: refused under envoy-1.36 naming the profile that has them", async () => {
    await expect(wasiHost(["clock_res_get"])).rejects.toThrow(
      /imports wasi_snapshot_preview1\.clock_res_get .*Envoy 1\.36 does not; cpp-host main does: hostProfile "cpp-host-main"/);
    const host = await wasiHost(MAIN, { hostProfile: "cpp-host-main" });
    expect(MAIN).toHaveLength(45);
    expect(host.isFailed(0)).toBe(false);
  });

  test("a WASI function neither host has is refused", async () => {
    const wasm = await watToWasm(`(module (import "wasi_snapshot_preview1" "sock_open" (func (param i32) (result i32)))
      (memory (export "memory") 1) (func (export "proxy_abi_version_0_2_1")) (func (export "malloc") (param i32) (result i32) (i32.const 0)))`);
    for (const hostProfile of ["envoy-1.36", "cpp-host-main"] as HostProfile[]) {
      await expect(ProxyWasmHost.load(wasm, { hostProfile })).rejects.toThrow(/wasi_snapshot_preview1\.sock_open/);
    }
  });
});

describe("WASI return values and out-slots (src/exports.cc)", () => {
  for (const hostProfile of ["envoy-1.36", "cpp-host-main"] as HostProfile[]) {
    test(`${hostProfile}: sched_yield 0, fd_fdstat_set_flags ENOSYS, fd_fdstat_get {0, rights FD_WRITE}, path_open ENOENT, prestat`, async () => {
      const host = await wasiHost(ENVOY_136, { hostProfile });
      const w = host.workers[0]!;
      expect(w.call("wcall_sched_yield")).toBe(ERRNO.SUCCESS);
      expect(w.call("wcall_fd_fdstat_set_flags", 1, 4)).toBe(ERRNO.NOSYS);
      w.writeBytes(OUT, new Uint8Array(24).fill(0xaa));
      expect(w.call("wcall_fd_fdstat_get", 1, OUT)).toBe(ERRNO.SUCCESS);
      expect([w.readU64(OUT), w.readU64(OUT + 8), w.readU64(OUT + 16)]).toEqual([0n, 64n, 0n]);
      expect(w.call("wcall_fd_fdstat_get", 3, OUT)).toBe(ERRNO.BADF);
      // Out of bounds: cpp-host ignores the failed write and still answers success.
      expect(w.call("wcall_fd_fdstat_get", 2, 0xfffff0)).toBe(ERRNO.SUCCESS);
      expect(w.call("wcall_path_open", 3, 0, DATA, 1, 0, 0n, 0n, 0, OUT)).toBe(ERRNO.NOENT);
      expect(w.call("wcall_fd_prestat_get", 3, OUT)).toBe(ERRNO.BADF);
      expect(w.call("wcall_fd_prestat_dir_name", 3, OUT, 4)).toBe(ERRNO.NOSYS);
      expect(w.call("wcall_fd_read", 0, IOV, 1, OUT)).toBe(ERRNO.NOSYS);
      expect(w.call("wcall_args_sizes_get", OUT, OUT + 4)).toBe(ERRNO.SUCCESS);
      expect([w.readU32(OUT), w.readU32(OUT + 4)]).toEqual([0, 0]);
      expect(w.call("wcall_random_get", 0xfffff0, 0)).toBe(ERRNO.SUCCESS); // length 0 touches nothing
      expect(w.call("wcall_random_get", 0xfffff0, 16)).toBe(ERRNO.FAULT);
    });

    test(`${hostProfile}: fd_seek and fd_close answer 0 and only leave an Envoy trace line (Context::error)`, async () => {
      const host = await wasiHost(ENVOY_136, { hostProfile, logLevel: "trace" });
      const w = host.workers[0]!;
      expect(w.call("wcall_fd_seek", 1, 0n, 0, OUT)).toBe(ERRNO.SUCCESS);
      expect(w.call("wcall_fd_close", 1)).toBe(ERRNO.SUCCESS);
      expect(host.logs).toEqual([]);
      expect(host.hostTrace.map((t) => t.message)).toEqual(["wasi_unstable fd_seek", "wasi_unstable fd_close"]);
    });

    test(`${hostProfile}: clock ids other than realtime/monotonic are ENOTSUP; EFAULT on a bad slot`, async () => {
      const host = await wasiHost(ENVOY_136, { hostProfile });
      const w = host.workers[0]!;
      expect(w.call("wcall_clock_time_get", 2, 0n, OUT)).toBe(ERRNO.NOTSUP);
      expect(w.call("wcall_clock_time_get", 3, 0n, OUT)).toBe(ERRNO.NOTSUP);
      expect(w.call("wcall_clock_time_get", 0, 0n, 0xfffffc)).toBe(ERRNO.FAULT);
    });
  }

  test("poll_oneoff: Envoy 1.36 answers ENOSYS and writes nothing; cpp-host main writes nevents 0 and succeeds (#497)", async () => {
    const old = (await wasiHost(ENVOY_136)).workers[0]!;
    old.writeBytes(OUT, le32(SENTINEL));
    expect(old.call("wcall_poll_oneoff", IOV, DATA, 1, OUT)).toBe(ERRNO.NOSYS);
    expect(old.readU32(OUT)).toBe(SENTINEL);
    const main = (await wasiHost(ENVOY_136, { hostProfile: "cpp-host-main" })).workers[0]!;
    main.writeBytes(OUT, le32(SENTINEL));
    expect(main.call("wcall_poll_oneoff", IOV, DATA, 1, OUT)).toBe(ERRNO.SUCCESS);
    expect(main.readU32(OUT)).toBe(0);
    expect(main.call("wcall_poll_oneoff", IOV, DATA, 1, 0xfffffc)).toBe(ERRNO.FAULT);
  });

  test("cpp-host main stubs: clock_res_get 1 ns, fd_tell 0 on stdio, fd_readdir ENOTDIR, sockets ENOTSUP, stdio-only BADF", async () => {
    const host = await wasiHost(MAIN, { hostProfile: "cpp-host-main" });
    const w = host.workers[0]!;
    expect(w.call("wcall_clock_res_get", 1, OUT)).toBe(ERRNO.SUCCESS);
    expect(w.readU64(OUT)).toBe(1n);
    expect(w.call("wcall_clock_res_get", 2, OUT)).toBe(ERRNO.NOTSUP);
    w.writeBytes(OUT, new Uint8Array(8).fill(0xaa));
    expect(w.call("wcall_fd_tell", 1, OUT)).toBe(ERRNO.SUCCESS);
    expect(w.readU64(OUT)).toBe(0n);
    expect(w.call("wcall_fd_tell", 5, OUT)).toBe(ERRNO.BADF);
    w.writeBytes(OUT, le32(SENTINEL));
    expect(w.call("wcall_fd_readdir", 3, DATA, 16, 0n, OUT)).toBe(ERRNO.NOTDIR);
    expect(w.readU32(OUT)).toBe(0);
    for (const f of ["fd_allocate", "fd_datasync", "fd_sync", "fd_filestat_set_size"]) {
      const args = f === "fd_allocate" ? [0n, 0n] : f === "fd_filestat_set_size" ? [0n] : [];
      expect(w.call(`wcall_${f}`, 2, ...args), f).toBe(ERRNO.SUCCESS);
      expect(w.call(`wcall_${f}`, 4, ...args), f).toBe(ERRNO.BADF);
    }
    expect(w.call("wcall_fd_advise", 9, 0n, 0n, 0)).toBe(ERRNO.SUCCESS);
    expect(w.call("wcall_fd_renumber", 1, 2)).toBe(ERRNO.NOTSUP);
    expect(w.call("wcall_fd_renumber", 1, 3)).toBe(ERRNO.BADF);
    expect(w.call("wcall_fd_pread", 1, IOV, 1, 0n, OUT)).toBe(ERRNO.NOSYS);
    expect(w.call("wcall_fd_filestat_get", 1, OUT)).toBe(ERRNO.BADF);
    expect(w.call("wcall_path_filestat_get", 3, 0, DATA, 1, OUT)).toBe(ERRNO.NOTSUP);
    expect(w.call("wcall_sock_accept", 3, 0, OUT)).toBe(ERRNO.NOTSUP);
    expect(w.call("wcall_sock_send", 3, IOV, 1, 0, OUT)).toBe(ERRNO.NOTSUP);
    expect(w.call("wcall_sock_recv", 3, IOV, 1, 0, OUT, OUT + 8)).toBe(ERRNO.NOTSUP);
    expect(w.call("wcall_sock_shutdown", 3, 0)).toBe(ERRNO.NOTSUP);
    // fd_pwrite writes to the log like fd_write and ignores the offset.
    setIov(w, "pwritten\n");
    expect(w.call("wcall_fd_pwrite", 2, IOV, 1, 7n, OUT)).toBe(ERRNO.SUCCESS);
    expect(w.readU32(OUT)).toBe(9);
    expect(host.logsAt("error")).toEqual(["pwritten"]);
  });

  test("environ_sizes_get/environ_get answer the configured environment (VmConfig.environment_variables)", async () => {
    const host = await wasiHost(ENVOY_136, { environment: { A: "1", LONGER: "two" } });
    const w = host.workers[0]!;
    expect(w.call("wcall_environ_sizes_get", OUT, OUT + 4)).toBe(ERRNO.SUCCESS);
    expect([w.readU32(OUT), w.readU32(OUT + 4)]).toEqual([2, 4 + 11]);
    expect(w.call("wcall_environ_get", OUT, DATA)).toBe(ERRNO.SUCCESS);
    expect([w.readU32(OUT), w.readU32(OUT + 4)]).toEqual([DATA, DATA + 4]);
    expect(new TextDecoder().decode(w.readBytes(DATA, 15))).toBe("A=1\0LONGER=two\0");
  });
});

describe("fd_write → logs (exports.cc writevImpl)", () => {
  test("fd 1 info, fd 2 error, one trailing newline dropped; a lone \"\\n\" logs an empty line; nwritten counts every byte", async () => {
    const host = await wasiHost(["fd_write"]);
    const w = host.workers[0]!;
    for (const [fd, text] of [[1, "hello\n"], [1, "\n"], [2, "two\n\n"], [1, "no newline"]] as const) {
      setIov(w, text);
      expect(w.call("wcall_fd_write", fd, IOV, 1, OUT)).toBe(ERRNO.SUCCESS);
      expect(w.readU32(OUT)).toBe(text.length);
    }
    expect(host.logs.map((l) => [l.levelName, l.message])).toEqual([
      ["info", "hello"], ["info", ""], ["error", "two\n"], ["info", "no newline"],
    ]);
    // Zero bytes: nothing logged, nwritten 0.
    w.writeBytes(IOV, new Uint8Array([...le32(DATA), ...le32(0)]));
    expect(w.call("wcall_fd_write", 1, IOV, 1, OUT)).toBe(ERRNO.SUCCESS);
    expect(w.readU32(OUT)).toBe(0);
    expect(host.logs).toHaveLength(4);
    expect(w.call("wcall_fd_write", 3, IOV, 1, OUT)).toBe(ERRNO.BADF);
    expect(w.call("wcall_fd_write", 1, 0xfffffc, 1, OUT)).toBe(ERRNO.FAULT);
  });
});

describe("clocks (envoy context.cc getMonotonicTimeNanoseconds: steady clock)", () => {
  test("the monotonic clock is not 0 while _initialize runs (Go: \"nanotime returning zero\") and advances with the injected clock", async () => {
    const host = await wasiHost(["clock_time_get"], {}, `
      (func (export "_initialize") (drop (call $w_clock_time_get (i32.const 1) (i64.const 0) (i32.const ${OUT + 16}))))`);
    const w = host.workers[0]!;
    expect(w.readU64(OUT + 16)).toBe(DEFAULT_MONOTONIC_START_NS);
    expect(DEFAULT_MONOTONIC_START_NS > 0n).toBe(true);
    host.advance(5);
    expect(w.call("wcall_clock_time_get", 1, 0n, OUT)).toBe(0);
    expect(w.readU64(OUT)).toBe(DEFAULT_MONOTONIC_START_NS + 5_000_000n);
    const other = await wasiHost(["clock_time_get"], { monotonicStartNs: 7n });
    expect(other.workers[0]!.call("wcall_clock_time_get", 1, 0n, OUT)).toBe(0);
    expect(other.workers[0]!.readU64(OUT)).toBe(7n);
  });
});

describe("start phase (src/wasm.cc startVm setRestrictedCallback)", () => {
  const startCalling = (name: string, call: string) =>
    `(func (export "_initialize") (i32.store (i32.const ${OUT + 32}) ${call}))`;

  test("envoy-1.36: fd_fdstat_get, fd_fdstat_set_flags, random_get, clocks and environ may run in _initialize", async () => {
    const calls = [
      ["fd_fdstat_get", `(call $w_fd_fdstat_get (i32.const 1) (i32.const ${OUT}))`],
      ["fd_fdstat_set_flags", `(call $w_fd_fdstat_set_flags (i32.const 1) (i32.const 0))`],
      ["random_get", `(call $w_random_get (i32.const ${OUT}) (i32.const 8))`],
      ["environ_sizes_get", `(call $w_environ_sizes_get (i32.const ${OUT}) (i32.const ${OUT + 4}))`],
    ] as const;
    for (const [name, call] of calls) {
      const host = await wasiHost(ENVOY_136, {}, startCalling(name, call));
      expect(host.isFailed(0), name).toBe(false);
    }
  });

  test("envoy-1.36 refuses poll_oneoff and sched_yield while starting; cpp-host main allows poll_oneoff and clock_res_get, not sched_yield", async () => {
    const poll = startCalling("poll_oneoff", `(call $w_poll_oneoff (i32.const ${IOV}) (i32.const ${DATA}) (i32.const 1) (i32.const ${OUT}))`);
    await expect(wasiHost(ENVOY_136, {}, poll)).rejects.toThrow(
      /restricted_callback: wasi_snapshot_preview1\.poll_oneoff cannot be called during VM start/);
    const main = await wasiHost(MAIN, { hostProfile: "cpp-host-main" }, poll);
    expect(main.workers[0]!.readU32(OUT + 32)).toBe(ERRNO.SUCCESS);
    const res = startCalling("clock_res_get", `(call $w_clock_res_get (i32.const 0) (i32.const ${OUT}))`);
    expect((await wasiHost(MAIN, { hostProfile: "cpp-host-main" }, res)).isFailed(0)).toBe(false);
    const yieldCall = startCalling("sched_yield", "(call $w_sched_yield)");
    for (const hostProfile of ["envoy-1.36", "cpp-host-main"] as HostProfile[]) {
      await expect(wasiHost(PROFILE[hostProfile].wasi.size === 18 ? ENVOY_136 : MAIN, { hostProfile }, yieldCall))
        .rejects.toThrow(/restricted_callback: wasi_snapshot_preview1\.sched_yield/);
    }
  });

  test("__main_void runs after _initialize only on cpp-host main (e55d150); Envoy 1.36 calls main(0,0) alone", async () => {
    const extra = `(global $g (mut i32) (i32.const 0))
      (func (export "_initialize") (global.set $g (i32.const 1)))
      (func (export "__main_void") (result i32) (global.set $g (i32.add (global.get $g) (i32.const 10))) (i32.const 0))
      (func (export "g") (result i32) (global.get $g))`;
    expect((await wasiHost([], {}, extra)).workers[0]!.call("g")).toBe(1);
    expect((await wasiHost([], { hostProfile: "cpp-host-main" }, extra)).workers[0]!.call("g")).toBe(11);
  });
});

describe("proc_exit (exports.cc wasi_unstable_proc_exit → envoy Context::error, a trace log)", () => {
  test("returns to the module: the VM is not failed by it; the module's own trap after it is what fails the VM", async () => {
    const host = await wasiHost(["proc_exit"], {}, `
      (func (export "exit_then_trap") (call $w_proc_exit (i32.const 3)) (unreachable))`);
    const w = host.workers[0]!;
    w.call("wcall_proc_exit", 1);
    expect(host.isFailed(0)).toBe(false);
    expect(host.hostTrace.map((t) => t.message)).toEqual(["wasi_unstable proc_exit(1)"]);
    w.call("exit_then_trap");
    expect(host.isFailed(0)).toBe(true);
    expect(host.trapMessage(0)).toMatch(/Function: exit_then_trap failed: Uncaught RuntimeError: unreachable/);
  });
});

function le32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  return b;
}

function setIov(w: ProxyWasmHost["workers"][number], text: string): void {
  const b = new TextEncoder().encode(text);
  w.writeBytes(DATA, b);
  w.writeBytes(IOV, new Uint8Array([...le32(DATA), ...le32(b.length)]));
}
