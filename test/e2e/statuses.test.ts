// End-to-end: the §11 status rows the filter itself produces (istio-semantics.md §11, §6.5,
// §6.6, §6.11, §7.2), checked on what the client receives from the real build/gatewasm.wasm:
// status, body, response-code details (Envoy ResponseCodeDetails: route_not_found,
// cluster_not_found, direct_response, fault_filter_abort).
import { beforeAll, describe, expect, it } from "vitest";
import { itAgreesThreeWays } from "../support/three-way.ts";
import type { Simulator } from "../../host/simulate/simulator.ts";
import { simulatorFor } from "../support/simulate.ts";
import { gatewayYaml, servicesYaml } from "../support/yaml.ts";

const YAML = gatewayYaml([{ port: 80, name: "http", hosts: ["known.test", "other.test"] }, { port: 81, name: "http-empty", hosts: ["empty.test"] }])
  + servicesYaml(["a"]) + `
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: k, namespace: default}
spec:
  hosts: [known.test]
  gateways: [istio-system/gw]
  http:
  - match: [{uri: {exact: /ok}}]
    route: [{destination: {host: a}}]
  - match: [{uri: {exact: /nc-subset}}]
    route: [{destination: {host: a, subset: v1}}]
  - match: [{uri: {exact: /nc-host}}]
    route: [{destination: {host: b}}]
  - match: [{uri: {exact: /nc-weighted}}]
    route:
    - destination: {host: a, subset: nope}
      weight: 50
    - destination: {host: zz}
      weight: 50
  - match: [{uri: {exact: /moved}}]
    redirect: {uri: /new, redirectCode: 308}
  - match: [{uri: {exact: /teapot}}]
    directResponse: {status: 418, body: {string: "short and stout"}}
  - match: [{uri: {exact: /abort}}]
    fault: {abort: {httpStatus: 503, percentage: {value: 100}}}
    route: [{destination: {host: a}}]
  - match: [{uri: {exact: /grpc-abort}}]
    fault: {abort: {grpcStatus: UNAVAILABLE, percentage: {value: 100}}}
    route: [{destination: {host: a}}]
  - match: [{uri: {exact: /abort-unset-percentage}}]
    fault: {abort: {httpStatus: 500}}
    route: [{destination: {host: a}}]
`;

type Pairs = Array<[string, string]>;
let sim: Simulator;
beforeAll(async () => { sim = await simulatorFor(YAML); });

function send(authority: string, path: string, port = 80, extra: Pairs = []) {
  const res = sim.harness.request({
    headers: [[":method", "GET"], [":scheme", "http"], [":authority", authority], [":path", path], ["x-forwarded-proto", "http"], ...extra],
    properties: { "destination.port": BigInt(port) },
  });
  return {
    res,
    status: res.response?.status,
    body: Buffer.from(res.response?.body ?? []).toString(),
    details: res.localReply?.details,
    header: (k: string) => res.response?.headers.find(([n]) => n === k)?.[1],
  };
}

describe("§11 status codes and bodies produced by the filter", () => {
  it("§11/§4 no vhost for the authority ⇒ 404, empty body, route_not_found (NR)", () => {
    const r = send("unknown.test", "/ok");
    expect([r.status, r.body, r.details]).toEqual([404, "", "route_not_found"]);
    expect(r.res.upstreamRequest).toBeNull();
  });

  it("§11/§6.11 no route in the vhost ⇒ 404, empty body, route_not_found (NR)", () => {
    const r = send("known.test", "/nothing-here");
    expect([r.status, r.body, r.details]).toEqual([404, "", "route_not_found"]);
  });

  it("§11/§3.2 a server host with no VirtualService (other.test) ⇒ no vhost ⇒ 404", () => {
    const r = send("other.test", "/ok");
    expect([r.status, r.body, r.details]).toEqual([404, "", "route_not_found"]);
  });

  it("§11/§2.8 a route table with no vhosts (port 81: blackhole vhost '*') ⇒ 404 for every host", () => {
    for (const host of ["empty.test", "known.test", "x"]) {
      const r = send(host, "/ok", 81);
      expect([r.status, r.body, r.details], host).toEqual([404, "", "route_not_found"]);
    }
  });

  it.each(["/nc-subset", "/nc-host", "/nc-weighted"])("§11/§6.2 %s: destination cluster missing ⇒ 503, empty body, cluster_not_found (NC)", (path) => {
    const r = send("known.test", path);
    expect([r.status, r.body, r.details]).toEqual([503, "", "cluster_not_found"]);
    expect(r.res.upstreamRequest).toBeNull();
  });

  it("§11/§6.5 VS redirect ⇒ its code, empty body, Location", () => {
    const r = send("known.test", "/moved?x=1");
    expect([r.status, r.body]).toEqual([308, ""]);
    expect(r.header("location")).toBe("http://known.test/new?x=1");
  });

  it("§11/§6.6 directResponse ⇒ its status and body, text/plain, direct_response", () => {
    const r = send("known.test", "/teapot");
    expect([r.status, r.body, r.details]).toEqual([418, "short and stout", "direct_response"]);
    expect(r.header("content-type")).toBe("text/plain");
  });

  it("§11/§7.2 fault abort 100 % ⇒ httpStatus, body 'fault filter abort', text/plain, fault_filter_abort (FI)", () => {
    const r = send("known.test", "/abort");
    expect([r.status, r.body, r.details]).toEqual([503, "fault filter abort", "fault_filter_abort"]);
    expect(r.header("content-type")).toBe("text/plain");
    expect(r.res.upstreamRequest).toBeNull();
  });

  it("§7.2 grpcStatus abort on a non-gRPC request ⇒ HTTP 200 with the text body", () => {
    const r = send("known.test", "/grpc-abort");
    expect([r.status, r.body]).toEqual([200, "fault filter abort"]);
  });

  it("§7.2 grpcStatus abort on a gRPC request ⇒ HTTP 200, grpc-status 14 (UNAVAILABLE), grpc-message 'fault filter abort'", () => {
    const r = send("known.test", "/grpc-abort", 80, [["content-type", "application/grpc"]]);
    expect(r.status).toBe(200);
    const grpcStatus = r.header("grpc-status") ?? r.res.response?.trailers?.find(([k]) => k === "grpc-status")?.[1];
    expect(grpcStatus).toBe("14");
  });

  it("§7.1 abort without percentage ⇒ 0 % ⇒ never aborts (the request is forwarded)", () => {
    for (let i = 0; i < 50; i++) {
      const r = send("known.test", "/abort-unset-percentage");
      expect(r.res.localReply).toBeNull();
      expect(r.res.upstreamRequest).not.toBeNull();
    }
  });

  it("§11 a routable request is forwarded, not answered locally", () => {
    const r = send("known.test", "/ok");
    expect(r.res.localReply).toBeNull();
    expect(r.res.response?.source).toBe("upstream");
  });

  itAgreesThreeWays();
});
