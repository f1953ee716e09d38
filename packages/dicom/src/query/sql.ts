/**
 * Translates a parsed query into a parameterised PostgreSQL WHERE fragment. Every value goes into
 * `params` ($1, $2, ...); only caller-supplied column names are interpolated, so query input cannot
 * inject SQL. Keys without a mapped column are returned in `unmapped` for in-memory post-filtering
 * with {@link matches} (the SQL is then a superset filter).
 *
 * Column contents are expected to be normalised at ingest with the helpers of values.ts:
 * - PN: {@link normalizePN} (or an array of {@link pnIndexForms} with `array: true`), fuzzy column: {@link fuzzyPN};
 * - DA: "YYYYMMDD" ({@link normalizeDA}); TM: {@link normalizeTM}; DT: {@link normalizeDT};
 *   text comparisons of these fixed-width forms order correctly.
 */
import { QueryError } from '../errors';
import { fuzzyPN } from '../values';
import type { Query, QueryKey, RangeKey } from './types';

export interface ColumnSpec {
  /** SQL column expression, e.g. "study.patient_name_norm". Trusted (never from user input). */
  column: string;
  /** The column is a PostgreSQL array (e.g. text[] of modalities or PN groups). */
  array?: boolean;
  /**
   * PN only: whether the column already holds upper-cased normalised names (default true). When false,
   * the column is wrapped in upper() for case-insensitive matching.
   */
  normalized?: boolean;
  /** PN only: column holding {@link fuzzyPN} forms, used when fuzzymatching=true. */
  fuzzyColumn?: string;
}

/** Maps attribute names (keyword, tag, or dotted path of either) to columns. */
export type ColumnMap = Record<string, string | ColumnSpec>;

export interface SqlFragment {
  /** WHERE fragment without the "WHERE" keyword; "TRUE" if nothing to filter. */
  text: string;
  params: unknown[];
  /** Matching keys that could not be (fully) expressed in SQL; filter results with matches() on these. */
  unmapped: QueryKey[];
}

export interface ToSqlOptions {
  /** Number of the first placeholder (default 1), to append to an existing parameter list. */
  startIndex?: number;
}

/** Escapes LIKE metacharacters and converts DICOM wildcards (* -> %, ? -> _). Use with ESCAPE '\'. */
export function wildcardToLike(pattern: string): string {
  let out = '';
  for (const ch of pattern) {
    if (ch === '\\' || ch === '%' || ch === '_') out += '\\' + ch;
    else if (ch === '*') out += '%';
    else if (ch === '?') out += '_';
    else out += ch;
  }
  return out;
}

function escapeLikeLiteral(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c);
}

const SIMPLE_COLUMN = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$|^"[^"]+"(\."[^"]+")*$/;

export function toSql(query: Pick<Query, 'keys' | 'fuzzyMatching'>, columns: ColumnMap, options: ToSqlOptions = {}): SqlFragment {
  const params: unknown[] = [];
  let next = options.startIndex ?? 1;
  const p = (v: unknown): string => {
    params.push(v);
    return `$${next++}`;
  };
  const unmapped: QueryKey[] = [];
  const clauses: string[] = [];

  const lookup = (key: { path: string[]; name: string; tag: string; keyword?: string }): ColumnSpec | undefined => {
    const spec = columns[key.name] ?? columns[key.path.join('.')] ?? (key.path.length === 1 ? (key.keyword ? columns[key.keyword] : undefined) ?? columns[key.tag] : undefined);
    if (spec === undefined) return undefined;
    const s = typeof spec === 'string' ? { column: spec } : spec;
    for (const c of [s.column, s.fuzzyColumn]) {
      if (c !== undefined && !SIMPLE_COLUMN.test(c)) throw new QueryError('UNSUPPORTED', `Column mapping "${c}" is not a plain (optionally qualified) identifier`);
    }
    return s;
  };

  const anyOf = (spec: ColumnSpec, cmp: (v: string) => string): string =>
    spec.array ? `EXISTS (SELECT 1 FROM unnest(${spec.column}) AS _v(v) WHERE ${cmp('_v.v')})` : cmp(spec.column);

  /** Emits clauses for a key; returns false if the key was not (exactly) expressible in SQL. */
  const emit = (key: QueryKey): boolean => {
    if (key.kind === 'universal') return true;
    if (key.kind === 'sequence') {
      const nested = key.items.filter((k) => k.kind !== 'universal');
      // Flattened columns cannot tell whether two nested keys matched within the same item: superset only.
      let exact = nested.length <= 1;
      for (const k of nested) exact = emit(k) && exact;
      return exact;
    }
    const spec = lookup(key);
    if (!spec) return false;
    switch (key.kind) {
      case 'uidList':
        clauses.push(spec.array ? `${spec.column} && ${p(key.values)}::text[]` : `${spec.column} = ANY(${p(key.values)}::text[])`);
        return true;
      case 'single': {
        if (key.vr === 'PN') {
          if (query.fuzzyMatching && spec.fuzzyColumn) {
            const words = fuzzyPN(key.value).split(' ').filter(Boolean);
            for (const w of words) clauses.push(`(' ' || ${spec.fuzzyColumn}) LIKE ${p('% ' + escapeLikeLiteral(w) + '%')} ESCAPE '\\'`);
            return true;
          }
          const col = (c: string): string => (spec.normalized === false ? `upper(${c})` : c);
          const ph = p(String(key.normalized));
          clauses.push(anyOf(spec, (c) => `${col(c)} = ${ph}`));
          return true;
        }
        const ph = p(key.normalized);
        clauses.push(anyOf(spec, (c) => `${c} = ${ph}`));
        return true;
      }
      case 'wildcard': {
        if (key.vr === 'PN') {
          if (query.fuzzyMatching && spec.fuzzyColumn) {
            const words = fuzzyPN(key.pattern.replace(/[*?]/g, ' ')).split(' ').filter(Boolean);
            for (const w of words) clauses.push(`(' ' || ${spec.fuzzyColumn}) LIKE ${p('% ' + escapeLikeLiteral(w) + '%')} ESCAPE '\\'`);
            return true;
          }
          const col = (c: string): string => (spec.normalized === false ? `upper(${c})` : c);
          const ph = p(wildcardToLike(key.pattern));
          clauses.push(anyOf(spec, (c) => `${col(c)} LIKE ${ph} ESCAPE '\\'`));
          return true;
        }
        const ph = p(wildcardToLike(key.pattern));
        clauses.push(anyOf(spec, (c) => `${c} LIKE ${ph} ESCAPE '\\'`));
        return true;
      }
      case 'range':
        if (key.combinedTime) return emitCombined(key, spec);
        clauses.push(range(spec.column, key.from, key.to));
        return true;
    }
  };

  const range = (col: string, from: string | undefined, to: string | undefined): string => {
    if (from !== undefined && to !== undefined) return `${col} BETWEEN ${p(from)} AND ${p(to)}`;
    if (from !== undefined) return `${col} >= ${p(from)}`;
    return `${col} <= ${p(to)}`;
  };

  /**
   * §C.2.2.2.5.1 combined date-time range on separate date and time columns:
   * (d > D1 OR (d = D1 AND t >= T1)) AND (d < D2 OR (d = D2 AND t <= T2)). A NULL time matches on the date alone.
   */
  const emitCombined = (key: RangeKey, dateSpec: ColumnSpec): boolean => {
    const t = key.combinedTime!;
    const timeSpec = lookup({ path: [...key.path.slice(0, -1), t.tag], name: t.name, tag: t.tag, ...(t.keyword ? { keyword: t.keyword } : {}) });
    const d = dateSpec.column;
    const fromD = key.from?.slice(0, 8);
    const toD = key.to?.slice(0, 8);
    if (!timeSpec) {
      // Date-only prefilter (superset), exact check in memory.
      clauses.push(range(d, fromD, toD));
      return false;
    }
    const tc = timeSpec.column;
    const parts: string[] = [];
    if (key.from !== undefined) {
      const pd = p(fromD);
      parts.push(`(${d} > ${pd} OR (${d} = ${pd} AND (${tc} IS NULL OR ${tc} >= ${p(key.from.slice(8))})))`);
    }
    if (key.to !== undefined) {
      const pd = p(toD);
      parts.push(`(${d} < ${pd} OR (${d} = ${pd} AND (${tc} IS NULL OR ${tc} <= ${p(key.to.slice(8))})))`);
    }
    clauses.push(parts.join(' AND '));
    return true;
  };

  for (const key of query.keys) if (!emit(key)) unmapped.push(key);
  return { text: clauses.length ? clauses.join(' AND ') : 'TRUE', params, unmapped };
}
