import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { loadResources } from "../../host/resources/load.ts";
import { formatDiagnostic } from "../../host/resources/types.ts";
import { HAS_ISTIO_DATA, ISTIO_DATA } from "./shared-data.ts";

const text = (t: string, name = "<stdin>") => loadResources([{ name, text: t }]);

const MULTI = `# two documents
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: istio-system
spec:
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*"]
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: vs
spec:
  hosts: ["*"]
  http:
  - route:
    - destination:
        host: a
      weight: 10
    - destination: {host: b}
      weight: 90
`;

describe("loadResources: documents and positions", () => {
  test("multi-document YAML keeps both resources in order, namespace defaults to 'default'", () => {
    const { resources, diagnostics } = text(MULTI, "multi.yaml");
    expect(diagnostics).toEqual([]);
    expect(resources.map((r) => [r.kind, r.metadata.namespace, r.metadata.name, r.source.docIndex])).toEqual([
      ["Gateway", "istio-system", "gw", 0],
      ["VirtualService", "default", "vs", 1],
    ]);
  });

  test("locate gives 1-based line/col of a field's value", () => {
    const vs = text(MULTI, "multi.yaml").resources[1]!;
    expect(vs.source.locate(["spec", "http", 0, "route", 0, "weight"])).toEqual({ file: "multi.yaml", line: 22, col: 15 });
    expect(vs.source.locate(["spec", "http", 0, "route", 1, "destination", "host"])).toEqual({ file: "multi.yaml", line: 23, col: 27 });
    expect(vs.source.locateKey!(["spec", "http", 0, "route", 0, "weight"])).toEqual({ file: "multi.yaml", line: 22, col: 7 });
  });

  test("locate falls back to the nearest existing ancestor", () => {
    const vs = text(MULTI, "multi.yaml").resources[1]!;
    // spec.http[0].route[0] exists (line 20, the "destination" key), its "timeout" does not.
    expect(vs.source.locate(["spec", "http", 0, "route", 0, "timeout"])).toEqual({ file: "multi.yaml", line: 20, col: 7 });
    expect(vs.source.locate(["spec", "http", 7])).toEqual(vs.source.locate(["spec", "http"]));
  });

  test("JSON input, with positions", () => {
    const json = `{\n  "apiVersion": "networking.istio.io/v1",\n  "kind": "DestinationRule",\n  "metadata": {"name": "r", "namespace": "ns"},\n  "spec": {"host": "r"}\n}\n`;
    const { resources, diagnostics } = text(json, "r.json");
    expect(diagnostics).toEqual([]);
    expect(resources[0]!.metadata).toMatchObject({ name: "r", namespace: "ns" });
    expect(resources[0]!.source.locate(["spec", "host"])).toEqual({ file: "r.json", line: 5, col: 20 });
  });

  test("kind: List items are resources located under items[i]", () => {
    const list = `apiVersion: v1
kind: List
items:
- apiVersion: networking.istio.io/v1
  kind: DestinationRule
  metadata: {name: a}
  spec: {host: a}
- apiVersion: networking.istio.io/v1
  kind: DestinationRule
  metadata: {name: b}
  spec:
    host: b
metadata:
  resourceVersion: ""
`;
    const { resources, diagnostics } = text(list, "list.yaml");
    expect(diagnostics).toEqual([]);
    expect(resources.map((r) => r.metadata.name)).toEqual(["a", "b"]);
    expect(resources[1]!.source.locate(["spec", "host"])).toEqual({ file: "list.yaml", line: 12, col: 11 });
    expect(resources[1]!.source.docIndex).toBe(0);
  });

  test.skipIf(!HAS_ISTIO_DATA)("core v1 Service is kept (service registry), Deployment and ServiceAccount skipped silently", () => {
    const { resources, diagnostics } = loadResources([{ path: join(ISTIO_DATA, "bookinfo/platform/bookinfo.yaml") }]);
    expect(diagnostics).toEqual([]);
    expect(resources.map((r) => `${r.kind}/${r.metadata.name}`)).toEqual(["Service/details", "Service/ratings", "Service/reviews", "Service/productpage"]);
  });
});

describe("loadResources: rejections (code and position)", () => {
  test("invalid YAML: every error of every file, with position", () => {
    const { diagnostics, resources } = loadResources([
      { name: "a.yaml", text: "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n  name: y\n" },
      { name: "b.yaml", text: "ok: 1\n---\nfoo: [1, 2\n" },
    ]);
    expect(resources).toEqual([]);
    const errs = diagnostics.map((d) => ({ code: d.code, file: d.location?.file, line: d.location?.line, col: d.location?.col }));
    expect(errs).toContainEqual({ code: "yaml-syntax", file: "a.yaml", line: 5, col: 3 }); // duplicate key
    expect(errs.filter((e) => e.file === "b.yaml" && e.code === "yaml-syntax").length).toBeGreaterThan(0);
    // b.yaml's first document has no apiVersion/kind: reported too (all problems in one run).
    expect(errs).toContainEqual({ code: "missing-type", file: "b.yaml", line: 1, col: 1 });
    expect(diagnostics.every((d) => d.severity === "error")).toBe(true);
  });

  test("document without apiVersion/kind is an error", () => {
    const { diagnostics } = text("metadata: {name: x}\nspec: {}\n", "x.yaml");
    expect(diagnostics).toMatchObject([{ code: "missing-type", severity: "error", location: { line: 1, col: 1 } }]);
  });

  test("unknown kinds: typo in an Istio kind is an error, Sidecar is ignored with a warning, apps/v1 skipped", () => {
    const { diagnostics, resources } = text(`apiVersion: networking.istio.io/v1
kind: VirtualServce
metadata: {name: a}
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: s}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
---
apiVersion: whatever
kind: thing
---
apiVersion: v1
kind: Servic
metadata: {name: d}
---
apiVersion: networking.istio.io/v2
kind: Gateway
metadata: {name: g}
`, "k.yaml");
    expect(resources).toEqual([]);
    expect(diagnostics.map((d) => [d.code, d.severity, d.location?.line])).toEqual([
      ["unknown-kind", "error", 2],
      ["ignored-kind", "warning", 6],
      ["unknown-kind", "error", 14],
      ["unknown-kind", "error", 17],
      ["unknown-version", "error", 21],
    ]);
  });

  test("missing metadata.name", () => {
    const { diagnostics } = text("apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  namespace: a\nspec: {}\n");
    expect(diagnostics).toMatchObject([{ code: "missing-name", field: "metadata.name", location: { line: 4, col: 3 } }]);
  });

  test("duplicate (kind, namespace, name) names both locations; namespace default counts", () => {
    const { diagnostics } = loadResources([
      { name: "one.yaml", text: "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: r\nspec: {host: r}\n" },
      { name: "two.yaml", text: "apiVersion: networking.istio.io/v1beta1\nkind: DestinationRule\nmetadata:\n  name: r\n  namespace: default\nspec: {host: r}\n" },
    ]);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ code: "duplicate-resource", location: { file: "two.yaml", line: 4, col: 9 }, related: { file: "one.yaml", line: 4, col: 9 } });
    expect(formatDiagnostic(diagnostics[0]!)).toBe(
      "two.yaml:4:9  DestinationRule default/r  metadata.name  duplicate DestinationRule default/r: also defined at one.yaml:4:9",
    );
  });

  test("missing path is an error, not a crash", () => {
    const { diagnostics } = loadResources([{ path: "/nonexistent/gatewasm.yaml" }]);
    expect(diagnostics).toMatchObject([{ code: "read-error", severity: "error" }]);
  });
});

describe("loadResources: folders", () => {
  test("recursive, only yaml/yml/json, sorted by name", () => {
    const dir = mkdtempSync(join(tmpdir(), "gatewasm-load-"));
    mkdirSync(join(dir, "sub"));
    const dr = (n: string) => `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: ${n}}\nspec: {host: ${n}}\n`;
    writeFileSync(join(dir, "b.yml"), dr("b"));
    writeFileSync(join(dir, "a.yaml"), dr("a"));
    writeFileSync(join(dir, "sub", "c.json"), JSON.stringify({ apiVersion: "networking.istio.io/v1", kind: "DestinationRule", metadata: { name: "c" }, spec: { host: "c" } }));
    writeFileSync(join(dir, "notes.txt"), "not: [yaml");
    const { resources, diagnostics } = loadResources([{ path: dir }]);
    expect(diagnostics).toEqual([]);
    expect(resources.map((r) => r.metadata.name)).toEqual(["a", "b", "c"]);
    expect(resources[2]!.source.file).toBe(join(dir, "sub", "c.json"));
  });
});

