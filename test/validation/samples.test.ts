// Istio's own valid objects and samples must validate with no errors (warnings are allowed,
// and listed so that a new one is noticed). Data: ../shared/data/istio (PROVENANCE.md).
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { loadResources } from "../../host/resources/load.ts";
import { formatDiagnostic } from "../../host/resources/types.ts";
import { validateResources } from "../../host/validation/index.ts";
import { HAS_ISTIO_DATA, ISTIO_DATA, NO_ISTIO_DATA_NOTE } from "../resources/shared-data.ts";

const list = (dir: string) => (HAS_ISTIO_DATA ? readdirSync(join(ISTIO_DATA, dir)).sort().map((f) => join(dir, f)) : []);

// Each sample file on its own: the Bookinfo files are alternatives (several define `reviews`).
const FILES = [
  ...list("validation-dataset"),
  ...list("bookinfo/networking"),
  "bookinfo/platform/bookinfo.yaml",
  "httpbin/httpbin-gateway.yaml",
  "httpbin/httpbin.yaml",
];

describe.skipIf(!HAS_ISTIO_DATA)(`Istio samples validate without errors${HAS_ISTIO_DATA ? "" : ` (${NO_ISTIO_DATA_NOTE})`}`, () => {
  test.each(FILES)("%s", (file) => {
    const { resources, diagnostics } = loadResources([{ path: join(ISTIO_DATA, file) }]);
    const all = [...diagnostics, ...validateResources(resources)];
    expect(all.filter((d) => d.severity === "error").map(formatDiagnostic)).toEqual([]);
    expect(resources.length).toBeGreaterThan(0);
  });

  test("the validation dataset has one resource per kind", () => {
    const { resources } = loadResources([{ path: join(ISTIO_DATA, "validation-dataset") }]);
    expect(resources.map((r) => r.kind).sort()).toEqual(["DestinationRule", "Gateway", "ServiceEntry", "VirtualService"]);
  });
});
