// Go plugins on the proxy-wasm Go SDK (conformance/modules/go/, built by `npm run setup:modules`)
// in a real Envoy 1.36.4 and in the harness. In Envoy each does what its source says: the
// expectations come from the module's own comment and code, and from Envoy's sources where Envoy
// decides (cited per test). The harness then runs the same request and must show the same
// client response, upstream request and log lines (test/modules/rig.ts says what is left out
// of both sides). A difference the harness does not model yet is asserted as a difference, with
// its entry in docs/harness.md ("Third-party modules and probes in real Envoy"): when the harness
// learns it, that assertion fails and the entry goes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EnvoyStartError, header, sendRequest } from "../../conformance/envoy/index.ts";
import { judgesAbsent } from "../support/judges.ts";
import {
  AUTH,
  BACKEND,
  BACKEND_BODY,
  backendUpstream,
  envoyRequestHeaders,
  goModulePath,
  goModulesAbsent,
  loadInHarness,
  observedInEnvoy,
  observedInHarness,
  startModuleRig,
  wasmLogs,
  type ModuleRig,
  type Observed,
  type Plugin,
} from "./rig.ts";
import type { ProxyWasmHost } from "../../host/harness/index.ts";

const skip = Boolean(judgesAbsent("Go-SDK modules in Envoy", { envoy: true }) || goModulesAbsent("Go-SDK modules in Envoy"));

export const PLUGINS = {
  headers: { name: "headers-plugin", rootId: "", vmId: "go-headers", wasm: goModulePath("headers"), config: "x-wasm-header: demo-wasm", port: 10001 },
  body: { name: "body-plugin", rootId: "", vmId: "go-body", wasm: goModulePath("body"), port: 10002 },
  httpcall: { name: "httpcall-plugin", rootId: "", vmId: "go-httpcall", wasm: goModulePath("httpcall"), config: AUTH, port: 10003 },
  shareddata: { name: "shareddata-plugin", rootId: "", vmId: "go-shareddata", wasm: goModulePath("shareddata"), port: 10004 },
  metrics: { name: "metrics-plugin", rootId: "", vmId: "go-metrics", wasm: goModulePath("metrics"), port: 10005 },
  ticks: { name: "ticks-plugin", rootId: "", vmId: "go-ticks", wasm: goModulePath("ticks"), port: 10006 },
} satisfies Record<string, Plugin>;

/** Log lines the harness printed since `since`, ticks left out (their count depends on time). */
const harnessLogs = (host: ProxyWasmHost, since: number) => host.logs.slice(since).map((l) => l.message).filter((m) => !/^tick \d+$/.test(m));

describe.skipIf(skip)("Go-SDK modules in real Envoy and in the harness", () => {
  let rig: ModuleRig;
  const logsOf = (p: Plugin) => wasmLogs(rig.envoy.log(), p.vmId);
  const workerLogsSince = (p: Plugin, since: number) =>
    logsOf(p).slice(since).filter((l) => l.thread === "worker" && !/^tick \d+$/.test(l.message));
  const send = (p: Plugin, spec: Parameters<typeof sendRequest>[1]) => sendRequest(rig.envoy.target(p.port), spec);

  /** One request through Envoy: what the client, the backend and the worker's log saw. */
  async function inEnvoy(p: Plugin, spec: Parameters<typeof sendRequest>[1]): Promise<Observed> {
    rig.upstream.reset();
    const before = logsOf(p).length;
    const r = await send(p, spec);
    return observedInEnvoy(r, rig.upstream.requestsFor(BACKEND)[0], workerLogsSince(p, before));
  }

  /** The same request through the harness, headers as Envoy's connection manager hands them on. */
  function inHarness(host: ProxyWasmHost, spec: { method?: string; authority: string; path: string; headers?: Array<[string, string]>; body?: string }): Observed {
    const before = host.logs.length;
    const r = host.request({
      headers: envoyRequestHeaders(spec.method ?? "GET", spec.authority, spec.path, spec.headers ?? [], spec.body === undefined ? undefined : spec.body.length),
      ...(spec.body !== undefined ? { body: spec.body } : {}),
      upstream: backendUpstream,
    });
    return { ...observedInHarness(r), logs: harnessLogs(host, before) };
  }

  beforeAll(async () => {
    rig = await startModuleRig(Object.values(PLUGINS));
  }, 150_000);
  afterAll(async () => rig?.stop());

  // Envoy creates a canary VM on the main thread to check the plugin, drops it, then gives the
  // main thread a VM of its own besides each worker's (source/extensions/common/wasm/wasm.cc
  // createWasm + getOrCreateThreadLocalPlugin; proxy-wasm-cpp-host src/wasm.cc canary). Each of
  // the three runs on_vm_start and on_configure.
  it("boot: every plugin is configured on three VMs with --concurrency 1: canary and main thread, then the worker", async () => {
    const boot = logsOf(PLUGINS.headers).filter((l) => l.message.startsWith("header from config"));
    expect(boot.map((l) => [l.thread, l.message])).toEqual([
      ["main", "header from config: x-wasm-header = demo-wasm"],
      ["main", "header from config: x-wasm-header = demo-wasm"],
      ["worker", "header from config: x-wasm-header = demo-wasm"],
    ]);
    const starts = logsOf(PLUGINS.shareddata).filter((l) => l.message.startsWith("vm start"));
    expect(starts.map((l) => [l.thread, l.message])).toEqual([["main", "vm start 1"], ["main", "vm start 2"], ["worker", "vm start 3"]]);

    // The harness boots the same VMs in the same order (host.boot: canary and the main thread's
    // VM on Envoy's main thread, then the worker): same lines from the same threads.
    const thread = (vm: string) => (vm === "worker" ? "worker" : "main");
    const host = await loadInHarness(PLUGINS.headers);
    expect(host.logs.filter((l) => l.message.startsWith("header from config")).map((l) => [thread(l.vm), l.message]))
      .toEqual(boot.map((l) => [l.thread, l.message]));
    const shared = await loadInHarness(PLUGINS.shareddata);
    expect(shared.logs.filter((l) => l.message.startsWith("vm start")).map((l) => [thread(l.vm), l.message]))
      .toEqual(starts.map((l) => [l.thread, l.message]));
  });

  it("headers: replaces, removes and adds request headers; adds the configured response header; logs what the source says", async () => {
    const p = PLUGINS.headers;
    const spec = { authority: "headers.example", path: "/p?q=1", headers: [["test", "t"], ["x-remove-me", "1"], ["x-keep", "k"]] as Array<[string, string]> };
    const envoy = await inEnvoy(p, spec);
    expect(envoy.status).toBe(200);
    const up = envoy.upstream!.headers;
    expect(header(up, "test")).toBe("best");
    expect(header(up, "x-remove-me")).toBeUndefined();
    expect(header(up, "x-go-request")).toBe("seen");
    expect(header(envoy.headers, "x-go-sdk-example")).toBe("headers");
    expect(header(envoy.headers, "x-wasm-header")).toBe("demo-wasm");
    // plugin_root_id, plugin_name, plugin_vm_id are the PluginConfig's (envoy context.cc
    // getProperty PLUGIN_*); request.* reads the request headers, which Envoy no longer holds in
    // on_response_headers (context.cc: request_headers_ is cleared once the request callback
    // continued), so both are NOT_FOUND there.
    const nf = "<error status returned by host: not found>";
    expect(header(envoy.headers, "x-go-properties")).toBe(`,headers-plugin,go-headers,${nf},${nf}`);
    // ReplaceHttpRequestHeader is setCopy: "test" moves to the end; x-remove-me is gone.
    expect(envoy.logs).toEqual([
      "request header --> :authority: headers.example",
      "request header --> :path: /p?q=1",
      "request header --> :method: GET",
      "request header --> x-keep: k",
      "request header --> x-go-request: seen",
      "2 finished",
    ]);

    // The harness answers request.* only while it holds the request headers, as Envoy does.
    expect(inHarness(await loadInHarness(p), spec)).toEqual(envoy);
  });

  it("headers: a configuration the module refuses keeps Envoy from starting, with the module's log line; the harness refuses it too", async () => {
    const bad = { ...PLUGINS.headers, config: "garbage" };
    const error = await startModuleRig([bad]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnvoyStartError);
    const line = 'bad configuration "garbage": want "name: value"';
    expect((error as EnvoyStartError).log).toContain(line);

    const host = await loadInHarness(bad).catch((e: unknown) => e);
    // A refused first configuration: the worker serves nothing (fail closed) and the line is logged.
    const harnessLog = (host as ProxyWasmHost).logs.map((l) => l.message);
    expect((host as ProxyWasmHost).configured).toEqual([false]);
    expect(harnessLog).toContain(line);
  }, 60_000);

  it("body: prepends, appends or replaces the request body, or the response body", async () => {
    const p = PLUGINS.body;
    const host = await loadInHarness(p);
    const cases: Array<[string, string | null, string, string]> = [
      ["append", null, "[initial][go appended]", `cluster=${BACKEND}\n`],
      ["prepend", null, "[go prepended][initial]", `cluster=${BACKEND}\n`],
      ["replace", null, "[go replaced]", `cluster=${BACKEND}\n`],
      ["append", "response", "[initial]", `cluster=${BACKEND}\n[go appended]`],
      ["prepend", "response", "[initial]", `[go prepended]cluster=${BACKEND}\n`],
      ["replace", "response", "[initial]", "[go replaced]"],
    ];
    for (const [op, at, upstreamBody, clientBody] of cases) {
      const headers: Array<[string, string]> = [["buffer-operation", op], ...(at ? ([["buffer-replace-at", at]] as Array<[string, string]>) : [])];
      const spec = { method: "PUT", authority: "body.example", path: "/", headers, body: "[initial]" };
      const envoy = await inEnvoy(p, spec);
      expect([op, at, envoy.status, envoy.body, envoy.upstream?.body]).toEqual([op, at, 200, clientBody, upstreamBody]);
      const harness = inHarness(host, spec);
      // Difference (docs/harness.md): Envoy's HTTP/1 codec hands a body over as its data
      // (end_stream false), then an empty frame with end_stream; a callback that paused on the
      // first sees the whole buffered body again. The harness gives each body in one end_stream
      // callback of its full size.
      expect(envoy.logs.filter((l) => / end=false$/.test(l))).toEqual([
        "request body callback: size=9 end=false",
        `response body callback: size=${BACKEND_BODY.length} end=false`,
      ]);
      const oneFrame = (logs: string[]) =>
        logs
          .filter((l) => !/ end=false$/.test(l))
          .map((l) => l.replace(/^(request|response) body callback: size=\d+ end=true$/, (_, d: string) => `${d} body callback: size=${d === "request" ? 9 : BACKEND_BODY.length} end=true`));
      expect(harness).toEqual({ ...envoy, logs: oneFrame(envoy.logs) });
    }
  });

  it("httpcall: the callout's answer decides: allow resumes with x-auth, anything else (a reset upstream too) is a 403", async () => {
    const p = PLUGINS.httpcall;
    const host = await loadInHarness(p);
    // Each callout answered in Envoy by the recording upstream, in the harness with the answer
    // Envoy's async client handed the module (status and body; the harness has no router).
    const rounds: Array<{ user?: string; behave: Parameters<ModuleRig["upstream"]["behave"]>[1]; answer: { status: number; body: string } }> = [
      { user: "alice", behave: { status: 200, body: "allow alice" }, answer: { status: 200, body: "allow alice" } },
      { user: "bob", behave: { status: 200, body: "deny" }, answer: { status: 200, body: "deny" } },
      // An upstream reset does not fail the callout: the async client's router answers it with
      // its own 503 local reply, which reaches on_http_call_response as a response with headers
      // (envoy source/common/http/async_client_impl.cc, the router's sendLocalReply). So the
      // module logs the 503, not "auth call failed" (that branch needs onFailure: no headers).
      { behave: { reset: true }, answer: { status: 503, body: "upstream connect error or disconnect/reset before headers. reset reason: connection termination" } },
    ];
    const observed: Array<[Observed, Observed]> = [];
    for (const round of rounds) {
      const spec = { authority: "call.example", path: "/x", headers: round.user ? ([["x-user", round.user]] as Array<[string, string]>) : [] };
      rig.upstream.reset();
      rig.upstream.behave(AUTH, round.behave);
      const before = logsOf(p).length;
      const r = await send(p, spec);
      const auth = rig.upstream.requestsFor(AUTH);
      expect(auth.map((q) => [q.method, q.path, q.authority])).toEqual([["GET", `/check?user=${round.user ?? ""}`, "auth.local"]]);
      const envoy = observedInEnvoy(r, rig.upstream.requestsFor(BACKEND)[0], workerLogsSince(p, before));

      const logsBefore = host.logs.length;
      const pending = host.send({ headers: envoyRequestHeaders("GET", spec.authority, spec.path, spec.headers), upstream: backendUpstream });
      expect(pending.done).toBe(false);
      const call = host.pendingHttpCalls.at(-1)!;
      expect([call.cluster, call.headers]).toEqual([AUTH, [[":method", "GET"], [":path", `/check?user=${round.user ?? ""}`], [":authority", "auth.local"]]]);
      host.respondHttpCall(call, { headers: [[":status", String(round.answer.status)], ["content-length", String(round.answer.body.length)]], body: round.answer.body });
      expect(pending.done).toBe(true);
      observed.push([{ ...observedInHarness(pending.result), logs: harnessLogs(host, logsBefore) }, envoy]);
    }
    const [allowed, denied, reset] = observed.map(([, envoy]) => envoy);
    expect([allowed!.status, header(allowed!.upstream!.headers, "x-auth")]).toEqual([200, "allow alice"]);
    expect([denied!.status, denied!.body, header(denied!.headers, "powered-by"), denied!.upstream]).toEqual([403, "access forbidden", "proxy-wasm-go-sdk", null]);
    expect([reset!.status, reset!.logs]).toEqual([403, [`auth answered 503: ${rounds[2]!.answer.body}`]]);
    // The local reply's content-type: text/plain is Envoy's, for a body without one (harness models it).
    for (const [harness, envoy] of observed) expect(harness).toEqual(envoy);
  });

  it("shareddata: hits counts every request across VMs with CAS; vm_starts counts the three VMs", async () => {
    const p = PLUGINS.shareddata;
    const host = await loadInHarness(p);
    const got: Array<[string | undefined, string | undefined]> = [];
    const harnessGot: typeof got = [];
    for (let i = 0; i < 3; i++) {
      const spec = { authority: "shared.example", path: "/" };
      const envoy = await inEnvoy(p, spec);
      got.push([header(envoy.headers, "x-shared-hits"), header(envoy.headers, "x-vm-starts")]);
      const harness = inHarness(host, spec);
      harnessGot.push([header(harness.headers, "x-shared-hits"), header(harness.headers, "x-vm-starts")]);
      expect(harness).toEqual(envoy);
    }
    expect(got).toEqual([["1", "3"], ["2", "3"], ["3", "3"]]);
    // on_vm_start ran on the canary, the main thread's VM and the worker's, in both.
    expect(harnessGot).toEqual(got);
  });

  it("metrics: the counter, the gauge and the tagged counter reach Envoy's stats as wasmcustom.*, with the harness's values", async () => {
    const p = PLUGINS.metrics;
    const host = await loadInHarness(p);
    const specs = [
      { authority: "metrics.example", path: "/a", headers: [["my-custom-header", "foo"]] as Array<[string, string]> },
      { authority: "metrics.example", path: "/bb" },
    ];
    const envoy: Observed[] = [];
    for (const spec of specs) {
      envoy.push(await inEnvoy(p, spec));
      expect(inHarness(host, spec)).toEqual(envoy.at(-1));
    }
    expect(envoy.map((o) => header(o.headers, "x-go-requests"))).toEqual(["1", "2"]);
    const stats = await rig.envoy.stats();
    // Envoy puts a module's metrics under the "wasmcustom" namespace (context.cc defineMetric,
    // custom_stat_namespace_); the harness names them as the module did.
    const ours = ["go_requests_total", "go_header_value_counts_value=foo", "go_header_bytes"];
    expect(ours.map((n) => stats.get(`wasmcustom.${n}`))).toEqual(ours.map((n) => Number(host.metric(n)?.value)));
    expect(stats.get("wasmcustom.go_requests_total")).toBe(2);
    expect(stats.get("wasmcustom.go_header_value_counts_value=foo")).toBe(1);
    // The gauge adds each request's header count: the second request had one header less.
    const firstCount = Number(header(envoy[0]!.headers, "x-go-header-bytes"));
    expect(stats.get("wasmcustom.go_header_bytes")).toBe(2 * firstCount - 1);
  });

  it("ticks: a postponed request is resumed by the next tick through set_effective_context", async () => {
    const p = PLUGINS.ticks;
    const host = await loadInHarness(p);
    const spec = { authority: "ticks.example", path: "/", headers: [["x-postpone", "1"]] as Array<[string, string]> };
    const envoy = await inEnvoy(p, spec);
    expect(envoy.status).toBe(200);
    expect(Number(header(envoy.upstream!.headers, "x-resumed-on-tick"))).toBeGreaterThanOrEqual(1);
    const id = /contextID=(\d+)/.exec(envoy.logs[0] ?? "")?.[1];
    expect(envoy.logs).toEqual([`postpone request with contextID=${id}`, `resume request with contextID=${id}`]);

    const before = host.logs.length;
    const pending = host.send({ headers: envoyRequestHeaders("GET", spec.authority, spec.path, spec.headers), upstream: backendUpstream });
    expect(pending.done).toBe(false);
    host.advance(100);
    expect(pending.done).toBe(true);
    const harness = { ...observedInHarness(pending.result), logs: harnessLogs(host, before) };
    // Which tick resumed it depends on when the request came (Envoy: real time since boot).
    const tickless = (o: Observed) => ({ ...o, upstream: o.upstream && { ...o.upstream, headers: o.upstream.headers.map(([n, v]): [string, string] => [n, n === "x-resumed-on-tick" ? "N" : v]) } });
    expect(tickless(harness)).toEqual(tickless(envoy));

    const passed = await inEnvoy(p, { authority: "ticks.example", path: "/" });
    expect(header(passed.upstream!.headers, "x-resumed-on-tick")).toBeUndefined();
    expect(inHarness(host, { authority: "ticks.example", path: "/" })).toEqual(passed);
    // The main thread's VM ticks too (it has a root context and a timer like any worker's).
    const ticks = logsOf(p).filter((l) => l.message === "tick 1").map((l) => l.thread);
    expect(ticks.sort()).toEqual(["main", "worker"]);
    expect(host.logs.filter((l) => l.message === "tick 1").map((l) => l.vm).sort()).toEqual(["main", "worker"]);
  });
});

