// Reads Istio resources from files, folders and stdin text into `Resource`s with source positions.
// Every problem becomes a Diagnostic (collected, never thrown), so one run reports all of them.
//
// Decisions (see README.md in this folder):
// - Folders are read recursively; `*.yaml`, `*.yml`, `*.json`; entries sorted by name so that
//   output and diagnostics are deterministic.
// - A resource without `metadata.namespace` gets "default", as `kubectl apply` does with the
//   default context namespace.
// - A document with YAML errors yields no resource (its errors are all reported).

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { LineCounter, isMap, isSeq, parseAllDocuments, parseDocument, type Document, type Node } from "yaml";
import { fastParseAll, type FastDocument } from "./fast-yaml.ts";
import { KUBERNETES_YAML } from "./kube-yaml.ts";
import { classifyDocument } from "./kinds.ts";
import { nodeLocator, type NodeLocator } from "./locate.ts";
import type { Diagnostic, ObjectMeta, Resource, SourceLocation } from "./types.ts";

export type LoadInput = { path: string } | { name: string; text: string };

export interface LoadResult {
  resources: Resource[];
  diagnostics: Diagnostic[];
}

export const DEFAULT_NAMESPACE = "default";

const RESOURCE_FILE = /\.(ya?ml|json)$/i;

export interface LoadOptions {
  /** Namespace of objects that set none (`kubectl apply -n`); default "default". */
  defaultNamespace?: string;
}

export function loadResources(inputs: LoadInput[], options: LoadOptions = {}): LoadResult {
  const resources: Resource[] = [];
  const diagnostics: Diagnostic[] = [];
  const namespace = options.defaultNamespace ?? DEFAULT_NAMESPACE;
  for (const input of inputs) {
    if ("text" in input) {
      if (isBinary(input.text)) diagnostics.push(binaryDiagnostic(input.name));
      else loadText(input.name, input.text, resources, diagnostics, namespace);
      continue;
    }
    for (const file of expandPath(input.path, diagnostics)) {
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch (err) {
        diagnostics.push(fileDiagnostic(file, "read-error", `cannot read file: ${(err as Error).message}`));
        continue;
      }
      const text = decodeText(bytes);
      if (text === null) diagnostics.push(binaryDiagnostic(file));
      else loadText(file, text, resources, diagnostics, namespace);
    }
  }
  diagnostics.push(...findDuplicates(resources));
  return { resources, diagnostics };
}


// A binary file (a .wasm, an image, a compressed archive) is one short error, not pages of
// escaped bytes from the YAML parser: invalid UTF-8 or a NUL byte (YAML allows neither,
// YAML 1.2 §5.1) says it is not text.
const UTF8 = new TextDecoder("utf-8", { fatal: true });

function decodeText(bytes: Uint8Array): string | null {
  if (bytes.includes(0)) return null;
  try {
    return UTF8.decode(bytes);
  } catch {
    return null;
  }
}

function isBinary(text: string): boolean {
  return text.includes("\u0000") || text.includes("\uFFFD");
}

function binaryDiagnostic(file: string): Diagnostic {
  return fileDiagnostic(file, "binary-file", "not a text file (invalid UTF-8 or NUL bytes): expected YAML or JSON");
}

/** Parses one file's text (possibly several documents) and appends what it finds. */
export function loadText(file: string, text: string, resources: Resource[], diagnostics: Diagnostic[], defaultNamespace = DEFAULT_NAMESPACE): void {
  // The fast reader takes the plain block YAML tools write, and gives up on anything else.
  const fast = fastParseAll(text);
  if (fast && fast.every((d) => d.value === null || isPlainObject(d.value))) {
    const lines = lazyLineTable(text);
    fast.forEach((doc, docIndex) => {
      if (doc.value === null) return;
      readObject(file, docIndex, lazyLocators(file, text, doc, lines), [], doc.value as Record<string, unknown>, resources, diagnostics, defaultNamespace);
    });
    return;
  }
  loadTextWithYaml(file, text, resources, diagnostics, defaultNamespace);
}

const isPlainObject = (v: unknown): boolean => v !== null && typeof v === "object" && !Array.isArray(v);

/** Line starts of the whole text, computed when a position is first asked for. */
function lazyLineTable(text: string): () => LineCounter {
  let counter: LineCounter | null = null;
  return () => {
    if (!counter) {
      counter = new LineCounter();
      counter.addNewLine(0);
      for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) counter.addNewLine(i + 1);
    }
    return counter;
  };
}

/**
 * Locators for a document the fast reader read: its positions come from the yaml package, which
 * reads that one document again the first time a diagnostic needs a position (its offsets are
 * relative to the document's start, so they are shifted back onto the file's lines).
 */
function lazyLocators(file: string, text: string, doc: FastDocument, lines: () => LineCounter): (prefix: Array<string | number>) => NodeLocator {
  let root: Node | null = null;
  const shifted = { linePos: (offset: number) => lines().linePos(doc.start + offset) } as unknown as LineCounter;
  const rootNode = (): Node => {
    root ??= parseDocument(text.slice(doc.start, doc.end), { prettyErrors: false, keepSourceTokens: false, ...KUBERNETES_YAML }).contents as Node;
    return root;
  };
  return (prefix) => {
    let inner: NodeLocator | null = null;
    const get = () => (inner ??= nodeLocator(file, rootNode(), shifted, prefix));
    return { locate: (path) => get().locate(path), locateKey: (path) => get().locateKey(path) };
  };
}

/** The `yaml` package's reading, with positions for every node (the reference the fast reader is tested against). */
export function loadTextWithYaml(file: string, text: string, resources: Resource[], diagnostics: Diagnostic[], defaultNamespace: string): void {
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter, prettyErrors: false, keepSourceTokens: false, ...KUBERNETES_YAML });
  // An empty stream (no documents, e.g. only comments) is an empty array.
  const docs: Document.Parsed[] = [...parsed];
  const at = (offset: number): SourceLocation => ({ file, ...lineCounter.linePos(offset) });
  docs.forEach((doc, docIndex) => {
    if (doc.errors.length > 0) {
      for (const err of doc.errors) {
        diagnostics.push({ ...fileDiagnostic(file, "yaml-syntax", `invalid YAML: ${err.message}`), location: at(err.pos[0]) });
      }
      return;
    }
    const root = doc.contents as Node | null;
    if (root === null || (isScalarNull(root))) return; // empty document (e.g. a trailing `---`)
    const where = at(root.range?.[0] ?? 0);
    if (!isMap(root)) {
      diagnostics.push({ ...fileDiagnostic(file, "not-an-object", "document is not a mapping (expected a Kubernetes object)"), location: where });
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (err) {
      diagnostics.push({ ...fileDiagnostic(file, "yaml-syntax", `invalid YAML: ${(err as Error).message}`), location: where });
      return;
    }
    readObject(file, docIndex, (prefix) => nodeLocator(file, root, lineCounter, prefix), [], value as Record<string, unknown>, resources, diagnostics, defaultNamespace);
  });
}

function isScalarNull(node: Node): boolean {
  return (node as { value?: unknown }).value === null && !isMap(node) && !isSeq(node);
}

/** One Kubernetes object (a document, or an item of a `kind: List`). */
function readObject(
  file: string,
  docIndex: number,
  locators: (prefix: Array<string | number>) => NodeLocator,
  prefix: Array<string | number>,
  obj: Record<string, unknown>,
  resources: Resource[],
  diagnostics: Diagnostic[],
  defaultNamespace: string,
): void {
  const locator = locators(prefix);
  const isObject = obj !== null && typeof obj === "object" && !Array.isArray(obj);
  // Name the object in diagnostics only when it has a kind and a name.
  const meta0 = isObject && obj.metadata !== null && typeof obj.metadata === "object" ? (obj.metadata as Record<string, unknown>) : {};
  const named = isObject && typeof obj.kind === "string" && typeof meta0.name === "string";
  const problem = (code: string, field: string, path: Array<string | number>, message: string, severity: "error" | "warning" = "error"): Diagnostic => ({
    severity,
    location: locator.locate(path),
    kind: named ? (obj.kind as string) : "",
    namespace: named ? (typeof meta0.namespace === "string" ? meta0.namespace : defaultNamespace) : "",
    name: named ? (meta0.name as string) : "",
    field,
    message,
    code,
  });
  if (!isObject) {
    diagnostics.push(problem("not-an-object", "", [], "item is not a mapping (expected a Kubernetes object)"));
    return;
  }
  const { apiVersion, kind } = obj;
  if (typeof apiVersion !== "string" || apiVersion === "" || typeof kind !== "string" || kind === "") {
    const missing = [typeof apiVersion !== "string" || apiVersion === "" ? "apiVersion" : "", typeof kind !== "string" || kind === "" ? "kind" : ""].filter(Boolean);
    diagnostics.push(problem("missing-type", missing[0]!, [], `document has no ${missing.join(" and no ")} (not a Kubernetes object)`));
    return;
  }
  const cls = classifyDocument(apiVersion, kind);
  switch (cls.action) {
    case "skip":
      return;
    case "error":
      diagnostics.push(problem(cls.code, "kind", ["kind"], cls.message));
      return;
    case "ignore": {
      diagnostics.push(problem("ignored-kind", "kind", ["kind"], cls.message, "warning"));
      return;
    }
    case "list": {
      const items = obj.items;
      if (items === undefined || items === null) return;
      if (!Array.isArray(items)) {
        diagnostics.push(problem("schema-type", "items", ["items"], "items of a List must be a list"));
        return;
      }
      items.forEach((item, i) => {
        readObject(file, docIndex, locators, [...prefix, "items", i], item as Record<string, unknown>, resources, diagnostics, defaultNamespace);
      });
      return;
    }
    case "keep":
      break;
  }
  const rawMeta = obj.metadata;
  if (rawMeta === undefined || rawMeta === null || typeof rawMeta !== "object" || Array.isArray(rawMeta)) {
    diagnostics.push(problem("missing-name", "metadata", ["metadata"], rawMeta === undefined ? "metadata.name is required" : "metadata must be a mapping"));
    return;
  }
  const meta = rawMeta as Record<string, unknown>;
  if (typeof meta.name !== "string" || meta.name === "") {
    // generateName is not supported: the compiler needs a stable name for ordering and reports.
    diagnostics.push(problem("missing-name", "metadata.name", ["metadata", "name"], "metadata.name is required (a non-empty string)"));
    return;
  }
  if (meta.namespace !== undefined && (typeof meta.namespace !== "string" || meta.namespace === "")) {
    diagnostics.push(problem("schema-type", "metadata.namespace", ["metadata", "namespace"], "metadata.namespace must be a non-empty string"));
    return;
  }
  const metadata: ObjectMeta = { ...meta, name: meta.name, namespace: (meta.namespace as string | undefined) ?? defaultNamespace };
  const spec = obj.spec;
  const resource: Resource = {
    apiVersion,
    kind,
    metadata,
    spec: spec !== null && typeof spec === "object" && !Array.isArray(spec) ? (spec as Record<string, any>) : {},
    source: { file, docIndex, locate: locator.locate, locateKey: locator.locateKey },
  };
  rawObjects.set(resource, obj);
  resources.push(resource);
}

// The whole object as written, for the schema validator: it checks `spec` as written (e.g.
// `spec: []`) and the fields other than apiVersion/kind/metadata/spec.
const rawObjects = new WeakMap<Resource, Record<string, unknown>>();

/** The whole object as written in the file; for resources built in code, their own fields. */
export function rawObject(resource: Resource): Record<string, unknown> {
  return rawObjects.get(resource) ?? { apiVersion: resource.apiVersion, kind: resource.kind, metadata: resource.metadata, spec: resource.spec };
}

function expandPath(path: string, diagnostics: Diagnostic[], top = true): string[] {
  let stat;
  try {
    stat = statSync(path);
  } catch (err) {
    diagnostics.push(fileDiagnostic(path, "read-error", `cannot read: ${(err as Error).message}`));
    return [];
  }
  if (!stat.isDirectory()) return [path];
  const out: string[] = [];
  let skipped = 0;
  const entries = readdirSync(path, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) out.push(...expandPath(child, diagnostics, false));
    else if (RESOURCE_FILE.test(entry.name)) out.push(child);
    else skipped++;
  }
  if (top && out.length === 0) {
    // A folder of .txt (or the wrong folder) is not an empty configuration: say so.
    const others = skipped ? ` (${skipped} other file${skipped === 1 ? "" : "s"} skipped)` : "";
    diagnostics.push({ ...fileDiagnostic(path, "no-resource-files", `no *.yaml, *.yml or *.json file in this folder${others}`), severity: "warning" });
  }
  return out;
}

function fileDiagnostic(file: string, code: string, message: string): Diagnostic {
  return { severity: "error", location: { file, line: 1, col: 1 }, kind: "", namespace: "", name: "", field: "", message, code };
}

function formatLocation(l: SourceLocation): string {
  return `${l.file}:${l.line}:${l.col}`;
}

/** The same (kind, namespace, name) twice: the API server would keep only the last one. */
function findDuplicates(resources: Resource[]): Diagnostic[] {
  const seen = new Map<string, Resource>();
  const out: Diagnostic[] = [];
  for (const r of resources) {
    const key = `${r.kind}\u0000${r.metadata.namespace}\u0000${r.metadata.name}`;
    const first = seen.get(key);
    if (!first) {
      seen.set(key, r);
      continue;
    }
    const firstAt = first.source.locate(["metadata", "name"]);
    out.push({
      severity: "error",
      location: r.source.locate(["metadata", "name"]),
      kind: r.kind,
      namespace: r.metadata.namespace,
      name: r.metadata.name,
      field: "metadata.name",
      message: `duplicate ${r.kind} ${r.metadata.namespace}/${r.metadata.name}: also defined at ${formatLocation(firstAt)}`,
      code: "duplicate-resource",
      related: firstAt,
    });
  }
  return out;
}
