// §2 Gateway selection, server merging, route tables, host intersection, httpsRedirect, blackhole.
// Oracles: istio/istio pilot/pkg/networking/core/gateway_simulation_test.go (TestHTTPGateway),
// gateway_test.go (TestGatewayHTTPRouteConfig), pilot/pkg/model/gateway.go (mergeGateways),
// pkg/config/host/names_test.go (Intersection).

import { describe, expect, it } from "vitest";
import { compile, domains, gateway, httpServer, service, table, virtualService, vhost } from "./fixtures.ts";

const simpleVs = (hosts: string[], gateways = ["istio-system/gw"], ns = "default", name = "vs") =>
  virtualService(name, `hosts: [${hosts.map((h) => JSON.stringify(h)).join(", ")}]
gateways: [${gateways.join(", ")}]
http:
- route:
  - destination: {host: svc}`, { ns });

describe("§2.1 selector", () => {
  it("§2.1 selector ⊆ workload labels selects the gateway (labels.SubsetOf, push_context.go)", () => {
    const { config } = compile(gateway("gw", httpServer(80, ["*"]), { selector: "istio: ingressgateway" }) + simpleVs(["*"]) + service("svc", [80]), {
      selector: { istio: "ingressgateway", app: "x" },
    });
    expect(config.routeTables.map((t) => t.name)).toEqual(["http.80"]);
  });

  it("§2.1 a selector label the workload lacks does not select", () => {
    const { config, diagnostics } = compile(gateway("gw", httpServer(80, ["*"]), { selector: "istio: other" }) + simpleVs(["*"]));
    expect(config.routeTables).toEqual([]);
    expect(diagnostics.some((d) => d.severity === "warning" && /no Gateway selects/.test(d.message))).toBe(true);
    expect(diagnostics.some((d) => /does not select the workload/.test(d.message))).toBe(true);
  });

  it("§2.1 empty selector applies to every workload", () => {
    const { config } = compile(gateway("gw", httpServer(80, ["*"]), { selector: "{}" }) + simpleVs(["*"]));
    expect(config.routeTables.map((t) => t.name)).toEqual(["http.80"]);
  });
});

describe("§2.2/§2.7 servers and route tables", () => {
  it("§2.7 plaintext HTTP servers on one port (two gateways) share http.<port>; hosts unioned", () => {
    const { config } = compile(
      gateway("a", httpServer(80, ["a.example.com"]), { ts: "2020-01-01T00:00:00Z" }) +
        gateway("b", httpServer(80, ["b.example.com"]), { ts: "2020-01-02T00:00:00Z" }) +
        simpleVs(["a.example.com", "b.example.com"], ["istio-system/a", "istio-system/b"]),
    );
    expect(config.routeTables.map((t) => t.name)).toEqual(["http.80"]);
    expect(domains(table(config, "http.80"))).toEqual(["a.example.com", "b.example.com"]);
    expect(table(config, "http.80").tls).toBe(false);
  });

  it("§2.2 each TLS-terminating HTTPS server gets https.<port>.<portName>.<gw>.<ns> with sniHosts", () => {
    const { config } = compile(
      gateway("gw", `- port: {number: 443, name: https-a, protocol: HTTPS}
  hosts: [ns1/a.example.com]
  tls: {mode: SIMPLE, credentialName: a}
- port: {number: 443, name: https-b, protocol: HTTPS}
  hosts: ["*.b.example.com"]
  tls: {mode: MUTUAL, credentialName: b}`) + simpleVs(["a.example.com"], ["istio-system/gw"], "ns1") + simpleVs(["x.b.example.com"], ["istio-system/gw"], "default", "vs2"),
    );
    expect(config.routeTables.map((t) => t.name)).toEqual(["https.443.https-a.gw.istio-system", "https.443.https-b.gw.istio-system"]);
    const a = table(config, "https.443.https-a.gw.istio-system");
    expect(a).toMatchObject({ port: 443, tls: true, sniHosts: ["a.example.com"] });
    expect(domains(a)).toEqual(["a.example.com"]);
    expect(domains(table(config, "https.443.https-b.gw.istio-system"))).toEqual(["x.b.example.com"]);
  });

  it("§2.2 PASSTHROUGH (the default mode), AUTO_PASSTHROUGH and TLS servers get no HTTP route table", () => {
    const { config } = compile(
      gateway("gw", `- port: {number: 443, name: https, protocol: HTTPS}
  hosts: ["*"]
  tls: {}
- port: {number: 15443, name: tls, protocol: TLS}
  hosts: ["*"]
  tls: {mode: AUTO_PASSTHROUGH}
- port: {number: 8443, name: tls2, protocol: TLS}
  hosts: ["*"]
  tls: {mode: SIMPLE, credentialName: x}`) + simpleVs(["*"]),
    );
    expect(config.routeTables).toEqual([]);
  });

  it("§2.2 ISTIO_MUTUAL and OPTIONAL_MUTUAL terminate TLS; GRPC, HTTP2, GRPC-WEB, HTTP_PROXY are HTTP family", () => {
    const { config } = compile(
      gateway("gw", `- port: {number: 443, name: a, protocol: HTTPS}
  hosts: ["*"]
  tls: {mode: ISTIO_MUTUAL}
- port: {number: 444, name: b, protocol: https}
  hosts: ["*"]
  tls: {mode: OPTIONAL_MUTUAL, credentialName: x}
- port: {number: 81, name: c, protocol: GRPC}
  hosts: ["*"]
- port: {number: 82, name: d, protocol: HTTP2}
  hosts: ["*"]
- port: {number: 83, name: e, protocol: GRPC-WEB}
  hosts: ["*"]
- port: {number: 84, name: f, protocol: HTTP_PROXY}
  hosts: ["*"]
- port: {number: 85, name: g, protocol: TCP}
  hosts: ["*"]`) + simpleVs(["*"]),
    );
    expect(config.routeTables.map((t) => t.name)).toEqual(["http.81", "http.82", "http.83", "http.84", "https.443.a.gw.istio-system", "https.444.b.gw.istio-system"]);
  });

  it("§2.7 a TCP server after an HTTP server on the same port is skipped (canMergeProtocols)", () => {
    const { config, diagnostics } = compile(
      gateway("gw", `${httpServer(80, ["*"])}
- port: {number: 80, name: tcp, protocol: TCP}
  hosts: ["*"]`) + simpleVs(["*"]),
    );
    expect(config.routeTables.map((t) => t.name)).toEqual(["http.80"]);
    expect(diagnostics.some((d) => /conflicts with the HTTP server/.test(d.message))).toBe(true);
  });

  it("§2.5 a second TLS server with a host already used on the port is skipped (CheckDuplicates)", () => {
    const { config } = compile(
      gateway("gw", `- port: {number: 443, name: a, protocol: HTTPS}
  hosts: [a.com]
  tls: {mode: SIMPLE, credentialName: x}
- port: {number: 443, name: b, protocol: HTTPS}
  hosts: [a.com]
  tls: {mode: SIMPLE, credentialName: y}`) + simpleVs(["a.com"]),
    );
    expect(config.routeTables.map((t) => t.name)).toEqual(["https.443.a.gw.istio-system"]);
  });
});

describe("§2.3 server host namespaces", () => {
  const gw = (hosts: string[]) => gateway("gw", httpServer(80, hosts));
  it("§2.3 ns/host admits only VirtualServices of that namespace", () => {
    const { config } = compile(gw(["ns1/a.com"]) + simpleVs(["a.com"], ["istio-system/gw"], "ns1", "in") + simpleVs(["a.com"], ["istio-system/gw"], "ns2", "out"));
    const v = vhost(table(config, "http.80"), "a.com");
    expect(v.routes.map((r) => r.virtualService)).toEqual(["ns1/in"]);
  });
  it("§2.3 ./host means the Gateway's namespace (sanitizeServerHostNamespace)", () => {
    const { config } = compile(gw(["./a.com"]) + simpleVs(["a.com"], ["istio-system/gw"], "istio-system", "in") + simpleVs(["a.com"], ["istio-system/gw"], "default", "out"));
    expect(vhost(table(config, "http.80"), "a.com").routes.map((r) => r.virtualService)).toEqual(["istio-system/in"]);
  });
  it("§2.3 */host and bare host admit any namespace", () => {
    const { config } = compile(gw(["*/a.com", "b.com"]) + simpleVs(["a.com", "b.com"], ["istio-system/gw"], "ns9"));
    expect(domains(table(config, "http.80"))).toEqual(["a.com", "b.com"]);
  });
});

describe("§2.4 host intersection (names.go Intersection, name.go SubsetOf)", () => {
  const run = (server: string[], vs: string[]) => {
    const { config } = compile(gateway("gw", httpServer(80, server)) + simpleVs(vs));
    return domains(table(config, "http.80"));
  };
  it("§2.4 intersection: server foo.bar × VS * ⇒ foo.bar", () => expect(run(["foo.bar"], ["*"])).toEqual(["foo.bar"]));
  it("§2.4 intersection: server *.example.com × VS a.example.com ⇒ a.example.com", () =>
    expect(run(["*.example.com"], ["a.example.com"])).toEqual(["a.example.com"]));
  it("§2.4 intersection: server *.example.com × VS *.com ⇒ *.example.com", () => expect(run(["*.example.com"], ["*.com"])).toEqual(["*.example.com"]));
  it("§2.4 intersection: server *.foo.com × VS foo.com ⇒ ∅ (blackhole table)", () => expect(run(["*.foo.com"], ["foo.com"])).toEqual([]));
  it("§2.4 intersection is case-sensitive, then the vhost domain is lower-cased", () => {
    expect(run(["Foo.com"], ["foo.com"])).toEqual([]);
    expect(run(["Foo.com"], ["Foo.com"])).toEqual(["foo.com"]);
    expect(run(["*"], ["A.Example.COM"])).toEqual(["a.example.com"]);
  });
  it("§2.4 one vhost per intersecting host, named host:port", () => {
    const { config } = compile(gateway("gw", httpServer(8080, ["*.example.com"])) + simpleVs(["a.example.com", "b.example.com"]));
    expect(table(config, "http.8080").virtualHosts.map((v) => v.name)).toEqual(["a.example.com:8080", "b.example.com:8080"]);
  });
});

describe("§2.6 httpsRedirect", () => {
  it("§2.6 httpsRedirect ⇒ requireTls on the VS vhosts and redirect-only vhosts for server hosts without VS", () => {
    const { config } = compile(gateway("gw", httpServer(80, ["a.com", "b.com"], "tls: {httpsRedirect: true}")) + simpleVs(["a.com"]));
    const t = table(config, "http.80");
    expect(vhost(t, "a.com")).toMatchObject({ requireTls: true });
    expect(vhost(t, "a.com").routes.length).toBe(1);
    expect(vhost(t, "b.com")).toMatchObject({ requireTls: true, routes: [] });
  });
  it("§2.6 two servers share a host; the redirect server wins for that host (gateway_test.go)", () => {
    const { config } = compile(
      gateway("a", httpServer(80, ["a.com"]), { ts: "2020-01-01T00:00:00Z" }) +
        gateway("b", httpServer(80, ["a.com"], "tls: {httpsRedirect: true}"), { ts: "2020-01-02T00:00:00Z" }) +
        simpleVs(["a.com"], ["istio-system/a"]),
    );
    expect(vhost(table(config, "http.80"), "a.com")).toMatchObject({ requireTls: true });
  });
  it("§3 quirk: httpsRedirect with ns/host creates a vhost literally named ns/host", () => {
    const { config } = compile(gateway("gw", httpServer(80, ["ns1/a.com"], "tls: {httpsRedirect: true}")));
    expect(domains(table(config, "http.80"))).toEqual(["ns1/a.com"]);
  });
});

describe("§2.8 blackhole", () => {
  it("§2.8 a route table without vhosts is emitted with no virtual hosts (404 for all)", () => {
    const { config, diagnostics } = compile(gateway("gw", httpServer(80, ["a.com"])));
    expect(table(config, "http.80").virtualHosts).toEqual([]);
    expect(diagnostics.some((d) => /no virtual hosts/.test(d.message) && d.kind === "Gateway")).toBe(true);
  });
});
