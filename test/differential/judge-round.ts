// The differential round against the real judges: a generated case (generator.ts) runs through
// the harness (a), real Envoy on Istio's configuration alone (b), and real Envoy on Istio's
// configuration plus our rollout, owner and alongside (c). (c) ≠ (b) is a product bug; (a) ≠ (c)
// a harness difference. Each difference names the seed, so `scripts/differential.ts --judges
// --seed S --count 1 --dump DIR` reproduces it.
import { compileInputs, DEFAULT_TARGET } from "../../host/pipeline.ts";
import { formatDiagnostic } from "../../host/resources/types.ts";
import { Simulator } from "../../host/simulate/simulator.ts";
import type { IstioXds } from "../../conformance/istio/client.ts";
import { judgeRequests, type JudgedRequests, type RecordedRequest } from "../../conformance/three-way.ts";
import { generateCase, type GenerateOptions, type RawRequest } from "./generator.ts";
import { WASM_PATH, harnessSpecFor } from "./harness-runner.ts";

const CLOCK_STEP_MS = 10;

export interface JudgedCase extends JudgedRequests { seed: number; yaml: string }

export async function judgeCase(istio: IstioXds, seed: number, options: GenerateOptions = {}): Promise<JudgedCase> {
  const c = generateCase(seed, options);
  return judgeInputs(istio, seed, c.yaml, c.requests);
}

/** One configuration and its requests, three ways (a saved regression case, or a generated one). */
export async function judgeInputs(istio: IstioXds, seed: number, yaml: string, raw: RawRequest[]): Promise<JudgedCase> {
  const c = { yaml, requests: raw };
  const result = compileInputs([{ name: `seed-${seed}.yaml`, text: c.yaml }], DEFAULT_TARGET);
  if (!result.compiled) {
    const errors = result.diagnostics.filter((d) => d.severity === "error").map(formatDiagnostic);
    return { seed, yaml: c.yaml, differences: [`seed ${seed}: generated case does not compile:\n${errors.join("\n")}`], skipped: [], compared: 0 };
  }
  const sim = await Simulator.create(result.compiled, { seed, wasm: WASM_PATH });
  const requests: RecordedRequest[] = c.requests.map((r) => {
    const spec = harnessSpecFor(r, result.compiled!);
    const pending = sim.harness.send(spec);
    for (let waited = 0; !pending.done && waited < 60_000; waited += CLOCK_STEP_MS) sim.harness.advance(CLOCK_STEP_MS);
    if (!pending.done) pending.cancel();
    const done = pending.result;
    return { spec, result: () => done };
  });
  let judged: JudgedRequests;
  try {
    // The owner rollout (the default) only: in the alongside rollout Envoy finalizes the
    // filter's local replies with Istio's route matched first, so a route's response header
    // `add`s appear twice on them (docs/design.md, "Who owns routing"); the e2e suite runs both.
    judged = await judgeRequests(istio, { sim, yaml: c.yaml, target: DEFAULT_TARGET }, requests, ["istio", "owner"]);
  } catch (error) {
    return { seed, yaml: c.yaml, differences: [`seed ${seed}: ${(error as Error).message}`], skipped: [], compared: 0 };
  }
  return { seed, yaml: c.yaml, ...judged, differences: judged.differences.map((d) => `seed ${seed}: ${d}`) };
}
