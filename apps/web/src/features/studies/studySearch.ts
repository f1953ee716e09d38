/**
 * The study search lives in the page URL (shareable, back/forward work). URL keys are the QIDO-RS
 * attribute names where possible; `from` / `to` hold the study date range as YYYY-MM-DD.
 */

export interface StudySearch {
  PatientName: string;
  PatientID: string;
  AccessionNumber: string;
  from: string;
  to: string;
  ModalitiesInStudy: string;
  BodyPartExamined: string;
  fuzzymatching: boolean;
  /** Comma-separated Study Instance UIDs (e.g. "the studies I just uploaded"). */
  StudyInstanceUID: string;
  orderby: string;
  offset: number;
}

export const DEFAULT_ORDER = '-StudyDate';

export const EMPTY_SEARCH: StudySearch = {
  PatientName: '',
  PatientID: '',
  AccessionNumber: '',
  from: '',
  to: '',
  ModalitiesInStudy: '',
  BodyPartExamined: '',
  fuzzymatching: false,
  StudyInstanceUID: '',
  orderby: DEFAULT_ORDER,
  offset: 0,
};

const TEXT_KEYS = ['PatientName', 'PatientID', 'AccessionNumber', 'from', 'to', 'ModalitiesInStudy', 'BodyPartExamined', 'StudyInstanceUID'] as const;

export function searchFromUrl(sp: URLSearchParams): StudySearch {
  const out: StudySearch = { ...EMPTY_SEARCH };
  for (const k of TEXT_KEYS) out[k] = sp.get(k)?.trim() ?? '';
  out.fuzzymatching = sp.get('fuzzymatching') === 'true';
  out.orderby = sp.get('orderby')?.trim() || DEFAULT_ORDER;
  const off = Number(sp.get('offset') ?? '0');
  out.offset = Number.isInteger(off) && off > 0 ? off : 0;
  return out;
}

export function searchToUrl(s: StudySearch): URLSearchParams {
  const sp = new URLSearchParams();
  for (const k of TEXT_KEYS) if (s[k].trim()) sp.set(k, s[k].trim());
  if (s.fuzzymatching) sp.set('fuzzymatching', 'true');
  if (s.orderby && s.orderby !== DEFAULT_ORDER) sp.set('orderby', s.orderby);
  if (s.offset > 0) sp.set('offset', String(s.offset));
  return sp;
}

/**
 * Patient name as a QIDO PN matching value: "doe" → "doe*" (starts-with; the server matches
 * case-insensitively); "Doe, Jane" → "Doe^Jane*"; a value with its own wildcards is sent as typed.
 */
export function patientNameQuery(input: string): string {
  let v = input.trim();
  if (!v) return '';
  v = v.replace(/\s*,\s*/g, '^');
  if (/[*?]/.test(v)) return v;
  return `${v}*`;
}

/** "2024-01-15" → "20240115". */
function dicomDate(isoDay: string): string {
  return isoDay.replace(/-/g, '');
}

/** Study date range: "from-to", one-sided "from-" / "-to", or '' for none. */
export function studyDateQuery(from: string, to: string): string {
  const f = from ? dicomDate(from) : '';
  const t = to ? dicomDate(to) : '';
  if (!f && !t) return '';
  if (f && t && f === t) return f;
  return `${f}-${t}`;
}

/** QIDO-RS query parameters for GET /dicom-web/studies. */
export function qidoParams(s: StudySearch, limit: number): Record<string, string> {
  const p: Record<string, string> = {};
  const name = patientNameQuery(s.PatientName);
  if (name) p.PatientName = name;
  if (s.PatientID) p.PatientID = s.PatientID;
  if (s.AccessionNumber) p.AccessionNumber = s.AccessionNumber;
  const date = studyDateQuery(s.from, s.to);
  if (date) p.StudyDate = date;
  if (s.ModalitiesInStudy) p.ModalitiesInStudy = s.ModalitiesInStudy.toUpperCase();
  if (s.BodyPartExamined) p.BodyPartExamined = s.BodyPartExamined.toUpperCase();
  if (s.StudyInstanceUID) p.StudyInstanceUID = s.StudyInstanceUID;
  if (s.fuzzymatching) p.fuzzymatching = 'true';
  p.includefield = 'all';
  p.limit = String(limit);
  p.offset = String(s.offset);
  p.orderby = s.orderby || DEFAULT_ORDER;
  return p;
}

/** Whether any filter (not paging / ordering) is set. */
export function hasFilters(s: StudySearch): boolean {
  return TEXT_KEYS.some((k) => s[k] !== '') || s.fuzzymatching;
}
