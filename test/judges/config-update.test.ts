// A configuration update while a request is delayed by a fault, in real Envoy (issue "Every
// accepted configuration is safe", finding 1): the request was routed to a destination with no
// cluster and carries a client's x-gatewasm-cluster naming a real cluster. Whatever update arrives
// during the delay, the request must end as its own configuration says — a 503 after the delay —
// and never reach the client's cluster. The harness side of the same story is
// test/filter/config-updates.test.ts; here Envoy's own listener update (LDS from a watched
// file) replaces the filter's configuration, and the test checks real Envoy does what the harness
// does.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { rolloutYaml } from "../../conformance/judge.ts";
import { allocateLoopback, EnvoyProcess, RecordingUpstream, rebindListeners, sendRequest, withAdmin } from "../../conformance/envoy/index.ts";
import { IstioXds } from "../../conformance/istio/client.ts";
import { judgesAbsent } from "../support/judges.ts";
import { sender, simulatorFor } from "../support/simulate.ts";
import { gatewayYaml, servicesYaml } from "../support/yaml.ts";
import { compileInputs } from "../../host/pipeline.ts";

const absent = judgesAbsent("config update in real Envoy");

const DELAY_MS = 1500;
const yaml = (extraHost: string) => gatewayYaml([{ port: 80, name: "http", hosts: ["*"] }]) + servicesYaml(["a"]) + `
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: delayed, namespace: default}
spec:
  hosts: [d.test, ${extraHost}]
  gateways: [istio-system/gw]
  http:
  - match: [{uri: {prefix: /nocluster}}]
    fault: {delay: {fixedDelay: ${DELAY_MS}ms, percentage: {value: 100}}}
    route: [{destination: {host: a, subset: missing}}]
  - route: [{destination: {host: a}}]
`;
const CLIENT_CHOICE = "outbound|80||a.default.svc.cluster.local";

describe.skipIf(!!absent)("a configuration update during a fault delay, in real Envoy and in the harness", () => {
  const istio = absent ? null : new IstioXds();
  const cleanups: Array<() => Promise<void> | void> = [];
  afterAll(async () => { for (const c of cleanups.reverse()) await c(); await istio?.close(); });

  it("the delayed request still ends in its 503 after the delay; the client's cluster gets nothing", async () => {
    const upstream = await RecordingUpstream.start({ h2c: false });
    cleanups.push(() => upstream.stop());
    const translate = async (extraHost: string) => {
      const input = `${yaml(extraHost)}\n---\n${rolloutYaml(yaml(extraHost), "owner")}`;
      const r = await istio!.translate({ yaml: input, listenAddress: "127.0.0.1", upstreamPort: upstream.port, upstreamNet: "127.201", adminPort: 0 });
      expect(r.errors).toEqual([]);
      expect(r.unmatchedPatches).toEqual([]);
      return r;
    };
    const first = await translate("first.test");
    const second = await translate("second.test"); // other plugin configuration bytes
    upstream.addClusters(Object.fromEntries(Object.entries(first.clusters).map(([c, ip]) => [ip, c])));

    // Listeners from a watched file (LDS), so that they can be replaced while Envoy runs.
    const ip = allocateLoopback();
    const dir = mkdtempSync(join(tmpdir(), "gatewasm-lds-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const ldsPath = join(dir, "lds.json");
    const writeListeners = (bootstrap: Record<string, any>) => {
      const listeners = (rebindListeners(bootstrap, ip) as Record<string, any>).static_resources.listeners as unknown[];
      const resources = listeners.map((l) => ({ "@type": "type.googleapis.com/envoy.config.listener.v3.Listener", ...(l as object) }));
      writeFileSync(`${ldsPath}.tmp`, JSON.stringify({ resources }));
      renameSync(`${ldsPath}.tmp`, ldsPath); // Envoy watches the directory for a moved-in file
    };
    writeListeners(first.bootstrap!);
    const bootstrap = withAdmin(first.bootstrap!, ip) as Record<string, any>;
    bootstrap.static_resources = { clusters: bootstrap.static_resources.clusters };
    bootstrap.dynamic_resources = { lds_config: { resource_api_version: "V3", path_config_source: { path: ldsPath, watched_directory: { path: dir } } } };
    const envoy = await EnvoyProcess.start(bootstrap, { ip, rebind: false });
    cleanups.push(() => envoy.stop());

    const sent = sendRequest(envoy.target(80), { method: "GET", authority: "d.test", path: "/nocluster", headers: [["x-gatewasm-cluster", CLIENT_CHOICE]], timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 300));
    const updatesBefore = (await envoy.stats()).get("listener_manager.lds.update_success") ?? 0;
    writeListeners(second.bootstrap!);
    for (let i = 0; i < 50 && ((await envoy.stats()).get("listener_manager.lds.update_success") ?? 0) <= updatesBefore; i++) await new Promise((r) => setTimeout(r, 50));
    expect((await envoy.stats()).get("listener_manager.lds.update_success") ?? 0).toBeGreaterThan(updatesBefore);
    const response = await sent;
    expect(response.status).toBe(503);
    expect(response.elapsedMs).toBeGreaterThanOrEqual(DELAY_MS);
    expect(upstream.requests).toEqual([]);

    // The harness: the same request, the same update during its delay, the same end.
    const sim = await simulatorFor(yaml("first.test"));
    const pending = sim.harness.send({
      headers: [[":method", "GET"], [":scheme", "http"], [":authority", "d.test"], [":path", "/nocluster"], ["x-forwarded-proto", "http"], ["x-gatewasm-cluster", CLIENT_CHOICE]],
      properties: { "destination.port": 80n },
    });
    sim.harness.advance(300);
    sim.harness.configure(compileInputs([{ name: "second.yaml", text: yaml("second.test") }]).compiled!.bytes);
    for (let t = 0; t < DELAY_MS + 100 && !pending.done; t += 10) sim.harness.advance(10);
    expect(pending.done).toBe(true);
    expect(pending.result.response?.status).toBe(503);
    expect(pending.result.upstreamRequest).toBeNull();
    // A fresh request on the new configuration still routes normally in both.
    expect(sender(sim)("GET", "http://second.test/").cluster).toBe(CLIENT_CHOICE);
    expect((await sendRequest(envoy.target(80), { method: "GET", authority: "second.test", path: "/" })).status).toBe(200);
  }, 60_000);
});
