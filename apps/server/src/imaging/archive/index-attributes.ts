import {
  fuzzyPN, normalizePN, personNameToString, type DicomHeader, type DicomJsonDataset, type PersonNameJson,
} from '@axial/dicom';

/**
 * Which attributes each level of the index keeps as DICOM JSON for QIDO-RS / C-FIND answers
 * (PS3.18 Tables 10.6.1-5..7 and PS3.4 C.6.1.1 / C.6.2.1 key lists, plus what study lists show).
 */
export const PATIENT_TAGS = [
  '00100010', '00100020', '00100021', '00100030', '00100032', '00100040', '00101000', '00101001', '00101002',
  '00101010', '00101020', '00101030', '00102160', '00104000',
];
export const STUDY_TAGS = [
  '00080005', '00080020', '00080030', '00080050', '00080051', '00080080', '00080090', '00081030', '00081032',
  '00080201', '00200010', '0020000D', '00081060', '00321032', '00321060', '00401001',
];
export const SERIES_TAGS = [
  '00080060', '0020000E', '00200011', '0008103E', '00180015', '00080021', '00080031', '00400244',
  '00400245', '00400275', '00080070', '00081010', '00081090', '00200060', '00180024', '00081111', '00540081',
];
export const INSTANCE_TAGS = [
  '00080005', '00080016', '00080018', '00200013', '00280010', '00280011', '00280100', '00280008', '00080008',
  '00080023', '00080033', '0008002A', '00280004', '00420010', '0040A491', '0040A493', '0040A043', '00080012',
];

export function pick(json: DicomJsonDataset, tags: readonly string[]): DicomJsonDataset {
  const out: DicomJsonDataset = {};
  for (const t of tags) if (json[t]) out[t] = json[t];
  return out;
}

/** A PN element's Alphabetic (or first available) group as a DICOM string with ^ and = separators. */
export function pnString(json: DicomJsonDataset, tag: string): string {
  const v = json[tag]?.Value?.[0] as PersonNameJson | undefined;
  return v ? personNameToString(v) : '';
}

/** The row values the index stores for one instance, derived from its header. */
export interface IndexRow {
  patient: { patientId: string; issuer: string; name: string; nameNorm: string; nameFuzzy: string; birthDate: string; sex: string; json: string };
  study: {
    studyUid: string; studyDate: string; studyTime: string; accessionNumber: string; studyId: string; description: string;
    referringPhysician: string; referringPhysicianNorm: string; institutionName: string; json: string;
  };
  series: {
    seriesUid: string; modality: string; seriesNumber: number | null; description: string; bodyPart: string;
    seriesDate: string; seriesTime: string; ppsStartDate: string; ppsStartTime: string; json: string;
  };
  instance: {
    sopInstanceUid: string; sopClassUid: string; instanceNumber: number | null; transferSyntaxUid: string;
    numberOfFrames: number | null; rows: number | null; columns: number | null; json: string;
  };
}

export function indexRowOf(h: DicomHeader, json: DicomJsonDataset): IndexRow {
  const name = pnString(json, '00100010');
  const referring = pnString(json, '00080090');
  const p = h.patient;
  const s = h.study;
  const se = h.series;
  const i = h.instance;
  return {
    patient: {
      patientId: p.patientId ?? '', issuer: p.issuerOfPatientId ?? '', name, nameNorm: normalizePN(name), nameFuzzy: fuzzyPN(name),
      birthDate: p.patientBirthDate ?? '', sex: p.patientSex ?? '', json: JSON.stringify(pick(json, PATIENT_TAGS)),
    },
    study: {
      studyUid: h.studyInstanceUid, studyDate: s.studyDate ?? '', studyTime: s.studyTime ?? '', accessionNumber: s.accessionNumber ?? '',
      studyId: s.studyId ?? '', description: s.studyDescription ?? '', referringPhysician: referring,
      referringPhysicianNorm: normalizePN(referring), institutionName: s.institutionName ?? '', json: JSON.stringify(pick(json, STUDY_TAGS)),
    },
    series: {
      seriesUid: h.seriesInstanceUid, modality: se.modality ?? '', seriesNumber: se.seriesNumber ?? null, description: se.seriesDescription ?? '',
      bodyPart: se.bodyPartExamined ?? '', seriesDate: se.seriesDate ?? '', seriesTime: se.seriesTime ?? '',
      ppsStartDate: se.performedProcedureStepStartDate ?? '', ppsStartTime: se.performedProcedureStepStartTime ?? '',
      json: JSON.stringify(pick(json, SERIES_TAGS)),
    },
    instance: {
      sopInstanceUid: h.sopInstanceUid, sopClassUid: h.sopClassUid, instanceNumber: i.instanceNumber ?? null,
      transferSyntaxUid: h.transferSyntaxUid, numberOfFrames: i.numberOfFrames ?? null, rows: i.rows ?? null, columns: i.columns ?? null,
      json: JSON.stringify(json),
    },
  };
}
