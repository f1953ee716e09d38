/**
 * Parsing and normalisation of string-encoded values (PS3.5 §6.2, Table 6.2-1), shared by the
 * header reader, the JSON converter, the in-memory matcher and the SQL builder so that indexed
 * values and query values are normalised identically.
 */

/** Splits a multi-valued string on the value delimiter "\" (PS3.5 §6.4). An empty string has VM 0. */
export function splitMulti(value: string): string[] {
  if (value === '') return [];
  return value.split('\\');
}

/** VRs whose leading spaces are insignificant as well as trailing ones (PS3.5 Table 6.2-1). */
const TRIM_BOTH = new Set(['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'LO', 'PN', 'SH', 'TM']);

/**
 * Removes padding per PS3.5 Table 6.2-1: UI values are padded with NUL; text VRs with trailing spaces;
 * for ST, LT, UT, UC, UR leading spaces are significant and are kept. NULs used as padding by some
 * writers on other VRs are stripped as well.
 */
export function trimValue(vr: string, value: string): string {
  if (vr === 'UI') return value.replace(/[\0 ]+$/, '').replace(/^[\0 ]+/, '');
  if (TRIM_BOTH.has(vr)) return value.replace(/^[ \0]+/, '').replace(/[ \0]+$/, '');
  return value.replace(/[ \0]+$/, '');
}

/** Splits and trims a multi-valued string for a VR (single-valued VRs LT, ST, UT, UR are not split). */
export function splitValues(vr: string, value: string): string[] {
  if (vr === 'LT' || vr === 'ST' || vr === 'UT' || vr === 'UR') {
    const t = trimValue(vr, value);
    return t === '' ? [] : [t];
  }
  const trimmed = value.replace(/[ \0]+$/, '');
  if (trimmed === '') return [];
  return trimmed.split('\\').map((v) => trimValue(vr, v));
}

// ---------------------------------------------------------------------------------------------
// DA / TM / DT (PS3.5 Table 6.2-1)
// ---------------------------------------------------------------------------------------------

export interface DicomDate {
  year: number;
  month: number;
  day: number;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Parses DA "YYYYMMDD". Also accepts the ACR-NEMA form "YYYY.MM.DD" (PS3.5 Table 6.2-1 note: "for
 * reasons of backward compatibility with versions of this standard prior to V3.0, it is recommended
 * that implementations also support a string of characters of the format yyyy.mm.dd").
 * Returns undefined for anything else, including impossible dates such as 20230230.
 */
export function parseDA(value: string): DicomDate | undefined {
  const s = value.trim();
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(s) ?? /^(\d{4})\.(\d{2})\.(\d{2})$/.exec(s);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return { year, month, day };
}

/** Normalises a DA value to "YYYYMMDD", or undefined if invalid. */
export function normalizeDA(value: string): string | undefined {
  const d = parseDA(value);
  return d ? `${pad(d.year, 4)}${pad(d.month, 2)}${pad(d.day, 2)}` : undefined;
}

export interface DicomTime {
  hours: number;
  minutes?: number;
  seconds?: number;
  /** Fraction of a second in microseconds (0-999999). */
  micros?: number;
}

/**
 * Parses TM "HH[MM[SS[.F{1,6}]]]" (PS3.5 Table 6.2-1). Also accepts the ACR-NEMA "HH:MM:SS.frac" form
 * and SS = 60 (leap second, allowed by the standard).
 */
export function parseTM(value: string): DicomTime | undefined {
  const s = value.trim().replace(/:/g, '');
  const m = /^(\d{2})(?:(\d{2})(?:(\d{2})(?:\.(\d{1,6}))?)?)?$/.exec(s);
  if (!m) return undefined;
  const hours = Number(m[1]);
  if (hours > 23) return undefined;
  const t: DicomTime = { hours };
  if (m[2] !== undefined) {
    t.minutes = Number(m[2]);
    if (t.minutes > 59) return undefined;
  }
  if (m[3] !== undefined) {
    t.seconds = Number(m[3]);
    if (t.seconds > 60) return undefined;
  }
  if (m[4] !== undefined) t.micros = Number(m[4].padEnd(6, '0'));
  return t;
}

/**
 * Normalises a TM value to the fixed-width comparable form "HHMMSS.FFFFFF". Missing trailing parts
 * are filled with their lowest value, or with their highest value when `end` is set (used for the upper
 * bound of a range, so that "-10" includes 10:59:59.999999; PS3.4 §C.2.2.2.5 matches inclusively).
 */
export function normalizeTM(value: string, end = false): string | undefined {
  const t = parseTM(value);
  if (!t) return undefined;
  return formatTime(t, end);
}

function formatTime(t: DicomTime, end: boolean): string {
  const mm = t.minutes ?? (end ? 59 : 0);
  const ss = t.seconds ?? (end ? 59 : 0);
  const us = t.micros ?? (end ? 999999 : 0);
  return `${pad(t.hours, 2)}${pad(mm, 2)}${pad(Math.min(ss, 59), 2)}.${pad(us, 6)}`;
}

export interface DicomDateTime {
  year: number;
  month?: number;
  day?: number;
  hours?: number;
  minutes?: number;
  seconds?: number;
  micros?: number;
  /** UTC offset in minutes, if the value carried "&ZZXX" / "+HHMM" / "-HHMM". */
  offsetMinutes?: number;
}

/** Parses DT "YYYY[MM[DD[HH[MM[SS[.F{1,6}]]]]]][&ZZXX]" (PS3.5 Table 6.2-1). */
export function parseDT(value: string): DicomDateTime | undefined {
  const s = value.trim();
  const m = /^(\d{4})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:\.(\d{1,6}))?)?)?)?)?)?([+-]\d{4})?$/.exec(s);
  if (!m) return undefined;
  const dt: DicomDateTime = { year: Number(m[1]) };
  if (m[2] !== undefined) {
    dt.month = Number(m[2]);
    if (dt.month < 1 || dt.month > 12) return undefined;
  }
  if (m[3] !== undefined) {
    dt.day = Number(m[3]);
    if (dt.day < 1 || dt.day > daysInMonth(dt.year, dt.month!)) return undefined;
  }
  if (m[4] !== undefined) {
    dt.hours = Number(m[4]);
    if (dt.hours > 23) return undefined;
  }
  if (m[5] !== undefined) {
    dt.minutes = Number(m[5]);
    if (dt.minutes > 59) return undefined;
  }
  if (m[6] !== undefined) {
    dt.seconds = Number(m[6]);
    if (dt.seconds > 60) return undefined;
  }
  if (m[7] !== undefined) dt.micros = Number(m[7].padEnd(6, '0'));
  if (m[8] !== undefined) {
    const sign = m[8][0] === '-' ? -1 : 1;
    const hh = Number(m[8].slice(1, 3));
    const mm = Number(m[8].slice(3, 5));
    if (hh > 14 || mm > 59) return undefined;
    dt.offsetMinutes = sign * (hh * 60 + mm);
  }
  return dt;
}

/**
 * Normalises a DT to the fixed-width comparable form "YYYYMMDDHHMMSS.FFFFFF". Missing components are
 * filled with their lowest (or, with `end`, highest) value. A value with a UTC offset is converted to
 * UTC; a value without one is taken as is (local time of the sender; PS3.5 Table 6.2-1 lets the offset
 * default to Timezone Offset From UTC (0008,0201), which callers may pass as `defaultOffsetMinutes`).
 */
export function normalizeDT(value: string, end = false, defaultOffsetMinutes?: number): string | undefined {
  const dt = parseDT(value);
  if (!dt) return undefined;
  const month = dt.month ?? (end ? 12 : 1);
  const day = dt.day ?? (end ? daysInMonth(dt.year, month) : 1);
  const hours = dt.hours ?? (end ? 23 : 0);
  const minutes = dt.minutes ?? (end ? 59 : 0);
  const seconds = Math.min(dt.seconds ?? (end ? 59 : 0), 59);
  const micros = dt.micros ?? (end ? 999999 : 0);
  const offset = dt.offsetMinutes ?? defaultOffsetMinutes;
  if (offset === undefined || offset === 0) {
    return `${pad(dt.year, 4)}${pad(month, 2)}${pad(day, 2)}${pad(hours, 2)}${pad(minutes, 2)}${pad(seconds, 2)}.${pad(micros, 6)}`;
  }
  const ms = Date.UTC(dt.year, month - 1, day, hours, minutes, seconds) - offset * 60_000;
  const d = new Date(ms);
  return (
    `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1, 2)}${pad(d.getUTCDate(), 2)}` +
    `${pad(d.getUTCHours(), 2)}${pad(d.getUTCMinutes(), 2)}${pad(d.getUTCSeconds(), 2)}.${pad(micros, 6)}`
  );
}

/** Combines a DA and an optional TM value into a normalised DT (used by combined date-time matching). */
export function combineDateTime(date: string, time: string | undefined, end = false): string | undefined {
  const d = normalizeDA(date);
  if (!d) return undefined;
  const t = time !== undefined && time.trim() !== '' ? normalizeTM(time, end) : end ? '235959.999999' : '000000.000000';
  if (!t) return undefined;
  return d + t;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

// ---------------------------------------------------------------------------------------------
// IS / DS
// ---------------------------------------------------------------------------------------------

/** Parses one IS value ("[+-]digits", padded with spaces; PS3.5 Table 6.2-1). Undefined if invalid or out of range. */
export function parseIS(value: string): number | undefined {
  const s = value.trim();
  if (!/^[+-]?\d{1,12}$/.test(s)) return undefined;
  const n = Number(s);
  // IS is limited to -2^31 .. 2^31-1.
  if (n < -2147483648 || n > 2147483647) return undefined;
  return n;
}

/** Parses one DS value (fixed or exponential notation, max 16 bytes per PS3.5; we accept longer). */
export function parseDS(value: string): number | undefined {
  const s = value.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

/** Parses a backslash-separated IS list; invalid members become undefined. */
export function parseISList(value: string): Array<number | undefined> {
  return splitValues('IS', value).map(parseIS);
}

/** Parses a backslash-separated DS list; invalid members become undefined. */
export function parseDSList(value: string): Array<number | undefined> {
  return splitValues('DS', value).map(parseDS);
}

// ---------------------------------------------------------------------------------------------
// PN (PS3.5 §6.2.1)
// ---------------------------------------------------------------------------------------------

export interface PersonNameComponents {
  familyName: string;
  givenName: string;
  middleName: string;
  prefix: string;
  suffix: string;
}

export interface PersonName {
  alphabetic?: PersonNameComponents;
  ideographic?: PersonNameComponents;
  phonetic?: PersonNameComponents;
}

/** Splits a PN value into its component groups ("=", §6.2.1.2) as strings; trailing empty groups dropped. */
export function splitPNGroups(value: string): { alphabetic?: string; ideographic?: string; phonetic?: string } {
  const groups = value.split('=');
  const out: { alphabetic?: string; ideographic?: string; phonetic?: string } = {};
  const [a, i, p] = groups;
  if (a !== undefined && a !== '') out.alphabetic = a;
  if (i !== undefined && i !== '') out.ideographic = i;
  if (p !== undefined && p !== '') out.phonetic = p;
  return out;
}

function components(group: string): PersonNameComponents {
  const c = group.split('^').map((x) => x.trim());
  return {
    familyName: c[0] ?? '',
    givenName: c[1] ?? '',
    middleName: c[2] ?? '',
    prefix: c[3] ?? '',
    suffix: c[4] ?? '',
  };
}

/** Parses a PN value into groups and the five components of each (§6.2.1.1). */
export function parsePN(value: string): PersonName {
  const g = splitPNGroups(value);
  const out: PersonName = {};
  if (g.alphabetic) out.alphabetic = components(g.alphabetic);
  if (g.ideographic) out.ideographic = components(g.ideographic);
  if (g.phonetic) out.phonetic = components(g.phonetic);
  return out;
}

/**
 * Normalises one PN component group for case-insensitive matching and indexing: trims each component,
 * removes trailing empty components (their delimiters may be omitted, §6.2.1.1) and upper-cases.
 * Carets are kept so that "DOE^JOHN" does not equal "DOEJOHN". Upper-casing uses the Unicode
 * default (locale-independent) mapping.
 */
export function normalizePNGroup(group: string): string {
  const parts = group.split('^').map((p) => p.trim());
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts.join('^').toUpperCase();
}

/** Normalises a whole PN value (all groups) group-wise, e.g. "Yamada^Tarou=山田^太郎" -> "YAMADA^TAROU=山田^太郎". */
export function normalizePN(value: string): string {
  const groups = value.split('=').map(normalizePNGroup);
  while (groups.length > 0 && groups[groups.length - 1] === '') groups.pop();
  return groups.join('=');
}

/**
 * The values a PN is indexed under for matching: each non-empty normalised group. A query without
 * "=" matches if it matches any group (so a search for "YAMADA^TAROU" finds a name that also has
 * ideographic and phonetic groups). Store these in an array column and map it with `array: true`.
 */
export function pnIndexForms(value: string): string[] {
  const out = new Set<string>();
  for (const g of value.split('=')) {
    const n = normalizePNGroup(g);
    if (n) out.add(n);
  }
  return [...out];
}

/**
 * "Fuzzy" form for `fuzzymatching=true` (PS3.18 §8.3.4.5 leaves the algorithm to the origin server):
 * decomposes and strips diacritics, upper-cases, and turns every run of non-letter/digit characters
 * (including the ^ and = delimiters) into one space. Matching then requires every query word to be
 * a prefix of some word of the stored name, in any order ("rudi ane" finds "Äneas^Rüdiger").
 */
export function fuzzyPN(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toUpperCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** In-memory fuzzy match with the rule documented on {@link fuzzyPN}. */
export function fuzzyMatchPN(query: string, stored: string): boolean {
  const q = fuzzyPN(query.replace(/[*?]/g, ' ')).split(' ').filter(Boolean);
  if (q.length === 0) return true;
  const words = fuzzyPN(stored).split(' ').filter(Boolean);
  return q.every((t) => words.some((w) => w.startsWith(t)));
}
