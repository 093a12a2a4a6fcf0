// §1 name resolution, gateway references, exportTo, VirtualService order, delegation.
// Oracles: istio/istio pilot/pkg/model/config.go (ResolveShortnameToFQDN, resolveGatewayName),
// virtualservice_test.go (TestResolveGatewayName, TestMergeHttpRoutes, TestHasConflict),
// push_context.go (initVirtualServices, VirtualServicesForGateway), virtualservice_controller.go.

import { describe, expect, it } from "vitest";
import { resolveGatewayName, resolveShortname } from "../../host/compiler/names.ts";
import { hasConflict } from "../../host/compiler/virtualservices.ts";
import { clusterOf, compile, gateway, httpServer, routesFor, service, table, virtualService, vhost, vsHttp } from "./fixtures.ts";

describe("§1.1 short names", () => {
  it("§1.1 ResolveShortnameToFQDN: *, IPs and dotted names kept; short names get .<ns>.svc.<domain>", () => {
    expect(resolveShortname("reviews", "default", "cluster.local")).toBe("reviews.default.svc.cluster.local");
    expect(resolveShortname("*", "default", "cluster.local")).toBe("*");
    expect(resolveShortname("10.0.0.1", "default", "cluster.local")).toBe("10.0.0.1");
    expect(resolveShortname("::1", "default", "cluster.local")).toBe("::1");
    expect(resolveShortname("reviews.prod", "default", "cluster.local")).toBe("reviews.prod");
    expect(resolveShortname("Reviews", "default", "example.org")).toBe("Reviews.default.svc.example.org");
  });

  it("§1.1 VS hosts and destinations resolve in the VS namespace (clusterDomain option honoured)", () => {
    const { config } = compile(
      gateway("gw", httpServer(80, ["*"])) +
        virtualService("vs", `hosts: [reviews]
gateways: [istio-system/gw]
http:
- route: [{destination: {host: ratings}}]`, { ns: "prod" }),
      { clusterDomain: "corp.local" },
    );
    const v = vhost(table(config, "http.80"), "reviews.prod.svc.corp.local");
    expect(clusterOf(v.routes[0]!)).toBe("outbound|80||ratings.prod.svc.corp.local");
  });

  it("§1.1 DR host short names resolve in the DR namespace (subset found)", () => {
    const { routes, diagnostics } = routesFor(
      vsHttp(`- route: [{destination: {host: a, subset: v1}}]`) + service("a", [80]) +
        `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: a, namespace: default}
spec:
  host: a
  subsets: [{name: v1, labels: {version: v1}}]
`,
    );
    expect(routes[0]!.action).toMatchObject({ destinations: [{ cluster: "outbound|80|v1|a.default.svc.cluster.local", clusterExists: true }] });
    expect(diagnostics.filter((d) => d.severity === "warning" && /503/.test(d.message))).toEqual([]);
  });
});

describe("§1.2 gateway references", () => {
  it("§1.2 resolveGatewayName: name, ./name, ns/name, legacy FQDN (TestResolveGatewayName)", () => {
    expect(resolveGatewayName("gw", "default")).toBe("default/gw");
    expect(resolveGatewayName("./gw", "default")).toBe("default/gw");
    expect(resolveGatewayName("istio-system/gw", "default")).toBe("istio-system/gw");
    expect(resolveGatewayName("gw.istio-system.svc.cluster.local", "default")).toBe("istio-system/gw");
    expect(resolveGatewayName("gw.istio-system", "default")).toBe("istio-system/gw");
    expect(resolveGatewayName("mesh", "default")).toBe("mesh");
  });

  const bound = (gws: string, vsNs = "istio-system") =>
    compile(gateway("gw", httpServer(80, ["*"])) + virtualService("vs", `hosts: ["a.com"]\n${gws}\nhttp:\n- route: [{destination: {host: a}}]`, { ns: vsNs }));

  it("§1.2 each reference form binds to istio-system/gw", () => {
    for (const g of ["gateways: [gw]", "gateways: [./gw]", "gateways: [istio-system/gw]", "gateways: [gw.istio-system.svc.cluster.local]"]) {
      expect(table(bound(g).config, "http.80").virtualHosts.map((v) => v.domain), g).toEqual(["a.com"]);
    }
  });

  it("§1.2 no gateways ⇒ mesh only: never applies to the gateway", () => {
    expect(table(bound("").config, "http.80").virtualHosts).toEqual([]);
    expect(table(bound("gateways: [mesh]").config, "http.80").virtualHosts).toEqual([]);
  });

  it("§1.2 a short gateway name resolves in the VS namespace, not the gateway's", () => {
    expect(table(bound("gateways: [gw]", "default").config, "http.80").virtualHosts).toEqual([]);
  });

  it("§1.2 binding to a missing gateway or one that does not select the workload is a warning", () => {
    const { diagnostics } = compile(
      gateway("gw", httpServer(80, ["*"])) + gateway("other", httpServer(80, ["*"]), { selector: "istio: egressgateway" }) +
        virtualService("vs", `hosts: ["a.com"]\ngateways: [istio-system/missing, istio-system/other, mesh]\nhttp:\n- route: [{destination: {host: a}}]`),
    );
    const w = diagnostics.filter((d) => d.severity === "warning" && d.kind === "VirtualService");
    expect(w.map((d) => d.field)).toEqual(["spec.gateways[0]", "spec.gateways[1]"]);
    expect(w[0]!.message).toMatch(/does not exist/);
    expect(w[1]!.message).toMatch(/does not select/);
  });
});

describe("§1.3 exportTo", () => {
  const vs = (name: string, ns: string, exportTo: string) =>
    virtualService(name, `hosts: ["a.com"]\ngateways: [istio-system/gw]\n${exportTo}\nhttp:\n- match: [{uri: {prefix: /${name}}}]\n  route: [{destination: {host: a}}]`, { ns });
  const visible = (resources: string) =>
    vhost(table(compile(gateway("gw", httpServer(80, ["*"])) + resources).config, "http.80"), "a.com").routes.map((r) => r.virtualService);

  it("§1.3 public, exported-to-gateway-namespace and private-in-gateway-namespace VS are visible; others are not", () => {
    expect(
      visible(
        vs("pub", "default", "") +
          vs("exp", "default", "exportTo: [istio-system]") +
          vs("priv", "istio-system", 'exportTo: ["."]') +
          vs("hidden", "default", 'exportTo: ["."]') +
          vs("elsewhere", "default", "exportTo: [other]"),
      ).sort(),
    ).toEqual(["default/exp", "default/pub", "istio-system/priv"]);
  });

  it("§1.4 order: private → exported → public, regardless of creation time", () => {
    expect(
      visible(
        vs("pub", "default", "").replace("namespace: default", 'namespace: default\n  creationTimestamp: "2000-01-01T00:00:00Z"') +
          vs("exp", "default", "exportTo: [istio-system]").replace("namespace: default", 'namespace: default\n  creationTimestamp: "2001-01-01T00:00:00Z"') +
          vs("priv", "istio-system", "exportTo: [istio-system]").replace("namespace: istio-system", 'namespace: istio-system\n  creationTimestamp: "2002-01-01T00:00:00Z"'),
      ),
    ).toEqual(["istio-system/priv", "default/exp", "default/pub"]);
  });
});

describe("§1.4 order within a group", () => {
  it("§1.4 creationTimestamp, then name, then namespace (configCompareByCreationTime)", () => {
    const mk = (name: string, ns: string, ts: string) =>
      vsHttp(`- match: [{uri: {prefix: /${name}-${ns}}}]\n  route: [{destination: {host: a}}]`, { name, ns, ts });
    const { routes } = routesFor(
      mk("b", "x", "2020-01-02T00:00:00Z") + mk("z", "x", "2020-01-01T00:00:00Z") + mk("a", "y", "2020-01-02T00:00:00Z") + mk("a", "x", "2020-01-02T00:00:00Z"),
    );
    expect(routes.map((r) => r.path?.value)).toEqual(["/z-x", "/a-x", "/a-y", "/b-x"]);
  });
});

describe("§1.5 delegation", () => {
  const delegate = (name: string, http: string, extra = "", ns = "default") =>
    virtualService(name, `${extra}http:\n${http.replace(/^\n+|\s+$/g, "")}`, { ns });

  it("§1.5 root route replaced in place by the delegate's routes; matches merged; names joined (TestMergeHttpRoutes)", () => {
    const { routes } = routesFor(
      vsHttp(`
- match: [{uri: {prefix: /first}}]
  route: [{destination: {host: a}}]
- name: root
  match: [{name: rm, uri: {prefix: /api}, headers: {x: {exact: "1"}}}]
  timeout: 5s
  delegate: {name: d}
- route: [{destination: {host: c}}]`) +
        delegate("d", `
- name: leaf
  match: [{name: lm, uri: {prefix: /api/v1}, headers: {y: {exact: "2"}}}]
  route: [{destination: {host: b}}]
- match: [{uri: {exact: /api/v2}}]
  timeout: 1s
  route: [{destination: {host: b}}]`) + service("a", [80]) + service("b", [80]) + service("c", [80]),
    );
    expect(routes.map((r) => [r.name, r.path?.value, r.headers.map((h) => h.name).join(",")])).toEqual([
      [null, "/first", ""],
      ["root-leaf.rm-lm", "/api/v1", "x,y"],
      ["root.rm", "/api/v2", "x"],
      [null, "/", ""],
    ]);
    expect(routes[1]!.action).toMatchObject({ kind: "route", timeoutMs: 5000 }); // inherited
    expect(routes[2]!.action).toMatchObject({ kind: "route", timeoutMs: 1000 }); // delegate wins
    expect(clusterOf(routes[1]!)).toBe("outbound|80||b.default.svc.cluster.local");
  });

  it("§1.5 a delegate route whose match conflicts with every root match is dropped (warning)", () => {
    const { routes, diagnostics } = routesFor(
      vsHttp(`
- match: [{uri: {prefix: /api}}]
  delegate: {name: d}`) +
        delegate("d", `
- match: [{uri: {prefix: /other}}]
  route: [{destination: {host: b}}]
- match: [{uri: {prefix: /api/ok}}]
  route: [{destination: {host: b}}]`) + service("b", [80]),
    );
    expect(routes.map((r) => r.path?.value)).toEqual(["/api/ok"]);
    expect(diagnostics.some((d) => d.name === "d" && /conflict/.test(d.message))).toBe(true);
  });

  it("§1.5 root without matches uses delegate matches; delegate without matches uses root matches", () => {
    const { routes } = routesFor(
      vsHttp(`
- match: [{uri: {prefix: /r}}]
  delegate: {name: d1}
- delegate: {name: d2}`) +
        delegate("d1", `- route: [{destination: {host: b}}]`) +
        delegate("d2", `
- match: [{uri: {prefix: /d}}]
  route: [{destination: {host: b}}]`) + service("b", [80]),
    );
    expect(routes.map((r) => r.path?.value)).toEqual(["/r", "/d"]);
  });

  it("§1.5 missing delegate or one not exported to the root namespace: that root route is dropped", () => {
    const { routes, diagnostics } = routesFor(
      vsHttp(`
- match: [{uri: {prefix: /a}}]
  delegate: {name: missing}
- match: [{uri: {prefix: /b}}]
  delegate: {name: private, namespace: other}
- match: [{uri: {prefix: /c}}]
  delegate: {name: shared, namespace: other}`) +
        delegate("private", `- route: [{destination: {host: b.default.svc.cluster.local}}]`, 'exportTo: ["."]\n', "other") +
        delegate("shared", `- route: [{destination: {host: b}}]`, "exportTo: [default]\n", "other") + service("b", [80]) + service("b", [80], "other"),
    );
    expect(routes.map((r) => r.path?.value)).toEqual(["/c"]);
    // Delegate destinations resolve in the delegate's namespace.
    expect(clusterOf(routes[0]!)).toBe("outbound|80||b.other.svc.cluster.local");
    expect(diagnostics.filter((d) => /delegate VirtualService/.test(d.message)).length).toBe(2);
  });

  it("§1.5 hasConflict rules (TestHasConflict)", () => {
    const c = (root: object, leaf: object) => hasConflict(root as any, leaf as any);
    expect(c({ uri: { regex: "/a" } }, { uri: { prefix: "/a" } })).toBe(true);
    expect(c({ uri: { prefix: "/a" } }, { uri: { regex: "/a" } })).toBe(true);
    expect(c({ uri: { exact: "/a" } }, { uri: { exact: "/a" } })).toBe(false);
    expect(c({ uri: { exact: "/a" } }, { uri: { exact: "/b" } })).toBe(true);
    expect(c({ uri: { exact: "/a" } }, { uri: { prefix: "/a" } })).toBe(true);
    expect(c({ uri: { prefix: "/a" } }, { uri: { prefix: "/ab" } })).toBe(false);
    expect(c({ uri: { prefix: "/a/b" } }, { uri: { prefix: "/a" } })).toBe(true);
    expect(c({ uri: { prefix: "/a" } }, { uri: { exact: "/a/c" } })).toBe(false);
    expect(c({ headers: { h: { exact: "1" } } }, { headers: { h: { exact: "2" } } })).toBe(true);
    expect(c({ headers: { h: {} } }, { headers: { h: { exact: "2" } } })).toBe(true);
    expect(c({ ignoreUriCase: true }, {})).toBe(true);
    expect(c({ port: 80 }, { port: 81 })).toBe(true);
    expect(c({ port: 80 }, {})).toBe(false);
    expect(c({ sourceNamespace: "a" }, { sourceNamespace: "b" })).toBe(true);
    expect(c({ sourceLabels: { a: "1" } }, { sourceLabels: { a: "2" } })).toBe(true);
    expect(c({ gateways: ["x/a"] }, { gateways: ["x/a", "x/b"] })).toBe(true);
    expect(c({ gateways: ["x/a", "x/b"] }, { gateways: ["x/b"] })).toBe(false);
  });
});
