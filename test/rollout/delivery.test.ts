// The delivery modes `gatewasm compile --delivery` writes (host/rollout/delivery.ts): each
// validates against Istio's CRD schema (crd-all.gen.yaml: EnvoyFilter networking.istio.io/
// v1alpha3, WasmPlugin extensions.istio.io/v1alpha1), carries what the filter needs, and the
// size findings name the Kubernetes limits (256 KiB annotations, k8s apimachinery
// objectmeta.go TotalAnnotationSizeLimitB; 1.5 MiB etcd, etcd embed DefaultMaxRequestBytes).
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { main, type Io } from "../../host/cli/main.ts";
import { compileInputs } from "../../host/pipeline.ts";
import { buildDelivery } from "../../host/rollout/delivery.ts";
import { readBundle } from "../../host/rollout/bundle.ts";
import { ETCD_OBJECT_LIMIT, LAST_APPLIED_LIMIT, objectLimits } from "../../host/rollout/limits.ts";
import { unframeBlob, isCompressed } from "../../host/config/framing.ts";
import { ROOT_ID } from "../../host/config/model.ts";
import type { Resource } from "../../host/resources/types.ts";
import { validateSchema } from "../../host/validation/index.ts";
import { WASM } from "../fuzz/module.ts";
import { ROOT } from "../support/test-module.ts";

function asResource(object: Record<string, any>): Resource {
  return {
    apiVersion: object.apiVersion, kind: object.kind, metadata: object.metadata, spec: object.spec,
    source: { file: "rollout.yaml", docIndex: 0, locate: () => ({ file: "rollout.yaml", line: 1, col: 1 }) },
  };
}

const { compiled } = compileInputs([{ path: `${ROOT}/examples/storefront` }]);
const base = { name: "gatewasm", namespace: "istio-system", selector: { istio: "ingressgateway" }, wasmPath: "/var/lib/gatewasm/gatewasm.wasm", module: WASM };
const build = (delivery: "inline" | "inline-zlib" | "bundle" | "wasmplugin", extra = {}) =>
  buildDelivery(compiled!.config, compiled!.bytes, compiled!.policies, { ...base, delivery, ...extra });
const roundTrip = (o: unknown) => parse(JSON.stringify(o)) as Record<string, any>;
const wasmConfig = (ef: Record<string, any>) => ef.spec.configPatches[0].patch.value.typed_config.config;

describe("delivery modes", () => {
  it("inline-zlib: the EnvoyFilter carries the GWSZ-framed blob as a BytesValue that inflates to the blob", () => {
    const [ef] = build("inline-zlib").objects.map(roundTrip);
    expect(validateSchema(asResource(ef!))).toEqual([]);
    const bytes = Buffer.from(wasmConfig(ef!).configuration.value, "base64");
    expect(wasmConfig(ef!).configuration["@type"]).toBe("type.googleapis.com/google.protobuf.BytesValue");
    expect(isCompressed(bytes)).toBe(true);
    expect(Buffer.from(unframeBlob(bytes))).toEqual(Buffer.from(compiled!.bytes));
  });

  it("bundle: the EnvoyFilter's configuration is the bundle version (StringValue) and the module carries the blob", () => {
    const d = build("bundle");
    const [ef] = d.objects.map(roundTrip);
    expect(validateSchema(asResource(ef!))).toEqual([]);
    expect(wasmConfig(ef!).configuration).toEqual({ "@type": "type.googleapis.com/google.protobuf.StringValue", value: d.version });
    expect(d.version).toMatch(/^sha256:[0-9a-f]{32}$/);
    const bundle = readBundle(d.module!)!;
    expect(bundle.version).toBe(d.version);
    expect(Buffer.from(unframeBlob(bundle.framedBlob))).toEqual(Buffer.from(compiled!.bytes));
  });

  it("wasmplugin: a WasmPlugin valid against Istio's CRD (FAIL_CLOSE, root_id, sha256 of the module, pluginConfig.version) plus route patches only", () => {
    const d = build("wasmplugin", { priority: 10 });
    const [wp, ef] = d.objects.map(roundTrip);
    expect(validateSchema(asResource(wp!))).toEqual([]);
    expect(validateSchema(asResource(ef!))).toEqual([]);
    expect(wp!.apiVersion).toBe("extensions.istio.io/v1alpha1");
    expect(wp!.spec).toMatchObject({
      selector: { matchLabels: { istio: "ingressgateway" } }, url: "file:///var/lib/gatewasm/gatewasm.wasm", pluginName: ROOT_ID,
      failStrategy: "FAIL_CLOSE", phase: "UNSPECIFIED_PHASE", priority: 10, type: "HTTP", pluginConfig: { version: d.version },
    });
    expect(wp!.spec.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(ef!.spec.configPatches.some((p: any) => p.applyTo === "HTTP_FILTER")).toBe(false);
    const inline = build("inline").objects.map(roundTrip)[0]!.spec.configPatches;
    expect(ef!.spec.configPatches.length).toBe(inline.filter((p: any) => p.applyTo !== "HTTP_FILTER").length);
  });

  it("wasmplugin from oci://: no sha256 unless the image digest is given (Istio compares it with the image's)", () => {
    const [wp] = build("wasmplugin", { wasmUrl: "oci://ghcr.io/acme/gatewasm:v1", failStrategy: "FAIL_RELOAD" }).objects.map(roundTrip);
    expect(validateSchema(asResource(wp!))).toEqual([]);
    expect(wp!.spec.sha256).toBeUndefined();
    expect(wp!.spec.failStrategy).toBe("FAIL_RELOAD");
  });

  it("the WasmPlugin schema check is real: a bad failStrategy, a bad sha256 and selector + targetRefs are rejected", () => {
    const [wp] = build("wasmplugin").objects.map(roundTrip);
    for (const mutate of [(s: any) => { s.failStrategy = "FAIL_SOMETIMES"; }, (s: any) => { s.sha256 = "xyz"; }, (s: any) => { s.targetRefs = [{ kind: "Gateway", group: "gateway.networking.k8s.io", name: "gw" }]; }, (s: any) => { s.url = "ftp://x/y"; }]) {
      const broken = structuredClone(wp!);
      mutate(broken.spec);
      expect(validateSchema(asResource(broken)).length, JSON.stringify(broken.spec)).toBeGreaterThan(0);
    }
  });
});

describe("size limits", () => {
  it("findings at each limit, from the cited numbers", () => {
    expect(LAST_APPLIED_LIMIT).toBe(262144);
    expect(ETCD_OBJECT_LIMIT).toBe(1572864);
    expect(objectLimits("x", 100_000)).toEqual([]);
    expect(objectLimits("x", 200 * 1024)[0]!.message).toMatch(/close to the 256 KiB/);
    expect(objectLimits("x", LAST_APPLIED_LIMIT + 1)[0]!.message).toMatch(/client-side `kubectl apply` fails/);
    expect(objectLimits("x", ETCD_OBJECT_LIMIT + 1)[0]).toMatchObject({ severity: "error", message: expect.stringMatching(/etcd's 1536 KiB object limit/) });
  });
});

function run(args: string[]): { code: Promise<number>; out: () => string; err: () => string } {
  let out = "";
  let err = "";
  const io: Io = { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, stdin: () => "" };
  return { code: main(args, io), out: () => out, err: () => err };
}

describe("gatewasm compile --delivery", () => {
  const example = join(ROOT, "examples/storefront");
  it("wasmplugin writes rollout.yaml (WasmPlugin + EnvoyFilter) and the bundled module", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gatewasm-delivery-"));
    const r = run(["compile", "-f", example, "--delivery", "wasmplugin", "--wasm-url", "oci://ghcr.io/acme/gatewasm:v1", "-o", dir]);
    expect(await r.code, r.err()).toBe(0);
    const docs = parseAllDocuments(readFileSync(join(dir, "rollout.yaml"), "utf8")).map((d) => d.toJS());
    expect(docs.map((d) => d.kind)).toEqual(["WasmPlugin", "EnvoyFilter"]);
    expect(readBundle(readFileSync(join(dir, "gatewasm-bundle.wasm")))!.version).toBe(docs[0].spec.pluginConfig.version);
    expect(r.err()).toMatch(/bundle version sha256:/);
  });

  it("usage errors are all reported in one run: bundle without -o, FAIL_OPEN, an unknown delivery", async () => {
    const r = run(["compile", "-f", example, "--delivery", "bundle", "--fail-strategy", "FAIL_OPEN"]);
    expect(await r.code).toBe(1);
    expect(r.err()).toMatch(/needs -o DIR/);
    expect(r.err()).toMatch(/FAIL_OPEN would let a client-set cluster header route/);
    const u = run(["compile", "-f", example, "--delivery", "carrier-pigeon"]);
    expect(await u.code).toBe(1);
    expect(u.err()).toMatch(/--delivery must be one of inline, inline-zlib, bundle, wasmplugin/);
  });
});
