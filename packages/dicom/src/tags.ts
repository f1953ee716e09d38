/**
 * Data dictionary: tag <-> keyword <-> VR, derived at load time from dcmjs's packed copy of the
 * PS3.6 registry (Table 6-1 "Registry of DICOM Data Elements", plus PS3.7 command elements),
 * instead of a hand-typed table.
 */
import { data as dcmjsData } from 'dcmjs';
import { QueryError } from './errors';

/** The value representations of PS3.5 §6.2 (Table 6.2-1). */
export const VRS = [
  'AE', 'AS', 'AT', 'CS', 'DA', 'DS', 'DT', 'FD', 'FL', 'IS', 'LO', 'LT', 'OB', 'OD', 'OF', 'OL',
  'OV', 'OW', 'PN', 'SH', 'SL', 'SQ', 'SS', 'ST', 'SV', 'TM', 'UC', 'UI', 'UL', 'UN', 'UR', 'US',
  'UT', 'UV',
] as const;
export type Vr = (typeof VRS)[number];

const VR_SET: ReadonlySet<string> = new Set(VRS);
export function isVr(s: string): s is Vr {
  return VR_SET.has(s);
}

export interface TagInfo {
  /** 8 upper-case hex digits, e.g. "00100010" (the DICOM JSON key form, PS3.18 §F.2.1.1). */
  tag: string;
  /** PS3.6 keyword, e.g. "PatientName"; undefined for private / unknown elements. */
  keyword?: string;
  /**
   * VR used when the encoding does not carry one (implicit VR). For elements PS3.6 lists with several
   * VRs ("OB or OW", "US or SS") this is the one PS3.5 Annex A prescribes for Implicit VR LE
   * (OW for pixel-like data, US for US/SS; callers refine US/SS with Pixel Representation).
   */
  vr: Vr;
  /** Every VR PS3.6 allows for this element. */
  vrs: readonly Vr[];
  vm: string;
  retired: boolean;
  private: boolean;
}

interface DictEntry {
  tag: string;
  vr: string;
  vm: string;
  name: string;
}

const dictionary = dcmjsData.DicomMetaDictionary.dictionary;
const nameMap = dcmjsData.DicomMetaDictionary.nameMap;

/** dcmjs encodes multi-VR entries with pseudo-VRs; expand them (PS3.6 §6 notes on "or"). */
function expandVr(vr: string): { vr: Vr; vrs: Vr[] } | undefined {
  switch (vr) {
    case 'ox': // "OB or OW": Pixel Data, Overlay Data, Waveform Data... implicit VR => OW (PS3.5 A.1 c)
      return { vr: 'OW', vrs: ['OB', 'OW'] };
    case 'xs': // "US or SS": depends on Pixel Representation
      return { vr: 'US', vrs: ['US', 'SS'] };
    case 'lt': // "US or OW" (LUT Data): implicit VR => OW (PS3.5 A.1 c)
      return { vr: 'OW', vrs: ['US', 'OW'] };
    case 'up': // DICOMDIR offsets, "UL" in current editions (was "up" = unsigned pointer)
      return { vr: 'UL', vrs: ['UL'] };
    case 'na': // item / delimitation tags carry no VR
      return undefined;
    default:
      return isVr(vr) ? { vr, vrs: [vr] } : undefined;
  }
}

const KEYWORD_TO_TAG = new Map<string, string>();
for (const [name, entry] of Object.entries(nameMap)) {
  const tag = parenToHex(entry.tag);
  if (!tag) continue;
  const keyword = name.replace(/^RETIRED_/, '');
  // Keep the first (non-retired) owner of a keyword; retired and current keywords never collide in PS3.6.
  if (!KEYWORD_TO_TAG.has(keyword)) KEYWORD_TO_TAG.set(keyword, tag);
}

function parenToHex(paren: string): string | undefined {
  const m = /^\(([0-9A-Fa-f]{4}),([0-9A-Fa-f]{4})\)$/.exec(paren);
  return m ? (m[1] + m[2]).toUpperCase() : undefined;
}

const TAG_RE = /^[0-9A-F]{8}$/;

/**
 * Normalises a tag written as "00100010", "(0010,0010)", "0010,0010" or dicom-parser's "x00100010"
 * to 8 upper-case hex digits; undefined if the string is not a tag.
 */
export function normalizeTag(s: string): string | undefined {
  let t = s.trim();
  if (t.length === 9 && (t[0] === 'x' || t[0] === 'X')) t = t.slice(1);
  else if (/^\(?[0-9A-Fa-f]{4},[0-9A-Fa-f]{4}\)?$/.test(t)) t = t.replace(/[(),]/g, '');
  t = t.toUpperCase();
  return TAG_RE.test(t) ? t : undefined;
}

/** dicom-parser's element key for a tag: "x00100010". */
export function parserTag(tag: string): string {
  return 'x' + tag.toLowerCase();
}

/** Private data elements have an odd group number (PS3.5 §7.8.1); groups 0001-0007 and FFFF are not allowed, treated as private. */
export function isPrivateTag(tag: string): boolean {
  const group = parseInt(tag.slice(0, 4), 16);
  return (group & 1) === 1;
}

/** Private Creator elements are (gggg,0010)-(gggg,00FF) in odd groups, VR LO (PS3.5 §7.8.1). */
export function isPrivateCreator(tag: string): boolean {
  if (!isPrivateTag(tag)) return false;
  const element = parseInt(tag.slice(4), 16);
  return element >= 0x10 && element <= 0xff;
}

const infoCache = new Map<string, TagInfo | undefined>();
/** lookupTag's answers by the exact string asked (keywords and tags as written): parsing them each time cost more. */
const lookupCache = new Map<string, TagInfo>();
/** Both caches are emptied past this size: tags come from received objects and queries, and are not bounded. */
const CACHE_MAX = 50_000;

/**
 * Looks up an element by keyword or tag (any form accepted by {@link normalizeTag}).
 * Repeating groups (50xx, 60xx, 7Fxx) resolve through their base entry. Group length elements
 * (gggg,0000) are UL (PS3.5 §7.2). Private creators are LO; other private elements are unknown
 * to the dictionary and get VR UN.
 */
export function lookupTag(tagOrKeyword: string): TagInfo | undefined {
  const known = lookupCache.get(tagOrKeyword);
  if (known !== undefined) return known;
  const tag = normalizeTag(tagOrKeyword) ?? KEYWORD_TO_TAG.get(tagOrKeyword.trim());
  if (!tag) return undefined;
  let info: TagInfo | undefined;
  if (infoCache.has(tag)) info = infoCache.get(tag);
  else {
    info = computeInfo(tag);
    if (infoCache.size >= CACHE_MAX) infoCache.clear();
    infoCache.set(tag, info);
  }
  if (info) {
    if (lookupCache.size >= CACHE_MAX) lookupCache.clear();
    lookupCache.set(tagOrKeyword, info);
  }
  return info;
}

function computeInfo(tag: string): TagInfo | undefined {
  const priv = isPrivateTag(tag);
  if (priv) {
    if (isPrivateCreator(tag)) {
      return { tag, keyword: 'PrivateCreator', vr: 'LO', vrs: ['LO'], vm: '1', retired: false, private: true };
    }
    if (tag.endsWith('0000')) {
      return { tag, vr: 'UL', vrs: ['UL'], vm: '1', retired: false, private: true };
    }
    return { tag, vr: 'UN', vrs: ['UN'], vm: '1-n', retired: false, private: true };
  }
  const entry: DictEntry | undefined = dictionary[tag];
  if (!entry) {
    // Group length (gggg,0000): UL, retired except for groups 0000 and 0002 (PS3.5 §7.2).
    if (tag.endsWith('0000')) return { tag, vr: 'UL', vrs: ['UL'], vm: '1', retired: true, private: false };
    return undefined;
  }
  const v = expandVr(entry.vr);
  if (!v) return undefined;
  const retired = entry.name.startsWith('RETIRED_');
  return {
    tag,
    keyword: entry.name.replace(/^RETIRED_/, ''),
    vr: v.vr,
    vrs: v.vrs,
    vm: entry.vm,
    retired,
    private: false,
  };
}

/** `tagOf('PatientName') === '00100010'`; also accepts a tag and normalises it. */
export function tagOf(keywordOrTag: string): string | undefined {
  return lookupTag(keywordOrTag)?.tag;
}

/** `keywordOf('00100010') === 'PatientName'`. */
export function keywordOf(tagOrKeyword: string): string | undefined {
  return lookupTag(tagOrKeyword)?.keyword;
}

/** Default (implicit VR) VR of a keyword or tag. */
export function vrOf(tagOrKeyword: string): Vr | undefined {
  return lookupTag(tagOrKeyword)?.vr;
}

/** Number of keywords known (sanity check that the dictionary loaded). */
export function dictionarySize(): number {
  return KEYWORD_TO_TAG.size;
}

export interface AttributePathElement {
  tag: string;
  keyword?: string;
  vr: Vr;
}

/**
 * Parses a QIDO-RS attribute ID (PS3.18 §8.3.4.1): `attributeID = dicomTag / dicomKeyword / attributeID "." attributeID`
 * where every element but the last must be a sequence. Throws {@link QueryError} for unknown
 * keywords, malformed tags, or a non-sequence in a non-terminal position.
 */
export function parseAttributePath(id: string): AttributePathElement[] {
  const raw = id.trim();
  if (raw === '') throw new QueryError('UNKNOWN_ATTRIBUTE', 'Empty attribute ID', id);
  const parts = raw.split('.');
  const out: AttributePathElement[] = [];
  parts.forEach((part, i) => {
    const info = lookupTag(part);
    if (!info) {
      const hint = /^[0-9A-Fa-f]{8}$/.test(part)
        ? `tag ${part} is not in the DICOM data dictionary`
        : `"${part}" is neither a DICOM keyword nor an 8-digit hex tag`;
      throw new QueryError('UNKNOWN_ATTRIBUTE', `Unknown attribute "${id}": ${hint}`, id);
    }
    if (i < parts.length - 1 && info.vr !== 'SQ' && !(info.private && info.vr === 'UN')) {
      throw new QueryError(
        'UNKNOWN_ATTRIBUTE',
        `Invalid attribute path "${id}": ${info.keyword ?? info.tag} is not a sequence (VR ${info.vr})`,
        id,
      );
    }
    out.push(info.keyword ? { tag: info.tag, keyword: info.keyword, vr: info.vr } : { tag: info.tag, vr: info.vr });
  });
  return out;
}

/** Formats a path as dotted keywords (falling back to tags), e.g. "ReferencedSeriesSequence.SeriesInstanceUID". */
export function formatAttributePath(path: readonly AttributePathElement[]): string {
  return path.map((p) => p.keyword ?? p.tag).join('.');
}
