// The built module as Envoy sees it: what it imports and exports, its root id, and how it
// treats configurations (proxy-wasm ABI 0.2.1; ../shared/docs/proxy-wasm.md §1.1, §1.2, §1.11).
import { describe, expect, it } from "vitest";
import { GATEWASM_PRESET, ProxyWasmHost } from "../../host/harness/index.ts";
import { encodeFilterConfig } from "../../host/config/encode.ts";
import { ROOT_ID, type FilterConfig } from "../../host/config/model.ts";
import { buildEnvoyFilter } from "../../host/rollout/envoyfilter.ts";
import { WASM } from "../support/simulate.ts";

/** ABI 0.2.1 host functions (proxy-wasm/spec abi-versions/v0.2.1/README.md). */
const ABI_0_2_1_IMPORTS = new Set([
  "proxy_log", "proxy_get_log_level", "proxy_get_current_time_nanoseconds", "proxy_set_tick_period_milliseconds",
  "proxy_set_effective_context", "proxy_done", "proxy_call_foreign_function", "proxy_get_status",
  "proxy_get_buffer_bytes", "proxy_get_buffer_status", "proxy_set_buffer_bytes",
  "proxy_get_header_map_size", "proxy_get_header_map_pairs", "proxy_set_header_map_pairs", "proxy_get_header_map_value",
  "proxy_add_header_map_value", "proxy_replace_header_map_value", "proxy_remove_header_map_value",
  "proxy_continue_stream", "proxy_close_stream", "proxy_send_local_response",
  "proxy_http_call", "proxy_grpc_call", "proxy_grpc_stream", "proxy_grpc_send", "proxy_grpc_cancel", "proxy_grpc_close",
  "proxy_get_shared_data", "proxy_set_shared_data", "proxy_register_shared_queue", "proxy_resolve_shared_queue",
  "proxy_enqueue_shared_queue", "proxy_dequeue_shared_queue",
  "proxy_define_metric", "proxy_increment_metric", "proxy_record_metric", "proxy_get_metric",
  "proxy_get_property", "proxy_set_property",
]);
/** WASI functions Envoy provides to Wasm modules (proxy-wasm-cpp-host src/exports.cc, wasm.cc). */
const ENVOY_WASI = new Set([
  "fd_write", "fd_read", "fd_seek", "fd_close", "fd_fdstat_get", "fd_prestat_get", "fd_prestat_dir_name",
  "proc_exit", "clock_time_get", "random_get", "environ_get", "environ_sizes_get", "args_get", "args_sizes_get",
  "sched_yield", "poll_oneoff", "path_open",
]);
/** Callbacks of ABI 0.2.1 the host may call (spec §"Callbacks"), plus allocation and WASI start. */
const ALLOWED_EXPORTS = new Set([
  "memory", "malloc", "_start", "proxy_abi_version_0_2_1",
  "proxy_on_context_create", "proxy_on_vm_start", "proxy_on_configure", "proxy_on_tick", "proxy_on_queue_ready",
  "proxy_on_request_headers", "proxy_on_request_body", "proxy_on_request_trailers",
  "proxy_on_response_headers", "proxy_on_response_body", "proxy_on_response_trailers",
  "proxy_on_log", "proxy_on_done", "proxy_on_delete", "proxy_on_http_call_response", "proxy_on_foreign_function",
]);

const EMPTY: FilterConfig = { version: 1, clusterHeader: "x-gatewasm-cluster", routeTables: [] };

describe("the built module (build/gatewasm.wasm)", () => {
  const module = new WebAssembly.Module(WASM);

  it("imports only ABI 0.2.1 env.proxy_* functions and the WASI functions Envoy provides", () => {
    for (const imp of WebAssembly.Module.imports(module)) {
      expect(imp.kind, `${imp.module}.${imp.name}`).toBe("function");
      const allowed = imp.module === "env" ? ABI_0_2_1_IMPORTS.has(imp.name)
        : imp.module === "wasi_snapshot_preview1" ? ENVOY_WASI.has(imp.name) : false;
      expect(allowed, `unexpected import ${imp.module}.${imp.name}`).toBe(true);
    }
  });

  it("exports proxy_abi_version_0_2_1, malloc, memory and only known callbacks", () => {
    const names = WebAssembly.Module.exports(module).map((e) => e.name);
    expect(names).toContain("proxy_abi_version_0_2_1");
    expect(names).toContain("malloc");
    expect(names).toContain("memory");
    for (const name of names) expect(ALLOWED_EXPORTS.has(name), `unexpected export ${name}`).toBe(true);
  });

  it("the generated EnvoyFilter names the module's root id, and the module refuses any other root id", async () => {
    // One (empty) route table on port 80: the filter goes into the listeners of the ports the
    // configuration has tables for, and a configuration without any gets no filter at all.
    const onePort: FilterConfig = { ...EMPTY, routeTables: [{ name: "http.80", port: 80, tls: false, sniHosts: [], virtualHosts: [] }] };
    const ef = buildEnvoyFilter(onePort, encodeFilterConfig(onePort), [], { name: "g", namespace: "istio-system", selector: { istio: "ingressgateway" }, wasmPath: "/x.wasm" });
    expect(JSON.stringify(buildEnvoyFilter(EMPTY, encodeFilterConfig(EMPTY), [], { name: "g", namespace: "istio-system", selector: { istio: "ingressgateway" }, wasmPath: "/x.wasm" }))).not.toContain("HTTP_FILTER");
    const filter = JSON.stringify(ef);
    expect(filter).toContain(`"root_id":"${ROOT_ID}"`);
    const ours = await ProxyWasmHost.load(WASM, { ...GATEWASM_PRESET, pluginConfig: encodeFilterConfig(EMPTY) });
    expect(ours.configured).toEqual([true]);
    const other = await ProxyWasmHost.load(WASM, { ...GATEWASM_PRESET, rootId: "traffic_mgmt", pluginConfig: encodeFilterConfig(EMPTY) });
    expect(other.configured).toEqual([false]);
    expect(other.logs.some((l) => l.levelName === "error" && l.message.includes("root_id"))).toBe(true);
  });
});

describe("configuration handling (on_configure)", () => {
  const routed: FilterConfig = {
    version: 1, clusterHeader: "x-gatewasm-cluster",
    routeTables: [{ name: "http.80", port: 80, tls: false, sniHosts: [], virtualHosts: [{
      name: "a.example.com:80", domain: "a.example.com", requireTls: false,
      routes: [{
        name: "r", virtualService: "ns/vs", path: { kind: "prefix", value: "/", ignoreCase: false }, headers: [], queryParams: [],
        action: { kind: "route", destinations: [{ cluster: "outbound|80||a.ns.svc.cluster.local", clusterExists: true, weight: 0, requestHeaders: { set: [], add: [], remove: [] }, responseHeaders: { set: [], add: [], remove: [] }, authority: null }], rewriteUri: null, rewriteRegex: null, authority: null, timeoutMs: 0, retries: null },
        requestHeaders: { set: [], add: [], remove: [] }, responseHeaders: { set: [], add: [], remove: [] }, fault: null,
      }],
    }] }],
  };
  const request = { headers: [[":method", "GET"], [":scheme", "http"], [":authority", "a.example.com"], [":path", "/x"]] as Array<[string, string]> };
  const clusterOf = (host: ProxyWasmHost) => host.request(request).upstreamRequest?.headers.find(([k]) => k === "x-gatewasm-cluster")?.[1];

  // Seeded byte-flip fuzz of a valid configuration: the module must refuse or accept, never trap.
  // Envoy checks an update on a fresh canary VM first (cpp-host WasmHandleBase::canary): the
  // refusal is logged there, where no configuration was ever active; the workers never see it.
  // Without the canary the worker VM refuses it itself and says its previous one keeps serving.
  for (const canary of [true, false]) {
    it(`a malformed configuration is refused with a clear log line and the previous one keeps serving (canary: ${canary})`, async () => {
      const host = await ProxyWasmHost.load(WASM, { ...GATEWASM_PRESET, canary, pluginConfig: encodeFilterConfig(routed) });
      expect(host.configured).toEqual([true]);
      expect(clusterOf(host)).toBe("outbound|80||a.ns.svc.cluster.local");
      for (const bad of [new Uint8Array(), new TextEncoder().encode('{"version":1}'), encodeFilterConfig(routed).slice(0, 100)]) {
        expect(host.configure(bad)).toEqual([false]);
        const last = host.logs.at(-1)!;
        expect(last.vm).toBe(canary ? "canary" : "worker");
        expect(last.message).toMatch(canary
          ? /^gatewasm: configuration refused: .+; no configuration is active$/
          : /^gatewasm: configuration refused: .+; the previous configuration keeps serving$/);
        expect(host.isFailed()).toBe(false);
        expect(clusterOf(host)).toBe("outbound|80||a.ns.svc.cluster.local");
      }
    });
  }

  it("random corruption of a valid configuration never traps the VM (seeded)", async () => {
    const seed = Number(process.env.SEED ?? 20261121);
    console.log(`config corruption seed: ${seed} (SEED=... to reproduce)`);
    let state = seed >>> 0;
    const next = () => { state = (Math.imul(state, 1664525) + 1013904223) >>> 0; return state; };
    const valid = encodeFilterConfig(routed);
    const host = await ProxyWasmHost.load(WASM, { ...GATEWASM_PRESET, pluginConfig: valid });
    let refused = 0;
    for (let i = 0; i < 300; i++) {
      const bytes = valid.slice();
      for (let flips = 1 + (next() % 4); flips > 0; flips--) bytes[next() % bytes.length] = next() & 0xff;
      const [accepted] = host.configure(bytes);
      if (!accepted) refused++;
      const r = host.request(request);
      expect(host.isFailed(), `seed ${seed}, iteration ${i}`).toBe(false);
      expect(r.completed).toBe(true);
      host.configure(valid);
    }
    expect(refused).toBeGreaterThan(0);
  });

  it("without a configuration no request is forwarded (503), so a client header cannot route", async () => {
    const host = await ProxyWasmHost.load(WASM, { ...GATEWASM_PRESET, pluginConfig: new Uint8Array([1, 2, 3]) });
    expect(host.configured).toEqual([false]);
    const r = host.request({ headers: [...request.headers, ["x-gatewasm-cluster", "outbound|80||admin.internal"]] });
    expect(r.upstreamRequest).toBeNull();
    expect(r.localReply?.status).toBe(503);
  });
});
