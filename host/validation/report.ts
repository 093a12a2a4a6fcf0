// A sink for one resource's webhook diagnostics, plus type-tolerant accessors: the webhook rules
// also run on resources whose schema check failed, so every read must survive wrong types.

import type { Diagnostic, FieldPath, Resource } from "../resources/types.ts";
import { diagnosticAt } from "../resources/types.ts";
import { NS_PER_MS, parseDurationNs } from "./duration.ts";

export class Report {
  readonly diagnostics: Diagnostic[] = [];
  constructor(readonly resource: Resource) {}

  error(path: FieldPath, code: string, message: string): void {
    this.diagnostics.push(diagnosticAt(this.resource, path, message, "error", code));
  }

  warn(path: FieldPath, code: string, message: string): void {
    this.diagnostics.push(diagnosticAt(this.resource, path, message, "warning", code));
  }

  /** Reports `message` (if not null) as an error at `path`. */
  check(path: FieldPath, code: string, message: string | null): void {
    if (message !== null) this.error(path, code, message);
  }
}

export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);
export const obj = (v: unknown): Obj | undefined => (isObj(v) ? v : undefined);
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const str = (v: unknown): string => (typeof v === "string" ? v : "");
export const num = (v: unknown): number => (typeof v === "number" ? v : 0);
/** Set in the YAML (not absent, not null): what proto `!= nil` / `has()` means here. */
export const isSet = (v: unknown): boolean => v !== undefined && v !== null;
export const strMap = (v: unknown): Array<[string, unknown]> => (isObj(v) ? Object.entries(v) : []);

/**
 * agent.ValidateDuration: ≥ 1ms and whole milliseconds. Returns null when fine. A value that
 * does not parse is reported by the schema (CEL duration()) and skipped here.
 */
export function durationError(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const ns = parseDurationNs(value);
  if (ns === null) return null;
  if (ns < NS_PER_MS) return "duration must be greater than 1ms";
  if (ns % NS_PER_MS !== 0) return "only durations to ms precision are supported";
  return null;
}

/** agent.ValidatePort. */
export function portError(port: number): string | null {
  return port >= 1 && port <= 65535 && Number.isInteger(port) ? null : `port number ${port} must be in the range 1..65535`;
}
