// Validates Istio resources against the OpenAPI v3 schemas of their CRDs (crd-all.gen.yaml,
// extracted by scripts/extract-crd-schemas.ts), as the Kubernetes API server would with strict
// field validation (`kubectl apply --validate=strict`, the default since kubectl 1.27):
// unknown fields are errors, types/enums/ranges checked, CEL rules evaluated (cel.ts).
//
// Kubernetes-specific behaviour reproduced here:
// - Unknown fields: structural schemas prune them; strict field validation rejects them. An
//   object schema with `properties` and without `x-kubernetes-preserve-unknown-fields` gets
//   `additionalProperties: false`.
// - `null` for a field is dropped before validation ("null values for fields that either don't
//   specify nullable or specify nullable: false will be pruned", k8s CRD docs), so `timeout:` with
//   no value is the same as no timeout.
// - `x-kubernetes-list-type: map` keys must be unique; `set` items must be unique.
// - `status` is written by the server and not checked; `metadata` is checked by the loader.

import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import type { Diagnostic, FieldPath, Resource } from "../resources/types.ts";
import { fieldPathToString } from "../resources/types.ts";
import { rawObject } from "../resources/load.ts";
import { evaluateCelRules } from "./cel.ts";
import extracted from "./schemas/istio-networking.gen.json" with { type: "json" };

type SchemaNode = Record<string, any>;

const SCHEMAS = (extracted as { schemas: Record<string, Record<string, SchemaNode>> }).schemas;

/** The schema of `kind` at `apiVersion` (networking.istio.io/<version>), if there is one. */
export function crdSchema(kind: string, apiVersion: string): SchemaNode | undefined {
  const version = apiVersion.slice(apiVersion.lastIndexOf("/") + 1);
  return SCHEMAS[kind]?.[version];
}

/** Every CEL rule text in the extracted schemas (for the coverage test). */
export function allCelRules(): string[] {
  const rules = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node === null || typeof node !== "object") return;
    for (const [k, v] of Object.entries(node)) {
      if (k === "x-kubernetes-validations") for (const r of v as Array<{ rule: string }>) rules.add(r.rule);
      else walk(v);
    }
  };
  walk(SCHEMAS);
  return [...rules].sort();
}

// --- schema preparation -------------------------------------------------------------------

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Adds `additionalProperties: false` where the API server would reject unknown fields. */
function closeObjects(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closeObjects);
  if (node === null || typeof node !== "object") return node;
  const out: SchemaNode = {};
  for (const [k, v] of Object.entries(node as SchemaNode)) {
    if (k === "properties") {
      out[k] = Object.fromEntries(Object.entries(v as SchemaNode).map(([name, s]) => [name, closeObjects(s)]));
    } else if (k === "items" || k === "additionalProperties" || k === "not" || k === "oneOf" || k === "anyOf" || k === "allOf") {
      out[k] = closeObjects(v);
    } else {
      out[k] = v;
    }
  }
  if (out.type === "object" && out.properties && out.additionalProperties === undefined && !out["x-kubernetes-preserve-unknown-fields"]) {
    out.additionalProperties = false;
  }
  return out;
}

function resourceSchema(crd: SchemaNode): SchemaNode {
  return {
    type: "object",
    properties: {
      apiVersion: { type: "string" },
      kind: { type: "string" },
      metadata: { type: "object" },
      spec: closeObjects(crd.properties.spec),
      status: { "x-kubernetes-preserve-unknown-fields": true },
    },
    required: crd.required ?? [],
    additionalProperties: false,
  };
}

function newAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: false, validateFormats: true });
  ajv.addFormat("int32", { type: "number", validate: (n: number) => Number.isInteger(n) && n >= INT32_MIN && n <= INT32_MAX });
  ajv.addFormat("double", { type: "number", validate: () => true });
  ajv.addFormat("byte", { type: "string", validate: (s: string) => /^[A-Za-z0-9+/]*={0,2}$/.test(s) && s.length % 4 === 0 });
  ajv.addFormat("date-time", { type: "string", validate: (s: string) => !Number.isNaN(Date.parse(s)) });
  ajv.addKeyword({ keyword: "x-kubernetes-preserve-unknown-fields" });
  ajv.addKeyword({ keyword: "x-kubernetes-int-or-string" });
  ajv.addKeyword({ keyword: "x-kubernetes-list-map-keys" });
  ajv.addKeyword({
    keyword: "x-kubernetes-validations",
    errors: true,
    validate: function celKeyword(rules: Array<{ rule: string; message?: string }>, data: unknown): boolean {
      const failures = evaluateCelRules(rules, data);
      (celKeyword as unknown as { errors: Partial<ErrorObject>[] }).errors = failures.map((f) => ({
        keyword: "x-kubernetes-validations",
        message: f.message,
        params: { rule: f.rule },
      }));
      return failures.length === 0;
    },
  });
  ajv.addKeyword({
    keyword: "x-kubernetes-list-type",
    errors: true,
    validate: function listType(type: string, data: unknown, parent?: SchemaNode, cxt?: { instancePath: string }): boolean {
      if (!Array.isArray(data) || (type !== "map" && type !== "set")) return true;
      const keys: string[] = type === "map" ? (parent?.["x-kubernetes-list-map-keys"] ?? []) : [];
      const seen = new Set<string>();
      const errors: Partial<ErrorObject>[] = [];
      data.forEach((item, i) => {
        const id = type === "map" ? keys.map((k) => `${k}=${JSON.stringify((item as SchemaNode)?.[k])}`).join(",") : JSON.stringify(item);
        // Point at the second occurrence, not at the whole list.
        if (seen.has(id)) errors.push({ keyword: "x-kubernetes-list-type", message: `duplicate entry ${id}`, params: { type }, instancePath: `${cxt?.instancePath ?? ""}/${i}` });
        seen.add(id);
      });
      (listType as unknown as { errors: Partial<ErrorObject>[] }).errors = errors;
      return errors.length === 0;
    },
  });
  return ajv;
}

let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

function validatorFor(kind: string, apiVersion: string): ValidateFunction | undefined {
  const crd = crdSchema(kind, apiVersion);
  if (!crd) return undefined;
  // All served versions of a kind are identical today; compile each distinct schema once.
  const key = JSON.stringify(crd);
  let fn = compiled.get(key);
  if (!fn) {
    ajv ??= newAjv();
    fn = ajv.compile(resourceSchema(crd));
    compiled.set(key, fn);
  }
  return fn;
}

// --- validation ---------------------------------------------------------------------------

/** Drops `null` map values (the API server prunes them before validation). */
function pruneNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pruneNulls);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = pruneNulls(v);
  return out;
}

/** Schema errors of one Istio resource (none for kinds without a CRD schema, e.g. Service). */
export function validateSchema(resource: Resource): Diagnostic[] {
  const validate = validatorFor(resource.kind, resource.apiVersion);
  if (!validate) return [];
  const data = pruneNulls(rawObject(resource));
  if (validate(data)) return [];
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  const errors = validate.errors ?? [];
  // A value of the wrong type also fails its format; report the type only.
  const typeErrorAt = new Set(errors.filter((e) => e.keyword === "type").map((e) => e.instancePath));
  for (const err of errors) {
    if (isBranchError(err)) continue;
    if (err.keyword === "format" && typeErrorAt.has(err.instancePath)) continue;
    const converted = convertError(err, data);
    if (!converted) continue;
    const { path, message, code, atKey } = converted;
    const dedupe = `${fieldPathToString(path)}\u0000${message}`;
    if (seen.has(dedupe)) continue;
    seen.add(dedupe);
    const source = resource.source;
    out.push({
      severity: "error",
      location: atKey && source.locateKey ? source.locateKey(path) : source.locate(path),
      kind: resource.kind,
      namespace: resource.metadata.namespace,
      name: resource.metadata.name,
      field: fieldPathToString(path),
      message,
      code,
    });
  }
  return out;
}

/** Errors ajv collects while trying the branches of oneOf/anyOf/not; the combinator reports. */
function isBranchError(err: ErrorObject): boolean {
  const parts = err.schemaPath.split("/");
  // A branch error has a combinator segment followed by more segments after it.
  for (let i = 0; i < parts.length - 1; i++) {
    if (parts[i] === "oneOf" || parts[i] === "anyOf" || parts[i] === "not") return true;
  }
  return false;
}

/** JSON pointer → field path, numbers for array indexes. */
function toFieldPath(pointer: string, data: unknown): FieldPath {
  const path: FieldPath = [];
  let cur: unknown = data;
  for (const raw of pointer.split("/").slice(1)) {
    const seg = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(cur)) {
      const i = Number(seg);
      path.push(i);
      cur = cur[i];
    } else {
      path.push(seg);
      cur = cur !== null && typeof cur === "object" ? (cur as Record<string, unknown>)[seg] : undefined;
    }
  }
  return path;
}

function show(value: unknown): string {
  const s = JSON.stringify(value);
  if (s === undefined) return String(value);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function requiredOf(branch: SchemaNode): string[] {
  return Array.isArray(branch.required) ? branch.required : [];
}

interface Converted {
  path: FieldPath;
  message: string;
  code: string;
  atKey?: boolean;
}

function convertError(err: ErrorObject, root: unknown): Converted | undefined {
  const path = toFieldPath(err.instancePath, root);
  const data = err.data;
  const parent = err.parentSchema as SchemaNode | undefined;
  switch (err.keyword) {
    case "additionalProperties": {
      const field = (err.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys(parent?.properties ?? {});
      const hint = nearest(field, known);
      return {
        path: [...path, field],
        message: `unknown field "${field}"${hint ? ` (did you mean "${hint}"?)` : ""}`,
        code: "schema-unknown-field",
        atKey: true,
      };
    }
    case "type": {
      const expected = (err.params as { type: string | string[] }).type;
      return { path, message: `must be ${article(String(expected))}, got ${jsonType(data)} ${show(data)}`, code: "schema-type" };
    }
    case "required": {
      const field = (err.params as { missingProperty: string }).missingProperty;
      return { path: [...path, field], message: `required field "${field}" is missing`, code: "schema-required" };
    }
    case "enum": {
      const allowed = (err.params as { allowedValues: unknown[] }).allowedValues;
      return { path, message: `must be one of ${allowed.map((v) => String(v)).join(", ")} (got ${show(data)})`, code: "schema-enum" };
    }
    case "oneOf": {
      // Istio's oneOf: [{not: {anyOf: [{required: [a]}, ...]}}, {required: [a]}, ...] = "at most one of".
      const branches = (parent?.oneOf ?? []) as SchemaNode[];
      const fields = branches.flatMap(requiredOf);
      const set = fields.filter((f) => data !== null && typeof data === "object" && (data as Record<string, unknown>)[f] !== undefined);
      return { path, message: `at most one of ${fields.join(", ")} may be set (found ${set.join(", ")})`, code: "schema-oneof" };
    }
    case "anyOf": {
      if (parent?.["x-kubernetes-int-or-string"]) return { path, message: `must be an integer or a string, got ${show(data)}`, code: "schema-type" };
      return { path, message: `does not match any allowed form (${show(data)})`, code: "schema-anyof" };
    }
    case "not":
      return { path, message: `must not match the forbidden form (${show(data)})`, code: "schema-not" };
    case "maximum":
    case "minimum": {
      const limit = (err.params as { limit: number }).limit;
      return { path, message: `must be ${err.keyword === "maximum" ? "<=" : ">="} ${limit} (got ${show(data)})`, code: "schema-range" };
    }
    case "maxItems":
    case "minItems":
    case "maxLength":
    case "maxProperties": {
      const limit = (err.params as { limit: number }).limit;
      const what = err.keyword === "maxLength" ? "characters" : err.keyword === "maxProperties" ? "entries" : "items";
      return { path, message: `must have ${err.keyword.startsWith("max") ? "at most" : "at least"} ${limit} ${what}`, code: "schema-size" };
    }
    case "format": {
      const format = (err.params as { format: string }).format;
      const desc = format === "int32" ? "a 32-bit integer" : format === "date-time" ? "an RFC 3339 date-time" : format === "byte" ? "base64 data" : `format ${format}`;
      return { path, message: `must be ${desc} (got ${show(data)})`, code: "schema-format" };
    }
    case "x-kubernetes-validations":
      return { path, message: data !== null && typeof data === "object" ? String(err.message) : `${err.message} (got ${show(data)})`, code: "schema-cel" };
    case "x-kubernetes-list-type":
      return { path, message: err.message ?? "duplicate entry", code: "schema-list" };
    default:
      return { path, message: err.message ?? err.keyword, code: `schema-${err.keyword}` };
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function jsonType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "list";
  if (typeof v === "object") return "map";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

/** The known field closest to a misspelt one (edit distance ≤ 2, or case-insensitive equal). */
function nearest(field: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    const d = k.toLowerCase() === field.toLowerCase() ? 0 : editDistance(field, k);
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}
