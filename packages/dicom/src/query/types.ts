import type { Vr } from '../tags';

/** Query/Retrieve level (PS3.4 §C.3) or the Modality Worklist information model (PS3.4 §K.6). */
export type QueryLevel = 'PATIENT' | 'STUDY' | 'SERIES' | 'IMAGE' | 'WORKLIST';

/** Matching types of PS3.4 §C.2.2.2. */
export type MatchKind = 'universal' | 'single' | 'wildcard' | 'range' | 'uidList' | 'sequence';

interface KeyBase {
  /** Leaf tag, 8 upper-case hex digits. */
  tag: string;
  keyword?: string;
  vr: Vr;
  /** Tags from the top-level data set down to this key (length 1 for top-level keys). */
  path: string[];
  /** Dotted keyword path (tags where no keyword), e.g. "RequestAttributesSequence.ScheduledProcedureStepID". */
  name: string;
}

/** Universal matching (§C.2.2.2.3): zero-length value (or a lone "*"). Matches everything; the key is a return key. */
export interface UniversalKey extends KeyBase {
  kind: 'universal';
}

/** Single value matching (§C.2.2.2.1). */
export interface SingleKey extends KeyBase {
  kind: 'single';
  /** The value as given (padding removed). */
  value: string;
  /**
   * Normalised comparison value: upper-cased PN ({@link normalizePN}), "YYYYMMDD" for DA, a number for
   * IS/DS/binary numbers, the value itself otherwise. TM/DT single values are turned into ranges
   * covering their precision and are never SingleKeys.
   */
  normalized: string | number;
}

/** Wildcard matching (§C.2.2.2.4): "*" = any sequence of characters, "?" = any single character. */
export interface WildcardKey extends KeyBase {
  kind: 'wildcard';
  /** Pattern as given (PN: normalised to upper case). */
  pattern: string;
}

/** Range matching (§C.2.2.2.5) for DA, TM, DT; bounds are inclusive and normalised (see values.ts). */
export interface RangeKey extends KeyBase {
  kind: 'range';
  raw: string;
  /** Lower bound: "YYYYMMDD" (DA), "HHMMSS.FFFFFF" (TM), "YYYYMMDDHHMMSS.FFFFFF" (DT or combined). */
  from?: string;
  to?: string;
  /**
   * Set when this key is the combination of a DA key and a TM key (§C.2.2.2.5.1 "Range Matching of
   * Attributes of VR DA and TM combined"): `tag` is the date attribute, bounds are date-times, and
   * the time attribute is `time`. The time key itself remains in the query as a universal key.
   */
  combinedTime?: { tag: string; keyword?: string; name: string };
}

/** List of UID matching (§C.2.2.2.2). */
export interface UidListKey extends KeyBase {
  kind: 'uidList';
  values: string[];
}

/** Sequence matching (§C.2.2.2.6): an item matches if all nested keys match. */
export interface SequenceKey extends KeyBase {
  kind: 'sequence';
  items: QueryKey[];
}

export type QueryKey = UniversalKey | SingleKey | WildcardKey | RangeKey | UidListKey | SequenceKey;

export interface OrderBy {
  tag: string;
  keyword?: string;
  name: string;
  descending: boolean;
}

export interface Query {
  level: QueryLevel;
  source: 'qido' | 'dimse';
  /** Matching keys and return keys (universal). */
  keys: QueryKey[];
  /** QIDO `includefield` attributes (dotted names as parsed, tags resolved). */
  includeFields: Array<{ tag: string; keyword?: string; name: string; path: string[] }>;
  /** `includefield=all` (PS3.18 §8.3.4.3). */
  includeAll: boolean;
  limit?: number;
  offset?: number;
  /** PS3.18 §8.3.4.5 / PS3.4 §C.2.2.2.1 (fuzzy semantic matching of person names). */
  fuzzyMatching: boolean;
  orderBy: OrderBy[];
}
