// Compile YAML text and simulate requests through the real built module (build/gatewasm.wasm).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { compileInputs, type GatewayTarget, DEFAULT_TARGET } from "../../host/pipeline.ts";
import { formatDiagnostic } from "../../host/resources/types.ts";
import { Simulator, type SimulationRequest, type SimulationResult } from "../../host/simulate/simulator.ts";
import { ROOT } from "./test-module.ts";
import { recordForJudges } from "./three-way.ts";

export const WASM = readFileSync(fileURLToPath(new URL("../../build/gatewasm.wasm", import.meta.url)));

export async function simulatorFor(yaml: string | Array<{ path: string }>, target: GatewayTarget = DEFAULT_TARGET, seed = 1): Promise<Simulator> {
  const inputs = typeof yaml === "string" ? [{ name: "test.yaml", text: yaml }] : yaml;
  const result = compileInputs(inputs, target);
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  if (!result.compiled || errors.length) throw new Error(`does not compile:\n${errors.map(formatDiagnostic).join("\n")}`);
  const sim = await Simulator.create(result.compiled, { seed, wasm: WASM });
  // Requests sent through it are replayed through the real judges by itAgreesThreeWays().
  recordForJudges(sim, typeof yaml === "string" ? yaml : yaml.map((i) => yamlUnder(i.path)).join("\n---\n"), target);
  return sim;
}

/** The YAML text of a file, or of every YAML/JSON file under a folder. */
function yamlUnder(path: string): string {
  if (!statSync(path).isDirectory()) return readFileSync(path, "utf8");
  return readdirSync(path).sort().map((name) => join(path, name))
    .filter((p) => statSync(p).isDirectory() || /\.(ya?ml|json)$/.test(p))
    .map(yamlUnder).join("\n---\n");
}

export type Send = (method: string, url: string, extra?: Partial<SimulationRequest>) => SimulationResult;

export function sender(sim: Simulator): Send {
  return (method, url, extra = {}) => sim.send({ method, url, ...extra });
}

export { ROOT };
