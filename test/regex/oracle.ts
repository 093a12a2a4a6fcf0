// RE2::GlobalReplace (google/re2 re2.cc) re-enacted on top of the npm re2 binding's matcher:
// each match is RE2's own (leftmost-first, whole-text context via lastIndex), and the loop
// mirrors GlobalReplace: an empty match right after the previous match is skipped by one
// UTF-8 character, and \0-\9 / \\ are expanded as RE2::Rewrite does.
import type RE2 from "re2";

export function re2GlobalReplace(re: RE2, input: Buffer, subst: Buffer, ngroups: number): Buffer {
  let maxRef = -1;
  for (let i = 0; i < subst.length; i++) {
    if (subst[i] === 0x5c && i + 1 < subst.length) {
      const c = subst[i + 1]!;
      if (c >= 0x30 && c <= 0x39) maxRef = Math.max(maxRef, c - 0x30);
      i++;
    }
  }
  if (maxRef > ngroups) return input;
  const out: Buffer[] = [];
  let p = 0;
  let lastEnd = -1;
  let count = 0;
  while (p <= input.length) {
    re.lastIndex = p;
    const m = re.exec(input);
    if (!m) break;
    const ms = m.index;
    const me = ms + m[0].length;
    if (ms > p) out.push(input.subarray(p, ms));
    if (ms === lastEnd && me === ms) {
      if (p < input.length) {
        const n = runeLen(input, p);
        out.push(input.subarray(p, p + n));
        p += n;
      } else p++;
      continue;
    }
    for (let i = 0; i < subst.length; i++) {
      const c = subst[i]!;
      if (c !== 0x5c) {
        out.push(Buffer.from([c]));
        continue;
      }
      const d = subst[++i];
      if (d !== undefined && d >= 0x30 && d <= 0x39) {
        const g = (m as unknown as (Buffer | undefined)[])[d - 0x30];
        if (g) out.push(g);
      } else if (d === 0x5c) out.push(Buffer.from([0x5c]));
      else break;
    }
    p = me;
    lastEnd = me;
    count++;
  }
  if (count === 0) return input;
  if (p < input.length) out.push(input.subarray(p));
  return Buffer.concat(out);
}

/** chartorune: length of a valid (non-overlong, <= 10FFFF) UTF-8 sequence at p, else 1. */
function runeLen(b: Buffer, p: number): number {
  const c0 = b[p]!;
  if (c0 < 0xc0) return 1;
  const need = c0 < 0xe0 ? 2 : c0 < 0xf0 ? 3 : c0 < 0xf8 ? 4 : 0;
  if (need === 0 || p + need > b.length) return 1;
  let r = c0 & (need === 2 ? 0x1f : need === 3 ? 0x0f : 0x07);
  for (let k = 1; k < need; k++) {
    const c = b[p + k]!;
    if ((c & 0xc0) !== 0x80) return 1;
    r = (r << 6) | (c & 0x3f);
  }
  const min = need === 2 ? 0x80 : need === 3 ? 0x800 : 0x10000;
  return r < min || r > 0x10ffff ? 1 : need;
}
