// A raw-bytes proxy-wasm host for the request fuzzer: header maps travel as bytes the fuzzer
// chose (invalid UTF-8, malformed serializations), which the harness — built on JS strings,
// as Envoy's maps hold valid header bytes — cannot deliver. It implements only the imports
// gatewasm uses, and records what the module did to the request so the oracle can check that
// nothing is forwarded without the decision.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const OK = 0, NOT_FOUND = 1, BAD_ARGUMENT = 2;
const ROOT = 1;

/** The module under test; GATEWASM_WASM points a long run at a frozen copy while the tree is rebuilt. */
export const GATEWASM = process.env.GATEWASM_WASM ?? fileURLToPath(new URL("../../build/gatewasm.wasm", import.meta.url));

export interface RawOutcome {
  /** on_request_headers returned Continue and no local reply was sent. */
  forwarded: boolean;
  paused: boolean;
  localReply: number | null;
  /** Values of the cluster header in the request as forwarded (raw bytes as latin1). */
  clusterValues: string[];
  trapped: string | null;
}

type Pair = [Uint8Array, Uint8Array];

/** Parses pairs as cpp-host toPairs does; null when malformed. */
export function parseRawPairs(b: Uint8Array): Pair[] | null {
  if (b.length === 0) return [];
  if (b.length < 4) return null;
  const dv = new DataView(b.buffer, b.byteOffset, b.length);
  const n = dv.getUint32(0, true);
  if (n > 1024 || 4 + n * 8 > b.length) return null;
  let at = 4 + n * 8;
  const out: Pair[] = [];
  for (let i = 0; i < n; i++) {
    const kl = dv.getUint32(4 + i * 8, true), vl = dv.getUint32(8 + i * 8, true);
    if (at + kl + vl + 2 > b.length || b[at + kl] !== 0 || b[at + kl + 1 + vl] !== 0) return null;
    out.push([b.slice(at, at + kl), b.slice(at + kl + 1, at + kl + 1 + vl)]);
    at += kl + vl + 2;
  }
  return at === b.length ? out : null;
}

export function serializeRawPairs(pairs: Pair[]): Uint8Array {
  const size = 4 + pairs.length * 8 + pairs.reduce((n, [k, v]) => n + k.length + v.length + 2, 0);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, pairs.length, true);
  let at = 4 + pairs.length * 8;
  pairs.forEach(([k, v], i) => {
    dv.setUint32(4 + i * 8, k.length, true);
    dv.setUint32(8 + i * 8, v.length, true);
    out.set(k, at); at += k.length + 1;
    out.set(v, at); at += v.length + 1;
  });
  return out;
}

const latin1 = (b: Uint8Array): string => Buffer.from(b).toString("latin1");
const eq = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && Buffer.compare(a, b) === 0;

export class RawHost {
  private readonly e: Record<string, any>;
  private readonly memory: WebAssembly.Memory;
  private nowNs = 1_000_000_000n;
  private nextId = 2;
  private current = 0;
  private effective = 0;
  /** Per stream: the request map bytes as delivered, or the edited pairs, and what happened. */
  private raw = new Map<number, Uint8Array>();
  private edited = new Map<number, Pair[] | null>();
  private replies = new Map<number, number>();
  private continued = new Set<number>();
  private streams = new Set<number>();
  tickPeriodMs = 0;
  trapped: string | null = null;

  constructor(wasm: Uint8Array, private readonly config: Uint8Array) {
    const view = () => new DataView(this.memory.buffer);
    const bytes = (p: number, n: number) => new Uint8Array(this.memory.buffer, p >>> 0, n >>> 0).slice();
    const copyOut = (b: Uint8Array, pp: number, lp: number): number => {
      const p = b.length ? (this.e.malloc(b.length) as number) >>> 0 : 0;
      new Uint8Array(this.memory.buffer).set(b, p);
      view().setUint32(pp, p, true);
      view().setUint32(lp, b.length, true);
      return OK;
    };
    const ctx = () => (this.effective || this.current);
    /** The map being edited; the first edit parses the delivered bytes (a malformed map edits as empty). */
    const editable = (): Pair[] | null => {
      const id = ctx();
      if (!this.streams.has(id) || this.continued.has(id)) return null;
      if (!this.edited.has(id)) this.edited.set(id, parseRawPairs(this.raw.get(id) ?? new Uint8Array()) ?? []);
      return this.edited.get(id)!;
    };
    const env: Record<string, (...a: any[]) => number> = {
      proxy_log: () => OK,
      proxy_get_log_level: (p) => { view().setUint32(p, 2, true); return OK; },
      proxy_get_current_time_nanoseconds: (p) => { view().setBigUint64(p, this.nowNs, true); return OK; },
      proxy_set_tick_period_milliseconds: (ms) => { this.tickPeriodMs = ms >>> 0; return OK; },
      proxy_define_metric: (_t, _p, _l, out) => { view().setUint32(out, 4, true); return OK; },
      proxy_increment_metric: () => OK,
      proxy_record_metric: () => OK,
      proxy_get_property: () => NOT_FOUND,
      // The fuzzed configurations' outlier detectors see no endpoint (no upstream.address): only creation reads/writes.
      proxy_get_shared_data: () => NOT_FOUND,
      proxy_set_shared_data: () => OK,
      proxy_get_header_map_value: () => NOT_FOUND,
      // Envoy's answer for a foreign function it does not have (the raw configurations are never compressed).
      proxy_call_foreign_function: () => NOT_FOUND,
      proxy_get_buffer_bytes: (_t, start, max, pp, lp) => copyOut(this.config.subarray(start, start + max), pp, lp),
      proxy_get_header_map_pairs: (type, pp, lp) => {
        if (type !== 0) return BAD_ARGUMENT;
        const id = ctx();
        const m = this.edited.get(id);
        return copyOut(m ? serializeRawPairs(m) : this.raw.get(id) ?? new Uint8Array(), pp, lp);
      },
      proxy_set_header_map_pairs: (type, p, l) => {
        const m = editable();
        if (type !== 0 || m === null) return BAD_ARGUMENT;
        // cpp-host toPairs: a malformed or over-limit map yields no pairs; Envoy empties the map.
        this.edited.set(ctx(), parseRawPairs(bytes(p, l)) ?? []);
        return OK;
      },
      proxy_replace_header_map_value: (type, kp, kl, vp, vl) => {
        const m = editable();
        if (type !== 0 || m === null) return BAD_ARGUMENT;
        const k = bytes(kp, kl);
        const kept = m.filter(([key]) => !eq(key, k));
        kept.push([k, bytes(vp, vl)]);
        this.edited.set(ctx(), kept);
        return OK;
      },
      proxy_add_header_map_value: (type, kp, kl, vp, vl) => {
        const m = editable();
        if (type !== 0 || m === null) return BAD_ARGUMENT;
        m.push([bytes(kp, kl), bytes(vp, vl)]);
        return OK;
      },
      proxy_remove_header_map_value: (type, kp, kl) => {
        const m = editable();
        if (type !== 0 || m === null) return BAD_ARGUMENT;
        const k = bytes(kp, kl);
        this.edited.set(ctx(), m.filter(([key]) => !eq(key, k)));
        return OK;
      },
      proxy_send_local_response: (status) => { this.replies.set(ctx(), status >>> 0); return OK; },
      proxy_set_effective_context: (id) => { if (!this.streams.has(id >>> 0) && id !== ROOT) return BAD_ARGUMENT; this.effective = id >>> 0; return OK; },
      proxy_continue_stream: () => { this.continued.add(ctx()); return OK; },
    };
    const wasi = { random_get: (p: number, n: number) => { for (let i = 0; i < n; i++) view().setUint8(p + i, (i * 131 + 7) & 0xff); return 0; } };
    const instance = new WebAssembly.Instance(new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>), { env, wasi_snapshot_preview1: wasi });
    this.e = instance.exports as Record<string, any>;
    this.memory = this.e.memory as WebAssembly.Memory;
    this.call(0, "_start");
    this.call(ROOT, "proxy_on_context_create", ROOT, 0);
    this.call(ROOT, "proxy_on_vm_start", ROOT, 0);
    if (!this.call(ROOT, "proxy_on_configure", ROOT, config.length)) throw new Error("raw host: configuration refused");
  }

  static load(config: Uint8Array): RawHost {
    return new RawHost(readFileSync(GATEWASM), config);
  }

  private call(ctx: number, name: string, ...args: number[]): number {
    if (this.trapped) return 0;
    const prev = this.current;
    this.current = ctx;
    this.effective = 0;
    try {
      return (this.e[name]?.(...args) ?? 0) as number;
    } catch (err) {
      this.trapped = `${name}: ${(err as Error).message}`;
      return 0;
    } finally {
      this.current = prev;
      this.effective = 0;
    }
  }

  /** One request's header phase, delays driven by ticks until the stream resumes or is answered. */
  request(mapBytes: Uint8Array, clusterHeader: Uint8Array): RawOutcome {
    const id = this.nextId++;
    this.streams.add(id);
    this.raw.set(id, mapBytes);
    this.call(id, "proxy_on_context_create", id, ROOT);
    const r = this.call(id, "proxy_on_request_headers", id, 0, 1);
    let paused = r !== 0 && !this.replies.has(id);
    for (let i = 0; paused && i < 200 && !this.trapped; i++) {
      this.nowNs += 10_000_000n;
      this.call(ROOT, "proxy_on_tick", ROOT);
      paused = !this.replies.has(id) && !this.continued.has(id);
    }
    const forwarded = !this.trapped && !this.replies.has(id) && (r === 0 || this.continued.has(id));
    const final = this.edited.get(id) ?? parseRawPairs(mapBytes) ?? [];
    const out: RawOutcome = {
      forwarded, paused, localReply: this.replies.get(id) ?? null, trapped: this.trapped,
      clusterValues: final.filter(([k]) => eq(k, clusterHeader)).map(([, v]) => latin1(v)),
    };
    this.call(id, "proxy_on_done", id);
    this.call(id, "proxy_on_delete", id);
    for (const m of [this.raw, this.edited, this.replies]) m.delete(id);
    this.continued.delete(id);
    this.streams.delete(id);
    return out;
  }

  memoryBytes(): number { return this.memory.buffer.byteLength; }
}
