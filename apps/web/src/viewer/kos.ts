/**
 * Key images as a DICOM Key Object Selection document (KOS, SOP class 1.2.840.10008.5.1.4.1.1.88.59,
 * TID 2010 "Key Object Selection", document title DCM 113000 "Of Interest"), built and read with dcmjs.
 */
import dcmjs, { type NaturalDataset } from 'dcmjs';

export const KOS_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.88.59';
export const KOS_SERIES_DESCRIPTION = 'Axial key images';
const OF_INTEREST = { CodeValue: '113000', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Of Interest' };

export interface KeyImageRef {
  studyUid: string;
  seriesUid: string;
  sopClassUid: string;
  sopInstanceUid: string;
  /** Frame of a multi-frame instance (1-based); undefined for single-frame images. */
  frame?: number;
}

/** Patient and study attributes copied from a referenced image (naturalized). */
export type StudyAttributes = Record<string, unknown>;

const PATIENT_STUDY_KEYS = [
  'PatientName', 'PatientID', 'IssuerOfPatientID', 'PatientBirthDate', 'PatientSex', 'StudyInstanceUID', 'StudyDate', 'StudyTime',
  'ReferringPhysicianName', 'StudyID', 'AccessionNumber', 'StudyDescription',
];

export interface KosOptions {
  seriesInstanceUid?: string;
  seriesNumber?: number;
  instanceNumber?: number;
  sopInstanceUid?: string;
  description?: string;
  /** Person Observer Name (PN). */
  observer?: string;
}

const arr = <T>(v: T | T[] | undefined | null): T[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);

/** The naturalized KOS data set for `refs` (one study; at least one image). */
export function buildKeyObjectSelection(refs: readonly KeyImageRef[], study: StudyAttributes, options: KosOptions = {}): NaturalDataset {
  if (!refs.length) throw new Error('A key object selection needs at least one image.');
  const { DicomMetaDictionary } = dcmjs.data;
  const studyUid = refs[0].studyUid;
  if (refs.some((r) => r.studyUid !== studyUid)) throw new Error('Key images of one document must belong to one study.');
  const date = DicomMetaDictionary.date();
  const time = DicomMetaDictionary.time();
  const bySeries = new Map<string, KeyImageRef[]>();
  for (const r of refs) bySeries.set(r.seriesUid, [...(bySeries.get(r.seriesUid) ?? []), r]);
  const evidence = [
    {
      StudyInstanceUID: studyUid,
      ReferencedSeriesSequence: [...bySeries].map(([seriesUid, list]) => ({
        SeriesInstanceUID: seriesUid,
        ReferencedSOPSequence: [...new Map(list.map((r) => [r.sopInstanceUid, r])).values()].map((r) => ({
          ReferencedSOPClassUID: r.sopClassUid,
          ReferencedSOPInstanceUID: r.sopInstanceUid,
        })),
      })),
    },
  ];
  const content: Array<Record<string, unknown>> = [];
  if (options.observer) {
    content.push({
      RelationshipType: 'HAS OBS CONTEXT',
      ValueType: 'PNAME',
      ConceptNameCodeSequence: [{ CodeValue: '121008', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Person Observer Name' }],
      PersonName: options.observer,
    });
  }
  if (options.description) {
    content.push({
      RelationshipType: 'CONTAINS',
      ValueType: 'TEXT',
      ConceptNameCodeSequence: [{ CodeValue: '113012', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Key Object Description' }],
      TextValue: options.description,
    });
  }
  for (const r of refs) {
    content.push({
      RelationshipType: 'CONTAINS',
      ValueType: 'IMAGE',
      ReferencedSOPSequence: [
        {
          ReferencedSOPClassUID: r.sopClassUid,
          ReferencedSOPInstanceUID: r.sopInstanceUid,
          ...(r.frame !== undefined ? { ReferencedFrameNumber: String(r.frame) } : {}),
        },
      ],
    });
  }
  const ds: NaturalDataset = {
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: KOS_SOP_CLASS,
    SOPInstanceUID: options.sopInstanceUid ?? DicomMetaDictionary.uid(),
    Modality: 'KO',
    SeriesInstanceUID: options.seriesInstanceUid ?? DicomMetaDictionary.uid(),
    SeriesNumber: String(options.seriesNumber ?? 9902),
    SeriesDescription: KOS_SERIES_DESCRIPTION,
    SeriesDate: date,
    SeriesTime: time,
    ReferencedPerformedProcedureStepSequence: [],
    Manufacturer: 'Axial',
    InstanceNumber: String(options.instanceNumber ?? 1),
    ContentDate: date,
    ContentTime: time,
    InstanceCreationDate: date,
    InstanceCreationTime: time,
    CurrentRequestedProcedureEvidenceSequence: evidence,
    ValueType: 'CONTAINER',
    ConceptNameCodeSequence: [OF_INTEREST],
    ContinuityOfContent: 'SEPARATE',
    ContentTemplateSequence: [{ MappingResource: 'DCMR', TemplateIdentifier: '2010' }],
    ContentSequence: content,
    _meta: { TransferSyntaxUID: { Value: ['1.2.840.10008.1.2.1'], vr: 'UI' } },
  };
  for (const k of PATIENT_STUDY_KEYS) {
    const v = study[k];
    if (v !== undefined && v !== null && v !== '') ds[k] = v;
  }
  ds.StudyInstanceUID = studyUid;
  for (const k of ['PatientName', 'PatientID', 'PatientBirthDate', 'PatientSex', 'StudyDate', 'StudyTime', 'ReferringPhysicianName', 'StudyID', 'AccessionNumber']) {
    ds[k] ??= '';
  }
  return ds;
}

export function isKeyObjectSelection(ds: NaturalDataset): boolean {
  return ds.SOPClassUID === KOS_SOP_CLASS || ds.Modality === 'KO';
}

/** The images a KOS selects, as `{sopInstanceUid, frame?}` (frame undefined: the whole instance). */
export function keyImagesOf(ds: NaturalDataset): Array<{ sopInstanceUid: string; sopClassUid: string; frame?: number }> {
  type Ref = { ReferencedSOPInstanceUID?: string; ReferencedSOPClassUID?: string; ReferencedFrameNumber?: string | number | Array<string | number> };
  type Item = { ValueType?: string; ReferencedSOPSequence?: Ref | Ref[]; ContentSequence?: Item | Item[] };
  const out: Array<{ sopInstanceUid: string; sopClassUid: string; frame?: number }> = [];
  const walk = (items: Item[]) => {
    for (const it of items) {
      if (it.ValueType === 'IMAGE') {
        for (const ref of arr(it.ReferencedSOPSequence)) {
          if (!ref.ReferencedSOPInstanceUID) continue;
          const frames = arr(ref.ReferencedFrameNumber).map(Number).filter((n) => n > 0);
          if (frames.length) for (const f of frames) out.push({ sopInstanceUid: ref.ReferencedSOPInstanceUID, sopClassUid: ref.ReferencedSOPClassUID ?? '', frame: f });
          else out.push({ sopInstanceUid: ref.ReferencedSOPInstanceUID, sopClassUid: ref.ReferencedSOPClassUID ?? '' });
        }
      }
      if (it.ContentSequence) walk(arr(it.ContentSequence));
    }
  };
  walk(arr(ds.ContentSequence as Item | Item[]));
  return out;
}
