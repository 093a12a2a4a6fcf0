// `gatewasm simulate --scenario`: the scenario file (every problem in one run, with its
// position), and its replay around the real filter on the harness clock. The timings checked are
// Envoy's (istio-semantics.md §10; envoy source/common/upstream/outlier_detection_impl.cc):
// ejection on the consecutive error that reaches the threshold (putHttpResponseCode → ejectHost),
// un-ejection on the first interval tick at which `base × backoff` has passed
// (checkHostForUneject), and while an endpoint is out Envoy's load balancer does not pick it
// (§10.6). With `gatewasm.io/subset-failover` the filter gives an all-ejected subset's weight to
// the others until the tick after un-ejection.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main, type Io } from "../../host/cli/main.ts";
import { compileInputs } from "../../host/pipeline.ts";
import { parseScenario, ScenarioError } from "../../host/simulate/scenario-file.ts";
import { runScenario, type ScenarioReport } from "../../host/simulate/scenario.ts";
import { ROOT } from "../support/test-module.ts";

const EXAMPLE = join(ROOT, "examples/storefront");
const CANARY = join(ROOT, "examples/scenarios/canary-fails.yaml");
const V1 = "outbound|8000|v1|frontend.shop.svc.cluster.local";
const V2 = "outbound|8000|v2|frontend.shop.svc.cluster.local";

function run(args: string[]): { code: Promise<number>; out: () => string; err: () => string } {
  let out = "";
  let err = "";
  const io: Io = { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, stdin: () => "" };
  return { code: main(args, io), out: () => out, err: () => err };
}

describe("scenario file", () => {
  it("every problem in one run, as file:line:col  field  message", () => {
    const text = `duration: 0s
rate: -3
requests:
- {method: GET, url: "not a url"}
upstream:
- {subset: v2, from: 5s, to: 2s, status: 700, endpoint: "10.0.0.1"}
- {when: always, status: 503}
extra: 1
`;
    let problems: string[] = [];
    try { parseScenario(text, "s.yaml"); } catch (e) { problems = (e as ScenarioError).problems; }
    expect(problems).toEqual([
      "s.yaml:8:1  extra  unknown field (expected one of duration, report, rate, requests, endpoints, upstream)",
      "s.yaml:1:11  duration  must be more than 0",
      "s.yaml:2:7  rate  requests per second: a number in (0, 100000]",
      's.yaml:4:22  requests[0].url  not a URL: "not a url"',
      "s.yaml:6:42  upstream[0].status  an HTTP status 200..599 is required",
      's.yaml:6:57  upstream[0].endpoint  not an ip:port: "10.0.0.1"',
      "s.yaml:6:30  upstream[0].to  must be after from",
      "s.yaml:7:4  upstream[1].when  unknown field (cluster, host, subset, endpoint, from, to, status)",
    ]);
  });

  it("a valid file: durations, defaults (report from the detectors, first-match upstream entries)", () => {
    const s = parseScenario(`duration: 1m\nrate: 50\nupstream:\n- {host: frontend, status: 502}\n`, "ok.yaml");
    expect(s).toEqual({
      durationMs: 60_000, reportMs: 0, ratePerSecond: 50, requests: [], endpoints: {},
      upstream: [{ host: "frontend", fromMs: 0, toMs: 24 * 3600 * 1000, status: 502 }],
    });
  });
});

function share(r: ScenarioReport, fromMs: number, cluster: string): number {
  const i = r.intervals.find((x) => x.fromMs === fromMs)!;
  return (i.byCluster[cluster]?.requests ?? 0) / i.requests;
}

describe("scenario replay (real module, harness clock)", () => {
  it("the storefront canary fails from 4 s to 14 s: ejected on the 5th 503, its 10 % moves to v1 at once, back after the 10 s ejection", async () => {
    const compiled = compileInputs([{ path: EXAMPLE }]).compiled!;
    const scenario = parseScenario(`duration: 24s\nreport: 1s\nrate: 1000\nrequests: [{method: GET, url: "https://shop.example.com/"}]\nupstream:\n- {subset: v2, from: 4s, to: 14s, status: 503}\n`, "canary.yaml");
    const seed = 11;
    const r = await runScenario(compiled, scenario, { seed });
    console.log(`scenario replay seed ${seed}`);
    expect(r.endpoints[V2]).toEqual({ list: ["10.0.2.21:8080"], source: "inputs" });
    const ejects = r.intervals.flatMap((i) => i.events).filter((e) => e.kind === "eject");
    const unejects = r.intervals.flatMap((i) => i.events).filter((e) => e.kind === "uneject");
    expect(ejects.map((e) => [e.cluster, e.endpoint])).toEqual([[V2, "10.0.2.21:8080"]]);
    // consecutive5xxErrors 5: the 5th 503 after 4 s ejects; v2 gets ~1 request in 10 at 1000/s.
    const errorsBefore = r.intervals.filter((i) => i.fromMs <= ejects[0]!.atMs).reduce((n, i) => n + (i.byCluster[V2]?.errors ?? 0), 0);
    expect(errorsBefore).toBe(5);
    expect(ejects[0]!.atMs).toBeGreaterThanOrEqual(4000);
    expect(ejects[0]!.atMs).toBeLessThan(4300);
    // baseEjectionTime 10 s × 1, checked on the 1 s interval ticks: out for [10 s, 11 s).
    expect(unejects).toHaveLength(1);
    const out = unejects[0]!.atMs - ejects[0]!.atMs;
    expect(out).toBeGreaterThanOrEqual(10_000);
    expect(out).toBeLessThan(11_000);
    // While it is out: no request reaches v2 (failover) and none gets Envoy's "no healthy upstream".
    for (const i of r.intervals.filter((x) => x.fromMs >= 5000 && x.toMs <= 14_000)) {
      expect(i.byCluster[V2]).toBeUndefined();
      expect(i.byCluster[V1]!.requests).toBe(i.requests);
    }
    // Before the failure and after it is back: 90/10 (1000 requests per period; ±4 %).
    for (const at of [0, 1000, 2000, 3000, 17_000, 20_000, 23_000]) expect(Math.abs(share(r, at, V2) - 0.1)).toBeLessThan(0.04);
    expect(r.metrics[`gatewasm.cluster.${V2}.outlier_detection.ejections_enforced_consecutive_5xx`]).toBe(1);
  }, 60_000);

  it("without the failover annotation the ejected subset's 10 % gets Envoy's 503 no healthy upstream", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gatewasm-scenario-"));
    const { readFileSync, readdirSync } = await import("node:fs");
    for (const f of readdirSync(EXAMPLE)) writeFileSync(join(dir, f), readFileSync(join(EXAMPLE, f), "utf8").replace('gatewasm.io/subset-failover: "true"', 'gatewasm.io/subset-failover: "false"'));
    const compiled = compileInputs([{ path: dir }]).compiled!;
    const scenario = parseScenario(`duration: 8s\nreport: 1s\nrate: 1000\nrequests: [{method: GET, url: "https://shop.example.com/"}]\nupstream:\n- {subset: v2, from: 2s, status: 503}\n`, "nofailover.yaml");
    const r = await runScenario(compiled, scenario, { seed: 5 });
    for (const i of r.intervals.filter((x) => x.fromMs >= 3000)) {
      const v2 = i.byCluster[V2]!;
      expect(v2.noHealthyUpstream).toBe(v2.requests);
      expect(Math.abs(v2.requests / i.requests - 0.1)).toBeLessThan(0.04);
    }
  }, 60_000);
});

describe("gatewasm simulate --scenario", () => {
  it("prints per period where traffic went and the ejections; --json gives the report", async () => {
    const r = run(["simulate", "-f", EXAMPLE, "--scenario", CANARY]);
    expect(await r.code).toBe(0);
    const out = r.out();
    expect(out).toMatch(/^scenario: 24 s at 500 req\/s \(12000 requests\), report every 2 s, seed 1$/m);
    expect(out).toContain(`${V2}  1 (from the inputs)  10.0.2.21:8080`);
    expect(out).toMatch(/ejects after 5 5xx in a row, for 10 s × ejections \(at most 300 s\), checked every 1 s, at most 100 % of endpoints ejected, no panic mode/);
    expect(out).toMatch(/! 4\.\d{3} s {2}eject 10\.0\.2\.21:8080 of outbound\|8000\|v2\|frontend/);
    expect(out).toMatch(/! 1[45]\.\d{3} s {2}uneject 10\.0\.2\.21:8080/);
    const j = run(["simulate", "-f", EXAMPLE, "--scenario", CANARY, "--json", "--seed", "3"]);
    expect(await j.code).toBe(0);
    const report = JSON.parse(j.out()) as ScenarioReport;
    expect(report.seed).toBe(3);
    expect(report.intervals).toHaveLength(12);
    expect(report.intervals.reduce((n, i) => n + i.requests, 0)).toBe(12_000);
  }, 60_000);

  it("a bad scenario: every problem on stderr, exit 1, nothing on stdout", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gatewasm-scenario-"));
    writeFileSync(join(dir, "bad.yaml"), "duration: forever\nrate: 0\n");
    const r = run(["simulate", "-f", EXAMPLE, "--scenario", join(dir, "bad.yaml")]);
    expect(await r.code).toBe(1);
    expect(r.out()).toBe("");
    expect(r.err().trim().split("\n")).toEqual([
      `${join(dir, "bad.yaml")}:1:11  duration  not a duration of at most 24h: "forever"`,
      `${join(dir, "bad.yaml")}:2:7  rate  requests per second: a number in (0, 100000]`,
    ]);
  });
});
