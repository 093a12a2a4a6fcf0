// Issue 12 "done when": a 10,000-route gateway (bench/istio-yaml.ts, 1,000 hosts) compiles into
// an EnvoyFilter under 1 MiB (the blob compressed, --delivery inline-zlib) and into a bundled
// module (--delivery bundle); both load in the harness and in real Envoy 1.36.4, and route every
// sampled request as Istio's configuration alone does. Envoy's `uncompress` foreign function
// (source/extensions/common/wasm/foreign.cc) inflates the compressed blob; the bundled module's
// configuration is only its version (a StringValue). Seeded sample; the seed is printed.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { EnvoyJudge } from "../../conformance/judge.ts";
import { diffOutcomes, type ClientRequest, type Outcome } from "../../conformance/outcome.ts";
import { IstioXds } from "../../conformance/istio/client.ts";
import { istioBenchInputs } from "../../bench/istio-yaml.ts";
import { compileInputs } from "../../host/pipeline.ts";
import { buildDelivery, objectsYaml } from "../../host/rollout/delivery.ts";
import { GATEWASM_PRESET, ProxyWasmHost } from "../../host/harness/index.ts";
import { mulberry32 } from "../../host/util/mulberry32.ts";
import { judgesAbsent } from "../support/judges.ts";
import { WASM } from "../fuzz/module.ts";

const absent = judgesAbsent("compressed and bundled delivery in real Envoy");
const SEED = Number(process.env.GATEWASM_SEED ?? 1212);
const SAMPLE = 40;
const LISTENER_PORT = 8080; // the bench Service maps 80 → 8080

/** Requests for a seeded sample of single-destination routes, plus misses. */
function sampleRequests(yaml: string, seed: number): ClientRequest[] {
  const random = mulberry32(seed);
  const candidates: ClientRequest[] = [];
  for (const d of parseAllDocuments(yaml)) {
    const o = d.toJS();
    if (o?.kind !== "VirtualService") continue;
    for (const h of o.spec.http) {
      if (h.route.length !== 1) continue;
      const m = h.match[0];
      const path = m.uri.exact ?? `${m.uri.prefix}/x/y?z=1`;
      const headers: Array<[string, string]> = m.headers ? [["x-tenant", m.headers["x-tenant"].exact]] : [];
      candidates.push({ method: "GET", scheme: "http", authority: o.spec.hosts[0], path, headers, listenerPort: LISTENER_PORT });
    }
  }
  const picked: ClientRequest[] = [];
  for (let i = 0; i < SAMPLE; i++) picked.push(candidates[Math.floor(random() * candidates.length)]!);
  const miss = (authority: string, path: string): ClientRequest => ({ method: "GET", scheme: "http", authority, path, headers: [], listenerPort: LISTENER_PORT });
  picked.push(miss("unknown.bench.example.com", "/"), miss(picked[0]!.authority, "/no/such/route"), { ...picked[1]!, headers: [["x-gatewasm-cluster", "outbound|8080||backend-0.bench.svc.cluster.local"]] });
  return picked;
}

describe.skipIf(!!absent)("10,000 routes delivered compressed and bundled: harness and real Envoy route as Istio does", () => {
  const inputs = istioBenchInputs({ routes: 10_000, hosts: 1_000, seed: 1 });
  const requests = sampleRequests(inputs.yaml, SEED);
  const istio = absent ? null : new IstioXds();
  const judges: EnvoyJudge[] = [];
  let compressedYaml = "";
  let bundleYaml = "";
  let bundleWasm: Uint8Array = new Uint8Array();
  let compressedBytes: Uint8Array = new Uint8Array();
  let clusterHeader = "";
  let compressedObjectBytes = 0;

  beforeAll(async () => {
    console.log(`envoy-delivery: seed ${SEED} (GATEWASM_SEED to change), ${requests.length} requests`);
    const { compiled } = compileInputs([{ name: "bench.yaml", text: inputs.yaml }]);
    const base = { name: "gatewasm", namespace: "istio-system", selector: { istio: "ingressgateway" }, module: WASM };
    const zlib = buildDelivery(compiled!.config, compiled!.bytes, compiled!.policies, { ...base, wasmPath: join(process.cwd(), "build/gatewasm.wasm"), delivery: "inline-zlib" });
    compressedYaml = objectsYaml(zlib.objects);
    compressedObjectBytes = Buffer.byteLength(JSON.stringify(zlib.objects[0]));
    const cfg = (zlib.objects[0] as any).spec.configPatches[0].patch.value.typed_config.config.configuration.value as string;
    compressedBytes = Buffer.from(cfg, "base64");
    const dir = mkdtempSync(join(tmpdir(), "gatewasm-bundle-"));
    const bundlePath = join(dir, "gatewasm-bundle.wasm");
    const bundle = buildDelivery(compiled!.config, compiled!.bytes, compiled!.policies, { ...base, wasmPath: bundlePath, delivery: "bundle" });
    bundleWasm = bundle.module!;
    writeFileSync(bundlePath, bundleWasm);
    bundleYaml = objectsYaml(bundle.objects);
    clusterHeader = compiled!.config.clusterHeader;
  }, 300_000);
  afterAll(async () => { for (const j of judges) await j.stop(); await istio?.close(); });

  it("the compressed EnvoyFilter is under 1 MiB", () => {
    console.log(`envoy-delivery: compressed EnvoyFilter ${(compressedObjectBytes / 1024).toFixed(0)} KiB as JSON; bundled module ${(bundleWasm.length / 1024).toFixed(0)} KiB`);
    expect(compressedObjectBytes).toBeLessThan(1024 * 1024);
  });

  it("real Envoy: Istio alone, inline-zlib and bundle give the same outcome for every sampled request", async () => {
    const reference = await EnvoyJudge.start(istio!, inputs.yaml, "istio");
    judges.push(reference);
    const zlib = await EnvoyJudge.start(istio!, inputs.yaml, "owner", undefined, compressedYaml);
    judges.push(zlib);
    const bundle = await EnvoyJudge.start(istio!, inputs.yaml, "owner", undefined, bundleYaml);
    judges.push(bundle);
    expect(zlib.log()).toMatch(/gatewasm: configuration loaded \(10000 routes/);
    expect(bundle.log()).toMatch(/gatewasm: configuration loaded \(10000 routes/);
    const options = { reserved: [clusterHeader, "x-gatewasm-policy"], ignoreEnvoyAdded: false, upstreamBodies: true, delayToleranceMs: 500, compareAttempts: true };
    const differences: string[] = [];
    let upstream = 0;
    for (const r of requests) {
      const expected: Outcome = await reference.send(r);
      if (expected.kind === "upstream") upstream++;
      for (const [name, judge] of [["inline-zlib", zlib], ["bundle", bundle]] as const) {
        const diff = diffOutcomes(expected, await judge.send(r), options);
        if (diff.length) differences.push(`${name} ${r.authority}${r.path}: ${diff.join("; ")}`);
      }
    }
    expect(differences).toEqual([]);
    expect(upstream).toBeGreaterThanOrEqual(SAMPLE); // the sample routes, not just misses
  }, 600_000);

  it("harness: the compressed blob and the bundled module choose the same cluster for every sampled request", async () => {
    const zlib = await ProxyWasmHost.load(WASM, { ...GATEWASM_PRESET, pluginConfig: compressedBytes });
    const version = new TextEncoder().encode(bundleYaml.match(/value: (sha256:[0-9a-f]+)/)![1]!);
    const bundled = await ProxyWasmHost.load(bundleWasm, { ...GATEWASM_PRESET, pluginConfig: version });
    expect([zlib.configured, bundled.configured]).toEqual([[true], [true]]);
    for (const r of requests) {
      const spec = {
        headers: [[":method", r.method], [":scheme", r.scheme], [":authority", r.authority], [":path", r.path], ["x-forwarded-proto", "http"], ...r.headers] as Array<[string, string]>,
        properties: { "destination.port": BigInt(r.listenerPort) },
      };
      const a = zlib.request(spec);
      const b = bundled.request(spec);
      const cluster = (x: typeof a) => x.upstreamRequest?.headers.find(([k]) => k === clusterHeader)?.[1] ?? `local ${x.response?.status}`;
      expect(cluster(b), `${r.authority}${r.path}`).toBe(cluster(a));
      expect(b.hostCalls).toEqual(a.hostCalls);
    }
  }, 120_000);
});
