// YAML text for plain data (objects, arrays, strings, numbers, booleans, null) written without
// the `yaml` package's document model, for large outputs (filter-config.yaml of a 25,000-route
// gateway is tens of MB; the package's stringify took most of a compile's time and memory).
// Strings are double-quoted JSON strings (valid YAML 1.1 and 1.2 double-quoted scalars, so no
// value can be read back as a boolean, a number or null); keys are plain when they are safe
// (letters, digits, - _ . / and not resolving to anything but a string), quoted otherwise.
// test/resources/fast-yaml.test.ts reads the text back with the loader's options.

const SAFE_KEY = /^[A-Za-z_][A-Za-z0-9_./-]*$/;
/** Plain keys YAML 1.1 (go-yaml v2) would read as something else than a string. */
const NOT_STRING = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL)$/;

function key(k: string): string {
  return SAFE_KEY.test(k) && !NOT_STRING.test(k) ? k : JSON.stringify(k);
}

function scalar(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : Number.isNaN(v) ? ".nan" : v > 0 ? ".inf" : "-.inf";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "bigint") return v.toString();
  throw new Error(`cannot write ${typeof v} as YAML`);
}

const isCollection = (v: unknown): v is Record<string, unknown> | unknown[] => v !== null && typeof v === "object";
const isEmpty = (v: Record<string, unknown> | unknown[]): boolean => (Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0);

function emit(value: unknown, indent: string, out: string[]): void {
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isCollection(item) && !isEmpty(item)) {
        if (Array.isArray(item)) {
          out.push(`${indent}-\n`);
          emit(item, `${indent}  `, out);
        } else {
          // "- key: v" with the mapping's other keys under the first.
          const inner: string[] = [];
          emit(item, `${indent}  `, inner);
          out.push(`${indent}- ${inner[0]!.slice(indent.length + 2)}`, ...inner.slice(1));
        }
      } else out.push(`${indent}- ${isCollection(item) ? (Array.isArray(item) ? "[]" : "{}") : scalar(item)}\n`);
    }
    return;
  }
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === undefined) continue;
    if (isCollection(v) && !isEmpty(v)) {
      out.push(`${indent}${key(k)}:\n`);
      emit(v, Array.isArray(v) ? indent : `${indent}  `, out);
    } else out.push(`${indent}${key(k)}: ${isCollection(v) ? (Array.isArray(v) ? "[]" : "{}") : scalar(v)}\n`);
  }
}

/** One YAML document for `value` (a mapping or a sequence at the top). */
export function plainDataYaml(value: Record<string, unknown> | unknown[]): string {
  if (isEmpty(value)) return Array.isArray(value) ? "[]\n" : "{}\n";
  const out: string[] = [];
  emit(value, "", out);
  return out.join("");
}
