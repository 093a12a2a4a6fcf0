// Scripted probes: WAT proxy-wasm 0.2.1 modules generated from a script of host calls, so that a
// conformance probe runs unchanged in real Envoy and in the harness. The harness's own probe
// (test/fixtures/probe.ts) is driven by poking its memory and calling `call_*` exports from the
// test, which Envoy cannot do; here every call is made by the module inside a callback, and its
// result is written to the log, which both hosts expose:
//   "cb:<callback> <args…>"                       on entry to each callback
//   "<label> = <status> [<out-value>]"           after each step
// Out-values are read where the host wrote them: `u32`/`u64` at OUT, `bytes` = the (ptr, len)
// pair at OUT (hex; "p0" when ptr is 0, "untouched" when the host left the sentinel), `bytes_u32`
// the same plus the u32 at OUT2 (shared data's cas). Before each step OUT and OUT2 are filled with
// the sentinel 0xaaaaaaaa.
import { ENV_IMPORTS } from "../../host/harness/abi.ts";
import { WASI_SIGNATURES } from "../fixtures/wasi.ts";
import { envImports, watToWasm } from "../fixtures/wat.ts";

export const OUT = 0x800;
export const OUT2 = 0x808;
const SAVED = 0x900; // saved u32 values (ids, tokens), 4 bytes each
const LINE = 0x4000;
const DATA = 0x1000;
const HEAP = 0x10000;
const SENTINEL = 0xaaaaaaaa;
/** Where the word "untouched" is kept, between the data and the line buffer. */
const UNTOUCHED = LINE - 16;

export type Callback =
  | "vm_start" | "configure" | "context_create" | "request_headers" | "request_body" | "response_headers" | "response_body"
  | "log" | "done" | "delete" | "tick" | "http_call_response" | "queue_ready";

/**
 * An argument: a number (i32, or i64 where the import takes one), a bigint (i64), a string or
 * bytes (expanded to ptr, len), `{ iov }` (a one-entry iovec: ptr, 1), "OUT"/"OUT2" (out-slot
 * addresses), "CTX" (the last stream context id), `{ saved: k }` (a value a step saved).
 */
export type Arg = number | bigint | string | Uint8Array | { iov: string } | "OUT" | "OUT2" | "CTX" | { saved: number } | { raw: number };

export interface Step {
  /** An `env` import (`proxy_*`) or `wasi:<name>`. */
  call: string;
  args: Arg[];
  show?: "status" | "u32" | "u64" | "bytes" | "bytes_u32";
  /** Default: the call's name without its prefix. */
  label?: string;
  /** Save the u32 at OUT under this index, for `{ saved }` arguments of later steps. */
  save?: number;
}

export interface Script {
  steps: Partial<Record<Callback, Step[]>>;
  /** What the callback returns (where it returns something). Defaults: vm_start/configure/done 1, the rest 0. */
  returns?: Partial<Record<Callback, number>>;
  /**
   * Body callbacks wait for the whole body: before end_stream they return StopIteration (1)
   * silently, so Envoy's data frame + empty end frame and the harness's single frame read alike.
   */
  wholeBodies?: boolean;
  /**
   * Tick steps (and the tick's entry line) run once, on the first tick after a request came (its
   * context is CTX): Envoy's timer runs from on_configure, long before the request.
   */
  tickOnce?: boolean;
}

const enc = new TextEncoder();

const CALLBACKS: Record<Callback, { export: string; params: string[]; result: boolean }> = {
  vm_start: { export: "proxy_on_vm_start", params: ["id", "size"], result: true },
  configure: { export: "proxy_on_configure", params: ["id", "size"], result: true },
  context_create: { export: "proxy_on_context_create", params: ["id", "parent"], result: false },
  request_headers: { export: "proxy_on_request_headers", params: ["id", "n", "eos"], result: true },
  request_body: { export: "proxy_on_request_body", params: ["id", "size", "eos"], result: true },
  response_headers: { export: "proxy_on_response_headers", params: ["id", "n", "eos"], result: true },
  response_body: { export: "proxy_on_response_body", params: ["id", "size", "eos"], result: true },
  log: { export: "proxy_on_log", params: ["id"], result: false },
  done: { export: "proxy_on_done", params: ["id"], result: true },
  delete: { export: "proxy_on_delete", params: ["id"], result: false },
  tick: { export: "proxy_on_tick", params: ["id"], result: false },
  http_call_response: { export: "proxy_on_http_call_response", params: ["id", "token", "nh", "bs", "nt"], result: false },
  queue_ready: { export: "proxy_on_queue_ready", params: ["id", "token"], result: false },
};

/**
 * The entry line prints these arguments. Left out: response header counts (Envoy's upstream adds
 * date, server… that the harness's upstream does not send) and the callout's header count.
 */
const ENTRY_ARGS: Partial<Record<Callback, string[]>> = {
  response_headers: ["id", "eos"],
  http_call_response: ["id", "token", "bs", "nt"],
};

class Data {
  private bytes: number[] = [];
  add(b: Uint8Array): number {
    const at = DATA + this.bytes.length;
    this.bytes.push(...b);
    while (this.bytes.length % 8) this.bytes.push(0);
    if (DATA + this.bytes.length > UNTOUCHED) throw new Error("scripted probe: data segment too large");
    return at;
  }
  segment(): string {
    return `(data (i32.const ${DATA}) "${this.bytes.map((b) => "\\" + b.toString(16).padStart(2, "0")).join("")}")`;
  }
}

function stepWat(step: Step, data: Data): string {
  const wasi = step.call.startsWith("wasi:");
  const name = wasi ? step.call.slice(5) : step.call;
  const params = wasi ? WASI_SIGNATURES[name]?.params : ENV_IMPORTS[name];
  if (!params) throw new Error(`scripted probe: unknown import ${step.call}`);
  const args: string[] = [];
  for (const a of step.args) {
    if (typeof a === "string" && (a === "OUT" || a === "OUT2" || a === "CTX")) {
      args.push(a === "CTX" ? "(global.get $ctx)" : `(i32.const ${a === "OUT" ? OUT : OUT2})`);
    } else if (typeof a === "string" || a instanceof Uint8Array) {
      const b = typeof a === "string" ? enc.encode(a) : a;
      args.push(`(i32.const ${data.add(b)})`, `(i32.const ${b.length})`);
    } else if (typeof a === "object" && "iov" in a) {
      const b = enc.encode(a.iov);
      const at = data.add(b);
      const iov = new Uint8Array(8);
      new DataView(iov.buffer).setUint32(0, at, true);
      new DataView(iov.buffer).setUint32(4, b.length, true);
      args.push(`(i32.const ${data.add(iov)})`, "(i32.const 1)");
    } else if (typeof a === "object" && "saved" in a) {
      args.push(`(i32.load (i32.const ${SAVED + 4 * a.saved}))`);
    } else if (typeof a === "object" && "raw" in a) {
      args.push(`(i32.const ${a.raw})`);
    } else {
      const type = params[args.length];
      args.push(type === "i64" ? `(i64.const ${BigInt(a as number | bigint)})` : `(i32.const ${Number(a)})`);
    }
  }
  if (args.length !== params.length) throw new Error(`scripted probe: ${step.call} takes ${params.length} words, got ${args.length}`);
  const label = enc.encode(step.label ?? name.replace(/^proxy_/, ""));
  const kind = { status: 0, u32: 1, u64: 2, bytes: 3, bytes_u32: 4 }[step.show ?? "status"];
  const fn = wasi ? `$w_${name}` : `$${name}`;
  const hasResult = wasi ? WASI_SIGNATURES[name]!.result : true;
  const call = `(call ${fn} ${args.join(" ")})`;
  const save = step.save !== undefined ? `\n    (i32.store (i32.const ${SAVED + 4 * step.save}) (i32.load (i32.const ${OUT})))` : "";
  return `    (call $sentinel)
    (call $show (i32.const ${data.add(label)}) (i32.const ${label.length}) ${hasResult ? call : `(block (result i32) ${call} (i32.const 0))`} (i32.const ${kind}))${save}`;
}

/** The WAT text of a scripted probe (exported for reading failures). */
export function scriptedWat(script: Script): string {
  const data = new Data();
  const wasiNames = new Set<string>();
  for (const steps of Object.values(script.steps)) for (const s of steps ?? []) if (s.call.startsWith("wasi:")) wasiNames.add(s.call.slice(5));
  const wasiImports = [...wasiNames].map((n) => {
    const sig = WASI_SIGNATURES[n]!;
    return `(import "wasi_snapshot_preview1" "${n}" (func $w_${n}${sig.params.length ? ` (param ${sig.params.join(" ")})` : ""}${sig.result ? " (result i32)" : ""}))`;
  });
  const funcs: string[] = [];
  for (const [cb, def] of Object.entries(CALLBACKS) as Array<[Callback, (typeof CALLBACKS)[Callback]]>) {
    const steps = script.steps[cb] ?? [];
    const ret = script.returns?.[cb] ?? (cb === "vm_start" || cb === "configure" || cb === "done" ? 1 : 0);
    const shown = ENTRY_ARGS[cb] ?? def.params;
    const entry = enc.encode(`cb:${cb}`);
    const entryLine = `    (call $entry (i32.const ${data.add(entry)}) (i32.const ${entry.length}) (i32.const ${shown.length}) ${[0, 1, 2, 3].map((i) => (shown[i] ? `(local.get $${shown[i]})` : "(i32.const 0)")).join(" ")})`;
    const body = [entryLine, ...steps.map((s) => stepWat(s, data))];
    let guard = "";
    if (script.wholeBodies && (cb === "request_body" || cb === "response_body")) guard = `    (if (i32.eqz (local.get $eos)) (then (return (i32.const 1))))\n`;
    if (script.tickOnce && cb === "tick") guard = `    (if (i32.or (global.get $ticked) (i32.eqz (global.get $ctx))) (then (return)))\n    (global.set $ticked (i32.const 1))\n`;
    const ctx = cb === "request_headers" ? "    (global.set $ctx (local.get $id))\n" : "";
    funcs.push(`(func (export "${def.export}") ${def.params.map((p) => `(param $${p} i32)`).join(" ")}${def.result ? " (result i32)" : ""}
${guard}${ctx}${body.join("\n")}${def.result ? `\n    (i32.const ${ret})` : ""})`);
  }
  return `(module
${envImports()}
${wasiImports.join("\n")}
(memory (export "memory") 2)
(global $heap (mut i32) (i32.const ${HEAP}))
(global $ctx (mut i32) (i32.const 0))
(global $ticked (mut i32) (i32.const 0))
(global $len (mut i32) (i32.const 0))
${data.segment()}
(func (export "proxy_abi_version_0_2_1"))
(func (export "malloc") (param $n i32) (result i32)
  (local $p i32)
  (local.set $p (global.get $heap))
  (global.set $heap (i32.and (i32.add (i32.add (global.get $heap) (local.get $n)) (i32.const 7)) (i32.const -8)))
  (loop $grow
    (if (i32.gt_u (global.get $heap) (i32.shl (memory.size) (i32.const 16)))
      (then (drop (memory.grow (i32.const 1))) (br $grow))))
  (local.get $p))
(func $sentinel
  (i32.store (i32.const ${OUT}) (i32.const ${SENTINEL | 0}))
  (i32.store (i32.const ${OUT + 4}) (i32.const ${SENTINEL | 0}))
  (i32.store (i32.const ${OUT2}) (i32.const ${SENTINEL | 0})))
(func $byte (param $b i32)
  (i32.store8 (i32.add (i32.const ${LINE}) (global.get $len)) (local.get $b))
  (global.set $len (i32.add (global.get $len) (i32.const 1))))
(func $text (param $p i32) (param $n i32)
  (local $i i32)
  (block $done (loop $next
    (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
    (call $byte (i32.load8_u (i32.add (local.get $p) (local.get $i))))
    (local.set $i (i32.add (local.get $i) (i32.const 1)))
    (br $next))))
(func $dec (param $v i32)
  ;; unsigned decimal
  (if (i32.ge_u (local.get $v) (i32.const 10)) (then (call $dec (i32.div_u (local.get $v) (i32.const 10)))))
  (call $byte (i32.add (i32.const 48) (i32.rem_u (local.get $v) (i32.const 10)))))
(func $hexdigit (param $d i32)
  (call $byte (i32.add (local.get $d) (select (i32.const 48) (i32.const 87) (i32.lt_u (local.get $d) (i32.const 10))))))
(func $hex (param $p i32) (param $n i32)
  (local $i i32) (local $b i32)
  (block $done (loop $next
    (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
    (local.set $b (i32.load8_u (i32.add (local.get $p) (local.get $i))))
    (call $hexdigit (i32.shr_u (local.get $b) (i32.const 4)))
    (call $hexdigit (i32.and (local.get $b) (i32.const 15)))
    (local.set $i (i32.add (local.get $i) (i32.const 1)))
    (br $next))))
(func $flush
  (drop (call $proxy_log (i32.const 2) (i32.const ${LINE}) (global.get $len)))
  (global.set $len (i32.const 0)))
(func $entry (param $p i32) (param $n i32) (param $count i32) (param $a i32) (param $b i32) (param $c i32) (param $d i32)
  (call $text (local.get $p) (local.get $n))
  (if (i32.gt_u (local.get $count) (i32.const 0)) (then (call $byte (i32.const 32)) (call $dec (local.get $a))))
  (if (i32.gt_u (local.get $count) (i32.const 1)) (then (call $byte (i32.const 32)) (call $dec (local.get $b))))
  (if (i32.gt_u (local.get $count) (i32.const 2)) (then (call $byte (i32.const 32)) (call $dec (local.get $c))))
  (if (i32.gt_u (local.get $count) (i32.const 3)) (then (call $byte (i32.const 32)) (call $dec (local.get $d))))
  (call $flush))
(func $pair
  (local $ptr i32) (local $n i32)
  (local.set $ptr (i32.load (i32.const ${OUT})))
  (local.set $n (i32.load (i32.const ${OUT + 4})))
  (call $byte (i32.const 32))
  (if (i32.eq (local.get $ptr) (i32.const ${SENTINEL | 0}))
    (then (call $text (i32.const ${UNTOUCHED}) (i32.const 9)) (return)))
  (if (i32.eqz (local.get $ptr)) (then (call $byte (i32.const 112)) (call $byte (i32.const 48)) (call $byte (i32.const 32))))
  (call $dec (local.get $n))
  (call $byte (i32.const 58))
  (if (i32.and (i32.ne (local.get $ptr) (i32.const 0)) (i32.le_u (local.get $n) (i32.const 512)))
    (then (call $hex (local.get $ptr) (local.get $n)))))
(func $show (param $p i32) (param $n i32) (param $status i32) (param $kind i32)
  (call $text (local.get $p) (local.get $n))
  (call $byte (i32.const 32)) (call $byte (i32.const 61)) (call $byte (i32.const 32))
  (call $dec (local.get $status))
  (if (i32.eq (local.get $kind) (i32.const 1)) (then (call $byte (i32.const 32)) (call $dec (i32.load (i32.const ${OUT})))))
  (if (i32.eq (local.get $kind) (i32.const 2)) (then (call $byte (i32.const 32)) (call $hex (i32.const ${OUT}) (i32.const 8))))
  (if (i32.ge_u (local.get $kind) (i32.const 3)) (then (call $pair)))
  (if (i32.eq (local.get $kind) (i32.const 4)) (then (call $byte (i32.const 32)) (call $dec (i32.load (i32.const ${OUT2})))))
  (call $flush))
${funcs.join("\n")}
)`;
}

export async function scriptedWasm(script: Script): Promise<Uint8Array> {
  const wat = scriptedWat(script).replace(
    "(func (export \"proxy_abi_version_0_2_1\"))",
    `(data (i32.const ${UNTOUCHED}) "untouched")\n(func (export "proxy_abi_version_0_2_1"))`,
  );
  return watToWasm(wat);
}
