// A minimal proxy-wasm module for the benchmark floor: on request headers it fetches the
// header map (as the filter does) and continues. What it costs is the harness, not the filter.
import wabtInit from "wabt";

const WAT = `
(module
  (import "env" "proxy_get_header_map_pairs" (func $pairs (param i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (global $next (mut i32) (i32.const 1024))
  (func (export "malloc") (param $size i32) (result i32)
    ;; Reuse one block: the floor module frees nothing and keeps nothing.
    (i32.const 4096))
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.const 1))
  (func (export "proxy_on_configure") (param i32 i32) (result i32) (i32.const 1))
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    (drop (call $pairs (i32.const 0) (i32.const 16) (i32.const 20)))
    (i32.const 0))
  (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32) (i32.const 0))
  (func (export "proxy_on_done") (param i32) (result i32) (i32.const 1))
  (func (export "proxy_on_delete") (param i32)))
`;

export async function floorModule(): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const module = wabt.parseWat("floor.wat", WAT);
  const { buffer } = module.toBinary({});
  module.destroy();
  return buffer;
}
