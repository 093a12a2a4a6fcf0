// Unicode data for the RE2 dialect: general categories, scripts, simple case folding.
//
// The tables are derived at compile time from the JavaScript engine's own Unicode
// property support (`\p{...}` with the `u` flag, and the simple case folding used by
// the `iu` flags), so no table is vendored. Node's ICU may carry a newer Unicode
// version than the RE2 build Envoy links; see docs/regex.md ("Deviations").

import { MAX_RUNE, normalize, type Ranges } from "./charclass.ts";

/** General categories RE2 accepts in \p{..} / \pX (RE2 has no Cn and no LC). */
const CATEGORIES = new Set([
  "C", "Cc", "Cf", "Co", "Cs",
  "L", "Ll", "Lm", "Lo", "Lt", "Lu",
  "M", "Mc", "Me", "Mn",
  "N", "Nd", "Nl", "No",
  "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps",
  "S", "Sc", "Sk", "Sm", "So",
  "Z", "Zl", "Zp", "Zs",
]);

/** Script names (Unicode 15.0 long names), the set RE2 accepts. */
export const SCRIPTS = new Set(
  (
    "Adlam Ahom Anatolian_Hieroglyphs Arabic Armenian Avestan Balinese Bamum Bassa_Vah Batak Bengali " +
    "Bhaiksuki Bopomofo Brahmi Braille Buginese Buhid Canadian_Aboriginal Carian Caucasian_Albanian " +
    "Chakma Cham Cherokee Chorasmian Common Coptic Cuneiform Cypriot Cypro_Minoan Cyrillic Deseret " +
    "Devanagari Dives_Akuru Dogra Duployan Egyptian_Hieroglyphs Elbasan Elymaic Ethiopic Georgian " +
    "Glagolitic Gothic Grantha Greek Gujarati Gunjala_Gondi Gurmukhi Han Hangul Hanifi_Rohingya Hanunoo " +
    "Hatran Hebrew Hiragana Imperial_Aramaic Inherited Inscriptional_Pahlavi Inscriptional_Parthian " +
    "Javanese Kaithi Kannada Katakana Kawi Kayah_Li Kharoshthi Khitan_Small_Script Khmer Khojki Khudawadi " +
    "Lao Latin Lepcha Limbu Linear_A Linear_B Lisu Lycian Lydian Mahajani Makasar Malayalam Mandaic " +
    "Manichaean Marchen Masaram_Gondi Medefaidrin Meetei_Mayek Mende_Kikakui Meroitic_Cursive " +
    "Meroitic_Hieroglyphs Miao Modi Mongolian Mro Multani Myanmar Nabataean Nag_Mundari Nandinagari " +
    "New_Tai_Lue Newa Nko Nushu Nyiakeng_Puachue_Hmong Ogham Ol_Chiki Old_Hungarian Old_Italic " +
    "Old_North_Arabian Old_Permic Old_Persian Old_Sogdian Old_South_Arabian Old_Turkic Old_Uyghur Oriya " +
    "Osage Osmanya Pahawh_Hmong Palmyrene Pau_Cin_Hau Phags_Pa Phoenician Psalter_Pahlavi Rejang Runic " +
    "Samaritan Saurashtra Sharada Shavian Siddham SignWriting Sinhala Sogdian Sora_Sompeng Soyombo " +
    "Sundanese Syloti_Nagri Syriac Tagalog Tagbanwa Tai_Le Tai_Tham Tai_Viet Takri Tamil Tangsa Tangut " +
    "Telugu Thaana Thai Tibetan Tifinagh Tirhuta Toto Ugaritic Vai Vithkuqi Wancho Warang_Citi Yezidi Yi " +
    "Zanabazar_Square"
  ).split(" "),
);

const groupCache = new Map<string, Ranges>();

function scan(test: (s: string) => boolean): Ranges {
  const out: Ranges = [];
  let start = -1;
  for (let c = 0; c <= MAX_RUNE + 1; c++) {
    const inSet = c <= MAX_RUNE && test(String.fromCodePoint(c));
    if (inSet && start < 0) start = c;
    else if (!inSet && start >= 0) {
      out.push(start, c - 1);
      start = -1;
    }
  }
  return out;
}

/** Ranges of a Unicode group name as RE2 spells it (`L`, `Greek`, `Any`), or null if RE2 has no such group. */
export function unicodeGroup(name: string): Ranges | null {
  const cached = groupCache.get(name);
  if (cached) return cached;
  let r: Ranges | null = null;
  if (name === "Any") r = [0, MAX_RUNE];
  else if (name === "C") {
    // RE2's C is Cc|Cf|Co|Cs (it has no Cn), unlike ECMAScript's \p{C}.
    r = normalize([...unicodeGroup("Cc")!, ...unicodeGroup("Cf")!, ...unicodeGroup("Co")!, ...unicodeGroup("Cs")!]);
  } else if (CATEGORIES.has(name)) {
    const re = new RegExp(`^\\p{gc=${name}}$`, "u");
    r = scan((s) => re.test(s));
  } else if (SCRIPTS.has(name)) {
    let re: RegExp;
    try {
      re = new RegExp(`^\\p{Script=${name}}$`, "u");
    } catch {
      return null;
    }
    r = scan((s) => re.test(s));
  }
  if (r) groupCache.set(name, r);
  return r;
}

// ---- simple case folding (CaseFolding.txt status C + S), as RE2's (?i) ----

let orbitOf: Map<number, number[]> | null = null;

function buildOrbits(): Map<number, number[]> {
  const parent = new Map<number, number>();
  const find = (x: number): number => {
    let p = parent.get(x) ?? x;
    if (p !== x) {
      p = find(p);
      parent.set(x, p);
    }
    return p;
  };
  const unite = (a: number, b: number) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra, rb);
  };
  // Candidates come from the single-code-point case mappings; each pair is confirmed with
  // the ECMAScript `iu` canonicalisation, which is exactly simple case folding.
  for (let c = 0; c < 0x20000; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    const s = String.fromCodePoint(c);
    for (const m of [s.toLowerCase(), s.toUpperCase()]) {
      if (m === s) continue;
      const cps = [...m];
      if (cps.length !== 1) continue;
      const d = cps[0]!.codePointAt(0)!;
      const re = new RegExp(`^[\\u{${c.toString(16)}}]$`, "iu");
      if (re.test(m)) unite(c, d);
    }
  }
  const groups = new Map<number, number[]>();
  for (const x of parent.keys()) {
    const r = find(x);
    let g = groups.get(r);
    if (!g) groups.set(r, (g = [r]));
    if (x !== r) g.push(x);
  }
  const out = new Map<number, number[]>();
  for (const g of groups.values()) {
    g.sort((a, b) => a - b);
    for (const x of g) out.set(x, g);
  }
  return out;
}

/** All code points that simple-case-fold together with c (including c). */
export function foldOrbit(c: number): number[] | undefined {
  if (!orbitOf) orbitOf = buildOrbits();
  return orbitOf.get(c);
}

/** Adds every case variant of the set's members. */
export function foldRanges(r: Ranges): Ranges {
  if (!orbitOf) orbitOf = buildOrbits();
  const extra: Ranges = [];
  for (const [c, orbit] of orbitOf) {
    if (inRanges(r, c)) for (const d of orbit) extra.push(d, d);
  }
  return extra.length ? normalize(r.concat(extra)) : r;
}

function inRanges(r: Ranges, c: number): boolean {
  let lo = 0;
  let hi = r.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (c < r[mid * 2]!) hi = mid - 1;
    else if (c > r[mid * 2 + 1]!) lo = mid + 1;
    else return true;
  }
  return false;
}

// ---- Perl and POSIX classes (ASCII only, as in RE2) ----

export const PERL_CLASSES: Record<string, Ranges> = {
  d: [0x30, 0x39],
  s: [0x09, 0x0a, 0x0c, 0x0d, 0x20, 0x20], // RE2's \s is [\t\n\f\r ] (no \v)
  w: [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a],
};

export const POSIX_CLASSES: Record<string, Ranges> = {
  alnum: [0x30, 0x39, 0x41, 0x5a, 0x61, 0x7a],
  alpha: [0x41, 0x5a, 0x61, 0x7a],
  ascii: [0x00, 0x7f],
  blank: [0x09, 0x09, 0x20, 0x20],
  cntrl: [0x00, 0x1f, 0x7f, 0x7f],
  digit: [0x30, 0x39],
  graph: [0x21, 0x7e],
  lower: [0x61, 0x7a],
  print: [0x20, 0x7e],
  punct: [0x21, 0x2f, 0x3a, 0x40, 0x5b, 0x60, 0x7b, 0x7e],
  space: [0x09, 0x0d, 0x20, 0x20],
  upper: [0x41, 0x5a],
  word: [0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a],
  xdigit: [0x30, 0x39, 0x41, 0x46, 0x61, 0x66],
};
