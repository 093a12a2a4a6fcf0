// A compiled configuration read back for `simulate --config` instead of recompiling: the
// directory `compile -o DIR` wrote, whose filter-config.bin is what the filter loads and whose
// filter-config.json is the same configuration as the model the simulator explains decisions
// with. The JSON carries the SHA-256 of the blob it was written with, so a model and a blob from
// different compiles are refused instead of explaining one configuration with another.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { FilterConfig } from "../config/model.ts";
import { collectPolicies } from "../config/policies.ts";
import { unframeBlob } from "../config/framing.ts";
import type { CompiledGateway } from "../pipeline.ts";

export const MODEL_FILE = "filter-config.json";
export const BLOB_FILE = "filter-config.bin";

const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

/**
 * filter-config.json: the model, tied to the blob written beside it, with what simulate explains
 * beyond the filter (the L4 servers Envoy serves without it, the clusters' DestinationRule notes).
 */
export function modelJson(config: FilterConfig, blob: Uint8Array, explain: Pick<CompiledGateway, "l4" | "clusterNotes"> = {}): string {
  return `${JSON.stringify({ blobSha256: sha256(blob), config, l4: explain.l4 ?? [], clusterNotes: explain.clusterNotes ?? {} })}\n`;
}

/** The compiled gateway in `dir` (a `compile -o` output); throws with a user-facing reason. */
export function loadCompiled(dir: string): CompiledGateway {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`--config: ${dir} is not a directory written by gatewasm compile -o`);
  for (const f of [MODEL_FILE, BLOB_FILE]) {
    if (!existsSync(join(dir, f))) throw new Error(`--config: ${join(dir, f)} is missing (written by gatewasm compile -o ${dir})`);
  }
  const bytes = unframeBlob(new Uint8Array(readFileSync(join(dir, BLOB_FILE))));
  let parsed: { blobSha256?: unknown; config?: FilterConfig; l4?: CompiledGateway["l4"]; clusterNotes?: CompiledGateway["clusterNotes"] };
  try {
    parsed = JSON.parse(readFileSync(join(dir, MODEL_FILE), "utf8"));
  } catch (error) {
    throw new Error(`--config: ${join(dir, MODEL_FILE)} is not JSON (${(error as Error).message})`);
  }
  if (typeof parsed.blobSha256 !== "string" || !parsed.config) throw new Error(`--config: ${join(dir, MODEL_FILE)} is not a gatewasm model file`);
  if (parsed.blobSha256 !== sha256(bytes)) {
    throw new Error(`--config: ${join(dir, MODEL_FILE)} and ${join(dir, BLOB_FILE)} come from different compiles; run gatewasm compile -o ${dir} again`);
  }
  return { config: parsed.config, bytes, policies: collectPolicies(parsed.config).list, l4: parsed.l4 ?? [], clusterNotes: parsed.clusterNotes ?? {} };
}
