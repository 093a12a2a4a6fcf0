// Loads the AssemblyScript test build (assembly/test-entry.ts, target "test") with
// @assemblyscript/loader, built into a private temp file so parallel test files cannot race.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { instantiate } from "@assemblyscript/loader";

export const ROOT = resolve(import.meta.dirname, "../..");

export interface TestModule {
  exports: Record<string, any> & { memory: WebAssembly.Memory; malloc(size: number): number };
  /** Copies bytes into module memory (a fresh malloc'd block); returns the address. */
  put(bytes: Uint8Array): number;
  bytes(ptr: number, len: number): Uint8Array;
}

let cached: Promise<TestModule> | null = null;

export function loadTestModule(): Promise<TestModule> {
  cached ??= (async () => {
    const out = join(mkdtempSync(join(tmpdir(), "gatewasm-test-")), "test.wasm");
    const r = spawnSync(process.execPath,
      [join(ROOT, "node_modules/assemblyscript/bin/asc.js"), "assembly/test-entry.ts", "--target", "test", "--outFile", out, "--textFile", "", "--bindings", "raw"],
      { cwd: ROOT, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`asc failed: ${r.stderr}${r.stdout}`);
    // The test build's only import is proxy_log (assembly/abi/abort.ts); the loader's Imports
    // type does not list host functions, hence the cast.
    const imports = { env: { proxy_log: () => 0 } } as unknown as Parameters<typeof instantiate>[1];
    const mod = await instantiate<Record<string, unknown>>(readFileSync(out), imports);
    const exports = mod.exports as unknown as TestModule["exports"];
    // The build exports its top-level initialisation as `_start` (WASI command style), as the
    // proxy-wasm host would call it; the loader does not.
    if (typeof exports._start === "function") exports._start();
    return {
      exports,
      put(bytes) {
        const ptr = exports.malloc(Math.max(bytes.length, 1));
        new Uint8Array(exports.memory.buffer).set(bytes, ptr);
        return ptr;
      },
      bytes(ptr, len) { return new Uint8Array(exports.memory.buffer).slice(ptr, ptr + len); },
    };
  })();
  return cached;
}

/** proxy-wasm pairs serialization (spec §1.3), for feeding header maps to filter internals. */
export function serializePairs(pairs: Array<[string | Uint8Array, string | Uint8Array]>): Uint8Array {
  const enc = (v: string | Uint8Array) => (typeof v === "string" ? new TextEncoder().encode(v) : v);
  const encoded = pairs.map(([k, v]) => [enc(k), enc(v)] as const);
  const size = 4 + encoded.length * 8 + encoded.reduce((n, [k, v]) => n + k.length + v.length + 2, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, encoded.length, true);
  let at = 4 + encoded.length * 8;
  encoded.forEach(([k, v], i) => {
    view.setUint32(4 + i * 8, k.length, true);
    view.setUint32(8 + i * 8, v.length, true);
    out.set(k, at); at += k.length + 1;
    out.set(v, at); at += v.length + 1;
  });
  return out;
}
