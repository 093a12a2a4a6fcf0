// Stand-ins for the filter in the real-Envoy benchmark (bench/envoy.ts), to tell where the
// owner rollout's time per request goes: a Wasm module that reads the request headers as the
// filter does and sets the cluster header to a fixed cluster (Envoy then clears the route cache
// and matches the generated `cluster_header` route again) — everything the filter costs Envoy
// except its own routing. The do-nothing module is bench/floor.ts.
import wabtInit from "wabt";

function watString(s: string): string {
  return [...Buffer.from(s)].map((b) => `\\${b.toString(16).padStart(2, "0")}`).join("");
}

/** A module whose on_request_headers fetches the header map, then sets `name: value`. */
export async function headerSetterModule(name: string, value: string): Promise<Uint8Array> {
  const wat = `
(module
  (import "env" "proxy_get_header_map_pairs" (func $pairs (param i32 i32 i32) (result i32)))
  (import "env" "proxy_replace_header_map_value" (func $replace (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 256) "${watString(name)}")
  (data (i32.const 1024) "${watString(value)}")
  ;; One block, reused: the module keeps nothing (the header map lands at 4096).
  (func (export "malloc") (param $size i32) (result i32) (i32.const 4096))
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.const 1))
  (func (export "proxy_on_configure") (param i32 i32) (result i32) (i32.const 1))
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    (drop (call $pairs (i32.const 0) (i32.const 16) (i32.const 20)))
    (drop (call $replace (i32.const 0) (i32.const 256) (i32.const ${Buffer.byteLength(name)}) (i32.const 1024) (i32.const ${Buffer.byteLength(value)})))
    (i32.const 0))
  (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32) (i32.const 0))
  (func (export "proxy_on_done") (param i32) (result i32) (i32.const 1))
  (func (export "proxy_on_delete") (param i32)))
`;
  const wabt = await wabtInit();
  const module = wabt.parseWat("setter.wat", wat);
  const { buffer } = module.toBinary({});
  module.destroy();
  return buffer;
}
