/**
 * Small typed accessors for DICOM JSON (PS3.18 Annex F): data sets are objects keyed by 8-hex tags,
 * each element `{vr, Value?: [...]}`; person names are `{Alphabetic, Ideographic?, Phonetic?}`.
 */

export interface PersonNameValue {
  Alphabetic?: string;
  Ideographic?: string;
  Phonetic?: string;
}

export type DicomJsonValue = string | number | PersonNameValue | DicomJsonDataset | null;

export interface DicomJsonElement {
  vr: string;
  Value?: DicomJsonValue[];
  InlineBinary?: string;
  BulkDataURI?: string;
}

export type DicomJsonDataset = Record<string, DicomJsonElement | undefined>;

/** Tags used by the archive pages (study / series / instance level and STOW-RS responses). */
export const T = {
  SpecificCharacterSet: '00080005',
  StudyDate: '00080020',
  StudyTime: '00080030',
  AccessionNumber: '00080050',
  Modality: '00080060',
  ModalitiesInStudy: '00080061',
  ReferringPhysicianName: '00080090',
  InstitutionName: '00080080',
  StudyDescription: '00081030',
  SeriesDescription: '0008103E',
  RetrieveURL: '00081190',
  FailedSOPSequence: '00081198',
  ReferencedSOPSequence: '00081199',
  ReferencedSOPClassUID: '00081150',
  ReferencedSOPInstanceUID: '00081155',
  FailureReason: '00081197',
  WarningReason: '00081196',
  AxialCreator: '00090010',
  AxialMessage: '00091001',
  AxialPartIndex: '00091002',
  AxialStatus: '00091003',
  PatientName: '00100010',
  PatientID: '00100020',
  PatientBirthDate: '00100030',
  PatientSex: '00100040',
  BodyPartExamined: '00180015',
  StudyInstanceUID: '0020000D',
  SeriesInstanceUID: '0020000E',
  StudyID: '00200010',
  SeriesNumber: '00200011',
  NumberOfStudyRelatedSeries: '00201206',
  NumberOfStudyRelatedInstances: '00201208',
  NumberOfSeriesRelatedInstances: '00201209',
} as const;

function element(ds: DicomJsonDataset | undefined, tag: string): DicomJsonElement | undefined {
  if (!ds) return undefined;
  return ds[tag] ?? ds[tag.toUpperCase()] ?? ds[tag.toLowerCase()];
}

/** All values of an element (empty when absent). */
export function values(ds: DicomJsonDataset | undefined, tag: string): DicomJsonValue[] {
  return element(ds, tag)?.Value ?? [];
}

/** First value as a trimmed string ('' when absent); person names give their alphabetic group. */
export function str(ds: DicomJsonDataset | undefined, tag: string): string {
  const v = values(ds, tag)[0];
  return valueToString(v);
}

/** Every value as a string (for multi-valued attributes such as Modalities in Study). */
export function strs(ds: DicomJsonDataset | undefined, tag: string): string[] {
  return values(ds, tag).map(valueToString).filter((s) => s !== '');
}

function valueToString(v: DicomJsonValue | undefined): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number') return String(v);
  if (typeof v === 'object' && ('Alphabetic' in v || 'Ideographic' in v || 'Phonetic' in v)) {
    const pnv = v as PersonNameValue;
    return (pnv.Alphabetic ?? pnv.Ideographic ?? pnv.Phonetic ?? '').trim();
  }
  return '';
}

/** First value as a number (IS/DS strings are parsed); undefined when absent or not numeric. */
export function num(ds: DicomJsonDataset | undefined, tag: string): number | undefined {
  const v = values(ds, tag)[0];
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v.trim());
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** Sequence items of an SQ element. */
export function items(ds: DicomJsonDataset | undefined, tag: string): DicomJsonDataset[] {
  return values(ds, tag).filter((v): v is DicomJsonDataset => typeof v === 'object' && v !== null && !('Alphabetic' in v));
}

/**
 * A person name for display: "DOE^JANE^^DR" → "DOE, JANE, DR" (empty components dropped).
 * Uses the alphabetic group, falling back to the ideographic / phonetic ones.
 */
export function formatPersonName(raw: string): string {
  return raw
    .split('^')
    .map((p) => p.trim())
    .filter(Boolean)
    .join(', ');
}

export function pn(ds: DicomJsonDataset | undefined, tag: string): string {
  const v = values(ds, tag)[0];
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const pnv = v as PersonNameValue;
    const alpha = pnv.Alphabetic ? formatPersonName(pnv.Alphabetic) : '';
    const ideo = pnv.Ideographic ? formatPersonName(pnv.Ideographic) : '';
    if (alpha && ideo) return `${alpha} (${ideo})`;
    return alpha || ideo || (pnv.Phonetic ? formatPersonName(pnv.Phonetic) : '');
  }
  return typeof v === 'string' ? formatPersonName(v) : '';
}

/** DA "20240115" → "2024-01-15" (unparseable values are shown as they are). */
export function formatDA(raw: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(raw.trim());
  return m ? `${m[1]}-${m[2]}-${m[3]}` : raw.trim();
}

/** TM "143005.123" → "14:30:05"; "1430" → "14:30". */
export function formatTM(raw: string): string {
  const m = /^(\d{2})(\d{2})?(\d{2})?/.exec(raw.trim().replace(/:/g, ''));
  if (!m) return raw.trim();
  return [m[1], m[2] ?? '00', m[3]].filter((p) => p !== undefined).join(':');
}

export function da(ds: DicomJsonDataset | undefined, tag: string): string {
  const s = str(ds, tag);
  return s ? formatDA(s) : '';
}

export function tm(ds: DicomJsonDataset | undefined, tag: string): string {
  const s = str(ds, tag);
  return s ? formatTM(s) : '';
}

export function sexLabel(code: string): string {
  switch (code.toUpperCase()) {
    case 'M': return 'Male';
    case 'F': return 'Female';
    case 'O': return 'Other';
    default: return code;
  }
}
