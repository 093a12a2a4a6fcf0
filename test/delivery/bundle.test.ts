// Bundle mode: the configuration built into the module (host/rollout/bundle.ts: a passive data
// segment copied into a malloc'ed block by a function appended to `_start`), and the plugin
// configuration reduced to the bundle's version — bare, or as the JSON Istio makes of a
// WasmPlugin's pluginConfig (istio pilot/pkg/model/extensions.go buildWasmConfig: Struct → JSON in
// a StringValue).
import { describe, expect, it } from "vitest";
import { GATEWASM_PRESET, ProxyWasmHost } from "../../host/harness/index.ts";
import { encodeFilterConfig } from "../../host/config/encode.ts";
import { compressBlob } from "../../host/config/framing.ts";
import { bundleModule, bundleVersion, readBundle } from "../../host/rollout/bundle.ts";
import { GET, forwardRoute, singleHostConfig } from "../support/configs.ts";
import { WASM } from "../fuzz/module.ts";

const A = "outbound|80||a.ns.svc.cluster.local";
const B = "outbound|80||b.ns.svc.cluster.local";
const blobA = encodeFilterConfig(singleHostConfig([forwardRoute(A)]));
const blobB = encodeFilterConfig(singleHostConfig([forwardRoute(B)]));
const text = (s: string) => new TextEncoder().encode(s);
const cluster = (r: { upstreamRequest: { headers: Array<[string, string]> } | null }) =>
  r.upstreamRequest?.headers.find(([k]) => k === "x-gatewasm-cluster")?.[1];
const errors = (h: ProxyWasmHost) => h.logsAt("error").join("\n");

describe("a bundled module", () => {
  for (const [form, framed] of [["plain", blobA], ["compressed", compressBlob(blobA)]] as const) {
    it(`(${form} blob) serves its built-in configuration when the plugin configuration names its version`, async () => {
      const version = bundleVersion(framed);
      const wasm = bundleModule(WASM, framed, version);
      expect(readBundle(wasm)).toEqual({ version, framedBlob: framed });
      const host = await ProxyWasmHost.load(wasm, { ...GATEWASM_PRESET, pluginConfig: text(version), workers: 2 });
      expect(host.configured).toEqual([true, true]);
      const r = host.request({ headers: GET });
      expect(cluster(r)).toBe(A);
      // Same fast path as the plain module.
      const plain = await ProxyWasmHost.load(WASM, { ...GATEWASM_PRESET, pluginConfig: blobA });
      expect(r.hostCalls).toEqual(plain.request({ headers: GET }).hostCalls);
    });
  }

  it("accepts the JSON Istio passes for pluginConfig {version: ...}, other keys and white space included", async () => {
    const version = "v-2026.12.02";
    const wasm = bundleModule(WASM, compressBlob(blobA), version);
    for (const config of [`{"version":"${version}"}`, ` { "other": {"a": [1, "}"]}, "version" : "${version}", "n": 3 } `, `${version}\n`]) {
      const host = await ProxyWasmHost.load(wasm, { ...GATEWASM_PRESET, pluginConfig: text(config) });
      expect(host.configured, config).toEqual([true]);
      expect(cluster(host.request({ headers: GET }))).toBe(A);
    }
  });

  const refused: Array<[string, string, RegExp]> = [
    ["another version", "v2", /names version "v2" but this module bundles version "v1"/],
    ["another version in JSON", `{"version":"v2"}`, /names version "v2" but this module bundles version "v1"/],
    ["JSON without a version", `{"other":"v1"}`, /JSON object without a "version"/],
    ["a non-string version", `{"version":1}`, /"version" is not a string/],
    ["broken JSON", `{"version" "v1"}`, /not valid JSON/],
  ];
  for (const [what, config, message] of refused) {
    it(`refuses ${what} in on_configure with a log line; an earlier configuration keeps serving`, async () => {
      const wasm = bundleModule(WASM, blobA, "v1");
      const host = await ProxyWasmHost.load(wasm, { ...GATEWASM_PRESET, pluginConfig: text("v1") });
      expect(host.configure(text(config))).toEqual([false]);
      expect(errors(host)).toMatch(message);
      // Envoy refuses it on the canary VM, where no configuration was ever active (so the
      // filter's line ends "no configuration is active"); the workers never see it:
      expect(cluster(host.request({ headers: GET }))).toBe(A);
    });
  }

  it("refuses an empty plugin configuration and a full blob passed instead of the version", async () => {
    const wasm = bundleModule(WASM, blobA, "v1");
    const empty = await ProxyWasmHost.load(wasm, { ...GATEWASM_PRESET, pluginConfig: new Uint8Array(0) });
    expect(empty.configured).toEqual([false]);
    expect(errors(empty)).toMatch(/expects its version string/);
    const blob = await ProxyWasmHost.load(wasm, { ...GATEWASM_PRESET, pluginConfig: blobB });
    expect(blob.configured).toEqual([false]);
    expect(errors(blob)).toMatch(/but this module bundles version "v1"/);
    expect(blob.request({ headers: GET }).localReply).toMatchObject({ status: 503 });
  });

  it("a corrupt bundled compressed blob is refused at configure, never trapped on", async () => {
    const z = compressBlob(blobA);
    z[z.length - 6]! ^= 0x40;
    const host = await ProxyWasmHost.load(bundleModule(WASM, z, "v1"), { ...GATEWASM_PRESET, pluginConfig: text("v1") });
    expect(host.configured).toEqual([false]);
    expect(host.isFailed(0)).toBe(false);
    expect(errors(host)).toMatch(/compressed configuration is corrupt/);
  });

  it("re-configuring with the same version 500 times keeps memory flat (each configure copies the bundle and frees the old copy)", async () => {
    const host = await ProxyWasmHost.load(bundleModule(WASM, compressBlob(blobA), "v1"), { ...GATEWASM_PRESET, pluginConfig: text("v1") });
    for (let i = 0; i < 20; i++) host.configure(text("v1"));
    const before = host.memoryBytes(0);
    for (let i = 0; i < 500; i++) expect(host.configure(text("v1"))).toEqual([true]);
    expect(host.memoryBytes(0)).toBe(before);
  });

  it("the unbundled module is unaffected: it still takes the blob and no bundle is read", async () => {
    expect(readBundle(WASM)).toBeNull();
    const host = await ProxyWasmHost.load(WASM, { ...GATEWASM_PRESET, pluginConfig: text("v1") });
    expect(host.configured).toEqual([false]);
    expect(errors(host)).toMatch(/bad magic|too short/);
  });

  it("bundling a bundled module, or a module without the slot, is an error", () => {
    const once = bundleModule(WASM, blobA, "v1");
    expect(() => bundleModule(once, blobA, "v2")).toThrow(/already carries/);
    // A minimal valid module (header only) has no slot.
    expect(() => bundleModule(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]), blobA, "v1")).toThrow(/no gatewasm bundle slot/);
  });
});
