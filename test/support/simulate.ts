// Compile YAML text and simulate requests through the real built module (build/gatewasm.wasm).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { compileInputs, type GatewayTarget, DEFAULT_TARGET } from "../../host/pipeline.ts";
import { formatDiagnostic } from "../../host/resources/types.ts";
import { Simulator, type SimulationRequest, type SimulationResult } from "../../host/simulate/simulator.ts";
import { ROOT } from "./test-module.ts";

export const WASM = readFileSync(fileURLToPath(new URL("../../build/gatewasm.wasm", import.meta.url)));

export async function simulatorFor(yaml: string | Array<{ path: string }>, target: GatewayTarget = DEFAULT_TARGET, seed = 1): Promise<Simulator> {
  const inputs = typeof yaml === "string" ? [{ name: "test.yaml", text: yaml }] : yaml;
  const result = compileInputs(inputs, target);
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  if (!result.compiled || errors.length) throw new Error(`does not compile:\n${errors.map(formatDiagnostic).join("\n")}`);
  return Simulator.create(result.compiled, { seed, wasm: WASM });
}

export type Send = (method: string, url: string, extra?: Partial<SimulationRequest>) => SimulationResult;

export function sender(sim: Simulator): Send {
  return (method, url, extra = {}) => sim.send({ method, url, ...extra });
}

export { ROOT };
