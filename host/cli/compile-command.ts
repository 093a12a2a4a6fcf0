// `gatewasm compile`: the EnvoyFilter (with the filter configuration inline) for one gateway.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { plainDataYaml } from "../resources/fast-yaml-emit.ts";
import { DEFAULT_ROLLOUT, ROLLOUT_MODES, type RolloutMode } from "../rollout/envoyfilter.ts";
import { BUNDLE_FILE, buildDelivery, DEFAULT_DELIVERY, DELIVERY_MODES, objectsYaml, type DeliveryMode } from "../rollout/delivery.ts";
import { FAIL_STRATEGIES, type FailStrategy } from "../rollout/wasmplugin.ts";
import { DEFAULT_WASM } from "../simulate/simulator.ts";
import { MODEL_FILE, modelJson } from "../simulate/compiled-input.ts";
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
      delivery: { type: "string" }, "wasm-url": { type: "string" }, "image-sha256": { type: "string" }, "bundle-version": { type: "string" },
      "fail-strategy": { type: "string" }, priority: { type: "string" }, module: { type: "string" },
    },
    allowPositionals: false,
  });
  if (values.help) {
    io.stdout(COMPILE_USAGE);
    return 0;
  }
  const rollout = (values.rollout ?? DEFAULT_ROLLOUT) as RolloutMode;
  const usage: string[] = [];
  if (!ROLLOUT_MODES.includes(rollout)) usage.push(`--rollout must be one of ${ROLLOUT_MODES.join(", ")}, got ${JSON.stringify(values.rollout)}`);
  const delivery = (values.delivery ?? DEFAULT_DELIVERY) as DeliveryMode;
  if (!DELIVERY_MODES.includes(delivery)) usage.push(`--delivery must be one of ${DELIVERY_MODES.join(", ")}, got ${JSON.stringify(values.delivery)}`);
  const failStrategy = (values["fail-strategy"] ?? "FAIL_CLOSE") as FailStrategy;
  if (!FAIL_STRATEGIES.includes(failStrategy)) {
    usage.push(`--fail-strategy must be one of ${FAIL_STRATEGIES.join(", ")}, got ${JSON.stringify(values["fail-strategy"])}${values["fail-strategy"] === "FAIL_OPEN" ? " (FAIL_OPEN would let a client-set cluster header route once the filter is gone)" : ""}`);
  }
  const priority = values.priority === undefined ? undefined : Number(values.priority);
  if (priority !== undefined && !Number.isInteger(priority)) usage.push(`--priority must be an integer, got ${JSON.stringify(values.priority)}`);
  const bundled = delivery === "bundle" || delivery === "wasmplugin";
  if (bundled && values.output === undefined) usage.push(`--delivery ${delivery} writes a module: it needs -o DIR`);
  if (values["wasm-url"] !== undefined && delivery !== "wasmplugin") usage.push("--wasm-url only applies to --delivery wasmplugin");
  if (values["image-sha256"] !== undefined && !/^[a-f0-9]{64}$/.test(values["image-sha256"])) usage.push("--image-sha256 must be 64 lower-case hex digits");
  if (values["bundle-version"] !== undefined && !/^[A-Za-z0-9._:+-]{1,128}$/.test(values["bundle-version"])) usage.push("--bundle-version must be 1-128 characters of A-Z a-z 0-9 . _ : + -");
  if (usage.length) {
    for (const u of usage) io.stderr(`gatewasm: ${u}\n`);
    return 1;
  }
  const target = targetFrom(values);
  const options = pipelineOptionsFrom(values, values["allow-empty"] ? "warning" : "error");
  const result = compileInputs(inputsFrom(values.file, io), target, options);
  if (reportDiagnostics(result.diagnostics, io) || !result.compiled) return 1;
  const { config, bytes, policies } = result.compiled;
  const built = buildDelivery(config, bytes, policies, {
    name: values.name ?? defaultEnvoyFilterName(target.selector),
    namespace: target.gatewayNamespace,
    selector: target.selector,
    wasmPath: values["wasm-path"] ?? DEFAULT_WASM_PATH,
    rollout,
    delivery,
    module: bundled ? readFileSync(values.module ?? DEFAULT_WASM) : undefined,
    wasmUrl: values["wasm-url"],
    imageSha256: values["image-sha256"],
    bundleVersion: values["bundle-version"],
    failStrategy,
    priority,
  });
  // Warnings, not errors: the files stay useful (simulate --config, another way to apply).
  for (const f of built.findings) io.stderr(`gatewasm: warning: ${f.message}\n`);
  const rolloutYaml = objectsYaml(built.objects);
  if (values.output === undefined) {
    io.stdout(rolloutYaml);
    return 0;
  }
  // Write every file under a temporary name first, then rename: never a partial output.
  const dir = values.output;
  mkdirSync(dir, { recursive: true });
  // Each text is made, written and dropped in turn: at 25,000 routes they are tens of MB each.
  const compiled = result.compiled;
  const files: Array<[string, () => string | Uint8Array]> = [
    [delivery === "wasmplugin" ? "rollout.yaml" : "envoyfilter.yaml", () => rolloutYaml],
    // The decisions, readable; written without the yaml package's document model (tens of MB at
    // 25,000 routes, which that model took seconds and hundreds of MB to write).
    ["filter-config.yaml", () => plainDataYaml(config as unknown as Record<string, unknown>)],
    ["filter-config.bin", () => bytes],
    [MODEL_FILE, () => modelJson(config, bytes, compiled)],
  ];
  const module = built.module;
  if (module) files.push([BUNDLE_FILE, () => module]);
  for (const [name, content] of files) writeFileSync(join(dir, `.${name}.tmp`), content());
  for (const [name] of files) renameSync(join(dir, `.${name}.tmp`), join(dir, name));
  io.stderr(`gatewasm: wrote ${files.map(([n]) => join(dir, n)).join(", ")}${built.version ? ` (bundle version ${built.version})` : ""}\n`);
  return 0;
}
