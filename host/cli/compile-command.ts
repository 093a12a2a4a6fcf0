// `gatewasm compile`: the EnvoyFilter (with the filter configuration inline) for one gateway.
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { toKubernetesYaml } from "../resources/kube-yaml.ts";
import { buildEnvoyFilter, DEFAULT_ROLLOUT, ROLLOUT_MODES, type RolloutMode } from "../rollout/envoyfilter.ts";
import { compileInputs } from "../pipeline.ts";
import { COMMON_OPTIONS, COMPILE_USAGE, type Io } from "./main.ts";
import { inputsFrom, pipelineOptionsFrom, reportDiagnostics, targetFrom } from "./inputs.ts";

/** Path the generated EnvoyFilter expects the module at (mounted into the gateway pod). */
export const DEFAULT_WASM_PATH = "/var/lib/gatewasm/gatewasm.wasm";

/**
 * The EnvoyFilter's default name, from the workload selector: `gatewasm-ingressgateway` for
 * `istio=ingressgateway`, `gatewasm-egressgateway` for the egress gateway, so that applying one
 * gateway's filter does not replace another's (both live in istio-system).
 */
export function defaultEnvoyFilterName(selector: Record<string, string>): string {
  const parts = Object.keys(selector).sort().map((k) => selector[k]!.toLowerCase().replace(/[^a-z0-9.-]+/g, "-"));
  const name = ["gatewasm", ...parts].join("-").replace(/-+/g, "-").replace(/[-.]+$/, "");
  return name.slice(0, 253).replace(/[-.]+$/, "");
}

export async function runCompile(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      ...COMMON_OPTIONS,
      output: { type: "string", short: "o" },
      "wasm-path": { type: "string" },
      name: { type: "string" },
      rollout: { type: "string" },
      "allow-empty": { type: "boolean" },
    },
    allowPositionals: false,
  });
  if (values.help) {
    io.stdout(COMPILE_USAGE);
    return 0;
  }
  const rollout = (values.rollout ?? DEFAULT_ROLLOUT) as RolloutMode;
  if (!ROLLOUT_MODES.includes(rollout)) {
    io.stderr(`gatewasm: --rollout must be one of ${ROLLOUT_MODES.join(", ")}, got ${JSON.stringify(values.rollout)}\n`);
    return 1;
  }
  const target = targetFrom(values);
  const options = pipelineOptionsFrom(values, values["allow-empty"] ? "warning" : "error");
  const result = compileInputs(inputsFrom(values.file, io), target, options);
  if (reportDiagnostics(result.diagnostics, io) || !result.compiled) return 1;
  const { config, bytes, policies } = result.compiled;
  const envoyFilter = buildEnvoyFilter(config, bytes, policies, {
    name: values.name ?? defaultEnvoyFilterName(target.selector),
    namespace: target.gatewayNamespace,
    selector: target.selector,
    wasmPath: values["wasm-path"] ?? DEFAULT_WASM_PATH,
    rollout,
  });
  const envoyFilterYaml = toKubernetesYaml(envoyFilter);
  if (values.output === undefined) {
    io.stdout(envoyFilterYaml);
    return 0;
  }
  // Write every file under a temporary name first, then rename: never a partial output.
  const dir = values.output;
  mkdirSync(dir, { recursive: true });
  const files: Array<[string, string | Uint8Array]> = [
    ["envoyfilter.yaml", envoyFilterYaml],
    ["filter-config.yaml", toKubernetesYaml(config)],
    ["filter-config.bin", bytes],
  ];
  for (const [name, content] of files) writeFileSync(join(dir, `.${name}.tmp`), content);
  for (const [name] of files) renameSync(join(dir, `.${name}.tmp`), join(dir, name));
  io.stderr(`gatewasm: wrote ${files.map(([n]) => join(dir, n)).join(", ")}\n`);
  return 0;
}
