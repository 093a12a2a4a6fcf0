// A held-out set: the proxy-wasm Go SDK's own examples (github.com/proxy-wasm/proxy-wasm-go-sdk,
// examples/*), which none of us wrote, each doing what its README and main.go say, in real
// Envoy and in the harness alike. The examples are separate Go modules that the Go module proxy
// does not serve, so `npm run setup:modules` cannot build them; they are built by hand from a
// checkout of the SDK (docs/harness.md says how) and found through
// GATEWASM_HELD_OUT_GO_SDK=<dir of <example>.wasm>. Without it this file skips, loudly, also in CI.
// Plugin configurations are the examples' envoy.yaml ones.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { header, sendRequest, type RequestSpec } from "../../conformance/envoy/index.ts";
import type { ProxyWasmHost } from "../../host/harness/index.ts";
import { missingJudges } from "../support/judges.ts";
import {
  BACKEND,
  BACKEND_BODY,
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

const DIR = process.env.GATEWASM_HELD_OUT_GO_SDK ?? "";
const EXAMPLES = ["http_headers", "http_body", "shared_data", "metrics", "postpone_requests", "json_validation", "vm_plugin_configuration", "http_auth_random", "helloworld"] as const;
type Example = (typeof EXAMPLES)[number];

const why = !DIR
  ? "GATEWASM_HELD_OUT_GO_SDK is not set"
  : EXAMPLES.filter((e) => !existsSync(join(DIR, `${e}.wasm`))).map((e) => `${e}.wasm missing in ${DIR}`).join("; ") || missingJudges({ envoy: true });
if (why) console.warn(`HELD-OUT GO-SDK EXAMPLES SKIPPED: ${why}`);

// From each example's envoy.yaml (configuration / vm_config.configuration values).
const CONFIG: Partial<Record<Example, string>> = {
  http_headers: '{\n  "header": "x-wasm-header",\n  "value": "demo-wasm"\n}\n',
  http_body: "body-set",
  json_validation: '{ "requiredKeys": ["id", "token"] }\n',
  vm_plugin_configuration: '{\n  "name": "plugin configuration"\n}\n',
};
const VM_CONFIG = '{\n  "name": "vm configuration"\n}\n';
const HTTPBIN = "httpbin";

const plugins = Object.fromEntries(
  EXAMPLES.map((e, i) => [
    e,
    {
      name: `example-${e}`,
      rootId: "",
      vmId: `example-${e}`,
      wasm: join(DIR, `${e}.wasm`),
      ...(CONFIG[e] ? { config: CONFIG[e] } : {}),
      ...(e === "vm_plugin_configuration" ? { vmConfig: VM_CONFIG } : {}),
      port: 12001 + i,
    } satisfies Plugin,
  ]),
) as Record<Example, Plugin>;

/** Lines naming headers only Envoy has (its router's and codec's, random ids) are left out on both sides. */
const ENVOY_ONLY = /(x-request-id|date|x-envoy-upstream-service-time|x-envoy-expected-rq-timeout-ms|x-envoy-internal|server): /;
const comparable = (o: Observed): Observed => ({ ...o, logs: o.logs.filter((l) => !ENVOY_ONLY.test(l)) });

describe.skipIf(Boolean(why))("the Go SDK's own examples (held out) in real Envoy and in the harness", () => {
  let rig: ModuleRig;
  const hosts = new Map<Example, ProxyWasmHost>();
  const workerLogs = (e: Example) => wasmLogs(rig.envoy.log(), plugins[e].vmId).filter((l) => l.thread === "worker").map((l) => l.message);

  beforeAll(async () => {
    rig = await startModuleRig(Object.values(plugins), { clusters: [HTTPBIN] });
    for (const e of EXAMPLES) hosts.set(e, await loadInHarness(plugins[e], { clusters: [BACKEND, HTTPBIN] }));
  }, 200_000);
  afterAll(async () => rig?.stop());

  async function both(e: Example, spec: RequestSpec & { authority: string; path: string }, drive?: (host: ProxyWasmHost) => void): Promise<[Observed, Observed]> {
    rig.upstream.reset();
    const before = workerLogs(e).length;
    const r = await sendRequest(rig.envoy.target(plugins[e].port), spec);
    await new Promise((res) => setTimeout(res, 50)); // on_log/on_done run after the reply is written
    const envoy = observedInEnvoy(r, rig.upstream.requestsFor(BACKEND)[0], workerLogs(e).slice(before).map((message) => ({ thread: "worker", level: "", message })));
    const host = hosts.get(e)!;
    const logsBefore = host.logs.length;
    const body = typeof spec.body === "string" ? spec.body : undefined;
    const pending = host.send({
      headers: envoyRequestHeaders(spec.method ?? "GET", spec.authority, spec.path, spec.headers ?? [], body === undefined ? undefined : body.length),
      ...(body !== undefined ? { body } : {}),
      upstream: backendUpstream,
    });
    drive?.(host);
    const harness = { ...observedInHarness(pending.result), logs: host.logs.slice(logsBefore).map((l) => l.message).filter((m) => !/^(It's \d+|OnTick called)/.test(m)) };
    return [comparable(harness), comparable({ ...envoy, logs: envoy.logs.filter((m) => !/^(It's \d+|OnTick called)/.test(m)) })];
  }

  it("http_headers: README — every response gets x-wasm-header: demo-wasm and x-proxy-wasm-go-sdk-example: http_headers; headers are logged", async () => {
    const [harness, envoy] = await both("http_headers", { authority: "examples.local", path: "/uuid", headers: [["test", "t"]] });
    expect(header(envoy.headers, "x-wasm-header")).toBe("demo-wasm");
    expect(header(envoy.headers, "x-proxy-wasm-go-sdk-example")).toBe("http_headers");
    expect(envoy.logs).toContain("request header --> :path: /uuid");
    expect(envoy.logs.at(-1)).toMatch(/^\d+ finished$/);
    expect(harness).toEqual(envoy);
  });

  it("http_body: README — prepend/append/replace the request body, or the response body with buffer-replace-at: response", async () => {
    const cases: Array<[string, string | null, string | null, string | null]> = [
      ["prepend", null, "[this is prepended body][initial body]", null],
      ["append", null, "[initial body][this is appended body]", null],
      ["replace", null, "[this is replaced body]", null],
      ["prepend", "response", null, `[this is prepended body]${BACKEND_BODY}`],
      ["append", "response", null, `${BACKEND_BODY}[this is appended body]`],
      ["replace", "response", null, "[this is replaced body]"],
    ];
    for (const [op, at, upstreamBody, clientBody] of cases) {
      const headers: Array<[string, string]> = [["buffer-operation", op], ...(at ? ([["buffer-replace-at", at]] as Array<[string, string]>) : [])];
      const [harness, envoy] = await both("http_body", { method: "PUT", authority: "examples.local", path: "/", headers, body: "[initial body]" });
      if (upstreamBody) expect([op, envoy.upstream?.body]).toEqual([op, upstreamBody]);
      if (clientBody) expect([op, at, envoy.body]).toEqual([op, at, clientBody]);
      // Envoy's HTTP/1 body frames (docs/harness.md): the example's body callbacks wait for
      // end_stream and log only then, so the logs agree without normalising.
      expect(harness).toEqual(envoy);
    }
  });

  it("shared_data: README — the shared value goes up by one per request", async () => {
    const got: string[][] = [];
    for (let i = 0; i < 3; i++) {
      const [harness, envoy] = await both("shared_data", { authority: "examples.local", path: "/" });
      got.push(envoy.logs.filter((l) => l.startsWith("shared value")));
      expect(harness).toEqual(envoy);
    }
    const values = got.flat().map((l) => Number(/(\d+)$/.exec(l)![1]));
    expect(values).toHaveLength(3);
    expect(values.map((v) => v - values[0]!)).toEqual([0, 1, 2]);
  });

  it("metrics: README — custom_header_value_counts tagged by my-custom-header's value", async () => {
    for (let i = 0; i < 2; i++) {
      const [harness, envoy] = await both("metrics", { authority: "examples.local", path: "/", headers: [["my-custom-header", "foo"]] });
      expect(harness).toEqual(envoy);
    }
    const stats = await rig.envoy.stats();
    const name = "custom_header_value_counts_value=foo_reporter=wasmgosdk";
    expect(stats.get(`wasmcustom.${name}`)).toBe(2);
    expect(Number(hosts.get("metrics")!.metric(name)?.value)).toBe(2);
  });

  it("postpone_requests: README — the request is postponed, then resumed on a tick", async () => {
    const [harness, envoy] = await both("postpone_requests", { authority: "examples.local", path: "/" }, (host) => host.advance(1000));
    expect(envoy.status).toBe(200);
    expect(envoy.logs.filter((l) => /request with contextID=/.test(l))).toEqual(["postpone request with contextID=2", "resume request with contextID=2"]);
    expect(harness).toEqual(envoy);
  });

  it("json_validation: README — 403 without the required keys, the upstream's answer with them", async () => {
    const ok = await both("json_validation", { method: "POST", authority: "examples.local", path: "/", headers: [["content-type", "application/json"]], body: '{"id": "xxx", "token": "xxx"}' });
    const bad = await both("json_validation", { method: "POST", authority: "examples.local", path: "/", headers: [["content-type", "application/json"]], body: '"required_keys_missing"' });
    expect([ok[1].status, bad[1].status]).toEqual([200, 403]);
    expect(ok[0]).toEqual(ok[1]);
    expect(bad[0]).toEqual(bad[1]);
  });

  it("vm_plugin_configuration: README — logs the VM configuration and the plugin configuration when it starts, on each of Envoy's VMs", () => {
    const envoyBoot = wasmLogs(rig.envoy.log(), plugins.vm_plugin_configuration.vmId).map((l) => [l.thread, l.message]);
    const once = [`vm config: ${VM_CONFIG}`, `plugin config: ${CONFIG.vm_plugin_configuration}`];
    // The canary and the main thread's VM, then the worker's (source/extensions/common/wasm/wasm.cc).
    expect(envoyBoot).toEqual([...once.map((m) => ["main", m]), ...once.map((m) => ["main", m]), ...once.map((m) => ["worker", m])]);
    const harnessBoot = hosts.get("vm_plugin_configuration")!.logs.map((l) => [l.worker >= 0 ? "worker" : "main", l.message]);
    expect(harnessBoot).toEqual(envoyBoot);
  });

  it("http_auth_random: README — the httpbin callout's answer hashed decides: access granted or 403 access forbidden", async () => {
    const [harness, envoy] = await both("http_auth_random", { authority: "examples.local", path: "/uuid" }, (host) => {
      // The harness is answered what the recording upstream answered Envoy's callout.
      const call = host.pendingHttpCalls.at(-1)!;
      expect(call.cluster).toBe(HTTPBIN);
      host.respondHttpCall(call, {
        headers: [[":status", "200"], ["x-upstream-cluster", HTTPBIN], ["connection", "keep-alive"], ["keep-alive", "timeout=5"], ["content-length", String(`cluster=${HTTPBIN}\n`.length)]],
        body: `cluster=${HTTPBIN}\n`,
      });
    });
    const [callout] = rig.upstream.requestsFor(HTTPBIN);
    expect(callout?.path).toBe("/uuid");
    const granted = envoy.logs.includes("access granted");
    expect(granted || (envoy.status === 403 && envoy.body === "access forbidden")).toBe(true);
    expect(harness).toEqual(envoy);
  });

  it("helloworld: README — OnPluginStart from Go!, then a line per tick", async () => {
    expect(workerLogs("helloworld")[0]).toBe("OnPluginStart from Go!");
    const host = hosts.get("helloworld")!;
    expect(host.logs.filter((l) => l.worker === 0)[0]?.message).toBe("OnPluginStart from Go!");
    const before = host.logs.length;
    host.advance(3000);
    // A 1 s tick on the worker and on the main thread's VM, as in Envoy.
    const ticks = host.logs.slice(before).filter((l) => l.message === "OnTick called");
    expect(ticks.filter((l) => l.worker === 0)).toHaveLength(3);
    expect(ticks.filter((l) => l.worker < 0)).toHaveLength(3);
    const envoyTicks = wasmLogs(rig.envoy.log(), plugins.helloworld.vmId).filter((l) => l.message === "OnTick called");
    expect(new Set(envoyTicks.map((l) => l.thread))).toEqual(new Set(["main", "worker"]));
  });
});
