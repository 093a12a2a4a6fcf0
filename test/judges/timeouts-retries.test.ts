// Timeouts and retries (istio-semantics.md §6.7; Istio route.go setTimeout, retry/retry.go
// ConvertPolicy and DefaultPolicy; Envoy source/common/router/router.cc, retry_state_impl.cc),
// proven with a slow and a failing upstream in real Envoy: Istio's config alone (b) against
// Istio's config plus our rollout (c), owner and alongside. The harness has no router, so (a)
// does not take part; what the filter contributes (the policy header that selects the generated
// route) is checked in test/rollout and test/e2e.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EnvoyJudge, type JudgeMode } from "../../conformance/judge.ts";
import { diffOutcomes, type ClientRequest, type Outcome } from "../../conformance/outcome.ts";
import type { Behaviour } from "../../conformance/envoy/index.ts";
import { IstioXds } from "../../conformance/istio/client.ts";
import { judgesAbsent } from "../support/judges.ts";
import { gatewayYaml, servicesYaml } from "../support/yaml.ts";

const YAML = gatewayYaml([{ port: 80, name: "http", hosts: ["*"] }]) + servicesYaml(["a"]) + `
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: policies, namespace: default}
spec:
  hosts: [p.test]
  gateways: [istio-system/gw]
  http:
  - name: timeout
    match: [{uri: {prefix: /timeout}}]
    timeout: 200ms
    route: [{destination: {host: a}}]
  - name: retry-5xx
    match: [{uri: {prefix: /retry}}]
    retries: {attempts: 3, retryOn: 5xx}
    route: [{destination: {host: a}}]
  - name: no-retries
    match: [{uri: {prefix: /noretry}}]
    retries: {attempts: 0}
    route: [{destination: {host: a}}]
  - name: per-try
    match: [{uri: {prefix: /pertry}}]
    timeout: 2s
    retries: {attempts: 2, perTryTimeout: 150ms, retryOn: "5xx,gateway-error"}
    route: [{destination: {host: a}}]
  - name: default
    route: [{destination: {host: a}}]
`;

const absent = judgesAbsent("timeouts and retries in real Envoy");

const request = (path: string): ClientRequest => ({ method: "GET", scheme: "http", authority: "p.test", path, headers: [], listenerPort: 80 });

describe.skipIf(!!absent)("§6.7 timeouts and retries in real Envoy, with a slow and a failing upstream", () => {
  const modes: JudgeMode[] = ["istio", "owner", "alongside"];
  let istio: IstioXds;
  const judges = new Map<JudgeMode, EnvoyJudge>();
  beforeAll(async () => {
    istio = new IstioXds();
    for (const mode of modes) judges.set(mode, await EnvoyJudge.start(istio, YAML, mode));
  }, 120_000);
  afterAll(async () => {
    for (const j of judges.values()) await j.stop();
    await istio?.close();
  });

  /** Sends through every judge; (c) must equal (b); returns Istio's outcome. */
  async function agree(path: string, behaviour: Behaviour): Promise<Outcome> {
    const outcomes = new Map<JudgeMode, Outcome>();
    for (const mode of modes) outcomes.set(mode, await judges.get(mode)!.send(request(path), behaviour));
    const b = outcomes.get("istio")!;
    for (const mode of ["owner", "alongside"] as const) {
      const diff = diffOutcomes(b, outcomes.get(mode)!, { reserved: ["x-gatewasm-cluster", "x-gatewasm-policy"], ignoreEnvoyAdded: false, upstreamBodies: true, delayToleranceMs: 100, compareAttempts: true });
      expect(diff, `(c ${mode}) vs (b) for ${path}`).toEqual([]);
    }
    return b;
  }

  it("§6.7 timeout: a slower upstream gets Envoy's 504 after the route timeout", async () => {
    const b = await agree("/timeout", { delayMs: 600 });
    expect(b.status).toBe(504);
    expect(b.body).toBe("upstream request timeout");
  });

  it("§6.7 retries: attempts 3, retryOn 5xx: two 503s then a 200 is a 200 after 3 attempts", async () => {
    const b = await agree("/retry", { failFirst: 2, failStatus: 503 });
    expect(b.status).toBe(200);
    expect(b.attempts).toBe(3);
  });

  it("§6.7 retries: attempts 0 disables retries: one 503 is the answer", async () => {
    const b = await agree("/noretry", { failFirst: 1, failStatus: 503 });
    expect(b.status).toBe(503);
    expect(b.attempts).toBe(1);
  });

  it("§6.7 perTryTimeout: each slow attempt times out and is retried", async () => {
    const b = await agree("/pertry", { delayMs: 400 });
    expect(b.status).toBe(504);
    expect(b.attempts).toBe(3);
  });

  it("§6.7 Istio's default policy (2 retries on connect-failure, refused-stream, unavailable, cancelled, retriable-status-codes): a 503 is not retried", async () => {
    const b = await agree("/", { failFirst: 1, failStatus: 503 });
    expect(b.status).toBe(503);
    expect(b.attempts).toBe(1);
  });

  it("§6.7 the upstream is told the timeout Envoy applies (x-envoy-expected-rq-timeout-ms)", async () => {
    const b = await agree("/timeout", {});
    expect(b.upstreamRequest?.headers.find(([k]) => k === "x-envoy-expected-rq-timeout-ms")?.[1]).toBe("200");
  });
});
