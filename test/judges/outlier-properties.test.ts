// What real Envoy (1.36) gives the filter's outlier tracker in proxy_on_response_headers — the
// only response callback the filter exports (docs/design.md "Outlier tracking in the filter"):
// `upstream.address` and `:status` for the upstream's answer and for Envoy's own local replies
// after a host was chosen (connect failure 503 UF, reset 503 UR, route timeout 504 UT), none for
// "no healthy upstream" (503 UH, no host), and `response.code_details` telling them apart
// (`via_upstream`, else the router's details) for split mode. Attribute names: Envoy
// docs/root/intro/arch_overview/advanced/attributes.rst, source/extensions/common/wasm/context.cc.
// Shown through the tracker itself: each cluster's detector ejects after 2 outcomes, and its
// stats (admin /stats) and log lines (the endpoint it read) say what the filter saw.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  allocateLoopback, bootstrap, envoyBinary, EnvoyProcess, httpListener, RecordingUpstream, sendRequest, staticCluster, wasmFilter,
} from "../../conformance/envoy/index.ts";
import { encodeFilterConfig } from "../../host/config/encode.ts";
import type { ClusterOutlier } from "../../host/config/model.ts";
import { forwardRoute, singleHostConfig } from "../support/configs.ts";
import { ISTIO_DEFAULTS } from "../support/outlier.ts";
import { judgesAbsent } from "../support/judges.ts";

const binary = judgesAbsent("the outlier tracker's properties in real Envoy", { envoy: true }) ? null : envoyBinary();

const C = (name: string) => `outbound|80||${name}.default.svc.cluster.local`;
const CASES = {
  upstream503: C("answers503"),
  reset: C("resets"),
  connectFailure: C("refuses"),
  timeout: C("slow"),
  noHost: C("empty"),
  splitConnectFailure: C("refuses-split"),
  splitUpstream503: C("answers503-split"),
} as const;

describe.skipIf(!binary)("upstream.address, :status and response.code_details in on_response_headers (real Envoy)", () => {
  let upstream: RecordingUpstream;
  let envoy: EnvoyProcess;
  const ip = Object.fromEntries(Object.keys(CASES).map((k) => [k, allocateLoopback()])) as Record<keyof typeof CASES, string>;
  const endpoint: Partial<Record<keyof typeof CASES, string>> = {};

  beforeAll(async () => {
    upstream = await RecordingUpstream.start({ clusters: { [ip.upstream503]: CASES.upstream503, [ip.reset]: CASES.reset, [ip.timeout]: CASES.timeout, [ip.splitUpstream503]: CASES.splitUpstream503 } });
    upstream.behave(CASES.upstream503, { status: 503 });
    upstream.behave(CASES.splitUpstream503, { status: 503 });
    upstream.behave(CASES.reset, { reset: true });
    upstream.behave(CASES.timeout, { delayMs: 1500 });
    // Nothing listens on port 9 of a fresh loopback address: connection refused (UF).
    for (const k of ["upstream503", "reset", "timeout", "splitUpstream503"] as const) endpoint[k] = `${ip[k]}:${upstream.port}`;
    for (const k of ["connectFailure", "splitConnectFailure"] as const) endpoint[k] = `${ip[k]}:9`;
    const policy = { ...ISTIO_DEFAULTS, consecutive5xx: 2, consecutiveGatewayFailure: 2, enforcingConsecutiveGatewayFailure: 0, consecutiveLocalOriginFailure: 2, maxEjectionPercent: 100 };
    const outliers: Record<string, ClusterOutlier> = {};
    for (const [k, cluster] of Object.entries(CASES) as Array<[keyof typeof CASES, string]>) {
      outliers[cluster] = { policy: { ...policy, splitExternalLocalOriginErrors: k.startsWith("split") }, endpoints: endpoint[k] ? [endpoint[k]!] : [] };
    }
    const config = singleHostConfig(Object.entries(CASES).map(([k, cluster]) => forwardRoute(cluster, { path: { kind: "prefix", value: `/${k}`, ignoreCase: false } })), { outliers });
    config.routeTables[0]!.virtualHosts[0]!.domain = "*";
    const clusters = [
      ...(["upstream503", "reset", "timeout", "splitUpstream503"] as const).map((k) => staticCluster(CASES[k], ip[k], upstream.port, { connectTimeout: "1s" })),
      ...(["connectFailure", "splitConnectFailure"] as const).map((k) => staticCluster(CASES[k], ip[k], 9, { connectTimeout: "1s" })),
      { name: CASES.noHost, type: "STATIC", connect_timeout: "1s", load_assignment: { cluster_name: CASES.noHost, endpoints: [] } },
    ];
    envoy = await EnvoyProcess.start(bootstrap([httpListener({
      port: 8080,
      httpFilters: [wasmFilter({ configuration: encodeFilterConfig(config) })],
      virtualHosts: [{ name: "all", domains: ["*"], routes: [
        { match: { prefix: "/", headers: [{ name: "x-gatewasm-cluster", present_match: true }] }, route: { cluster_header: "x-gatewasm-cluster", timeout: "0.3s" } },
        { match: { prefix: "/" }, direct_response: { status: 404 } },
      ] }],
    })], clusters));
    for (const k of Object.keys(CASES)) {
      for (let i = 0; i < 2; i++) await sendRequest(envoy.target(8080), { authority: "a.example.com", path: `/${k}` });
    }
    if (process.env.DEBUG_OUTLIER) {
      console.log(envoy.log().split("\n").filter((l) => l.includes("gatewasm") || l.includes("wasm")).slice(-40).join("\n"));
      console.log([...(await envoy.stats()).entries()].filter(([k]) => k.includes("gatewasm") || k.includes("wasm")).slice(0, 40));
    }
  }, 60_000);

  afterAll(async () => {
    await envoy?.stop();
    await upstream?.stop();
  });

  // Envoy 1.36's /stats?format=json shows the module's stats under the custom namespace prefix.
  const stat = async (cluster: string, name: string) => (await envoy.stats()).get(`wasmcustom.gatewasm.cluster.${cluster}.outlier_detection.${name}`) ?? 0;
  const ejectLine = (cluster: string) => envoy.log().split("\n").find((l) => l.includes("gatewasm outlier: eject") && l.includes(`cluster=${cluster} `));

  it.each([
    ["the upstream's 503", "upstream503"],
    ["a reset before headers (503 UR)", "reset"],
    ["a connect failure (503 UF)", "connectFailure"],
    ["a route timeout (504 UT)", "timeout"],
  ] as const)("%s: the endpoint and the status are there; two make a consecutive-5xx ejection", async (_name, k) => {
    expect(await stat(CASES[k], "ejections_enforced_consecutive_5xx")).toBe(1);
    expect(ejectLine(CASES[k])).toContain(`endpoint=${endpoint[k]} type=consecutive_5xx`);
  });

  it("the 504 and the 503s are gateway failures too (counted; Istio's default does not enforce them)", async () => {
    for (const k of ["upstream503", "reset", "connectFailure", "timeout"] as const) {
      expect(await stat(CASES[k], "ejections_detected_consecutive_gateway_failure")).toBe(1);
    }
  });

  it("no healthy upstream (503 UH): no endpoint, nothing counted", async () => {
    expect(await stat(CASES.noHost, "ejections_detected_consecutive_5xx")).toBe(0);
    expect(ejectLine(CASES.noHost)).toBeUndefined();
  });

  it("split mode: a connect failure is a local-origin failure (details not via_upstream), the upstream's 503 a 5xx", async () => {
    expect(await stat(CASES.splitConnectFailure, "ejections_enforced_consecutive_local_origin_failure")).toBe(1);
    expect(await stat(CASES.splitConnectFailure, "ejections_detected_consecutive_5xx")).toBe(0);
    expect(ejectLine(CASES.splitConnectFailure)).toContain(`endpoint=${endpoint.splitConnectFailure} type=consecutive_local_origin_failure`);
    expect(await stat(CASES.splitUpstream503, "ejections_enforced_consecutive_5xx")).toBe(1);
    expect(await stat(CASES.splitUpstream503, "ejections_detected_consecutive_local_origin_failure")).toBe(0);
  });
});
