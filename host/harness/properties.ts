// Property values and paths (envoy source/extensions/common/wasm/context.cc getProperty /
// serializeValue; docs/root/intro/arch_overview/advanced/attributes.rst).
// Paths are segments joined by NUL; values: strings raw UTF-8, int64 8 bytes little-endian,
// bool 1 byte, bytes as given.

export type PropertyValue = string | Uint8Array | bigint | number | boolean;

const encoder = new TextEncoder();

/** Encodes a value the way Envoy's serializeValue does. */
export function encodeProperty(v: PropertyValue): Uint8Array {
  if (typeof v === "string") return encoder.encode(v);
  if (v instanceof Uint8Array) return v;
  if (typeof v === "boolean") return Uint8Array.of(v ? 1 : 0);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigInt64(0, BigInt(v), true);
  return out;
}

/**
 * A property path as the caller gives it: an array of segments (`["filter_state",
 * "envoy.filters.http.lua"]` — a segment may hold dots), or a string: NUL-joined segments used as
 * is, otherwise "." separates segments ("destination.port"), so a dotted segment needs the array.
 */
export type PropertyPathInput = string | readonly string[];

/** Properties as entries whose paths may be segment arrays. */
export type PropertyList = ReadonlyArray<readonly [PropertyPathInput, PropertyValue]>;

/** The NUL-joined wire path of a caller's property path. */
export function propertyPath(name: PropertyPathInput): string {
  if (typeof name !== "string") return name.join("\u0000");
  return name.includes("\u0000") ? name : name.split(".").join("\u0000");
}

/** Encodes a property table and list once (static and per-request properties); the list wins. */
export function encodePropertyTable(
  props: Record<string, PropertyValue> | undefined,
  list?: PropertyList,
): Map<string, Uint8Array> | null {
  if (!props && !list) return null;
  const m = new Map<string, Uint8Array>();
  for (const [k, v] of Object.entries(props ?? {})) m.set(propertyPath(k), encodeProperty(v));
  for (const [k, v] of list ?? []) m.set(propertyPath(k), encodeProperty(v));
  return m;
}

/** Segments of a wire path. */
export function pathSegments(path: string): string[] {
  return path.split("\u0000");
}

/** Human-readable form of a wire path, for assertions ("request.path"; ambiguous when a segment holds a dot). */
export function displayPath(path: string): string {
  return path.split("\u0000").join(".");
}
