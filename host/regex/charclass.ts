// Code-point sets as sorted, disjoint, non-adjacent inclusive ranges [lo0, hi0, lo1, hi1, ...].

export const MAX_RUNE = 0x10ffff;

export type Ranges = number[];

/** Normalises an arbitrary list of ranges: sorts, merges overlapping and adjacent ones. */
export function normalize(r: Ranges): Ranges {
  const pairs: [number, number][] = [];
  for (let i = 0; i < r.length; i += 2) if (r[i]! <= r[i + 1]!) pairs.push([r[i]!, r[i + 1]!]);
  pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: Ranges = [];
  for (const [lo, hi] of pairs) {
    const n = out.length;
    if (n > 0 && lo <= out[n - 1]! + 1) {
      if (hi > out[n - 1]!) out[n - 1] = hi;
    } else {
      out.push(lo, hi);
    }
  }
  return out;
}

export function union(a: Ranges, b: Ranges): Ranges {
  return normalize(a.concat(b));
}

/** Complement within [0, MAX_RUNE]. Input must be normalised. */
export function negate(a: Ranges): Ranges {
  const out: Ranges = [];
  let next = 0;
  for (let i = 0; i < a.length; i += 2) {
    if (a[i]! > next) out.push(next, a[i]! - 1);
    next = a[i + 1]! + 1;
  }
  if (next <= MAX_RUNE) out.push(next, MAX_RUNE);
  return out;
}

export function contains(a: Ranges, c: number): boolean {
  for (let i = 0; i < a.length; i += 2) if (a[i]! <= c && c <= a[i + 1]!) return true;
  return false;
}
