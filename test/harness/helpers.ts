// Shared helpers for harness conformance tests.
import { ProxyWasmHost, type HostOptions } from "../../host/harness/index.ts";
import { probeWasm, SLOT } from "../fixtures/probe.ts";
import type { Worker } from "../../host/harness/index.ts";

export { SLOT, FLAG } from "../fixtures/probe.ts";

export async function probeHost(opts: HostOptions = {}, slots: Partial<Record<keyof typeof SLOT, number>> = {}) {
  const host = await ProxyWasmHost.load(await probeWasm(), opts);
  for (const w of host.workers) setSlots(w, slots);
  return host;
}

export function setSlots(w: Worker, slots: Partial<Record<keyof typeof SLOT, number>>): void {
  for (const [k, v] of Object.entries(slots)) setSlot(w, k as keyof typeof SLOT, v!);
}

export function setSlot(w: Worker, k: keyof typeof SLOT, v: number): void {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, v, true);
  w.writeBytes(SLOT[k], b);
}

export function slot(w: Worker, k: keyof typeof SLOT): number {
  return w.readU32(SLOT[k]) | 0;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Writes strings one after another into the probe's input area; returns [ptr, len] per string. */
export function put(w: Worker, ...items: Array<string | Uint8Array>): Array<[number, number]> {
  let p: number = SLOT.in;
  const out: Array<[number, number]> = [];
  for (const it of items) {
    const b = typeof it === "string" ? enc.encode(it) : it;
    w.writeBytes(p, b);
    out.push([p, b.length]);
    p += (b.length + 7) & ~7;
  }
  return out;
}

/** Reads the (ptr, len) pair the host wrote at SLOT.out (+offset) and returns the bytes. */
export function outBytes(w: Worker, offset = 0): Uint8Array {
  const ptr = w.readU32(SLOT.out + offset);
  const len = w.readU32(SLOT.out + offset + 4);
  return len === 0 ? new Uint8Array(0) : w.readBytes(ptr, len);
}

export function outString(w: Worker, offset = 0): string {
  return dec.decode(outBytes(w, offset));
}

export const text = (b: Uint8Array | undefined | null) => (b ? dec.decode(b) : "");
