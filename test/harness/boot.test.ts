// Loading and updating as Envoy does: the base VM, the configuration canary, the worker VMs,
// on_vm_start for every new root context, what booting did, and load errors that carry the
// module's own last words. Sources: envoy source/extensions/common/wasm/wasm.cc createWasm /
// getOrCreateThreadLocalPlugin; proxy-wasm-cpp-host src/wasm.cc createWasm,
// WasmHandleBase::canary (4ddbed3, cached per plugin key since e1fe5e9), getOrCreateThreadLocalPlugin,
// WasmBase::start, src/context.cc ContextBase::onStart (on_context_create + on_vm_start).
import { describe, expect, test } from "vitest";
import { ProxyWasmHost, ProxyWasmLoadError, type HostOptions } from "../../host/harness/index.ts";
import { watToWasm } from "../fixtures/wat.ts";

/**
 * A module that logs every boot step with its context id and refuses a configuration of exactly
 * 3 bytes; on_vm_start returns 0 when the VM configuration is 2 bytes. `initExtra` runs in _initialize.
 */
async function bootModule(initExtra = "") {
  return watToWasm(`(module
    (import "env" "proxy_log" (func $log (param i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (global $heap (mut i32) (i32.const 0x8000))
    (data (i32.const 0x100) "init")
    (data (i32.const 0x110) "vm_start #")
    (data (i32.const 0x120) "configure #")
    (data (i32.const 0x130) "panic: boom in init\\n")
    (data (i32.const 0x150) "\\30\\01\\00\\00\\14\\00\\00\\00")
    (func (export "proxy_abi_version_0_2_1"))
    (func (export "malloc") (param $n i32) (result i32) (local $p i32)
      (local.set $p (global.get $heap)) (global.set $heap (i32.add (global.get $heap) (local.get $n))) (local.get $p))
    ;; "<text>#<id digit>" at 0x200
    (func $logId (param $p i32) (param $n i32) (param $id i32)
      (memory.copy (i32.const 0x200) (local.get $p) (local.get $n))
      (i32.store8 (i32.add (i32.const 0x200) (local.get $n)) (i32.add (i32.const 48) (local.get $id)))
      (drop (call $log (i32.const 2) (i32.const 0x200) (i32.add (local.get $n) (i32.const 1)))))
    (func (export "_initialize")
      (drop (call $log (i32.const 2) (i32.const 0x100) (i32.const 4)))
      ${initExtra})
    (func (export "proxy_on_vm_start") (param $id i32) (param $size i32) (result i32)
      (call $logId (i32.const 0x110) (i32.const 10) (local.get $id))
      (i32.ne (local.get $size) (i32.const 2)))
    (func (export "proxy_on_configure") (param $id i32) (param $size i32) (result i32)
      (call $logId (i32.const 0x120) (i32.const 11) (local.get $id))
      (i32.ne (local.get $size) (i32.const 3)))
    (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32) (i32.const 0)))`);
}

const GO_LIKE_PANIC = `(drop (call $fd_write (i32.const 2) (i32.const 0x150) (i32.const 1) (i32.const 0x160))) (unreachable)`;

const steps = (host: ProxyWasmHost, list = host.boot) => list.map((r) => `${r.vm}${r.worker >= 0 ? r.worker : ""} ${r.callback}=${r.result}`);

// Envoy's main thread has a plugin VM of its own (its thread-local slot), configured before the
// workers — measured in real Envoy 1.36.4 by test/modules/go-sdk.test.ts ("boot": three
// configurations with --concurrency 1: canary, main thread, worker).

describe("load: base VM, canary, workers (cpp-host createWasm → canary → getOrCreateThreadLocalPlugin)", () => {
  test("the base VM only starts; the canary starts, gets the plugin and is dropped; then the main thread's VM and each worker", async () => {
    const host = await ProxyWasmHost.load(await bootModule(), { workers: 2, pluginConfig: "good" });
    expect(steps(host)).toEqual([
      "base _initialize=null",
      "canary _initialize=null", "canary proxy_on_vm_start=1", "canary proxy_on_configure=1",
      "main _initialize=null", "main proxy_on_vm_start=1", "main proxy_on_configure=1",
      "worker0 _initialize=null", "worker0 proxy_on_vm_start=1", "worker0 proxy_on_configure=1",
      "worker1 _initialize=null", "worker1 proxy_on_vm_start=1", "worker1 proxy_on_configure=1",
    ]);
    expect(host.logs.map((l) => `${l.vm}${l.worker >= 0 ? l.worker : ""}: ${l.message}`)).toEqual([
      "base: init", "canary: init", "canary: vm_start #1", "canary: configure #1",
      "main: init", "main: vm_start #1", "main: configure #1",
      "worker0: init", "worker0: vm_start #1", "worker0: configure #1",
      "worker1: init", "worker1: vm_start #1", "worker1: configure #1",
    ]);
    // Each boot step carries its own host calls and logs.
    const cfg = host.boot.find((r) => r.vm === "worker" && r.callback === "proxy_on_configure")!;
    expect(cfg).toMatchObject({ worker: 0, contextId: 1, result: 1, hostCalls: { proxy_log: 1 }, trap: null });
    expect(cfg.logs.map((l) => l.message)).toEqual(["configure #1"]);
    expect(host.configured).toEqual([true, true]);
    expect(host.base).not.toBeNull();
    expect(host.mainThread!.pluginReady).toBe(true);
  });

  test("a configuration the canary refuses reaches no worker: configured false, requests fail closed, no worker on_configure", async () => {
    const host = await ProxyWasmHost.load(await bootModule(), { workers: 1, pluginConfig: "bad" });
    expect(steps(host)).toEqual([
      "base _initialize=null",
      "canary _initialize=null", "canary proxy_on_vm_start=1", "canary proxy_on_configure=0",
      "main _initialize=null", "worker0 _initialize=null",
    ]);
    expect(host.configured).toEqual([false]);
    expect(host.request({ headers: { ":path": "/" } }).response).toMatchObject({ status: 503, source: "fail_closed" });
  });

  test("canary: false, mainThreadVm: false configure the worker VMs alone (the earlier model)", async () => {
    const host = await ProxyWasmHost.load(await bootModule(), { canary: false, mainThreadVm: false, pluginConfig: "good" });
    expect(steps(host)).toEqual(["base _initialize=null", "worker0 _initialize=null", "worker0 proxy_on_vm_start=1", "worker0 proxy_on_configure=1"]);
  });

  test("on_vm_start returning 0 in the canary is a load error (\"Failed to start base Wasm\") carrying the boot record", async () => {
    const err = await ProxyWasmHost.load(await bootModule(), { vmConfig: "no", pluginConfig: "good" }).catch((e) => e);
    expect(err).toBeInstanceOf(ProxyWasmLoadError);
    expect(err.message).toMatch(/^canary VM: Failed to start base Wasm/);
    expect(steps(host0(err))).toContain("canary proxy_on_vm_start=0");
  });

  test("a module that dies while starting: the error quotes its last words (a Go-style panic on fd 2, then unreachable)", async () => {
    const err = await ProxyWasmHost.load(await bootModule(GO_LIKE_PANIC), { logLevel: "info" }).catch((e) => e);
    expect(err).toBeInstanceOf(ProxyWasmLoadError);
    expect(err.message).toMatch(/^base VM: VM start failed: Function: _initialize failed: Uncaught RuntimeError: unreachable/);
    expect(err.message).toContain("module logs:\n  [error] panic: boom in init");
    // The VM failure itself is logged too (cpp-host WasmVm::fail → Envoy's log at error).
    expect((err as ProxyWasmLoadError).logs.map((l) => l.message)).toEqual([
      "init", "panic: boom in init", "Function: _initialize failed: Uncaught RuntimeError: unreachable",
    ]);
    expect((err as ProxyWasmLoadError).boot[0]).toMatchObject({ vm: "base", callback: "_initialize", hostCalls: { proxy_log: 1, fd_write: 1 } });
  });
});

/** The boot records a load error carries, in the shape `steps` reads. */
function host0(err: ProxyWasmLoadError): ProxyWasmHost {
  return { boot: err.boot } as unknown as ProxyWasmHost;
}

describe("updates: canary first, on_vm_start for every new root context (ContextBase::onStart)", () => {
  test("an accepted update: canary, then each worker's new root context gets on_context_create, on_vm_start, on_configure", async () => {
    const host = await ProxyWasmHost.load(await bootModule(), { workers: 2, pluginConfig: "good" });
    expect(host.configure("next")).toEqual([true, true]);
    expect(steps(host, host.lastUpdate)).toEqual([
      "canary _initialize=null", "canary proxy_on_vm_start=1", "canary proxy_on_configure=1",
      "main proxy_on_vm_start=1", "main proxy_on_configure=1",
      "worker0 proxy_on_vm_start=1", "worker0 proxy_on_configure=1",
      "worker1 proxy_on_vm_start=1", "worker1 proxy_on_configure=1",
    ]);
    expect(host.lastUpdate.filter((r) => r.vm !== "canary").map((r) => r.contextId)).toEqual([2, 2, 2, 2, 2, 2]);
  });

  test("a refused update never reaches the workers (Envoy NACKs it after the canary); the verdict is cached per configuration", async () => {
    const host = await ProxyWasmHost.load(await bootModule(), { pluginConfig: "good" });
    expect(host.configure("bad")).toEqual([false]);
    expect(steps(host, host.lastUpdate)).toEqual(["canary _initialize=null", "canary proxy_on_vm_start=1", "canary proxy_on_configure=0"]);
    expect(host.workers[0]!.rootContextId).toBe(1);
    expect(host.request({ headers: { ":path": "/" } }).response!.status).toBe(200);
    // Same bytes again: cpp-host's plugin_canary_cache_ answers without a VM call.
    expect(host.configure("bad")).toEqual([false]);
    expect(host.lastUpdate).toEqual([]);
    // Bytes the canary accepted before and a worker still holds: no VM call at all.
    expect(host.configure("good")).toEqual([true]);
    expect(host.lastUpdate).toEqual([]);
  });
});

describe("VMs added later (a worker VM cloned from the base VM, getOrCreateThreadLocalPlugin)", () => {
  test("addWorker starts a VM and gives it the current plugin; requests can go to it", async () => {
    const host = await ProxyWasmHost.load(await bootModule(), { pluginConfig: "good" });
    host.configure("next");
    const w = host.addWorker();
    expect(w.index).toBe(1);
    expect(host.workers).toHaveLength(2);
    expect(steps(host, host.lastUpdate)).toEqual(["worker1 _initialize=null", "worker1 proxy_on_vm_start=1", "worker1 proxy_on_configure=1"]);
    expect(host.configured).toEqual([true, true]);
    expect(host.request({ worker: 1, headers: { ":path": "/" } }).response!.status).toBe(200);
  });

  test("a worker added while the current configuration is refused gets no plugin and fails closed", async () => {
    const host = await ProxyWasmHost.load(await bootModule(), { pluginConfig: "bad" } satisfies HostOptions);
    const w = host.addWorker();
    expect(steps(host, host.lastUpdate)).toEqual(["worker1 _initialize=null"]);
    expect(w.pluginReady).toBe(false);
    expect(host.request({ worker: 1, headers: { ":path": "/" } }).response!.status).toBe(503);
  });
});
