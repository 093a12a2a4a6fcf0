// Durations as Istio reads them: Go `time.ParseDuration` syntax ("10s", "1.5s", "3m", "1h30m",
// "250ms"), which is also what CEL's `duration()` accepts (cel-go uses time.ParseDuration).
// Istio's docs use "3m" (baseEjectionTime), so the protobuf-JSON-only "<seconds>s" form is too narrow.

/** Nanoseconds per unit (Go `time` package unit table; "µs" and "μs" are both micro). */
const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, "µs": 1e3, "μs": 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

const PART = /^([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)/;

/** Duration in nanoseconds, or null when `text` is not a Go duration. "0" alone is valid (0). */
export function parseDurationNs(text: string): number | null {
  let s = text;
  let sign = 1;
  if (s.startsWith("-") || s.startsWith("+")) {
    if (s[0] === "-") sign = -1;
    s = s.slice(1);
  }
  if (s === "0") return 0;
  if (s === "") return null;
  let total = 0;
  while (s !== "") {
    const m = PART.exec(s);
    if (!m || m[1] === "" || m[1] === ".") return null;
    // Integer and fraction apart, rounded to whole ns, so "1.1s" is exactly 1100000000 ns.
    const [whole = "", frac = ""] = m[1]!.split(".");
    const unit = UNIT_NS[m[2]!]!;
    total += Number(whole || "0") * unit + (frac ? Math.round(Number(`0.${frac}`) * unit) : 0);
    s = s.slice(m[0].length);
  }
  return sign * total;
}

export const NS_PER_MS = 1e6;

/** Formats nanoseconds for messages ("1.5ms", "0.0005ms"). */
export function formatMs(ns: number): string {
  return `${ns / NS_PER_MS}ms`;
}
