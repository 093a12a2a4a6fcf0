// §3 route-table building and §5 match translation.
// Oracles: istio/istio pilot/pkg/networking/core/route/route.go (BuildHTTPRoutesForVirtualService,
// TranslateRouteMatch, IsCatchAllRoute, SortVHostRoutes), route_test.go (TestBuildHTTPRoutes,
// TestSortVHostRoutes), gateway_simulation_test.go (TestHTTPGateway).

import { describe, expect, it } from "vitest";
import { clusterOf, compile, gateway, httpServer, routesFor, service, table, vhost, vsHttp } from "./fixtures.ts";

const svcs = service("a", [80]) + service("b", [80]) + service("c", [80]);

describe("§3.1 translate", () => {
  it("§3.1 an http route without match is a catch-all prefix / and stops the VirtualService", () => {
    const { routes, diagnostics } = routesFor(
      vsHttp(`
- route: [{destination: {host: a}}]
- match: [{uri: {prefix: /b}}]
  route: [{destination: {host: b}}]`) + svcs,
    );
    expect(routes.length).toBe(1);
    expect(routes[0]!.path).toEqual({ kind: "prefix", value: "/", ignoreCase: false });
    expect(clusterOf(routes[0]!)).toBe("outbound|80||a.default.svc.cluster.local");
    expect(diagnostics.some((d) => d.severity === "warning" && /unreachable route/.test(d.message) && d.field === "spec.http[1]")).toBe(true);
  });

  it("§3.1 one route per match entry, in order (OR across match blocks)", () => {
    const { routes } = routesFor(
      vsHttp(`
- match: [{uri: {exact: /x}}, {uri: {prefix: /y}}, {uri: {regex: "/z.*"}}]
  route: [{destination: {host: a}}]`) + svcs,
    );
    expect(routes.map((r) => r.path)).toEqual([
      { kind: "exact", value: "/x", ignoreCase: false },
      { kind: "prefix", value: "/y", ignoreCase: false },
      { kind: "regex", value: "/z.*", ignoreCase: false },
    ]);
  });

  it("§3.1 a catch-all match entry (uri prefix /) stops the remaining matches and routes", () => {
    const { routes, diagnostics } = routesFor(
      vsHttp(`
- match: [{uri: {prefix: /}}, {uri: {prefix: /never}}]
  route: [{destination: {host: a}}]
- route: [{destination: {host: b}}]`) + svcs,
    );
    expect(routes.length).toBe(1);
    expect(diagnostics.filter((d) => /unreachable/.test(d.message)).map((d) => d.field)).toEqual(["spec.http[0].match[1]", "spec.http[1]"]);
  });

  it("§3.1 regex .* with no other matcher is a catch-all (IsCatchAllRoute)", () => {
    const { routes } = routesFor(
      vsHttp(`
- match: [{uri: {regex: ".*"}}]
  route: [{destination: {host: a}}]
- route: [{destination: {host: b}}]`) + svcs,
    );
    expect(routes.length).toBe(1);
  });

  it("§3.1 method/authority/scheme/headers/queryParams prevent catch-all", () => {
    for (const extra of ["method: {exact: GET}", "authority: {exact: x}", "scheme: {exact: http}", "headers: {x: {exact: y}}", "queryParams: {q: {exact: y}}", "withoutHeaders: {x: {exact: y}}"]) {
      const { routes } = routesFor(
        vsHttp(`
- match: [{uri: {prefix: /}, ${extra}}]
  route: [{destination: {host: a}}]
- route: [{destination: {host: b}}]`) + svcs,
      );
      expect(routes.length, extra).toBe(2);
    }
  });

  it("§3.1 ignoreUriCase does not prevent catch-all: IsCatchAllRoute reads only the path specifier (route.go)", () => {
    const { routes } = routesFor(
      vsHttp(`
- match: [{uri: {prefix: /}, ignoreUriCase: true}]
  route: [{destination: {host: a}}]
- route: [{destination: {host: b}}]`) + svcs,
    );
    expect(routes.length).toBe(1);
    expect(routes[0]!.path).toEqual({ kind: "prefix", value: "/", ignoreCase: true });
  });

  it("§3.1 match.port ≠ server port drops the match entry; a VS with zero routes is ignored", () => {
    const { routes, table: t } = routesFor(
      vsHttp(`
- match: [{port: 81, uri: {prefix: /a}}, {port: 80, uri: {prefix: /b}}]
  route: [{destination: {host: a}}]`) +
        vsHttp(`
- match: [{port: 81}]
  route: [{destination: {host: a}}]`, { name: "other", hosts: ["other.com"] }) + svcs,
    );
    expect(routes.map((r) => r.path?.value)).toEqual(["/b"]);
    expect(t.virtualHosts.map((v) => v.domain)).toEqual(["example.com"]);
  });

  it("§3.1 match.gateways must name the current gateway (sourceMatchHTTP); short names resolve in the VS namespace", () => {
    const { routes } = routesFor(
      vsHttp(`
- match: [{gateways: [istio-system/other], uri: {prefix: /a}}, {gateways: [istio-system/gw], uri: {prefix: /b}}, {gateways: [mesh], uri: {prefix: /c}}]
  route: [{destination: {host: a}}]`) + svcs,
    );
    expect(routes.map((r) => r.path?.value)).toEqual(["/b"]);
  });

  it("§3.1 sourceLabels ⊆ gateway labels and sourceNamespace = gateway namespace keep the match; match.gateways bypasses them", () => {
    const { routes } = routesFor(
      vsHttp(`
- match:
  - {sourceLabels: {istio: ingressgateway}, uri: {prefix: /keep1}}
  - {sourceLabels: {app: reviews}, uri: {prefix: /drop1}}
  - {sourceNamespace: istio-system, uri: {prefix: /keep2}}
  - {sourceNamespace: default, uri: {prefix: /drop2}}
  - {gateways: [istio-system/gw], sourceLabels: {app: reviews}, uri: {prefix: /keep3}}
  route: [{destination: {host: a}}]`) + svcs,
    );
    expect(routes.map((r) => r.path?.value)).toEqual(["/keep1", "/keep2", "/keep3"]);
  });

  it("§3.3 route names: http.name, http.name.match.name, and .match.name when only the match is named (route.go)", () => {
    const { routes } = routesFor(
      vsHttp(`
- name: r
  match: [{name: m, uri: {prefix: /a}}, {uri: {prefix: /b}}]
  route: [{destination: {host: a}}]
- match: [{name: only, uri: {prefix: /c}}]
  route: [{destination: {host: a}}]
- match: [{uri: {prefix: /d}}]
  route: [{destination: {host: a}}]`) + svcs,
    );
    expect(routes.map((r) => r.name)).toEqual(["r.m", "r", ".only", null]);
  });
});

describe("§3.2 concatenation and SortVHostRoutes", () => {
  it("§3.2 routes of several VS for one host concatenate in §1.4 order; catch-alls move to the end, stable", () => {
    const { routes, diagnostics } = routesFor(
      vsHttp(`- route: [{destination: {host: a}}]`, { name: "first", ts: "2020-01-01T00:00:00Z" }) +
        vsHttp(`
- match: [{uri: {prefix: /b}}]
  route: [{destination: {host: b}}]
- route: [{destination: {host: c}}]`, { name: "second", ts: "2020-01-02T00:00:00Z" }) + svcs,
    );
    expect(routes.map((r) => `${r.virtualService}:${r.path?.value}`)).toEqual(["default/second:/b", "default/first:/", "default/second:/"]);
    expect(diagnostics.some((d) => d.name === "second" && /unreachable route on host example.com/.test(d.message))).toBe(true);
  });

  it("§3.2 no fall-through between vhosts: VS-A * and VS-B foo.com ⇒ foo.com only has VS-B's routes", () => {
    const { config } = compile(
      gateway("gw", httpServer(80, ["*"])) +
        vsHttp(`- route: [{destination: {host: a}}]`, { name: "a", hosts: ["*"] }) +
        vsHttp(`
- match: [{uri: {prefix: /b}}]
  route: [{destination: {host: b}}]`, { name: "b", hosts: ["foo.com"] }) + svcs,
    );
    const t = table(config, "http.80");
    expect(vhost(t, "foo.com").routes.map((r) => r.virtualService)).toEqual(["default/b"]);
    expect(vhost(t, "*").routes.map((r) => r.virtualService)).toEqual(["default/a"]);
  });
});

describe("§5 match translation", () => {
  const one = (match: string) =>
    routesFor(vsHttp(`
- match: [${match}]
  route: [{destination: {host: a}}]`) + svcs);

  it("§5 uri exact/prefix + ignoreUriCase → path; no uri → prefix /", () => {
    expect(one("{uri: {exact: /A}, ignoreUriCase: true}").routes[0]!.path).toEqual({ kind: "exact", value: "/A", ignoreCase: true });
    expect(one("{uri: {prefix: /static}}").routes[0]!.path).toEqual({ kind: "prefix", value: "/static", ignoreCase: false });
    expect(one("{headers: {x: {exact: y}}}").routes[0]!.path).toEqual({ kind: "prefix", value: "/", ignoreCase: false });
    expect(one(`{uri: {prefix: ""}, headers: {x: {exact: y}}}`).routes[0]!.path).toEqual({ kind: "prefix", value: "", ignoreCase: false });
  });

  it("§5 method/authority/scheme → :method/:authority/:scheme header matchers after sorted headers", () => {
    const r = one("{method: {exact: GET}, authority: {prefix: foo}, scheme: {exact: https}, headers: {Zeta: {exact: z}, alpha: {prefix: a}}}").routes[0]!;
    expect(r.headers.map((h) => [h.name, h.kind, h.value])).toEqual([
      ["zeta", "exact", "z"], // "Zeta" < "alpha" byte-wise; names lower-cased afterwards
      ["alpha", "prefix", "a"],
      [":method", "exact", "GET"],
      [":authority", "prefix", "foo"],
      [":scheme", "exact", "https"],
    ]);
  });

  it("§5 empty StringMatch and regex \"*\" are presence matches (canBeConvertedToPresentMatch, istio#20629)", () => {
    const r = one(`{headers: {a: {}, b: {regex: "*"}}, queryParams: {q: {}}}`).routes[0]!;
    expect(r.headers.map((h) => [h.name, h.kind])).toEqual([["a", "present"], ["b", "present"]]);
    expect(r.queryParams.map((h) => [h.name, h.kind])).toEqual([["q", "present"]]);
  });

  it("§5 withoutHeaders: invert; treatMissingAsEmpty unless presence", () => {
    const r = one(`{withoutHeaders: {end-user: {exact: jason}, x-present: {regex: "*"}}}`).routes[0]!;
    expect(r.headers).toEqual([
      { name: "end-user", kind: "exact", value: "jason", invert: true, treatMissingAsEmpty: true },
      { name: "x-present", kind: "present", value: "", invert: true, treatMissingAsEmpty: false },
    ]);
  });

  it("§5 queryParams exact/prefix/regex, names kept as written, sorted", () => {
    const r = one(`{queryParams: {b: {prefix: x}, A: {exact: "1"}}}`).routes[0]!;
    expect(r.queryParams.map((q) => [q.name, q.kind, q.value, q.invert])).toEqual([["A", "exact", "1", false], ["b", "prefix", "x", false]]);
  });

  it("§5 regex: every regex goes through compileRegex; a refusal is an error at that field, the pattern is kept", () => {
    const { routes, diagnostics } = one(`{uri: {regex: "/a+"}, headers: {h: {regex: "b+"}}, queryParams: {q: {regex: "c+"}}, method: {regex: "G.*"}, withoutHeaders: {w: {regex: "d+"}}}`);
    // The placeholder refuses every regex; once host/regex lands, patterns it accepts give no diagnostic.
    const fields = diagnostics.filter((d) => d.severity === "error").map((d) => d.field).sort();
    for (const f of fields) expect(f).toMatch(/^spec\.http\[0\]\.match\[0\]\.(uri|headers\.h|queryParams\.q|method|withoutHeaders\.w)\.regex$/);
    expect(routes[0]!.path).toEqual({ kind: "regex", value: "/a+", ignoreCase: false });
  });

  it("§5 JWT claim keys (@request.auth.claims.*) are reported as unsupported and prevent catch-all", () => {
    const { routes, diagnostics } = routesFor(
      vsHttp(`
- match: [{headers: {"@request.auth.claims.group": {exact: admin}}}]
  route: [{destination: {host: a}}]
- route: [{destination: {host: b}}]`) + svcs,
    );
    expect(routes.length).toBe(2);
    expect(diagnostics.some((d) => d.severity === "error" && /JWT claim/.test(d.message))).toBe(true);
  });
});
