// One analysis finding, and the three ways `gatewasm analyze` prints findings. The text form is
// istioctl's (`Error [IST0101] (VirtualService default/x file:3:5) Referenced ...`, diag.Message
// String in istio/istio pkg/config/analysis/diag/message.go), with a column added; the JSON and
// YAML forms carry Unstructured's keys (code, level, origin, reference, message,
// documentationUrl) plus the field path.

import { stringify } from "yaml";
import { fieldPathToString, type FieldPath, type Resource, type SourceLocation } from "../resources/types.ts";
import { formatTemplate, MESSAGES, type Level, type MessageName } from "./messages.ts";

export interface Finding {
  code: string;
  /** The message type's name, e.g. "ReferencedResourceNotFound". */
  type: string;
  level: Level;
  /** Kind, namespace and name of the resource; kind "" for a finding about no one resource. */
  kind: string;
  namespace: string;
  name: string;
  /** Dotted field path the finding points at ("" for the whole resource). */
  field: string;
  location: SourceLocation | null;
  message: string;
}

/** A finding on `resource` at `path` of the given message type. */
export function findingAt(resource: Resource, path: FieldPath, name: MessageName, ...params: unknown[]): Finding {
  const t = MESSAGES[name];
  let location: SourceLocation | null = null;
  try {
    location = resource.source.locate(path);
  } catch {
    location = null;
  }
  return {
    code: t.code,
    type: t.name,
    level: t.level,
    kind: resource.kind,
    namespace: resource.metadata.namespace,
    name: resource.metadata.name,
    field: fieldPathToString(path),
    location,
    message: formatTemplate(t.template, params),
  };
}

/** A finding about no single resource. */
export function globalFinding(name: MessageName, ...params: unknown[]): Finding {
  const t = MESSAGES[name];
  return { code: t.code, type: t.name, level: t.level, kind: "", namespace: "", name: "", field: "", location: null, message: formatTemplate(t.template, params) };
}

/** istioctl's origin: `<Kind> <namespace>/<name>` (legacy/source/kube/origin.go FriendlyName). */
export function originOf(f: Finding): string {
  return f.kind === "" ? "" : `${f.kind} ${f.namespace}/${f.name}`;
}

function reference(f: Finding): string {
  return f.location ? `${f.location.file}:${f.location.line}:${f.location.col}` : "";
}

/** Istio's documentation page for an IST code (pkg/url ConfigAnalysis + lower-cased code). */
function documentationUrl(code: string): string | undefined {
  return code.startsWith("IST") ? `https://istio.io/latest/docs/reference/config/analysis/${code.toLowerCase()}/` : undefined;
}

export function formatText(f: Finding): string {
  const where = [originOf(f), reference(f)].filter((s) => s !== "").join(" ");
  return `${f.level} [${f.code}]${where === "" ? "" : ` (${where})`} ${f.message}`;
}

function structured(f: Finding): Record<string, unknown> {
  const out: Record<string, unknown> = { code: f.code, level: f.level };
  if (f.kind !== "") out.origin = originOf(f);
  if (f.location) out.reference = reference(f);
  if (f.field !== "") out.field = f.field;
  out.message = f.message;
  const url = documentationUrl(f.code);
  if (url) out.documentationUrl = url;
  return out;
}

export const OUTPUT_FORMATS = ["log", "json", "yaml"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** The findings in one of istioctl's output formats (`log` is its default text form). */
export function formatFindings(findings: Finding[], format: OutputFormat): string {
  switch (format) {
    case "log":
      return findings.map((f) => `${formatText(f)}\n`).join("");
    case "json":
      return `${JSON.stringify(findings.map(structured), null, 2)}\n`;
    case "yaml":
      return findings.length === 0 ? "[]\n" : stringify(findings.map(structured));
  }
}
