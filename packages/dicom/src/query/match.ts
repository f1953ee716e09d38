/**
 * In-memory evaluation of a parsed query against a DICOM JSON data set (PS3.4 §C.2.2.2), used for
 * DIMSE sub-cases (e.g. sequence keys that are not indexed), worklist items, and tests. Its semantics
 * are the reference for the SQL translation in sql.ts.
 */
import { personNameToString, type DicomJsonDataset, type DicomJsonValue, type PersonNameJson } from '../json';
import { combineDateTime, fuzzyMatchPN, normalizeDA, normalizeDT, normalizePN, normalizeTM, parseDS, pnIndexForms } from '../values';
import type { Query, QueryKey } from './types';

/** True if the data set matches every key of the query. */
export function matches(query: Pick<Query, 'keys' | 'fuzzyMatching'>, dataset: DicomJsonDataset): boolean {
  return query.keys.every((k) => matchKey(k, dataset, query.fuzzyMatching));
}

function stringValues(ds: DicomJsonDataset, tag: string): string[] {
  const el = ds[tag];
  if (!el?.Value) return [];
  return el.Value.map(valueToString).filter((v): v is string => v !== undefined && v !== '');
}

function valueToString(v: DicomJsonValue): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if ('Alphabetic' in v || 'Ideographic' in v || 'Phonetic' in v) return personNameToString(v as PersonNameJson);
  return undefined;
}

/** Converts a wildcard pattern to an anchored RegExp ("*" any run, "?" one character; §C.2.2.2.4). */
export function wildcardToRegExp(pattern: string, caseInsensitive = false): RegExp {
  let re = '';
  for (const ch of pattern) {
    if (ch === '*') re += '[\\s\\S]*';
    else if (ch === '?') re += '[\\s\\S]';
    else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, caseInsensitive ? 'iu' : 'u');
}

function matchKey(key: QueryKey, ds: DicomJsonDataset, fuzzy: boolean): boolean {
  switch (key.kind) {
    case 'universal':
      return true;
    case 'sequence': {
      const el = ds[key.tag];
      const items = (el?.Value ?? []).filter((v): v is DicomJsonDataset => typeof v === 'object' && v !== null && !('Alphabetic' in v || 'Ideographic' in v || 'Phonetic' in v));
      if (key.items.every((k) => k.kind === 'universal')) return true;
      return items.some((item) => key.items.every((k) => matchKey(k, item, fuzzy)));
    }
    case 'uidList': {
      const vals = stringValues(ds, key.tag).map((v) => v.trim());
      return vals.some((v) => key.values.includes(v));
    }
    case 'single': {
      const vals = stringValues(ds, key.tag);
      if (key.vr === 'PN') {
        if (fuzzy) return vals.some((v) => fuzzyMatchPN(key.value, v));
        const q = String(key.normalized);
        // A query with "=" compares whole values; otherwise any component group may match.
        return vals.some((v) => (q.includes('=') ? normalizePN(v) === q : pnIndexForms(v).includes(q)));
      }
      if (key.vr === 'DA') return vals.some((v) => normalizeDA(v) === key.normalized);
      if (typeof key.normalized === 'number') {
        const n = key.normalized;
        return (ds[key.tag]?.Value ?? []).some((v) => (typeof v === 'number' ? v === n : typeof v === 'string' && parseDS(v) === n));
      }
      return vals.some((v) => v.trim() === key.normalized);
    }
    case 'wildcard': {
      const vals = stringValues(ds, key.tag);
      if (key.vr === 'PN') {
        if (fuzzy) return vals.some((v) => fuzzyMatchPN(key.pattern, v));
        const re = wildcardToRegExp(key.pattern);
        return vals.some((v) => re.test(normalizePN(v)) || pnIndexForms(v).some((g) => re.test(g)));
      }
      const re = wildcardToRegExp(key.pattern);
      return vals.some((v) => re.test(v));
    }
    case 'range': {
      let candidates: Array<string | undefined>;
      if (key.combinedTime) {
        const times = stringValues(ds, key.combinedTime.tag);
        const dates = stringValues(ds, key.tag);
        if (!times.length) {
          // A missing time matches on the date alone: the day matches if any part of it is in range.
          return dates.some((d) => {
            const start = combineDateTime(d, undefined);
            const end = combineDateTime(d, undefined, true);
            return start !== undefined && end !== undefined && (key.to === undefined || start <= key.to) && (key.from === undefined || end >= key.from);
          });
        }
        candidates = dates.flatMap((d) => times.map((t) => combineDateTime(d, t)));
      } else {
        const vals = stringValues(ds, key.tag);
        candidates = vals.map((v) => (key.vr === 'DA' ? normalizeDA(v) : key.vr === 'TM' ? normalizeTM(v) : normalizeDT(v)));
      }
      return candidates.some((c) => c !== undefined && (key.from === undefined || c >= key.from) && (key.to === undefined || c <= key.to));
    }
  }
}
