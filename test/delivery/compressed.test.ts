// Compressed configuration: the blob wrapped in GWSZ framing (host/config/framing.ts) and
// inflated by the filter through the host's `uncompress` foreign function, which the harness
// implements as Envoy does (host/harness/foreign.ts, after envoy
// source/extensions/common/wasm/foreign.cc registerUncompressForeignFunction and
// proxy-wasm-cpp-host src/exports.cc call_foreign_function).
import { deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { GATEWASM_PRESET, ProxyWasmHost } from "../../host/harness/index.ts";
import { ENVOY_FOREIGN_FUNCTIONS, deliverForeignResult } from "../../host/harness/foreign.ts";
import { Status } from "../../host/harness/abi.ts";
import { encodeFilterConfig } from "../../host/config/encode.ts";
import { COMPRESSED_HEADER_BYTES, compressBlob, unframeBlob } from "../../host/config/framing.ts";
import { GET, forwardRoute, singleHostConfig } from "../support/configs.ts";
import { WASM } from "../fuzz/module.ts";

const A = "outbound|80||a.ns.svc.cluster.local";
const B = "outbound|80||b.ns.svc.cluster.local";
const blobA = encodeFilterConfig(singleHostConfig([forwardRoute(A)]));
const blobB = encodeFilterConfig(singleHostConfig([forwardRoute(B)]));

const cluster = (r: { upstreamRequest: { headers: Array<[string, string]> } | null }) =>
  r.upstreamRequest?.headers.find(([k]) => k === "x-gatewasm-cluster")?.[1];

describe("harness uncompress/compress behave as Envoy's foreign functions", () => {
  const uncompress = ENVOY_FOREIGN_FUNCTIONS.get("uncompress")!;
  const compress = ENVOY_FOREIGN_FUNCTIONS.get("compress")!;
  it("uncompress inflates an RFC 1950 zlib stream and ignores bytes after its end (zlib uncompress())", () => {
    const z = deflateSync(Buffer.from("hello"));
    expect(Buffer.from(uncompress(z).result!).toString()).toBe("hello");
    expect(Buffer.from(uncompress(Buffer.concat([z, Buffer.from("trailing")])).result!).toString()).toBe("hello");
  });
  it("uncompress answers SERIALIZATION_FAILURE for raw deflate, a truncated stream, a bad checksum and empty input", () => {
    const z = deflateSync(Buffer.from("hello hello hello"));
    const badSum = Buffer.from(z); badSum[badSum.length - 1]! ^= 0xff;
    for (const bad of [Buffer.from([0x4b, 0x04, 0x00]), z.subarray(0, z.length - 3), badSum, Buffer.alloc(0)]) {
      expect(uncompress(bad)).toEqual({ status: Status.SERIALIZATION_FAILURE });
    }
  });
  it("compress output is zlib format that uncompress reverses", () => {
    const out = compress(Buffer.from("abc".repeat(100))).result!;
    expect(out[0]).toBe(0x78); // zlib CMF: deflate, 32 KiB window
    expect(Buffer.from(uncompress(out).result!).toString()).toBe("abc".repeat(100));
  });
  it("a failed call writes (0, 0) to the result words and allocates nothing (cpp-host call_foreign_function)", () => {
    const mem = new Uint8Array(16).fill(0xaa);
    const dv = new DataView(mem.buffer);
    let allocs = 0;
    const status = deliverForeignResult({
      alloc: () => { allocs++; return 0; },
      setU32: (p, v) => { dv.setUint32(p, v, true); return true; },
      read: (p, l) => mem.subarray(p, p + l),
    }, { status: Status.SERIALIZATION_FAILURE }, 4, 8);
    expect(status).toBe(Status.SERIALIZATION_FAILURE);
    expect(allocs).toBe(0);
    expect([dv.getUint32(4, true), dv.getUint32(8, true)]).toEqual([0, 0]);
  });
});

describe("the filter loads a compressed configuration and routes as with the plain one", () => {
  it("compressed and plain blobs give the same decision; the fast path is unchanged (2 host calls, no foreign call)", async () => {
    const plain = await ProxyWasmHost.load(WASM, { ...GATEWASM_PRESET, pluginConfig: blobA });
    const packed = await ProxyWasmHost.load(WASM, { ...GATEWASM_PRESET, pluginConfig: compressBlob(blobA), workers: 2 });
    expect(packed.configured).toEqual([true, true]);
    const p = plain.request({ headers: GET });
    const c = packed.request({ headers: GET });
    expect(cluster(c)).toBe(A);
    expect(c.upstreamRequest?.headers).toEqual(p.upstreamRequest?.headers);
    expect(c.hostCalls).toEqual(p.hostCalls);
    expect(c.foreignCalls).toEqual([]);
    expect(packed.logsAt("info").join("\n")).toMatch(/configuration loaded \(1 routes/);
  });

  it("round trip: unframeBlob gives back the exact blob", () => {
    expect(unframeBlob(compressBlob(blobA))).toEqual(blobA);
    expect(unframeBlob(blobA)).toBe(blobA);
  });

  const corrupt: Array<[string, (z: Uint8Array) => Uint8Array, RegExp]> = [
    ["a flipped byte in the zlib stream", (z) => { const c = z.slice(); c[COMPRESSED_HEADER_BYTES + 5]! ^= 0x55; return c; }, /compressed configuration is corrupt \(uncompress: status 3\)/],
    ["a truncated stream", (z) => z.slice(0, z.length - 10), /compressed configuration is corrupt/],
    ["a wrong declared length", (z) => { const c = z.slice(); new DataView(c.buffer).setUint32(8, blobB.length + 4, true); return c; }, /inflates to \d+ bytes, its header says/],
    ["a header shorter than the framing", (z) => z.slice(0, 8), /compressed configuration is truncated/],
    ["an unknown framing version", (z) => { const c = z.slice(); c[4] = 9; return c; }, /unsupported compressed framing version 9/],
    ["an absurd declared length", (z) => { const c = z.slice(); new DataView(c.buffer).setUint32(8, 0xfffffff0, true); return c; }, /more than the \d+ the filter inflates/],
  ];
  for (const [what, mutate, message] of corrupt) {
    it(`${what} is refused in on_configure with a log line, and the previous configuration keeps serving`, async () => {
      const host = await ProxyWasmHost.load(WASM, { ...GATEWASM_PRESET, pluginConfig: compressBlob(blobA) });
      expect(host.configure(mutate(compressBlob(blobB)))).toEqual([false]);
      const errors = host.logsAt("error").join("\n");
      expect(errors).toMatch(/gatewasm: configuration refused: /);
      expect(errors).toMatch(message);
      // Envoy refuses it on the canary VM, where no configuration was ever active (so the
      // filter's line ends "no configuration is active"); the workers never see it:
      expect(cluster(host.request({ headers: GET }))).toBe(A);
    });
  }

  it("a compressed blob that inflates to an invalid blob is refused by the validator", async () => {
    const broken = blobB.slice(); broken[0] = 0;
    const host = await ProxyWasmHost.load(WASM, { ...GATEWASM_PRESET, pluginConfig: compressBlob(broken) });
    expect(host.configured).toEqual([false]);
    expect(host.logsAt("error").join("\n")).toMatch(/bad magic/);
    expect(host.request({ headers: GET }).localReply).toMatchObject({ status: 503 });
  });

  it("an uncompress that yields nothing is refused (the filter never reads past what the host returned)", async () => {
    // A harness option shadows Envoy's `uncompress` with one that produces nothing.
    const host = await ProxyWasmHost.load(WASM, { ...GATEWASM_PRESET, pluginConfig: compressBlob(blobA), foreignFunctions: { uncompress: () => new Uint8Array(0) } });
    expect(host.configured).toEqual([false]);
    expect(host.logsAt("error").join("\n")).toMatch(/inflates to 0 bytes/);
  });

  it("1,000 updates alternating compressed blobs leave linear memory flat (the compressed block and the inflated one are both freed)", async () => {
    const host = await ProxyWasmHost.load(WASM, { ...GATEWASM_PRESET, pluginConfig: compressBlob(blobA) });
    const za = compressBlob(blobA), zb = compressBlob(blobB);
    for (let i = 0; i < 50; i++) host.configure(i % 2 ? za : zb);
    const before = host.memoryBytes(0);
    for (let i = 0; i < 1000; i++) host.configure(i % 2 ? za : zb);
    expect(host.memoryBytes(0)).toBe(before);
  });
});
