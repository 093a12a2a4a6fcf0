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
 * Normalises a caller's property name to the NUL-joined wire path: a name that already holds
 * NUL is used as is, otherwise "." separates segments ("destination.port").
 */
export function propertyPath(name: string): string {
  return name.includes("\u0000") ? name : name.split(".").join("\u0000");
}

/** Encodes a property table once (static and per-request properties). */
export function encodePropertyTable(
  props: Record<string, PropertyValue> | undefined,
): Map<string, Uint8Array> | null {
  if (!props) return null;
  const m = new Map<string, Uint8Array>();
  for (const [k, v] of Object.entries(props)) m.set(propertyPath(k), encodeProperty(v));
  return m;
}

/** Human-readable form of a wire path, for assertions ("request.path"). */
export function displayPath(path: string): string {
  return path.split("\u0000").join(".");
}
