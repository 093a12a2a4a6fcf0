import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { loadResources } from "../../host/resources/load.ts";
import { formatDiagnostic } from "../../host/resources/types.ts";
import { CEL_RULES } from "../../host/validation/cel.ts";
import { parseDurationNs } from "../../host/validation/duration.ts";
import { validateResources } from "../../host/validation/index.ts";
import { allCelRules, validateSchema } from "../../host/validation/schema.ts";
import { DEFAULT_OUT_FILE, extractCrdSchemas, renderExtracted } from "../../scripts/extract-crd-schemas.ts";
import { HAS_ISTIO_DATA, ISTIO_DATA, NO_ISTIO_DATA_NOTE } from "../resources/shared-data.ts";

const load = (text: string, name = "t.yaml") => {
  const r = loadResources([{ name, text }]);
  expect(r.diagnostics).toEqual([]);
  return r.resources;
};

const schemaErrors = (text: string) => load(text).flatMap(validateSchema);

describe("committed CRD schemas", () => {
  test.skipIf(!HAS_ISTIO_DATA)(`equal a fresh extraction from crd-all.gen.yaml${HAS_ISTIO_DATA ? "" : ` (${NO_ISTIO_DATA_NOTE})`}`, () => {
    const fresh = renderExtracted(extractCrdSchemas(readFileSync(join(ISTIO_DATA, "crds/crd-all.gen.yaml"), "utf8")));
    expect(readFileSync(DEFAULT_OUT_FILE, "utf8") === fresh).toBe(true);
  });

  test("cover the four kinds in all served versions", () => {
    const committed = JSON.parse(readFileSync(DEFAULT_OUT_FILE, "utf8"));
    expect(committed.source.commit).toBe("86c9f01fd735fb01d8192f5bcaf0d424afb7f14c");
    for (const kind of ["Gateway", "VirtualService", "DestinationRule", "ServiceEntry"]) {
      expect(Object.keys(committed.schemas[kind]).sort()).toEqual(["v1", "v1alpha3", "v1beta1"]);
    }
  });

  test("every CEL rule in the schemas is implemented by hand (cel.ts)", () => {
    const missing = allCelRules().filter((r) => CEL_RULES[r] === undefined);
    expect(missing).toEqual([]);
  });
});

const MULTI = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: ok
spec:
  host: reviews
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
  namespace: shop
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
      weight: 50
    - destination: {host: reviews, subset: v2}
      weight: "x"
`;

describe("schema errors: exact file:line:col in a multi-document file", () => {
  test('weight: "x" (integer field given a string)', () => {
    const diags = validateResources(load(MULTI, "shop/reviews.yaml"));
    expect(diags.map(formatDiagnostic)).toEqual([
      'shop/reviews.yaml:20:15  VirtualService shop/reviews  spec.http[0].route[1].weight  must be an integer, got string "x"',
    ]);
    expect(diags[0]!.code).toBe("schema-type");
  });
});

// One case per schema rule. Positions are asserted, not wording.
const vs = (http: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: v}
spec:
  hosts: [a.example.com]
  gateways: [gw]
  http:
${http}`;

const cases: Array<{ name: string; rule: string; yaml: string; expect: Array<{ code: string; field: string; line: number; col: number }> }> = [
  {
    name: "unknown field is an error, located at its key",
    rule: "structural schema + strict field validation (k8s), additionalProperties",
    yaml: vs("  - route:\n    - destination: {host: a}\n      wieght: 3\n"),
    expect: [{ code: "schema-unknown-field", field: "spec.http[0].route[0].wieght", line: 10, col: 7 }],
  },
  {
    name: "StringMatch oneOf: exact and prefix together",
    rule: "CRD oneOf StringMatch (crd-all.gen.yaml)",
    yaml: vs("  - match:\n    - uri: {exact: /a, prefix: /a}\n    route:\n    - destination: {host: a}\n"),
    expect: [{ code: "schema-oneof", field: "spec.http[0].match[0].uri", line: 9, col: 12 }],
  },
  {
    name: "duration below 1ms",
    rule: "CEL duration(self) >= duration('1ms')",
    yaml: vs("  - timeout: 500us\n    route:\n    - destination: {host: a}\n"),
    expect: [{ code: "schema-cel", field: "spec.http[0].timeout", line: 8, col: 14 }],
  },
  {
    name: "duration that does not parse",
    rule: "CEL duration(self) >= duration('1ms')",
    yaml: vs("  - timeout: 1d\n    route:\n    - destination: {host: a}\n"),
    expect: [{ code: "schema-cel", field: "spec.http[0].timeout", line: 8, col: 14 }],
  },
  {
    name: "required destination.host",
    rule: "CRD required: [host] on Destination",
    yaml: vs("  - route:\n    - destination: {subset: v1}\n"),
    expect: [{ code: "schema-required", field: "spec.http[0].route[0].destination.host", line: 9, col: 20 }],
  },
  {
    name: "enum: redirect derivePort",
    rule: "CRD enum HTTPRedirect.derivePort",
    yaml: vs("  - redirect: {derivePort: FROM_NOWHERE}\n"),
    expect: [{ code: "schema-enum", field: "spec.http[0].redirect.derivePort", line: 8, col: 28 }],
  },
  {
    name: "list instead of map",
    rule: "CRD type: object for headers",
    yaml: vs("  - match:\n    - headers: [a]\n    route:\n    - destination: {host: a}\n"),
    expect: [{ code: "schema-type", field: "spec.http[0].match[0].headers", line: 9, col: 16 }],
  },
  {
    name: "uint32 below 0",
    rule: "CRD minimum: 0 on uint32 fields",
    yaml: vs("  - route:\n    - destination: {host: a, port: {number: -1}}\n"),
    expect: [{ code: "schema-range", field: "spec.http[0].route[0].destination.port.number", line: 9, col: 45 }],
  },
];

describe("schema rules", () => {
  test.each(cases)("$name ($rule)", ({ yaml, expect: want }) => {
    const got = schemaErrors(yaml).map((d) => ({ code: d.code, field: d.field, line: d.location!.line, col: d.location!.col }));
    expect(got).toEqual(want);
  });

  test("ServiceEntry CEL rules: wildcard host, duplicate port, UDS path", () => {
    const diags = schemaErrors(`apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se}
spec:
  hosts: ["*"]
  ports:
  - {number: 80, name: http}
  - {number: 80, name: http2}
  resolution: STATIC
  endpoints:
  - address: unix://relative
`);
    expect(diags.map((d) => [d.code, d.field, d.location!.line]).sort()).toEqual([
      ["schema-cel", "spec.endpoints[0].address", 11],
      ["schema-cel", "spec.hosts[0]", 5],
      ["schema-cel", "spec.ports", 7],
    ]);
  });

  test("null values are pruned like the API server does (timeout: with no value)", () => {
    expect(schemaErrors(vs("  - timeout:\n    route:\n    - destination: {host: a}\n"))).toEqual([]);
  });

  test("status written by the server is not checked; an unknown top-level field is", () => {
    const diags = schemaErrors(`apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: d}
spec: {host: d}
status: {observedGeneration: 3, anything: [1]}
spek: {}
`);
    expect(diags.map((d) => [d.code, d.field, d.location!.line])).toEqual([["schema-unknown-field", "spek", 6]]);
  });
});

describe("durations (Go time.ParseDuration syntax, as CEL duration())", () => {
  test.each([
    ["1ms", 1e6], ["1.5s", 1.5e9], ["3m", 180e9], ["1h30m", 5400e9], ["0", 0], ["250us", 250e3], [".5s", 0.5e9],
  ] as const)("%s = %d ns", (text, ns) => expect(parseDurationNs(text)).toBe(ns));
  test.each(["", "1", "1d", "s", "1 s", "1.s.", "-"])("%j is not a duration", (text) => expect(parseDurationNs(text)).toBeNull());
});
