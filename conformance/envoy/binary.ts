// Where the Envoy binary is: GATEWASM_ENVOY, else the one `npm run setup:envoy` installed.
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const VENV_DIR = join(REPO_ROOT, ".venv-envoy");

/**
 * The wheel's own `bin/envoy` is a Python launcher; we run the ELF it wraps
 * (`site-packages/envoy/_bin/envoy`) so signals and the pid are Envoy's, not Python's.
 */
export function venvEnvoy(venv = VENV_DIR): string | null {
  const lib = join(venv, "lib");
  if (!existsSync(lib)) return null;
  for (const python of readdirSync(lib)) {
    const bin = join(lib, python, "site-packages", "envoy", "_bin", "envoy");
    if (existsSync(bin)) return bin;
  }
  return null;
}

export function envoyBinary(): string | null {
  const fromEnv = process.env.GATEWASM_ENVOY;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : null;
  return venvEnvoy();
}

/** The message tests print when Envoy is missing. */
export const ENVOY_ABSENT =
  "REAL ENVOY ABSENT: no Envoy binary (neither GATEWASM_ENVOY nor .venv-envoy/); run npm run setup:envoy";
