// Loads the AssemblyScript test build (assembly/test-entry.ts, target "test") for the regex tests.
// The module is built into a private temp file so concurrent builds of build/ cannot race us.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { instantiate } from "@assemblyscript/loader";

const ROOT = resolve(import.meta.dirname, "../..");

interface Exports extends Record<string, unknown> {
  memory: WebAssembly.Memory;
  malloc(size: number): number;
  freeHostBlock(ptr: number): void;
  regexPrepare(p: number, n: number): number;
  regexFullMatch(p: number, n: number, i: number, il: number): number;
  regexFullMatchPike(p: number, n: number, i: number, il: number): number;
  regexReplaceAll(p: number, n: number, i: number, il: number, s: number, sl: number, o: number, oc: number): number;
  regexSearch(p: number, n: number, i: number, il: number, from: number, caps: number): number;
  regexSteps(): bigint;
  regexResetSteps(): void;
}

export interface Engine {
  exports: Exports;
  /** Copies a program into module memory and prepares it. */
  load(program: Uint8Array): Loaded | null;
}

export interface Loaded {
  ptr: number;
  len: number;
  fullMatch(input: Uint8Array, pike?: boolean): boolean;
  replaceAll(input: Uint8Array, subst: Uint8Array, outCap?: number): Uint8Array | null;
  free(): void;
}

let cached: Promise<Engine> | null = null;

export function loadEngine(): Promise<Engine> {
  cached ??= build();
  return cached;
}

async function build(): Promise<Engine> {
  const out = join(mkdtempSync(join(tmpdir(), "gatewasm-regex-")), "test.wasm");
  const r = spawnSync(
    process.execPath,
    [join(ROOT, "node_modules/assemblyscript/bin/asc.js"), "assembly/test-entry.ts", "--target", "test", "--outFile", out, "--textFile", "", "--bindings", "raw"],
    { cwd: ROOT, encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`asc failed: ${r.stderr}${r.stdout}`);
  // The test build imports only env.proxy_log (the abort handler logs through it).
  const imports = { env: { proxy_log: () => 0 } } as unknown as Parameters<typeof instantiate>[1];
  const mod = await instantiate<Exports>(readFileSync(out), imports);
  const ex = mod.exports as unknown as Exports;
  // Reusable buffers (grown on demand).
  let bufPtr = 0;
  let bufCap = 0;
  const buffer = (size: number): number => {
    if (size > bufCap) {
      if (bufPtr) ex.freeHostBlock(bufPtr);
      bufCap = Math.max(size, bufCap * 2, 1024);
      bufPtr = ex.malloc(bufCap);
    }
    return bufPtr;
  };
  const mem = () => new Uint8Array(ex.memory.buffer);
  return {
    exports: ex,
    load(program) {
      const ptr = ex.malloc(program.length);
      mem().set(program, ptr);
      if (!ex.regexPrepare(ptr, program.length)) {
        ex.freeHostBlock(ptr);
        return null;
      }
      const len = program.length;
      return {
        ptr,
        len,
        fullMatch(input, pike = false) {
          const ip = buffer(input.length + 1);
          mem().set(input, ip);
          return (pike ? ex.regexFullMatchPike : ex.regexFullMatch)(ptr, len, ip, input.length) !== 0;
        },
        replaceAll(input, subst, outCap) {
          const cap = outCap ?? input.length * (subst.length + 2) + subst.length + 16;
          const total = input.length + subst.length + cap + 3;
          const base = buffer(total);
          const ip = base;
          const sp = base + input.length + 1;
          const op = sp + subst.length + 1;
          const m = mem();
          m.set(input, ip);
          m.set(subst, sp);
          const n = ex.regexReplaceAll(ptr, len, ip, input.length, sp, subst.length, op, cap);
          if (n < 0) return null;
          return mem().slice(op, op + n);
        },
        free() {
          ex.freeHostBlock(ptr);
        },
      };
    },
  };
}
