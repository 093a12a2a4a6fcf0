// §6 route actions and §7.1 fault translation.
// Oracles: istio/istio pilot/pkg/networking/core/route/route.go (applyHTTPRouteDestination,
// GetDestinationCluster, ApplyRedirect, ApplyDirectResponse, TranslateHeadersOperations, setTimeout,
// TranslateFault, translatePercentToFractionalPercent), route/retry/retry.go (ConvertPolicy,
// parseRetryOn), route_test.go (TestBuildHTTPRoutes), retry_test.go.

import { describe, expect, it } from "vitest";
import { percentToPerMillion } from "../../host/compiler/translate-route.ts";
import type { Route } from "../../host/config/model.ts";
import { compile, gateway, httpServer, routesFor, service, table, vhost, vsHttp } from "./fixtures.ts";

const dr = (host: string, subsets: string[], ns = "default", extra = "") => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: dr-${host.replace(/\W/g, "-")}-${ns}, namespace: ${ns}}
spec:
  host: ${host}
${extra}  subsets: [${subsets.map((s) => `{name: ${s}, labels: {version: ${s}}}`).join(", ")}]
---
`;

function action(r: Route) {
  return r.action;
}

function routeAction(r: Route) {
  if (r.action.kind !== "route") throw new Error(r.action.kind);
  return r.action;
}

describe("§6.1 weights", () => {
  it("§6.1 single destination: weight ignored", () => {
    const { routes } = routesFor(vsHttp(`- route: [{destination: {host: a}, weight: 0}]`) + service("a", [80]));
    expect(routeAction(routes[0]!).destinations.map((d) => d.cluster)).toEqual(["outbound|80||a.default.svc.cluster.local"]);
  });

  it("§6.1 multiple destinations: weight-0 entries dropped, others kept as written (Σ≠100 allowed)", () => {
    const { routes } = routesFor(
      vsHttp(`
- route:
  - {destination: {host: a, subset: v1}, weight: 49}
  - {destination: {host: a, subset: v2}, weight: 0}
  - {destination: {host: a, subset: v3}, weight: 50}`) + service("a", [80]) + dr("a", ["v1", "v2", "v3"]),
    );
    expect(routeAction(routes[0]!).destinations.map((d) => [d.cluster, d.weight])).toEqual([
      ["outbound|80|v1|a.default.svc.cluster.local", 49],
      ["outbound|80|v3|a.default.svc.cluster.local", 50],
    ]);
  });
});

describe("§6.2 destination → cluster", () => {
  it("§6.2 explicit port wins; else the Service's single port; else the gateway server port", () => {
    const { routes } = routesFor(
      vsHttp(`
- match: [{uri: {prefix: /explicit}}]
  route: [{destination: {host: multi, port: {number: 9090}}}]
- match: [{uri: {prefix: /single}}]
  route: [{destination: {host: single}}]
- match: [{uri: {prefix: /multi}}]
  route: [{destination: {host: multi}}]
- match: [{uri: {prefix: /unknown}}]
  route: [{destination: {host: nowhere.example.org}}]`) + service("single", [9080]) + service("multi", [80, 9090]),
    );
    expect(routes.map((r) => routeAction(r).destinations[0]!.cluster)).toEqual([
      "outbound|9090||multi.default.svc.cluster.local",
      "outbound|9080||single.default.svc.cluster.local",
      "outbound|80||multi.default.svc.cluster.local",
      "outbound|80||nowhere.example.org",
    ]);
    expect(routes.map((r) => routeAction(r).destinations[0]!.clusterExists)).toEqual([true, true, true, false]);
  });

  it("§6.2 unknown host / unknown port / undefined subset ⇒ clusterExists false + 'valid but ineffective' warning", () => {
    const { routes, diagnostics } = routesFor(
      vsHttp(`
- match: [{uri: {prefix: /host}}]
  route: [{destination: {host: nope}}]
- match: [{uri: {prefix: /port}}]
  route: [{destination: {host: a, port: {number: 81}}}]
- match: [{uri: {prefix: /subset}}]
  route: [{destination: {host: a, subset: v9}}]`) + service("a", [80]) + dr("a", ["v1"]),
    );
    expect(routes.map((r) => routeAction(r).destinations[0]!.clusterExists)).toEqual([false, false, false]);
    const w = diagnostics.filter((d) => d.severity === "warning" && /503/.test(d.message));
    expect(w.map((d) => d.field)).toEqual([
      "spec.http[0].route[0].destination",
      "spec.http[1].route[0].destination",
      "spec.http[2].route[0].destination",
    ]);
  });

  it("§6.2 ServiceEntry hosts are services (ports from spec.ports[].number); exportTo hides them", () => {
    const se = (name: string, host: string, exportTo: string) => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ${name}, namespace: default}
spec:
  hosts: [${host}]
  ${exportTo}
  ports: [{number: 443, name: https, protocol: HTTPS}]
  resolution: DNS
---
`;
    const { routes } = routesFor(
      vsHttp(`
- match: [{uri: {prefix: /a}}]
  route: [{destination: {host: api.example.org}}]
- match: [{uri: {prefix: /b}}]
  route: [{destination: {host: hidden.example.org}}]`) + se("a", "api.example.org", "exportTo: ['*']") + se("b", "hidden.example.org", "exportTo: ['.']"),
    );
    expect(routes.map((r) => [routeAction(r).destinations[0]!.cluster, routeAction(r).destinations[0]!.clusterExists])).toEqual([
      ["outbound|443||api.example.org", true],
      ["outbound|80||hidden.example.org", false],
    ]);
  });

  it("§8.1 subsets: a gateway in the root namespace skips its public DRs for the service namespace's (exported), merged per host", () => {
    const { routes } = routesFor(
      vsHttp(`
- match: [{uri: {prefix: /v1}}]
  route: [{destination: {host: a, subset: v1}}]
- match: [{uri: {prefix: /v2}}]
  route: [{destination: {host: a, subset: v2}}]
- match: [{uri: {prefix: /v3}}]
  route: [{destination: {host: a, subset: v3}}]`) +
        service("a", [80]) +
        dr("a.default.svc.cluster.local", ["v1"], "istio-system") +
        dr("a", ["v2"], "default") +
        dr("a.default.svc.cluster.local", ["v3"], "istio-system").replace("dr-a-default-svc-cluster-local-istio-system", "second"),
    );
    // The gateway runs in the root namespace (istio-system): Istio's first step then looks only at
    // the root namespace's private DRs (push_context.go destinationRule), so these public ones do
    // not shadow the service namespace's DR: v2 exists, v1 and v3 do not (Istio's translator agrees,
    // test/outlier/policy-istio.test.ts "a gateway in the root namespace").
    expect(routes.map((r) => routeAction(r).destinations[0]!.clusterExists)).toEqual([false, true, false]);
  });
});

describe("§6.3 header operations", () => {
  it("§6.3 set/add/remove at route and destination level; set sorted by key; names lower-cased", () => {
    const { routes } = routesFor(
      vsHttp(`
- headers:
    request:
      set: {X-B: "2", x-a: "1"}
      add: {x-c: "3"}
      remove: [X-Del, ":path", host]
    response:
      set: {x-r: r}
      remove: [x-gone]
  route:
  - destination: {host: a}
    headers:
      request: {set: {x-dest: d}}`) + service("a", [80]),
    );
    const r = routes[0]!;
    expect(r.requestHeaders).toEqual({ set: [["x-b", "2"], ["x-a", "1"]], add: [["x-c", "3"]], remove: ["x-del"] });
    expect(r.responseHeaders).toEqual({ set: [["x-r", "r"]], add: [], remove: ["x-gone"] });
    expect(routeAction(r).destinations[0]!.requestHeaders).toEqual({ set: [["x-dest", "d"]], add: [], remove: [] });
  });

  it("§6.3 :authority/host in request set/add ⇒ authority rewrite (set beats add); other : keys dropped", () => {
    const { routes } = routesFor(
      vsHttp(`
- headers:
    request:
      set: {":authority": from-set, ":path": /x}
      add: {host: from-add}
  route: [{destination: {host: a}}]`) + service("a", [80]),
    );
    expect(routeAction(routes[0]!).authority).toBe("from-set");
    expect(routes[0]!.requestHeaders).toEqual({ set: [], add: [], remove: [] });
  });

  it("§6.3 destination authority only when the route has none; weighted destinations keep their own", () => {
    const { routes } = routesFor(
      vsHttp(`
- match: [{uri: {prefix: /single}}]
  route:
  - destination: {host: a}
    headers: {request: {set: {host: dest-host}}}
- match: [{uri: {prefix: /both}}]
  rewrite: {authority: route-host}
  route:
  - destination: {host: a}
    headers: {request: {set: {host: dest-host}}}
- match: [{uri: {prefix: /weighted}}]
  route:
  - {destination: {host: a}, weight: 50, headers: {request: {add: {":authority": w1}}}}
  - {destination: {host: b}, weight: 50}`) + service("a", [80]) + service("b", [80]),
    );
    expect(routeAction(routes[0]!).authority).toBeNull();
    expect(routeAction(routes[0]!).destinations[0]!.authority).toBe("dest-host");
    expect(routeAction(routes[1]!).authority).toBe("route-host");
    expect(routeAction(routes[2]!).destinations.map((d) => d.authority)).toEqual(["w1", null]);
  });

  it("§6.3 %% becomes %, other Envoy format specifiers are an error", () => {
    const { routes, diagnostics } = routesFor(
      vsHttp(`
- headers:
    request:
      set: {x-pct: "100%%", x-var: "%DOWNSTREAM_REMOTE_ADDRESS%"}
  route: [{destination: {host: a}}]`) + service("a", [80]),
    );
    expect(routes[0]!.requestHeaders.set[0]).toEqual(["x-pct", "100%"]);
    const e = diagnostics.filter((d) => d.severity === "error");
    expect(e.map((d) => [d.field, d.message.startsWith("Envoy format variables are not supported by gatewasm")])).toEqual([
      ["spec.http[0].headers.request.set.x-var", true],
    ]);
  });
});

describe("§6.4 rewrite, §6.7 timeout, §6.8 retries", () => {
  it("§6.4 rewrite.uri → rewriteUri; uriRegexRewrite → rewriteRegex (regex compiled); authority", () => {
    const { routes, diagnostics } = routesFor(
      vsHttp(`
- match: [{uri: {prefix: /ratings}}]
  rewrite: {uri: /v1/bookRatings, authority: new-host}
  route: [{destination: {host: a}}]
- match: [{uri: {prefix: /re}}]
  rewrite: {uriRegexRewrite: {match: "^/re/(.*)", rewrite: "/\\\\1"}}
  route: [{destination: {host: a}}]`) + service("a", [80]),
    );
    expect(routeAction(routes[0]!)).toMatchObject({ rewriteUri: "/v1/bookRatings", rewriteRegex: null, authority: "new-host" });
    expect(routeAction(routes[1]!)).toMatchObject({ rewriteUri: null, rewriteRegex: { match: "^/re/(.*)", substitution: "/\\1" } });
    for (const d of diagnostics.filter((d) => d.severity === "error")) expect(d.field).toBe("spec.http[1].rewrite.uriRegexRewrite.match");
  });

  it("§6.7 timeout in ms; unset ⇒ 0 (disabled)", () => {
    const { routes } = routesFor(
      vsHttp(`
- match: [{uri: {prefix: /t}}]
  timeout: 1.5s
  route: [{destination: {host: a}}]
- route: [{destination: {host: a}}]`) + service("a", [80]),
    );
    expect(routes.map((r) => routeAction(r).timeoutMs)).toEqual([1500, 0]);
  });

  it("§6.8 retries: unset ⇒ null; attempts 0 ⇒ {attempts: 0}; codes moved to retriableStatusCodes", () => {
    const { routes } = routesFor(
      vsHttp(`
- match: [{uri: {prefix: /none}}]
  route: [{destination: {host: a}}]
- match: [{uri: {prefix: /zero}}]
  retries: {attempts: 0}
  route: [{destination: {host: a}}]
- match: [{uri: {prefix: /codes}}]
  retries: {attempts: 3, retryOn: "5xx, 503,gateway-error,499,429", perTryTimeout: 2s}
  route: [{destination: {host: a}}]
- match: [{uri: {prefix: /default}}]
  retries: {attempts: 5}
  route: [{destination: {host: a}}]`) + service("a", [80]),
    );
    expect(routes.map((r) => routeAction(r).retries)).toEqual([
      null,
      { attempts: 0, retryOn: "", perTryTimeoutMs: 0, retriableStatusCodes: [] },
      // 499 has no Go http.StatusText, so it stays in retryOn (parseRetryOn).
      { attempts: 3, retryOn: "5xx,gateway-error,499,retriable-status-codes", perTryTimeoutMs: 2000, retriableStatusCodes: [503, 429] },
      { attempts: 5, retryOn: "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes", perTryTimeoutMs: 0, retriableStatusCodes: [] },
    ]);
  });
});

describe("§6.5 redirect, §6.6 directResponse", () => {
  const redirects = (server = httpServer(80, ["*"])) =>
    compile(
      gateway("gw", server) +
        vsHttp(`
- match: [{uri: {prefix: /default}}]
  redirect: {uri: /new}
- match: [{uri: {prefix: /prefix}}]
  redirect: {prefixRewrite: /p, authority: other.com, scheme: https, redirectCode: 308}
- match: [{uri: {prefix: /port}}]
  redirect: {port: 8443}
- match: [{uri: {prefix: /reqport}}]
  redirect: {derivePort: FROM_REQUEST_PORT}
- match: [{uri: {prefix: /proto}}]
  redirect: {derivePort: FROM_PROTOCOL_DEFAULT, scheme: https}
- match: [{uri: {prefix: /p80}}]
  redirect: {port: 80}
- match: [{uri: {prefix: /p443}}]
  redirect: {port: 443, scheme: https}`, { hosts: ["*"] }),
    );

  it("§6.5 status default 301; uri/prefixRewrite/authority/scheme/port; derivePort; :80/:443 dropped", () => {
    const { config } = redirects();
    const acts = vhost(table(config, "http.80"), "*").routes.map(action);
    expect(acts).toEqual([
      { kind: "redirect", status: 301, path: "/new", prefixRewrite: null, authority: null, scheme: null, port: 0 },
      { kind: "redirect", status: 308, path: null, prefixRewrite: "/p", authority: "other.com", scheme: "https", port: 0 },
      { kind: "redirect", status: 301, path: null, prefixRewrite: null, authority: null, scheme: null, port: 8443 },
      // FROM_REQUEST_PORT = server port 80, dropped as the default for http
      { kind: "redirect", status: 301, path: null, prefixRewrite: null, authority: null, scheme: null, port: 0 },
      { kind: "redirect", status: 301, path: null, prefixRewrite: null, authority: null, scheme: "https", port: 0 }, // FROM_PROTOCOL_DEFAULT: no port_redirect
      { kind: "redirect", status: 301, path: null, prefixRewrite: null, authority: null, scheme: null, port: 0 },
      { kind: "redirect", status: 301, path: null, prefixRewrite: null, authority: null, scheme: "https", port: 0 },
    ]);
  });

  it("§6.5 FROM_REQUEST_PORT uses the server port as written in the Gateway", () => {
    const { config } = redirects(httpServer(8080, ["*"]));
    expect(vhost(table(config, "http.8080"), "*").routes[3]!.action).toMatchObject({ port: 8080 });
  });

  it("§6.5 redirect codes other than 301/302/303/307/308 are an error", () => {
    const { diagnostics, routes } = routesFor(vsHttp(`- redirect: {uri: /x, redirectCode: 300}`));
    expect(routes).toEqual([]);
    expect(diagnostics.filter((d) => d.severity === "error").map((d) => d.field)).toEqual(["spec.http[0].redirect.redirectCode"]);
  });

  it("§6.6 directResponse status and body (string or base64 bytes)", () => {
    const { routes } = routesFor(
      vsHttp(`
- match: [{uri: {prefix: /s}}]
  directResponse: {status: 503, body: {string: "unavailable"}}
- match: [{uri: {prefix: /b}}]
  directResponse: {status: 200, body: {bytes: aGVsbG8=}}
- directResponse: {status: 204}`),
    );
    expect(routes.map(action)).toEqual([
      { kind: "direct_response", status: 503, body: "unavailable" },
      { kind: "direct_response", status: 200, body: "hello" },
      { kind: "direct_response", status: 204, body: "" },
    ]);
  });
});

describe("§7.1 fault translation", () => {
  it("§7.1 percent → per million truncated like Go's uint32(p*10000) on float64", () => {
    // Go multiplies two float64 (IEEE-754, correctly rounded; no FMA without an add) and the
    // conversion to uint32 truncates. JS numbers are the same doubles, so Math.trunc reproduces it.
    expect(percentToPerMillion(0.57)).toBe(5699); // 0.57*10000 = 5699.999999999999
    expect(percentToPerMillion(1.13)).toBe(11299); // 11299.999999999998
    expect(percentToPerMillion(0.0003)).toBe(2); // 2.9999999999999996
    expect(percentToPerMillion(0.1)).toBe(1000);
    expect(percentToPerMillion(100)).toBe(1_000_000);
    expect(percentToPerMillion(0.0001)).toBe(1);
    // istio-semantics.md §7.1 gives 33.33 ⇒ 333299, but double(33.33) = 33.32999999999999829…, and
    // ×10000 is 333299.99999999998295…, which rounds to the double 333300 before truncation.
    expect(percentToPerMillion(33.33)).toBe(333300);
  });

  it("§7.1 delay (percentage, legacy percent, unset ⇒ 0) and abort (httpStatus/grpcStatus, unset percentage ⇒ 0)", () => {
    const { routes } = routesFor(
      vsHttp(`
- match: [{uri: {prefix: /a}}]
  fault: {delay: {fixedDelay: 7s, percentage: {value: 0.57}}, abort: {httpStatus: 500, percentage: {value: 100}}}
  route: [{destination: {host: a}}]
- match: [{uri: {prefix: /b}}]
  fault: {delay: {fixedDelay: 100ms, percent: 5}}
  route: [{destination: {host: a}}]
- match: [{uri: {prefix: /c}}]
  fault: {delay: {fixedDelay: 1s}, abort: {grpcStatus: UNAVAILABLE}}
  route: [{destination: {host: a}}]
- match: [{uri: {prefix: /d}}]
  fault: {delay: {exponentialDelay: 1s}}
  route: [{destination: {host: a}}]`) + service("a", [80]),
    );
    expect(routes.map((r) => r.fault)).toEqual([
      { delayMs: 7000, delayPerMillion: 5699, abortHttpStatus: 500, abortGrpcStatus: -1, abortPerMillion: 1_000_000 },
      { delayMs: 100, delayPerMillion: 50_000, abortHttpStatus: 0, abortGrpcStatus: -1, abortPerMillion: 0 },
      { delayMs: 1000, delayPerMillion: 0, abortHttpStatus: 0, abortGrpcStatus: 14, abortPerMillion: 0 },
      null,
    ]);
  });

  it("§7.1 grpcStatus names map to codes 0..16", () => {
    const names = ["OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"];
    const http = names.map((n, i) => `- match: [{uri: {prefix: /${i}}}]\n  fault: {abort: {grpcStatus: ${n}, percentage: {value: 1}}}\n  route: [{destination: {host: a}}]`).join("\n");
    const { routes } = routesFor(vsHttp(http) + service("a", [80]));
    expect(routes.map((r) => r.fault?.abortGrpcStatus)).toEqual(names.map((_, i) => i));
  });
});
