// A plugin on the proxy-wasm Rust SDK (conformance/modules/rust/, crate proxy-wasm 0.2.5 from
// crates.io) in real Envoy 1.36.4, doing what its source comment says, and in the harness
// giving the same replies, upstream requests, logs and metric. `npm run setup:modules` builds it
// only where the wasm32-wasip1 target is installed (rustup's own server provides it, not one of
// our registries), so without it this file skips, loudly — in CI too.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EnvoyStartError, header, REPO_ROOT, sendRequest } from "../../conformance/envoy/index.ts";
import type { ProxyWasmHost } from "../../host/harness/index.ts";
import { judgesAbsent } from "../support/judges.ts";
import {
  BACKEND,
  backendUpstream,
  envoyRequestHeaders,
  loadInHarness,
  observedInEnvoy,
  observedInHarness,
  startModuleRig,
  wasmLogs,
  type ModuleRig,
  type Observed,
  type Plugin,
} from "./rig.ts";

const WASM = join(REPO_ROOT, "build", "modules", "rust", "rust.wasm");
const absent = existsSync(WASM) ? "" : "build/modules/rust/rust.wasm missing (no wasm32-wasip1 target; see conformance/modules/build.sh)";
if (absent) console.warn(`RUST-SDK MODULE SKIPPED: ${absent}`);
const skip = Boolean(absent || judgesAbsent("the Rust-SDK module in Envoy", { envoy: true }));

const PLUGIN: Plugin = { name: "rust-plugin", rootId: "", vmId: "rust-vm", wasm: WASM, config: "rust-config", port: 10101 };

describe.skipIf(skip)("a Rust-SDK module in real Envoy and in the harness", () => {
  let rig: ModuleRig;
  let host: ProxyWasmHost;
  const workerLogs = () => wasmLogs(rig.envoy.log(), PLUGIN.vmId).filter((l) => l.thread === "worker").map((l) => l.message);

  beforeAll(async () => {
    rig = await startModuleRig([PLUGIN]);
    host = await loadInHarness(PLUGIN);
  }, 60_000);
  afterAll(async () => rig?.stop());

  async function both(path: string, headers: Array<[string, string]> = []): Promise<[Observed, Observed]> {
    rig.upstream.reset();
    const before = workerLogs().length;
    const r = await sendRequest(rig.envoy.target(PLUGIN.port), { authority: "rust.example", path, headers });
    await new Promise((res) => setTimeout(res, 50)); // on_log runs after the reply is written
    const envoy = observedInEnvoy(r, rig.upstream.requestsFor(BACKEND)[0], workerLogs().slice(before).map((message) => ({ thread: "worker", level: "", message })));
    const logsBefore = host.logs.length;
    const result = host.request({ headers: envoyRequestHeaders("GET", "rust.example", path, headers), upstream: backendUpstream });
    return [{ ...observedInHarness(result), logs: host.logs.slice(logsBefore).map((l) => l.message) }, envoy];
  }

  it("boots on the worker as in Envoy: vm start, then the configuration", () => {
    const envoyBoot = workerLogs();
    expect(envoyBoot).toEqual(["rust vm start", "rust configured: rust-config"]);
    expect(host.logs.filter((l) => l.worker === 0).map((l) => l.message)).toEqual(envoyBoot);
  });

  it("forwards with x-rust-path, without x-remove-me; answers x-rust-status and the request count", async () => {
    const [harness, envoy] = await both("/ok", [["x-remove-me", "1"], ["x-keep", "k"]]);
    expect(header(envoy.upstream!.headers, "x-rust-path")).toBe("/ok");
    expect(header(envoy.upstream!.headers, "x-remove-me")).toBeUndefined();
    expect([header(envoy.headers, "x-rust-status"), header(envoy.headers, "x-rust-requests")]).toEqual(["200", "1"]);
    expect(envoy.logs).toEqual(["rust log 2 /ok"]);
    expect(harness).toEqual(envoy);
  });

  it("/deny: the module's local reply, 403 denied by rust with x-rust: denied, nothing upstream", async () => {
    const [harness, envoy] = await both("/deny/x");
    expect([envoy.status, envoy.body, header(envoy.headers, "x-rust"), envoy.upstream]).toEqual([403, "denied by rust", "denied", null]);
    // The local reply passes the module's own on_response_headers (Envoy runs a local reply
    // through the filter chain before the response started).
    expect(header(envoy.headers, "x-rust-status")).toBe("403");
    expect(harness).toEqual(envoy);
  });

  it("the counter reaches Envoy's stats as wasmcustom.rust_requests_total with the harness's value", async () => {
    const stats = await rig.envoy.stats();
    expect(stats.get("wasmcustom.rust_requests_total")).toBe(2);
    expect(Number(host.metric("rust_requests_total")?.value)).toBe(2);
  });

  it("an empty configuration: Envoy refuses to start with the module's line; the harness's worker is not configured", async () => {
    const empty = { ...PLUGIN };
    delete empty.config;
    const error = await startModuleRig([empty]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnvoyStartError);
    expect((error as EnvoyStartError).log).toContain("rust: empty configuration");
    const refused = await loadInHarness(empty).catch((e: unknown) => e);
    const logs = "logs" in (refused as object) ? (refused as ProxyWasmHost).logs.map((l) => l.message) : String((refused as Error).message);
    expect(JSON.stringify(logs)).toContain("rust: empty configuration");
  }, 60_000);
});
