/**
 * The one query parser for QIDO-RS (PS3.18 §8.3.4), C-FIND (PS3.4 Annex C) and Modality Worklist
 * (PS3.4 Annex K). Both inputs are first flattened to raw keys (attribute path + string value or
 * nested items), then classified by the same rules (PS3.4 §C.2.2.2).
 */
import { QueryError } from '../errors';
import { personNameToString, type DicomJsonDataset, type DicomJsonValue, type PersonNameJson } from '../json';
import { formatAttributePath, lookupTag, parseAttributePath, type AttributePathElement, type Vr } from '../tags';
import { normalizeDA, normalizeDT, normalizePN, normalizeTM, parseDS, parseIS, splitMulti } from '../values';
import type { OrderBy, Query, QueryKey, QueryLevel, RangeKey } from './types';

export type QidoParams = Record<string, string | readonly string[] | undefined>;

export interface ParseQueryOptions {
  /** Query level. For QIDO the resource path decides it (/studies => STUDY); for C-FIND it defaults to QueryRetrieveLevel (0008,0052). */
  level?: QueryLevel;
  /** Upper bound for `limit` (values above are clamped). */
  maxLimit?: number;
  /** Extra QIDO parameter names to ignore (besides "accept" and "charset", PS3.18 §8.3.3.1). */
  ignoreParams?: readonly string[];
}

export type QueryInput = { kind: 'qido'; params: QidoParams } | { kind: 'dimse'; identifier: DicomJsonDataset };

/** Raw key before classification. */
interface RawKey {
  path: AttributePathElement[];
  /** String value (multi-values joined by "\"), or items for sequences. */
  value: string | RawKey[][];
  /** For QIDO, commas separate UIDs in a list (PS3.18 §8.3.4.1). */
  qido: boolean;
}

/** VRs for which wildcard matching applies (PS3.4 §C.2.2.2.4). */
const WILDCARD_VRS = new Set<string>(['AE', 'CS', 'LO', 'LT', 'PN', 'SH', 'ST', 'UC', 'UR', 'UT']);
const NUMERIC_VRS = new Set<string>(['IS', 'DS', 'US', 'SS', 'UL', 'SL', 'FL', 'FD', 'SV', 'UV']);
/** Identifier attributes that are not matching/return keys (PS3.4 §C.4.1.1.3: Query/Retrieve Level, Specific Character Set). */
const NON_KEYS = new Set(['00080005', '00080052', '00080056']);

/**
 * Date/time attribute pairs eligible for combined range matching (PS3.4 §C.2.2.2.5.1).
 * Keyed by the date attribute.
 */
const DATE_TIME_PAIRS: Record<string, string> = {
  '00080020': '00080030', // Study Date / Time
  '00080021': '00080031', // Series Date / Time
  '00080022': '00080032', // Acquisition Date / Time
  '00080023': '00080033', // Content Date / Time
  '00080012': '00080013', // Instance Creation Date / Time
  '00100030': '00100032', // Patient's Birth Date / Time
  '00400002': '00400003', // Scheduled Procedure Step Start Date / Time
  '00400004': '00400005', // Scheduled Procedure Step End Date / Time
  '00400244': '00400245', // Performed Procedure Step Start Date / Time
  '00400250': '00400251', // Performed Procedure Step End Date / Time
  '0040A121': '0040A122', // Date / Time (SR)
};

const LEVELS: readonly QueryLevel[] = ['PATIENT', 'STUDY', 'SERIES', 'IMAGE', 'WORKLIST'];

/** Parses a query from either source. */
export function parseQuery(input: QueryInput, options: ParseQueryOptions = {}): Query {
  return input.kind === 'qido' ? parseQidoQuery(input.params, options) : parseFindIdentifier(input.identifier, options);
}

/**
 * QIDO-RS query parameters (PS3.18 §8.3.4): `{attributeID}={value}`, `includefield`, `fuzzymatching`,
 * `limit`, `offset`, and `orderby`. Values must already be URL-decoded.
 */
export function parseQidoQuery(params: QidoParams, options: ParseQueryOptions = {}): Query {
  const level = options.level;
  if (!level || !LEVELS.includes(level)) throw new QueryError('INVALID_LEVEL', 'QIDO-RS query level must be given by the resource (PATIENT, STUDY, SERIES, IMAGE or WORKLIST)');
  const ignore = new Set(['accept', 'charset', ...(options.ignoreParams ?? [])].map((s) => s.toLowerCase()));
  const query: Query = { level, source: 'qido', keys: [], includeFields: [], includeAll: false, fuzzyMatching: false, orderBy: [] };
  const raw: RawKey[] = [];
  const seen = new Map<string, RawKey>();

  for (const [name, v] of Object.entries(params)) {
    if (v === undefined) continue;
    const values = typeof v === 'string' ? [v] : [...v];
    const lname = name.toLowerCase();
    if (ignore.has(lname)) continue;
    switch (lname) {
      case 'includefield':
        for (const item of values.flatMap((x) => x.split(','))) {
          const f = item.trim();
          if (f === '') continue;
          if (f.toLowerCase() === 'all') {
            query.includeAll = true;
            continue;
          }
          const path = parseAttributePath(f);
          const leaf = path[path.length - 1]!;
          query.includeFields.push({ tag: leaf.tag, ...(leaf.keyword ? { keyword: leaf.keyword } : {}), name: formatAttributePath(path), path: path.map((p) => p.tag) });
        }
        continue;
      case 'fuzzymatching': {
        const s = single(name, values).trim().toLowerCase();
        if (s !== 'true' && s !== 'false') throw new QueryError('INVALID_VALUE', `fuzzymatching must be "true" or "false", got "${s}"`, name);
        query.fuzzyMatching = s === 'true';
        continue;
      }
      case 'limit':
      case 'offset': {
        const s = single(name, values).trim();
        if (!/^\d{1,15}$/.test(s)) throw new QueryError('INVALID_VALUE', `${lname} must be a non-negative integer, got "${s}"`, name);
        let n = Number(s);
        if (lname === 'limit') {
          if (options.maxLimit !== undefined) n = Math.min(n, options.maxLimit);
          query.limit = n;
        } else query.offset = n;
        continue;
      }
      case 'orderby':
        for (const item of values.flatMap((x) => x.split(','))) {
          const f = item.trim();
          if (f === '') continue;
          const descending = f.startsWith('-');
          const path = parseAttributePath(descending || f.startsWith('+') ? f.slice(1) : f);
          if (path.length !== 1) throw new QueryError('UNSUPPORTED', `orderby on a sequence attribute is not supported: "${f}"`, name);
          const p = path[0]!;
          const ob: OrderBy = { tag: p.tag, name: formatAttributePath(path), descending };
          if (p.keyword) ob.keyword = p.keyword;
          query.orderBy.push(ob);
        }
        continue;
    }
    // {attributeID}={value}
    let path: AttributePathElement[];
    try {
      path = parseAttributePath(name);
    } catch (e) {
      if (e instanceof QueryError && !/^[0-9A-Fa-f]{8}$/.test(name.split('.')[0]!) && !lookupTag(name.split('.')[0]!)) {
        throw new QueryError('UNKNOWN_PARAMETER', `Unknown query parameter "${name}": not a QIDO-RS parameter (includefield, fuzzymatching, limit, offset, orderby) nor a DICOM attribute keyword or tag`, name);
      }
      throw e;
    }
    const key = path.map((p) => p.tag).join('.');
    for (const value of values) {
      const prev = seen.get(key);
      if (prev) {
        // A repeated UID parameter extends the UID list; anything else is ambiguous.
        if (path[path.length - 1]!.vr === 'UI' && typeof prev.value === 'string') {
          prev.value = prev.value + '\\' + value;
          continue;
        }
        throw new QueryError('DUPLICATE_KEY', `Query parameter "${name}" is given more than once`, name);
      }
      const rk: RawKey = { path, value, qido: true };
      seen.set(key, rk);
      raw.push(rk);
    }
  }
  query.keys = buildKeys(nestQidoKeys(raw), query.level);
  return query;
}

function single(name: string, values: readonly string[]): string {
  if (values.length !== 1) throw new QueryError('DUPLICATE_KEY', `Query parameter "${name}" must be given once`, name);
  return values[0]!;
}

/** Groups dotted QIDO keys ("Seq.Attr") into sequence raw keys with one item (PS3.18 §8.3.4.1). */
function nestQidoKeys(raw: RawKey[]): RawKey[] {
  const top: RawKey[] = [];
  const seqs = new Map<string, RawKey>();
  for (const rk of raw) {
    if (rk.path.length === 1) {
      top.push(rk);
      continue;
    }
    let parentList = top;
    let prefix = '';
    for (let i = 0; i < rk.path.length - 1; i++) {
      const p = rk.path[i]!;
      prefix += (prefix ? '.' : '') + p.tag;
      let seq = seqs.get(prefix);
      if (!seq) {
        seq = { path: rk.path.slice(0, i + 1), value: [[]], qido: true };
        seqs.set(prefix, seq);
        parentList.push(seq);
      }
      parentList = (seq.value as RawKey[][])[0]!;
    }
    parentList.push({ path: rk.path, value: rk.value, qido: true });
  }
  return top;
}

/**
 * A C-FIND / worklist Identifier in DICOM JSON form (PS3.4 §C.4.1.1.3). Every attribute present is a
 * key: with a value it is a matching key, without one it is a return key (universal matching).
 */
export function parseFindIdentifier(identifier: DicomJsonDataset, options: ParseQueryOptions = {}): Query {
  let level = options.level;
  if (!level) {
    const ql = identifier['00080052']?.Value?.[0];
    const s = typeof ql === 'string' ? ql.trim().toUpperCase() : '';
    if (!LEVELS.includes(s as QueryLevel)) {
      throw new QueryError('INVALID_LEVEL', `Query/Retrieve Level (0008,0052) must be PATIENT, STUDY, SERIES or IMAGE, got "${s}"`, '00080052');
    }
    level = s as QueryLevel;
  }
  const raw = jsonToRaw(identifier, [], 0);
  return { level, source: 'dimse', keys: buildKeys(raw, level), includeFields: [], includeAll: false, fuzzyMatching: false, orderBy: [] };
}

function jsonToRaw(ds: DicomJsonDataset, parent: AttributePathElement[], depth: number): RawKey[] {
  if (depth > 16) throw new QueryError('UNSUPPORTED', 'Identifier sequences are nested too deeply');
  const out: RawKey[] = [];
  for (const [k, el] of Object.entries(ds)) {
    const info = lookupTag(k);
    if (!info || !/^[0-9A-Fa-f]{8}$/.test(k)) throw new QueryError('UNKNOWN_ATTRIBUTE', `Unknown attribute ${k} in identifier`, k);
    if (parent.length === 0 && (NON_KEYS.has(info.tag) || info.tag.startsWith('0000') || info.tag.startsWith('0002'))) continue;
    if (NON_KEYS.has(info.tag) && info.tag === '00080005') continue;
    const vr = (el.vr && info.private ? el.vr : info.vr) as Vr;
    const path = [...parent, info.keyword ? { tag: info.tag, keyword: info.keyword, vr } : { tag: info.tag, vr }];
    if (vr === 'SQ') {
      const items = (el.Value ?? []).filter((v): v is DicomJsonDataset => typeof v === 'object' && v !== null);
      out.push({ path, value: items.map((item) => jsonToRaw(item, path, depth + 1)), qido: false });
      continue;
    }
    out.push({ path, value: (el.Value ?? []).map(jsonValueToString).join('\\'), qido: false });
  }
  return out;
}

function jsonValueToString(v: DicomJsonValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if ('Alphabetic' in v || 'Ideographic' in v || 'Phonetic' in v) return personNameToString(v as PersonNameJson);
  return '';
}

/** Classifies raw keys and applies combined date-time matching within one data set level. */
function buildKeys(raw: RawKey[], level: QueryLevel): QueryKey[] {
  const keys = raw.map((rk) => classify(rk, level));
  // §C.2.2.2.5.1: if both a date and its time attribute are range-matched, match them as one date-time range.
  for (const [dateTag, timeTag] of Object.entries(DATE_TIME_PAIRS)) {
    const di = keys.findIndex((k) => k.tag === dateTag);
    const ti = keys.findIndex((k) => k.tag === timeTag);
    if (di < 0 || ti < 0) continue;
    const d = keys[di]!;
    const t = keys[ti]!;
    if (d.kind !== 'range' && d.kind !== 'single') continue;
    if (t.kind !== 'range') continue;
    if (d.kind === 'range' && d.from === undefined && d.to === undefined) continue;
    const dFrom = d.kind === 'single' ? String(d.normalized) : d.from;
    const dTo = d.kind === 'single' ? String(d.normalized) : d.to;
    const combined: RangeKey = {
      kind: 'range',
      tag: d.tag,
      vr: 'DT',
      path: d.path,
      name: d.name,
      raw: `${d.kind === 'single' ? d.value : d.raw} ${t.raw}`,
      combinedTime: { tag: t.tag, name: t.name, ...(t.keyword ? { keyword: t.keyword } : {}) },
    };
    if (d.keyword) combined.keyword = d.keyword;
    if (dFrom !== undefined) combined.from = dFrom + (t.from ?? '000000.000000');
    if (dTo !== undefined) combined.to = dTo + (t.to ?? '235959.999999');
    keys[di] = combined;
    keys[ti] = { kind: 'universal', tag: t.tag, vr: t.vr, path: t.path, name: t.name, ...(t.keyword ? { keyword: t.keyword } : {}) };
  }
  return keys;
}

function classify(rk: RawKey, level: QueryLevel): QueryKey {
  const leaf = rk.path[rk.path.length - 1]!;
  const base = {
    tag: leaf.tag,
    vr: leaf.vr,
    path: rk.path.map((p) => p.tag),
    name: formatAttributePath(rk.path),
    ...(leaf.keyword ? { keyword: leaf.keyword } : {}),
  };
  const name = base.name;

  if (Array.isArray(rk.value)) {
    // §C.2.2.2.6: a sequence with a single (possibly empty) item. Zero items or an empty item => universal.
    const items = rk.value as RawKey[][];
    if (items.length > 1) throw new QueryError('INVALID_VALUE', `Sequence matching key ${name} must contain a single item (PS3.4 §C.2.2.2.6)`, name);
    const item = items[0];
    if (!item || item.length === 0) return { kind: 'universal', ...base };
    const nested = buildKeys(item, level);
    // An item of only return keys still forms a sequence key (it selects which nested attributes to return).
    return { kind: 'sequence', ...base, items: nested };
  }

  // PS3.4 §C.2.2.2.3: zero-length value => universal. Trailing/leading spaces are padding (PS3.5 §6.2).
  const value = leaf.vr === 'ST' || leaf.vr === 'LT' || leaf.vr === 'UT' ? rk.value.replace(/ +$/, '') : rk.value.trim();
  if (value === '' || value === '*') return { kind: 'universal', ...base };
  const vr = leaf.vr;

  if (vr === 'SQ') throw new QueryError('INVALID_VALUE', `${name} is a sequence and cannot have a string value`, name);

  if (vr === 'UI') {
    const uids = (rk.qido ? value.split(/[,\\]/) : splitMulti(value)).map((u) => u.trim()).filter((u) => u !== '');
    for (const u of uids) {
      if (!/^[0-9.]{1,64}$/.test(u)) throw new QueryError('INVALID_VALUE', `Invalid UID "${u}" for ${name}`, name);
    }
    if (uids.length === 1) return { kind: 'single', ...base, value: uids[0]!, normalized: uids[0]! };
    return { kind: 'uidList', ...base, values: uids };
  }

  if (value.includes('\\') && vr !== 'ST' && vr !== 'LT' && vr !== 'UT') {
    throw new QueryError('INVALID_VALUE', `${name}: multiple values are only allowed for UID list matching (PS3.4 §C.2.2.2.2)`, name);
  }

  if (vr === 'DA' || vr === 'TM' || vr === 'DT') return dateKey(base, value, vr);

  if (NUMERIC_VRS.has(vr)) {
    const n = vr === 'IS' ? parseIS(value) : vr === 'DS' || vr === 'FL' || vr === 'FD' ? parseDS(value) : /^[+-]?\d+$/.test(value) ? Number(value) : undefined;
    if (n === undefined) throw new QueryError('INVALID_VALUE', `${name} (${vr}) must be a number, got "${value}"`, name);
    return { kind: 'single', ...base, value, normalized: n };
  }

  if (/[*?]/.test(value)) {
    if (!WILDCARD_VRS.has(vr)) throw new QueryError('INVALID_VALUE', `Wildcards are not allowed for ${name} (VR ${vr}, PS3.4 §C.2.2.2.4)`, name);
    return { kind: 'wildcard', ...base, pattern: vr === 'PN' ? normalizePN(value) : value };
  }
  if (vr === 'PN') return { kind: 'single', ...base, value, normalized: normalizePN(value) };
  return { kind: 'single', ...base, value, normalized: value };
}

type Base = { tag: string; vr: Vr; path: string[]; name: string; keyword?: string };

/**
 * DA/TM/DT keys. A "-" makes a range (§C.2.2.2.5): "a-b", "-b", "a-". A single TM or DT value matches
 * everything within its precision (e.g. TM "10" = 10:00:00-10:59:59.999999), so it becomes a range too.
 */
function dateKey(base: Base, value: string, vr: 'DA' | 'TM' | 'DT'): QueryKey {
  const norm = (s: string, end: boolean): string | undefined =>
    vr === 'DA' ? normalizeDA(s) : vr === 'TM' ? normalizeTM(s, end) : normalizeDT(s, end);
  const bad = (what: string): never => {
    throw new QueryError('INVALID_RANGE', `Invalid ${vr} ${what} "${value}" for ${base.name} (expected ${vr === 'DA' ? 'YYYYMMDD' : vr === 'TM' ? 'HHMMSS' : 'YYYYMMDDHHMMSS'}, or a range a-b, -b, a-)`, base.name);
  };
  const split = splitRange(value, vr);
  if (!split) {
    const from = norm(value, false);
    if (!from) return bad('value');
    if (vr === 'DA') return { kind: 'single', ...base, value, normalized: from };
    return { kind: 'range', ...base, raw: value, from, to: norm(value, true)! };
  }
  const [a, b] = split;
  if (a === '' && b === '') return bad('range');
  const key: RangeKey = { kind: 'range', ...base, raw: value };
  if (a !== '') key.from = norm(a, false) ?? bad('range start');
  if (b !== '') key.to = norm(b, true) ?? bad('range end');
  if (key.from && key.to && key.from > key.to && vr !== 'TM') bad('range (start after end)');
  return key;
}

/** Splits "a-b" on the range hyphen. DT values may contain "-" in a UTC offset, so try each hyphen. */
function splitRange(value: string, vr: 'DA' | 'TM' | 'DT'): [string, string] | undefined {
  if (!value.includes('-')) return undefined;
  if (vr !== 'DT') {
    const parts = value.split('-');
    if (parts.length !== 2) {
      throw new QueryError('INVALID_RANGE', `Invalid ${vr} range "${value}": more than one "-"`);
    }
    return [parts[0]!.trim(), parts[1]!.trim()];
  }
  const candidates: Array<[string, string]> = [];
  for (let i = value.indexOf('-'); i >= 0; i = value.indexOf('-', i + 1)) {
    const a = value.slice(0, i).trim();
    const b = value.slice(i + 1).trim();
    if ((a === '' || normalizeDT(a)) && (b === '' || normalizeDT(b))) candidates.push([a, b]);
  }
  // A lone DT with a negative offset ("20200101-0500") is not a range.
  if (normalizeDT(value) && candidates.every(([a, b]) => a !== '' && b !== '' && b.length === 4)) return undefined;
  return candidates[0] ?? ['', ''];
}
