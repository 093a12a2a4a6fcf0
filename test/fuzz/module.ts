// The built module (build/gatewasm.wasm, or GATEWASM_WASM), for the filter's update, validator and fuzz tests.
import { readFileSync } from "node:fs";
import { GATEWASM } from "./raw-host.ts";

export const WASM = readFileSync(GATEWASM);
