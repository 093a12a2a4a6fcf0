// End-to-end: the filter's internal routing headers cannot be spoofed by clients.
// The filter tells the generated Envoy route which cluster to use through
// DEFAULT_CLUSTER_HEADER (host/config/model.ts: "a client-supplied value is always replaced or
// removed") and which timeout/retry route to use through DEFAULT_POLICY_HEADER
// (host/config/policies.ts). A client value must never pick the cluster, never reach the
// upstream, and a local reply must never forward anything.
import { beforeAll, describe, expect, it } from "vitest";
import { itAgreesThreeWays } from "../support/three-way.ts";
import { DEFAULT_CLUSTER_HEADER } from "../../host/config/model.ts";
import { DEFAULT_POLICY_HEADER } from "../../host/config/policies.ts";
import type { Simulator } from "../../host/simulate/simulator.ts";
import { simulatorFor } from "../support/simulate.ts";
import { gatewayYaml, servicesYaml } from "../support/yaml.ts";

const YAML = gatewayYaml([{ port: 80, name: "http", hosts: ["*"] }]) + servicesYaml(["public", "admin"]) + `
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: s, namespace: default}
spec:
  hosts: [s.test]
  gateways: [istio-system/gw]
  http:
  - match: [{uri: {prefix: /timed}}]
    timeout: 3s
    retries: {attempts: 1, retryOn: 5xx}
    route: [{destination: {host: public}}]
  - match: [{uri: {prefix: /public}}]
    route: [{destination: {host: public}}]
  - match: [{uri: {prefix: /direct}}]
    directResponse: {status: 200, body: {string: ok}}
  - match: [{uri: {prefix: /redirect}}]
    redirect: {uri: /public}
  - match: [{uri: {prefix: /missing}}]
    route: [{destination: {host: public, subset: nosuch}}]
  - match: [{uri: {prefix: /admin}}, {headers: {x-gatewasm-cluster: {exact: "outbound|80||admin.default.svc.cluster.local"}}}]
    route: [{destination: {host: admin}}]
`;

const PUBLIC = "outbound|80||public.default.svc.cluster.local";
const ADMIN = "outbound|80||admin.default.svc.cluster.local";
const SPOOF = [ADMIN, "evil", "", `${ADMIN},${PUBLIC}`];

type Pairs = Array<[string, string]>;
let sim: Simulator;
beforeAll(async () => { sim = await simulatorFor(YAML); });

function send(path: string, extra: Pairs) {
  return sim.harness.request({
    headers: [[":method", "GET"], [":scheme", "http"], [":authority", "s.test"], [":path", path], ["x-forwarded-proto", "http"], ...extra],
    properties: { "destination.port": 80n },
  });
}
const values = (pairs: Pairs, name: string) => pairs.filter(([k]) => k.toLowerCase() === name).map(([, v]) => v);

describe("security: client-supplied internal headers", () => {
  for (const spoof of SPOOF) {
    for (const name of [DEFAULT_CLUSTER_HEADER, "X-GateWasm-Cluster", DEFAULT_CLUSTER_HEADER.toUpperCase()]) {
      it(`a client '${name}: ${JSON.stringify(spoof)}' never changes the chosen cluster nor reaches the upstream`, () => {
        const res = send("/public", [[name, spoof]]);
        expect(res.localReply).toBeNull();
        expect(values(res.upstreamRequest!.headers, DEFAULT_CLUSTER_HEADER)).toEqual([PUBLIC]);
      });
    }
  }

  // The filter replaces the header with one proxy_replace_header_map_value call: Envoy's
  // HeaderMap::setCopy (source/extensions/common/wasm/context.cc replaceHeaderMapValue), which is
  // `remove(key); addCopy(key, value)` (source/common/http/header_map_impl.cc). On an Envoy old
  // enough to replace only the first value, routing is still ours (cluster_header reads the first
  // value) and the generated route's request_headers_to_remove drops the rest.
  it("repeated client cluster headers are all replaced by the one chosen value", () => {
    const res = send("/public", [[DEFAULT_CLUSTER_HEADER, ADMIN], ["X-Gatewasm-Cluster", ADMIN], [DEFAULT_CLUSTER_HEADER, "x"]]);
    expect(values(res.upstreamRequest!.headers, DEFAULT_CLUSTER_HEADER)).toEqual([PUBLIC]);
  });

  it("the header can still be *matched* by a VS rule (it is an ordinary request header for §5), but routing follows the rule's destination", () => {
    // The admin rule matches on the client header; the cluster comes from the rule, not the header value.
    const res = send("/x", [[DEFAULT_CLUSTER_HEADER, ADMIN]]);
    expect(values(res.upstreamRequest!.headers, DEFAULT_CLUSTER_HEADER)).toEqual([ADMIN]);
    const other = send("/x", [[DEFAULT_CLUSTER_HEADER, PUBLIC]]);
    expect(other.localReply?.status).toBe(404);
    expect(other.upstreamRequest).toBeNull();
  });

  it("a client policy header never survives to the upstream (route without timeout/retries)", () => {
    for (const spoof of ["1", "0", "evil", ""]) {
      const res = send("/public", [[DEFAULT_POLICY_HEADER, spoof], ["X-GATEWASM-POLICY", spoof]]);
      expect(res.localReply).toBeNull();
      const got = values(res.upstreamRequest!.headers, DEFAULT_POLICY_HEADER);
      expect(got.length, JSON.stringify(got)).toBeLessThanOrEqual(1);
      if (spoof !== "") expect(got).not.toContain(spoof);
    }
    // Without a client value, the same route forwards exactly what the filter decides.
    const clean = values(send("/public", []).upstreamRequest!.headers, DEFAULT_POLICY_HEADER);
    const spoofed = values(send("/public", [[DEFAULT_POLICY_HEADER, "evil"]]).upstreamRequest!.headers, DEFAULT_POLICY_HEADER);
    expect(spoofed).toEqual(clean);
  });

  it("a client policy header never replaces the policy the filter chose for a route with timeout/retries", () => {
    const clean = values(send("/timed", []).upstreamRequest!.headers, DEFAULT_POLICY_HEADER);
    expect(clean.length).toBe(1);
    for (const spoof of ["evil", "0", clean[0] === "1" ? "2" : "1"]) {
      const got = values(send("/timed", [[DEFAULT_POLICY_HEADER, spoof], [DEFAULT_POLICY_HEADER, spoof]]).upstreamRequest!.headers, DEFAULT_POLICY_HEADER);
      expect(got).toEqual(clean);
    }
  });

  it.each([
    ["/direct", 200],
    ["/redirect", 301],
    ["/missing", 503],
    ["/nomatch", 404],
  ])("a local reply (%s → %i) never forwards the request, so the client's values go nowhere", (path, status) => {
    const res = send(path, [[DEFAULT_CLUSTER_HEADER, PUBLIC], [DEFAULT_POLICY_HEADER, "evil"]]);
    expect(res.localReply?.status).toBe(status);
    expect(res.upstreamRequest).toBeNull();
    expect(res.response?.source).toBe("local_reply");
  });

  it("an unknown vhost with a spoofed cluster header gets 404, not the named cluster", async () => {
    const res = sim.harness.request({
      headers: [[":method", "GET"], [":scheme", "http"], [":authority", "unknown.test"], [":path", "/public"], [DEFAULT_CLUSTER_HEADER, PUBLIC]],
      properties: { "destination.port": 80n },
    });
    expect(res.localReply?.status).toBe(404);
    expect(res.upstreamRequest).toBeNull();
  });

  it("the simulator's view of the upstream request hides no client copy of the header either", () => {
    const r = sim.send({ method: "GET", url: "http://s.test/public", headers: [[DEFAULT_CLUSTER_HEADER, ADMIN]] });
    expect(r.cluster).toBe(PUBLIC);
  });

  itAgreesThreeWays();
});
