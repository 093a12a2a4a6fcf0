// The fast YAML reader (host/resources/fast-yaml.ts) against the `yaml` package it stands in
// for: on every YAML file of the repository and of ../shared/data, and on generated documents
// (seeded), it either gives up (null) or gives exactly the values `yaml` gives with the loader's
// options (KUBERNETES_YAML: YAML 1.1 as go-yaml v2 reads it); and the loader's resources and
// diagnostics — positions included — are the same whichever reader read the file.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { fastParseAll } from "../../host/resources/fast-yaml.ts";
import { KUBERNETES_YAML } from "../../host/resources/kube-yaml.ts";
import { loadText, loadTextWithYaml } from "../../host/resources/load.ts";
import { formatDiagnostic, type Diagnostic, type Resource } from "../../host/resources/types.ts";
import { validateResources } from "../../host/validation/index.ts";
import { mulberry32 } from "../../host/util/mulberry32.ts";
import { istioBenchInputs } from "../../bench/istio-yaml.ts";
import { ROOT } from "../support/test-module.ts";

function yamlFiles(dir: string, out: string[] = []): string[] {
  let entries: string[];
  try { entries = readdirSync(dir); } catch { return out; }
  for (const e of entries) {
    if (e === "node_modules" || e.startsWith(".")) continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) yamlFiles(p, out);
    else if (/\.ya?ml$/.test(e)) out.push(p);
  }
  return out;
}

const reference = (text: string) => parseAllDocuments(text, { prettyErrors: false, ...KUBERNETES_YAML });

function sameAsYaml(text: string, label: string): "fast" | "fallback" {
  const fast = fastParseAll(text);
  if (fast === null) return "fallback";
  const docs = [...reference(text)];
  expect(docs.some((d) => d.errors.length > 0), `${label}: the fast reader accepted a text the yaml package rejects`).toBe(false);
  expect(fast.map((d) => d.value), label).toEqual(docs.map((d) => d.toJS({ maxAliasCount: 1000 })));
  return "fast";
}

function load(text: string, reader: (file: string, text: string, resources: Resource[], diagnostics: Diagnostic[], ns: string) => void): { resources: Resource[]; diagnostics: string[] } {
  const resources: Resource[] = [];
  const diagnostics: Diagnostic[] = [];
  reader("f.yaml", text, resources, diagnostics, "default");
  // Positions through every diagnostic the validator makes, plus one per resource.
  const all = [...diagnostics, ...validateResources(resources)].map(formatDiagnostic);
  for (const r of resources) all.push(JSON.stringify([r.source.locate(["spec"]), r.source.locate(["metadata", "name"]), r.source.locateKey?.(["spec"])]));
  return { resources: resources.map((r) => ({ ...r, source: { ...r.source, locate: undefined, locateKey: undefined } }) as unknown as Resource), diagnostics: all };
}

describe("fast YAML reader", () => {
  const files = [...yamlFiles(join(ROOT, "examples")), ...yamlFiles(join(ROOT, "test")), ...yamlFiles(join(ROOT, "conformance")), ...yamlFiles(join(ROOT, "../shared/data"))];

  it(`gives the yaml package's values or gives up, on ${files.length} YAML files of the repository and ../shared/data`, () => {
    let fast = 0;
    for (const f of files) if (sameAsYaml(readFileSync(f, "utf8"), f) === "fast") fast++;
    console.log(`fast-yaml: ${fast} of ${files.length} files read by the fast reader, the rest by the yaml package`);
    expect(fast).toBeGreaterThan(files.length / 3);
  });

  it("the loader gives the same resources and diagnostics (with positions) through either reader", () => {
    for (const f of files) {
      const text = readFileSync(f, "utf8");
      if (fastParseAll(text) === null) continue;
      expect(load(text, loadText), f).toEqual(load(text, loadTextWithYaml));
    }
  });

  it("the bench gateway (10,000 routes) is read by the fast reader, with the same values", () => {
    expect(sameAsYaml(istioBenchInputs({ routes: 10_000, hosts: 1_000, seed: 1 }).yaml, "bench")).toBe("fast");
  });

  const scalars = ["yes", "No", "on", "OFF", "y", "n", "~", "null", "Null", "", "0777", "0x1F", "1_000", "-12", "+3", "1.5", ".5", "1e3", "1.0e+3", ".inf", "-.Inf", ".nan", "2026-01-01", "12:30:00", "190:20:30", "0b101", "true", "True", "FALSE",
    "a b", "http://x/y?z=1", "-", "-a", "?x", ":x", "a:b", "a,b", "[x]", "'q'", "\"dq\\u00e9\\t\"", "'it''s'", "\"a\\\\b\"", "@x", "`x", "%x", "!x", "&x", "*x", "a #c", "a#b", "~x", "0o17", "1:2", "--x", "..."];

  it("generated documents (seed printed): the same values as the yaml package whenever it reads them", () => {
    const seed = Number(process.env.GATEWASM_SEED ?? 4242);
    console.log(`fast-yaml generated documents: seed ${seed}`);
    const random = mulberry32(seed);
    const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!;
    // Mostly what tools write, sometimes what the fast reader must leave to the yaml package.
    const common = ["v1", "80", "true", "no", "a b", "http://x/y?z=1", "\"dq\"", "'s'", "1.5", "-3", "~", "0777", "x-y.z"];
    const scalar = () => (random() < 0.9 ? pick(common) : pick(scalars));
    const key = () => (random() < 0.95 ? pick(["a", "b", "name", "ports", "x-y", "\"q k\"", "'s k'", "c", "d", "e", "f", "g"]) : pick(["yes", "80", "k:v", "null", "on", "a b"]));
    const block = (indent: number, depth: number): string[] => {
      const pad = " ".repeat(indent);
      const lines: string[] = [];
      const n = 1 + Math.floor(random() * 4);
      const seq = random() < 0.3;
      for (let i = 0; i < n; i++) {
        const r = random();
        if (seq) {
          if (r < 0.4 || depth > 3) lines.push(`${pad}- ${scalar()}`);
          else if (r < 0.7) { const inner = block(indent + 2, depth + 1); lines.push(`${pad}- ${inner[0]!.trimStart()}`, ...inner.slice(1)); }
          else lines.push(`${pad}- [${scalar()}, ${scalar()}]`);
        } else if (r < 0.45 || depth > 3) lines.push(`${pad}${key()}: ${scalar()}${random() < 0.1 ? " # c" : ""}`);
        else if (r < 0.6) lines.push(`${pad}${key()}: {${key()}: ${scalar()}, ${key()}: [${scalar()}]}`);
        else if (r < 0.7) lines.push(`${pad}${key()}: |${random() < 0.5 ? "-" : ""}`, `${pad}  line one`, "", `${pad}    indented`, `${pad}  # not a comment`);
        else lines.push(`${pad}${key()}:`, ...block(indent + (random() < 0.2 ? 0 : 2), depth + 1));
      }
      return lines;
    };
    let fast = 0, checked = 0;
    for (let i = 0; i < 3000; i++) {
      const docs = 1 + Math.floor(random() * 3);
      const text = Array.from({ length: docs }, () => block(0, 0).join("\n")).join(random() < 0.5 ? "\n---\n" : "\n---\n# comment\n") + (random() < 0.3 ? "\n---\n" : "\n");
      const ref = [...reference(text)];
      const f = fastParseAll(text);
      if (f === null) continue;
      checked++;
      // The fast reader must never accept what the yaml package rejects, and must agree on values.
      expect(ref.some((d) => d.errors.length > 0), `seed ${seed}, document ${i}:\n${text}`).toBe(false);
      expect(f.map((d) => d.value), `seed ${seed}, document ${i}:\n${text}`).toEqual(ref.map((d) => d.toJS({ maxAliasCount: 1000 })));
      fast++;
    }
    console.log(`fast-yaml generated: ${fast} of 3000 read by the fast reader (${checked} compared)`);
    expect(fast).toBeGreaterThan(200); // the rest hold something left to the yaml package on purpose
  });
});

describe("plain-data YAML writer (host/resources/fast-yaml-emit.ts)", () => {
  it("reads back as the same value with the loader's options, through both readers", async () => {
    const { plainDataYaml } = await import("../../host/resources/fast-yaml-emit.ts");
    const { compileInputs } = await import("../../host/pipeline.ts");
    const { compiled } = compileInputs([{ path: join(ROOT, "examples/storefront") }]);
    const tricky = {
      yes: "no", "80": 80, "a b": ["on", "off", "", "null", "~", "1e3", "0777", "#c", "- x", "k: v", "\"q\"", "é\u2028", "\t\n"],
      nested: [[1, [2]], {}, [], { x: null, y: true, z: -0.5 }], "": "empty key", "_hidden": 1, "x.y/z-w": "ok",
    };
    for (const value of [compiled!.config as unknown as Record<string, unknown>, tricky]) {
      const text = plainDataYaml(value);
      const [doc] = reference(text);
      expect(doc!.errors).toEqual([]);
      expect(doc!.toJS()).toEqual(JSON.parse(JSON.stringify(value)));
      const fast = fastParseAll(text);
      if (fast) expect(fast[0]!.value).toEqual(JSON.parse(JSON.stringify(value)));
    }
  });
});
