// Istio resources as read from the operator's YAML, with the source position of every field
// so that every diagnostic can point at `file:line:col`.

export interface SourceLocation {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
}

/** Path of a field inside a resource document, e.g. ["spec", "http", 0, "route", 1, "weight"]. */
export type FieldPath = Array<string | number>;

export interface ResourceSource {
  file: string;
  /** Index of the YAML document in the file (0-based); items of a `kind: List` share it. */
  docIndex: number;
  /** Where a field (or, if absent, its nearest present ancestor) is written. */
  locate(path: FieldPath): SourceLocation;
  /**
   * Where the key of a map field is written (for "unknown field" and similar): the key's
   * position when the last path part is a map key that exists, else the same as `locate`.
   */
  locateKey?(path: FieldPath): SourceLocation;
}

export interface ObjectMeta {
  name: string;
  namespace: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  [key: string]: unknown;
}

export interface Resource<Spec = Record<string, any>> {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: Spec;
  source: ResourceSource;
}

export type Severity = "error" | "warning";

export interface Diagnostic {
  severity: Severity;
  location: SourceLocation | null;
  /** Resource kind, e.g. "VirtualService"; "" when the problem is not in one resource. */
  kind: string;
  namespace: string;
  name: string;
  /** Dotted field path, e.g. "spec.http[0].route[1].weight"; "" for the whole resource. */
  field: string;
  message: string;
  /**
   * Stable rule code (e.g. "yaml-syntax", "schema-type", "vs-route-weight"); tests assert on
   * it rather than on wording. Optional so that other producers need not set one.
   */
  code?: string;
  /** A second location the message refers to (e.g. the other definition of a duplicate). */
  related?: SourceLocation;
}

export function fieldPathToString(path: FieldPath): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? part : `.${part}`;
  }
  return out;
}

/** `file:line:col  kind ns/name  field  message` (the format users grep for). */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.location ? `${d.location.file}:${d.location.line}:${d.location.col}` : "-";
  const what = d.kind ? `${d.kind} ${d.namespace}/${d.name}` : "-";
  const prefix = d.severity === "warning" ? "warning: " : "";
  return `${where}  ${what}  ${d.field || "-"}  ${prefix}${d.message}`;
}

/** A diagnostic about a field of a resource, located from the resource's source. */
export function diagnosticAt(
  resource: Resource,
  path: FieldPath,
  message: string,
  severity: Severity = "error",
  code?: string,
): Diagnostic {
  const d: Diagnostic = {
    severity,
    location: resource.source.locate(path),
    kind: resource.kind,
    namespace: resource.metadata.namespace,
    name: resource.metadata.name,
    field: fieldPathToString(path),
    message,
  };
  if (code !== undefined) d.code = code;
  return d;
}
