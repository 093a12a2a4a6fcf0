// Istio's sample and schema data, copied under ../shared/data/istio (see its PROVENANCE.md).
// Tests that read it skip visibly (test.skipIf + a note) when the folder is absent.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const ISTIO_DATA = fileURLToPath(new URL("../../../shared/data/istio/", import.meta.url));
export const HAS_ISTIO_DATA = existsSync(ISTIO_DATA);
export const NO_ISTIO_DATA_NOTE = `skipped: ${ISTIO_DATA} is absent (Istio sample data lives in ../shared)`;
if (!HAS_ISTIO_DATA) console.warn(NO_ISTIO_DATA_NOTE);
