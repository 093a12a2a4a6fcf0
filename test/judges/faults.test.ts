// Fault injection three ways (istio-semantics.md §7; Envoy source/extensions/filters/http/fault/
// fault_filter.cc; Istio route.go TranslateFault). Percentages are 0 or 100 so that every request
// is deterministic in all three ways; rates are tested in the harness (test/fault/). The issue
// that brought the judges found faults injected twice when Istio's routes kept their fault
// config: a 300 ms delay must arrive as 300 ms in real Envoy too, not 600.
import { beforeAll, describe, expect, it } from "vitest";
import { itAgreesThreeWays } from "../support/three-way.ts";
import { sender, simulatorFor, type Send } from "../support/simulate.ts";
import { gatewayYaml, servicesYaml } from "../support/yaml.ts";

const YAML = gatewayYaml([{ port: 80, name: "http", hosts: ["*"] }]) + servicesYaml(["a"]) + `
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: a, namespace: default}
spec:
  host: a
  subsets: [{name: v1, labels: {version: v1}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: faults, namespace: default}
spec:
  hosts: [f.test]
  gateways: [istio-system/gw]
  http:
  - name: delay
    match: [{uri: {prefix: /delay}}]
    fault: {delay: {fixedDelay: 300ms, percentage: {value: 100}}}
    route: [{destination: {host: a}}]
  - name: abort
    match: [{uri: {prefix: /abort}}]
    fault: {abort: {httpStatus: 418, percentage: {value: 100}}}
    route: [{destination: {host: a}}]
  - name: delay-and-abort
    match: [{uri: {prefix: /both}}]
    fault:
      delay: {fixedDelay: 200ms, percentage: {value: 100}}
      abort: {httpStatus: 503, percentage: {value: 100}}
    route: [{destination: {host: a}}]
  - name: never
    match: [{uri: {prefix: /never}}]
    fault: {abort: {httpStatus: 500, percentage: {value: 0}}}
    route: [{destination: {host: a}}]
  - name: grpc-abort
    match: [{uri: {prefix: /grpc}}]
    fault: {abort: {grpcStatus: UNAVAILABLE, percentage: {value: 100}}}
    route: [{destination: {host: a}}]
  - name: delay-no-cluster
    match: [{uri: {prefix: /nocluster}}]
    fault: {delay: {fixedDelay: 100ms, percentage: {value: 100}}}
    route: [{destination: {host: a, subset: missing}}]
`;

describe("§7 faults: delay, abort, both, 0 %, gRPC, delay before a missing cluster", () => {
  let send: Send;
  beforeAll(async () => { send = sender(await simulatorFor(YAML)); });

  it("§7.2 a 100 % delay delays by exactly the fixed delay, then forwards", () => {
    const r = send("GET", "http://f.test/delay");
    expect(r.action).toBe("route");
    expect(r.delayMs).toBe(300);
  });

  it("§7.2 a 100 % abort answers the status with Envoy's body and never forwards", () => {
    const r = send("GET", "http://f.test/abort");
    expect(r.action).toBe("fault_abort");
    expect(r.status).toBe(418);
    expect(r.body).toBe("fault filter abort");
  });

  it("§7.2 delay first, then the abort", () => {
    const r = send("GET", "http://f.test/both");
    expect(r.status).toBe(503);
    expect(r.delayMs).toBe(200);
  });

  it("§7.1 percentage 0 never aborts", () => {
    expect(send("GET", "http://f.test/never").action).toBe("route");
  });

  it("§7.2 gRPC abort: trailers-only reply with grpc-status for a gRPC request", () => {
    const r = send("POST", "http://f.test/grpc", { headers: [["content-type", "application/grpc"]] });
    expect(r.action).toBe("fault_abort");
    expect(r.responseHeaders?.["grpc-status"]).toBe("14");
  });

  it("§7.2/§11 a delayed request to a missing subset ends in 503 after the delay; a client's cluster header does not steer it", () => {
    const r = send("GET", "http://f.test/nocluster", { headers: [["x-gatewasm-cluster", "outbound|80||a.default.svc.cluster.local"]] });
    expect(r.status).toBe(503);
    expect(r.delayMs).toBe(100);
  });

  itAgreesThreeWays();
});
