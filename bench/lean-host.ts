// A deliberately minimal proxy-wasm host for the benchmarks: just enough of the ABI to run
// `on_request_headers` of the real module, so that the figures show the filter's own cost
// without the harness's bookkeeping (which the "through the harness" rows include).
// Not a test double: correctness is checked through the harness; this only times.

const OK = 0;
const NOT_FOUND = 1;

export class LeanHost {
  private readonly exports: Record<string, any>;
  private memory!: WebAssembly.Memory;
  private headers: Uint8Array = new Uint8Array();
  private config: Uint8Array;
  private nextContext = 2;
  /** Host calls made during the last `route` call. */
  calls = 0;

  private constructor(module: WebAssembly.Module, config: Uint8Array) {
    this.config = config;
    const env: Record<string, (...args: number[]) => number> = {};
    const wasi: Record<string, (...args: number[]) => number> = {};
    for (const imp of WebAssembly.Module.imports(module)) {
      const table = imp.module === "env" ? env : wasi;
      table[imp.name] = () => { this.calls++; return OK; };
    }
    const view = () => new DataView(this.memory.buffer);
    const copyOut = (bytes: Uint8Array, retPtr: number, retLen: number): number => {
      const ptr = bytes.length ? (this.exports.malloc as (n: number) => number)(bytes.length) : 0;
      new Uint8Array(this.memory.buffer).set(bytes, ptr);
      view().setUint32(retPtr, ptr, true);
      view().setUint32(retLen, bytes.length, true);
      return OK;
    };
    env.proxy_get_header_map_pairs = (_type, retPtr, retLen) => { this.calls++; return copyOut(this.headers, retPtr!, retLen!); };
    env.proxy_get_buffer_bytes = (_type, _start, _max, retPtr, retLen) => { this.calls++; return copyOut(this.config, retPtr!, retLen!); };
    env.proxy_get_property = () => { this.calls++; return NOT_FOUND; };
    env.proxy_get_log_level = (ptr) => { this.calls++; view().setUint32(ptr!, 2, true); return OK; };
    wasi.random_get = (ptr, len) => { for (let i = 0; i < len!; i++) view().setUint8(ptr! + i, (i * 97 + 13) & 0xff); return OK; };
    const instance = new WebAssembly.Instance(module, { env, wasi_snapshot_preview1: wasi });
    this.exports = instance.exports as Record<string, any>;
    this.memory = this.exports.memory as WebAssembly.Memory;
  }

  static create(wasm: Uint8Array, config: Uint8Array): LeanHost {
    const host = new LeanHost(new WebAssembly.Module(new Uint8Array(wasm)), config);
    const e = host.exports;
    e._start?.();
    e.proxy_on_context_create(1, 0);
    e.proxy_on_vm_start(1, 0);
    if (!e.proxy_on_configure(1, config.length)) throw new Error("the filter refused the configuration");
    return host;
  }

  /** One request's header phase and teardown; the headers must be serialized pairs. */
  route(headers: Uint8Array): void {
    this.headers = headers;
    this.calls = 0;
    const id = this.nextContext++;
    const e = this.exports;
    e.proxy_on_context_create(id, 1);
    e.proxy_on_request_headers(id, 20, 1);
    e.proxy_on_done(id);
    e.proxy_on_delete(id);
  }

  time(headers: Uint8Array, n: number): number {
    for (let i = 0; i < Math.min(n, 20_000); i++) this.route(headers);
    let best = Infinity;
    for (let round = 0; round < 5; round++) {
      const start = performance.now();
      for (let i = 0; i < n; i++) this.route(headers);
      best = Math.min(best, ((performance.now() - start) * 1000) / n);
    }
    return best;
  }

  memoryBytes(): number { return this.memory.buffer.byteLength; }
}
