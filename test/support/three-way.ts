// Every end-to-end case three ways (issue "The real judges"): each request a test sends through
// the harness (a) is recorded, and `itAgreesThreeWays()` — placed last in a describe block —
// replays them through the judges (conformance/three-way.ts): real Envoy on Istio's configuration
// alone (b) and with our rollout, owner and alongside, applied by Istio (c).
import { afterAll, expect, it } from "vitest";
import { explainedCount, judgeRequests, report, type RecordedRequest } from "../../conformance/three-way.ts";
import { IstioXds } from "../../conformance/istio/client.ts";
import { judgesAbsent } from "./judges.ts";
import type { GatewayTarget } from "../../host/pipeline.ts";
import type { Simulator } from "../../host/simulate/simulator.ts";

interface RecordedSimulator { yaml: string; target: GatewayTarget; sim: Simulator; requests: RecordedRequest[]; judged: number }

/** Every simulator of this test file; a simulator shared by several describe blocks is judged once per block, on its new requests. */
const recorded: RecordedSimulator[] = [];

/** Records every request that goes through `sim`'s harness, for the next itAgreesThreeWays(). */
export function recordForJudges(sim: Simulator, yaml: string, target: GatewayTarget): void {
  const entry: RecordedSimulator = { yaml, target, sim, requests: [], judged: 0 };
  recorded.push(entry);
  const host = sim.harness;
  const request = host.request.bind(host);
  const send = host.send.bind(host);
  host.request = (spec) => {
    const result = request(spec);
    entry.requests.push({ spec, result: () => result });
    return result;
  };
  host.send = (spec) => {
    const pendingRequest = send(spec);
    entry.requests.push({ spec, result: () => (pendingRequest.done ? pendingRequest.result : null) });
    return pendingRequest;
  };
}

let istio: IstioXds | null = null;
afterAll(async () => { await istio?.close(); istio = null; });


/** The test that replays every request recorded since the previous one through the judges. */
export function itAgreesThreeWays(): void {
  it("agrees three ways: harness, Istio + Envoy, Istio + our rollout in Envoy (owner and alongside)", async () => {
    const batch = recorded.filter((e) => e.requests.length > e.judged).map((e) => {
      const requests = e.requests.slice(e.judged);
      e.judged = e.requests.length;
      return { entry: e, requests };
    });
    if (judgesAbsent("three-way comparison")) return;
    const differences: string[] = [];
    let compared = 0;
    const skipped: string[] = [];
    for (const { entry, requests } of batch) {
      istio ??= new IstioXds();
      const r = await judgeRequests(istio, entry, requests);
      differences.push(...r.differences);
      skipped.push(...r.skipped);
      compared += r.compared;
    }
    for (const [why, n] of explainedCount) console.info(`three ways: (a) vs (c) not compared for ${n} request(s): ${why}`);
    explainedCount.clear();
    if (skipped.length) console.info(`three ways: ${skipped.length} request(s) not replayable:\n  ${[...new Set(skipped)].join("\n  ")}`);
    expect(compared + skipped.length).toBeGreaterThan(0);
    report(differences);
    expect(differences).toEqual([]);
  }, 300_000);
}
