// End-to-end: request → virtual host selection (istio-semantics.md §4, §2.4, §2.8, §3.2),
// through the real build/gatewasm.wasm in the proxy-wasm harness.
// Oracles: Envoy source/common/router/config_impl.cc (RouteMatcher::findVirtualHost,
// findWildcardVirtualHost), Envoy HeaderUtility::getPortStart, Istio
// pilot/pkg/networking/core/gateway_simulation_test.go (TestHTTPGateway) and
// tests/integration/pilot/common/routing.go ("wildcard hostname" cases).
import { beforeAll, describe, expect, it } from "vitest";
import { itAgreesThreeWays } from "../support/three-way.ts";
import { sender, simulatorFor, type Send } from "../support/simulate.ts";
import { servicesYaml } from "../support/yaml.ts";

const gateway = (hosts: string[], name = "gw") => `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ${JSON.stringify(hosts)}
`;

/** A VS bound to istio-system/gw that sends everything to `svc`.default port 80. */
const vs = (name: string, hosts: string[], svc: string) => `
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}, namespace: default}
spec:
  hosts: ${JSON.stringify(hosts)}
  gateways: [istio-system/gw]
  http:
  - route:
    - destination: {host: ${svc}}
`;

const services = (...names: string[]) => servicesYaml(names);

const cluster = (svc: string) => `outbound|80||${svc}.default.svc.cluster.local`;

describe("§4 request → vhost: exact > longest suffix wildcard > '*'", () => {
  let send: Send;
  beforeAll(async () => {
    send = sender(await simulatorFor(
      gateway(["*"]) +
      vs("exact", ["foo.example.com"], "exact") +
      vs("wild", ["*.example.com"], "wild") +
      vs("longer", ["*.b.example.com"], "longer") +
      vs("star", ["*"], "star") +
      services("exact", "wild", "longer", "star"),
    ));
  });

  it("§4 exact domain wins over a matching suffix wildcard and '*'", () => {
    const r = send("GET", "http://foo.example.com/");
    expect(r.action).toBe("route");
    expect(r.cluster).toBe(cluster("exact"));
    expect(r.virtualService).toBe("default/exact");
  });

  it("§4 host lookup is case-insensitive (host lower-cased before lookup)", () => {
    expect(send("GET", "http://FOO.Example.COM/").cluster).toBe(cluster("exact"));
    expect(send("GET", "http://X.B.EXAMPLE.com/").cluster).toBe(cluster("longer"));
  });

  it.each(["80", "8080", "12345"])("§4 ignore_port_in_host_matching: foo.example.com:%s selects the foo.example.com vhost", (port) => {
    // Like curl, simulate drops :80 for http, so :80 is sent through the harness as a raw
    // authority below; the other ports stay in :authority while the connection arrives on the
    // gateway's port 80 (--port 80; the URL's port would otherwise choose the listener).
    const r = send("GET", `http://foo.example.com:${port}/`, { port: 80 });
    expect(r.cluster).toBe(cluster("exact"));
  });

  it("§4 raw authority 'foo.example.com:80' (port kept in :authority) still selects the exact vhost", async () => {
    const sim = await simulatorFor(gateway(["*"]) + vs("exact", ["foo.example.com"], "exact") + services("exact"));
    const res = sim.harness.request({
      headers: [[":method", "GET"], [":scheme", "http"], [":authority", "foo.example.com:80"], [":path", "/"]],
      properties: { "destination.port": 80n },
    });
    expect(res.localReply).toBeNull();
    expect(res.upstreamRequest?.headers.find(([k]) => k === "x-gatewasm-cluster")?.[1]).toBe(cluster("exact"));
  });

  it("§4 suffix wildcards: the longest matching suffix wins (*.b.example.com over *.example.com)", () => {
    expect(send("GET", "http://x.b.example.com/").cluster).toBe(cluster("longer"));
    expect(send("GET", "http://y.x.b.example.com/").cluster).toBe(cluster("longer"));
    expect(send("GET", "http://x.example.com/").cluster).toBe(cluster("wild"));
    expect(send("GET", "http://a.b.c.example.com/").cluster).toBe(cluster("wild"));
  });

  it("§4 '*.b.example.com' does not match 'b.example.com' itself (needs len(host) > len(suffix)); *.example.com does", () => {
    expect(send("GET", "http://b.example.com/").cluster).toBe(cluster("wild"));
  });

  it("§4 '*.example.com' does not match 'example.com'; it falls to '*'", () => {
    expect(send("GET", "http://example.com/").cluster).toBe(cluster("star"));
  });

  it("§4 '.example.com' (empty first label) is not covered by '*.example.com' (len(host) > len(X) fails)", async () => {
    const s = await simulatorFor(gateway(["*"]) + vs("wild", ["*.example.com"], "wild") + vs("star", ["*"], "star") + services("wild", "star"));
    const res = s.harness.request({
      headers: [[":method", "GET"], [":scheme", "http"], [":authority", ".example.com"], [":path", "/"]],
      properties: { "destination.port": 80n },
    });
    expect(res.upstreamRequest?.headers.find(([k]) => k === "x-gatewasm-cluster")?.[1]).toBe(cluster("star"));
  });

  it("§4 any other host goes to the '*' vhost", () => {
    expect(send("GET", "http://unrelated.org/").cluster).toBe(cluster("star"));
    expect(send("GET", "http://10.1.2.3:8080/", { port: 80 }).cluster).toBe(cluster("star"));
  });

  it("§4 IPv6 literal authorities ([::1], [::1]:8080) are looked up without crashing and fall to '*'", () => {
    // Envoy getPortStart is IPv6-aware; no valid Istio host can name an IPv6 literal vhost
    // (VS host '[::1]' is rejected by validation), so only the '*' fallback is observable here.
    expect(send("GET", "http://[::1]:8080/", { port: 80 }).cluster).toBe(cluster("star"));
    expect(send("GET", "http://[::1]/").cluster).toBe(cluster("star"));
  });

  itAgreesThreeWays();
});

describe("§4 no matching vhost ⇒ 404 NR, empty body", () => {
  it("§2.4/§4 server 'foo.bar' × VS '*' ⇒ vhost foo.bar only; 'bad.bar' gets 404 (gateway_simulation_test: no virtual host)", async () => {
    const send = sender(await simulatorFor(gateway(["foo.bar"]) + vs("any", ["*"], "a") + services("a")));
    expect(send("GET", "http://foo.bar/").cluster).toBe(cluster("a"));
    const r = send("GET", "http://bad.bar/");
    expect(r.action).toBe("not_found");
    expect(r.status).toBe(404);
    expect(r.body).toBe("");
  });

  it("§2.4 server '*.example.com' with VS a.example.com and b.example.com ⇒ c.example.com has no vhost (404)", async () => {
    const send = sender(await simulatorFor(
      gateway(["*.example.com"]) + vs("a", ["a.example.com"], "a") + vs("b", ["b.example.com"], "b") + services("a", "b"),
    ));
    expect(send("GET", "http://a.example.com/").cluster).toBe(cluster("a"));
    expect(send("GET", "http://b.example.com/").cluster).toBe(cluster("b"));
    const r = send("GET", "http://c.example.com/");
    expect(r.action).toBe("not_found");
    expect(r.status).toBe(404);
    expect(r.body).toBe("");
  });

  it("§2.4 server '*.foo.com' × VS 'foo.com' ⇒ empty intersection ⇒ foo.com gets 404", async () => {
    const send = sender(await simulatorFor(gateway(["*.foo.com"]) + vs("f", ["foo.com"], "a") + services("a")));
    const r = send("GET", "http://foo.com/");
    expect(r.status).toBe(404);
    expect(r.action).toBe("not_found");
  });

  it("§2.8 a gateway with no bound VirtualService answers every request with 404 and an empty body", async () => {
    const send = sender(await simulatorFor(gateway(["*"]) + services("a")));
    for (const url of ["http://a/", "http://example.com/x?y=1", "http://[::1]:81/"]) {
      const r = send("GET", url, { port: 80 });
      expect(r.status, url).toBe(404);
      expect(r.body, url).toBe("");
    }
  });

  it("§3.2 no fall-through between vhosts: foo.com sees only its own VS routes (404 if none match) even with a '*' VS", async () => {
    const send = sender(await simulatorFor(gateway(["*"]) + `
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: foo, namespace: default}
spec:
  hosts: [foo.com]
  gateways: [istio-system/gw]
  http:
  - match: [{uri: {exact: /only}}]
    route: [{destination: {host: a}}]
` + vs("star", ["*"], "b") + services("a", "b")));
    expect(send("GET", "http://foo.com/only").cluster).toBe(cluster("a"));
    const r = send("GET", "http://foo.com/other");
    expect(r.status).toBe(404);
    expect(r.action).toBe("not_found");
    expect(send("GET", "http://bar.com/other").cluster).toBe(cluster("b"));
  });

  itAgreesThreeWays();
});
