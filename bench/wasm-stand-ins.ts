// Stand-in Wasm modules for the real-Envoy cost breakdown (bench/envoy-instructions.ts): each
// exports a different set of the per-stream callbacks and makes a different set of host calls.
// proxy-wasm-cpp-host calls a callback only when the module exports it (ContextBase::onRequestHeaders
// and the others check for the export first), so consecutive rows show what one more V8 entry,
// the header-map read, or a header replacement (which makes Envoy match the route again) costs.
import wabtInit from "wabt";

export interface StandIn {
  name: string;
  label: string;
  exports: Array<"req" | "resp" | "done" | "delete">;
  readHeaders: boolean;
  /** Request headers replaced in on_request_headers (`proxy_replace_header_map_value`), in order. */
  sets?: Array<[string, string]>;
}

/** The cost ladder, cheapest last; `sets` is filled in by the caller (the probe's cluster). */
export function standIns(cluster: [string, string], decorator: [string, string]): StandIn[] {
  const all: StandIn["exports"] = ["req", "resp", "done", "delete"];
  return [
    { name: "two-sets", label: "Wasm: + replaces the cluster and decorator headers (owner minus routing)", exports: all, readHeaders: true, sets: [cluster, decorator] },
    { name: "one-set", label: "Wasm: + replaces the cluster header (Envoy matches again)", exports: all, readHeaders: true, sets: [cluster] },
    { name: "all", label: "Wasm: all per-stream callbacks, reads the headers", exports: all, readHeaders: true },
    { name: "nodone", label: "Wasm: no on_done / on_delete", exports: ["req", "resp"], readHeaders: true },
    { name: "reqonly", label: "Wasm: on_request_headers only, reads the headers", exports: ["req"], readHeaders: true },
    { name: "reqnoread", label: "Wasm: on_request_headers only, reads nothing", exports: ["req"], readHeaders: false },
    { name: "none", label: "Wasm: on_context_create only", exports: [], readHeaders: false },
  ];
}

function watString(s: string): string {
  return [...Buffer.from(s)].map((b) => `\\${b.toString(16).padStart(2, "0")}`).join("");
}

export async function standInModule(s: StandIn): Promise<Uint8Array> {
  const has = (e: StandIn["exports"][number]) => s.exports.includes(e);
  // Header names and values live from offset 256 on; the header map the host returns lands at 4096.
  let at = 256;
  const data: string[] = [];
  const calls: string[] = [];
  for (const [name, value] of s.sets ?? []) {
    const n = Buffer.byteLength(name), v = Buffer.byteLength(value);
    data.push(`(data (i32.const ${at}) "${watString(name)}")`, `(data (i32.const ${at + n}) "${watString(value)}")`);
    calls.push(`(drop (call $replace (i32.const 0) (i32.const ${at}) (i32.const ${n}) (i32.const ${at + n}) (i32.const ${v})))`);
    at += n + v;
  }
  if (at > 4096) throw new Error("stand-in headers too long");
  const wat = `(module
  (import "env" "proxy_get_header_map_pairs" (func $pairs (param i32 i32 i32) (result i32)))
  (import "env" "proxy_replace_header_map_value" (func $replace (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  ${data.join("\n  ")}
  ;; One block, reused: the module keeps nothing.
  (func (export "malloc") (param i32) (result i32) (i32.const 4096))
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.const 1))
  (func (export "proxy_on_configure") (param i32 i32) (result i32) (i32.const 1))
  ${has("req") ? `(func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    ${s.readHeaders ? "(drop (call $pairs (i32.const 0) (i32.const 16) (i32.const 20)))" : ""}
    ${calls.join("\n    ")}
    (i32.const 0))` : ""}
  ${has("resp") ? `(func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32) (i32.const 0))` : ""}
  ${has("done") ? `(func (export "proxy_on_done") (param i32) (result i32) (i32.const 1))` : ""}
  ${has("delete") ? `(func (export "proxy_on_delete") (param i32))` : ""})`;
  const wabt = await wabtInit();
  const m = wabt.parseWat(`${s.name}.wat`, wat);
  const { buffer } = m.toBinary({});
  m.destroy();
  return buffer;
}
