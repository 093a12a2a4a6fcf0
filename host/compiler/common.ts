// Small shared pieces of the translation: the diagnostic sink, config ordering, exportTo sets,
// duration parsing. Each cites the Istio source it follows.

import type { Diagnostic, FieldPath, Resource, Severity } from "../resources/types.ts";
import { diagnosticAt } from "../resources/types.ts";
import { compareStrings } from "./names.ts";

/** Where a value was written: a resource and a field path inside it. */
export interface Origin {
  res: Resource;
  path: FieldPath;
}

export function at(origin: Origin, ...more: FieldPath): Origin {
  return { res: origin.res, path: [...origin.path, ...more] };
}

/** Collects diagnostics; one cause gives one message even if a route is translated twice. */
export class DiagnosticSink {
  readonly diagnostics: Diagnostic[] = [];
  private readonly seen = new Set<string>();

  report(origin: Origin, message: string, severity: Severity = "error"): void {
    let d: Diagnostic;
    try {
      d = diagnosticAt(origin.res, origin.path, message, severity);
    } catch {
      // A resource whose source cannot locate the field still gets its diagnostic.
      d = {
        severity,
        location: null,
        kind: origin.res.kind,
        namespace: origin.res.metadata?.namespace ?? "",
        name: origin.res.metadata?.name ?? "",
        field: "",
        message,
      };
    }
    this.push(d);
  }

  /** A diagnostic not tied to one resource. */
  global(message: string, severity: Severity): void {
    this.push({ severity, location: null, kind: "", namespace: "", name: "", field: "", message });
  }

  private push(d: Diagnostic): void {
    const key = `${d.severity}|${d.kind}|${d.namespace}|${d.name}|${d.field}|${d.message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.diagnostics.push(d);
  }
}

/** Milliseconds since the epoch; a missing or unparsable creationTimestamp is the zero time. */
function creationMs(r: Resource): number {
  const t = r.metadata?.creationTimestamp;
  if (typeof t !== "string" && !((t as unknown) instanceof Date)) return Number.NEGATIVE_INFINITY;
  const ms = new Date(t as string).getTime();
  return Number.isNaN(ms) ? Number.NEGATIVE_INFINITY : ms;
}

/**
 * `configCompareByCreationTime` (pilot/pkg/model/config.go): creation time, then name, then namespace.
 */
export function compareByCreationTime(a: Resource, b: Resource): number {
  const ta = creationMs(a);
  const tb = creationMs(b);
  if (ta !== tb) return ta < tb ? -1 : 1;
  const n = compareStrings(a.metadata.name, b.metadata.name);
  if (n !== 0) return n;
  return compareStrings(a.metadata.namespace, b.metadata.namespace);
}

export const EXPORT_PUBLIC = "*";
export const EXPORT_NONE = "~";

/**
 * `convertExportToSet` (virtualservice_controller.go): `.` becomes the resource's namespace; empty
 * means the mesh default, `*` (pilot/pkg/model/push_context.go initDefaultExportMaps).
 */
export function exportToSet(exportTo: unknown, namespace: string): Set<string> {
  const out = new Set<string>();
  if (Array.isArray(exportTo)) {
    for (const e of exportTo) {
      if (typeof e !== "string") continue;
      out.add(e === "." ? namespace : e);
    }
  }
  if (out.size === 0) out.add(EXPORT_PUBLIC);
  return out;
}

/** Visible from `namespace`: public, or exported to it (`.` was already turned into the own namespace). */
export function isVisibleTo(set: Set<string>, namespace: string): boolean {
  if (set.has(EXPORT_NONE) && set.size === 1) return false;
  return set.has(EXPORT_PUBLIC) || set.has(namespace);
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3,
  "μs": 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * A duration as written in Istio YAML (protobuf JSON `"1.5s"`, or Go syntax such as `1m30s`,
 * which the CRD's CEL `duration()` accepts) in whole milliseconds, or null when unparsable.
 * Validation requires whole milliseconds (`agent.ValidateDuration`), so rounding never changes a valid value.
 */
export function parseDurationMs(v: unknown): number | null {
  if (typeof v === "number" && Number.isFinite(v)) return Math.round(v * 1000);
  if (typeof v !== "string") return null;
  const s = v.trim();
  if (s === "0") return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while (pos < s.length && (m = re.exec(s)) !== null) {
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    pos = re.lastIndex;
  }
  if (pos !== s.length || pos === 0) return null;
  return Math.round(total);
}

export function isRecord(v: unknown): v is Record<string, any> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function asArray(v: unknown): any[] {
  return Array.isArray(v) ? v : [];
}

export function asString(v: unknown): string {
  return typeof v === "string" ? v : "";
}

export function asNumber(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}
