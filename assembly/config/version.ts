// The version a bundled module's plugin configuration names. Two forms reach the filter: the
// bare version string (an EnvoyFilter's StringValue), or the JSON Istio makes of a WasmPlugin's
// `pluginConfig` — Istio marshals the Struct to JSON and passes it as a StringValue
// (pilot/pkg/model/extensions.go buildWasmConfig) — from which the top-level "version" string is
// taken. Configure-time only.

/** Why the last read failed. */
export let versionError: string = "";

class Scan {
  at: usize;
  constructor(public ptr: usize, public end: usize) { this.at = ptr; }
  @inline peek(): u32 { return this.at < this.end ? <u32>load<u8>(this.at) : 0xffffffff; }
  ws(): void {
    while (this.at < this.end) {
      const b = load<u8>(this.at);
      if (b != 0x20 && b != 0x09 && b != 0x0a && b != 0x0d) break;
      this.at++;
    }
  }
  /** A JSON string starting at the quote; returns [start, end) of its raw content, or false. */
  string(): bool {
    if (this.peek() != 0x22) return false;
    this.at++;
    while (this.at < this.end) {
      const b = load<u8>(this.at);
      if (b == 0x22) { this.at++; return true; }
      this.at += b == 0x5c ? 2 : 1;
    }
    return false;
  }
  /** Skips any JSON value (strings, nested objects and arrays, literals). */
  value(): bool {
    const b = this.peek();
    if (b == 0x22) return this.string();
    if (b == 0x7b || b == 0x5b) {
      let depth = 0;
      while (this.at < this.end) {
        const c = load<u8>(this.at);
        if (c == 0x22) { if (!this.string()) return false; continue; }
        if (c == 0x7b || c == 0x5b) depth++;
        else if (c == 0x7d || c == 0x5d) { depth--; if (depth == 0) { this.at++; return true; } }
        this.at++;
      }
      return false;
    }
    const from = this.at;
    while (this.at < this.end) {
      const c = load<u8>(this.at);
      if (c == 0x2c || c == 0x7d || c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09) break;
      this.at++;
    }
    return this.at > from;
  }
}

function fail(message: string): string | null {
  versionError = message;
  return null;
}

/** The named version, or null with `versionError` set. */
export function namedVersion(ptr: usize, len: usize): string | null {
  const s = new Scan(ptr, ptr + len);
  s.ws();
  if (s.peek() != 0x7b) {
    // The bare form: the whole configuration, surrounding white space aside.
    let end = ptr + len;
    while (end > s.at && (load<u8>(end - 1) == 0x20 || load<u8>(end - 1) == 0x0a || load<u8>(end - 1) == 0x0d || load<u8>(end - 1) == 0x09)) end--;
    return String.UTF8.decodeUnsafe(s.at, end - s.at);
  }
  s.at++;
  let found: string | null = null;
  let open = true;
  while (open) {
    s.ws();
    if (s.peek() == 0x7d) break;
    const keyAt = s.at + 1;
    if (!s.string()) return fail("the plugin configuration is not valid JSON (expected a key)");
    const key = String.UTF8.decodeUnsafe(keyAt, s.at - 1 - keyAt);
    s.ws();
    if (s.peek() != 0x3a) return fail("the plugin configuration is not valid JSON (expected ':')");
    s.at++;
    s.ws();
    if (key == "version") {
      const valueAt = s.at + 1;
      if (s.peek() != 0x22 || !s.string()) return fail("the plugin configuration's \"version\" is not a string");
      for (let p = valueAt; p < s.at - 1; p++) if (load<u8>(p) == 0x5c) return fail("the plugin configuration's \"version\" contains an escape; versions are plain text");
      found = String.UTF8.decodeUnsafe(valueAt, s.at - 1 - valueAt);
    } else if (!s.value()) {
      return fail("the plugin configuration is not valid JSON (bad value for \"" + key + "\")");
    }
    s.ws();
    if (s.peek() == 0x2c) s.at++;
    else if (s.peek() == 0x7d) open = false;
    else return fail("the plugin configuration is not valid JSON (expected ',' or '}')");
  }
  if (found === null) return fail("the plugin configuration is a JSON object without a \"version\"; a bundled module needs {\"version\": \"<bundle version>\"}");
  return found;
}
