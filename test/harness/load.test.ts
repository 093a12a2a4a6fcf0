// Module loading: ABI detection and imports (cpp-host src/bytecode_util.cc getAbiVersion,
// include/proxy-wasm/exports.h FOR_ALL_*_FUNCTIONS), start phase (src/wasm.cc startVm).
import { describe, expect, test } from "vitest";
import { ProxyWasmHost, ProxyWasmLoadError } from "../../host/harness/index.ts";
import { watToWasm } from "../fixtures/wat.ts";

const base = (extra: string, abi = "proxy_abi_version_0_2_1") => `(module
  ${extra}
  (memory (export "memory") 1)
  (func (export "${abi}"))
  (func (export "malloc") (param i32) (result i32) (i32.const 1024)))`;

describe("load checks", () => {
  test("a module importing env.abort (AssemblyScript's default) is refused, naming the import", async () => {
    const wasm = await watToWasm(base(`(import "env" "abort" (func (param i32 i32 i32 i32)))`));
    await expect(ProxyWasmHost.load(wasm)).rejects.toThrow(/module imports env\.abort.*which Envoy does not provide/);
  });

  test("0.1.0-only imports are not linked for a 0.2.1 module (proxy_clear_route_cache)", async () => {
    const wasm = await watToWasm(base(`(import "env" "proxy_clear_route_cache" (func (result i32)))`));
    await expect(ProxyWasmHost.load(wasm)).rejects.toThrow(/env\.proxy_clear_route_cache/);
  });

  test("unknown WASI functions are refused; the registered ones are accepted", async () => {
    const bad = await watToWasm(base(`(import "wasi_snapshot_preview1" "sock_recv" (func (param i32) (result i32)))`));
    await expect(ProxyWasmHost.load(bad)).rejects.toBeInstanceOf(ProxyWasmLoadError);
    const ok = await watToWasm(base(`(import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
      (import "wasi_unstable" "proc_exit" (func (param i32)))`));
    await expect(ProxyWasmHost.load(ok)).resolves.toBeInstanceOf(ProxyWasmHost);
  });

  test("a module without an ABI version export is refused", async () => {
    const wasm = await watToWasm(base("", "not_an_abi"));
    await expect(ProxyWasmHost.load(wasm)).rejects.toThrow(/Missing or unknown Proxy-Wasm ABI version/);
  });

  test("ABI 0.2.0 loads with the 0.2.1 imports except proxy_get_log_level (src/wasm.cc registerCallbacks)", async () => {
    const v020 = "proxy_abi_version_0_2_0";
    const host = await ProxyWasmHost.load(await watToWasm(base(
      `(import "env" "proxy_continue_stream" (func (param i32) (result i32)))
       (import "env" "proxy_close_stream" (func (param i32) (result i32)))`, v020)));
    expect(host.abiVersion).toBe(v020);
    await expect(ProxyWasmHost.load(await watToWasm(base(`(import "env" "proxy_get_log_level" (func (param i32) (result i32)))`, v020))))
      .rejects.toThrow(/imports env\.proxy_get_log_level .*which Envoy does not provide to a proxy_abi_version_0_2_0 module/);
    const v021 = await ProxyWasmHost.load(await watToWasm(base(`(import "env" "proxy_get_log_level" (func (param i32) (result i32)))`)));
    expect(v021.abiVersion).toBe("proxy_abi_version_0_2_1");
  });

  test("the first ABI export in the export section decides (bytecode_util.cc getAbiVersion stops at the first match)", async () => {
    const wasm = await watToWasm(`(module
      (import "env" "proxy_get_log_level" (func (param i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "proxy_abi_version_0_2_0")) (func (export "proxy_abi_version_0_2_1"))
      (func (export "malloc") (param i32) (result i32) (i32.const 1024)))`);
    await expect(ProxyWasmHost.load(wasm)).rejects.toThrow(/proxy_get_log_level .*proxy_abi_version_0_2_0 module/);
  });

  test("ABI 0.1.0 (other imports and callback signatures) is refused with a message saying so", async () => {
    await expect(ProxyWasmHost.load(await watToWasm(base("", "proxy_abi_version_0_1_0"))))
      .rejects.toThrow(/exports proxy_abi_version_0_1_0; cpp-host runs it with the 0\.1\.0 imports and callbacks/);
  });

  test("a module without malloc/proxy_on_memory_allocate is refused (cpp-host wasm.cc getFunctions)", async () => {
    const wasm = await watToWasm(`(module (memory (export "memory") 1) (func (export "proxy_abi_version_0_2_1")))`);
    await expect(ProxyWasmHost.load(wasm)).rejects.toThrow("Wasm module is missing malloc function.");
  });

  test("_start may log but not call other host functions (startVm restricted callbacks)", async () => {
    const mk = (call: string) => watToWasm(base(`
      (import "env" "proxy_log" (func $log (param i32 i32 i32) (result i32)))
      (import "env" "proxy_define_metric" (func $def (param i32 i32 i32 i32) (result i32)))
      (func (export "_start") ${call})`));
    const ok = await ProxyWasmHost.load(await mk("(drop (call $log (i32.const 2) (i32.const 0) (i32.const 0)))"));
    expect(ok.isFailed(0)).toBe(false);
    await expect(ProxyWasmHost.load(await mk("(drop (call $def (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))")))
      .rejects.toThrow(/restricted_callback: env\.proxy_define_metric cannot be called during VM start/);
  });

  test("_initialize then main(0,0) are called; _start is not when _initialize exists", async () => {
    const wasm = await watToWasm(base(`
      (global $g (mut i32) (i32.const 0))
      (func (export "_initialize") (global.set $g (i32.add (global.get $g) (i32.const 1))))
      (func (export "main") (param i32 i32) (result i32) (global.set $g (i32.add (global.get $g) (i32.const 10))) (i32.const 0))
      (func (export "_start") (global.set $g (i32.const 1000)))
      (func (export "g") (result i32) (global.get $g))`));
    const host = await ProxyWasmHost.load(wasm);
    expect(host.workers[0]!.call("g")).toBe(11);
  });
});
