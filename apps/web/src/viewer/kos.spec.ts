import { describe, expect, it } from 'vitest';
import dcmjs from 'dcmjs';
import { buildKeyObjectSelection, isKeyObjectSelection, KOS_SOP_CLASS, keyImagesOf } from './kos';
import { datasetToPart10, part10ToDataset } from './sr';

const STUDY = '1.2.826.0.1.3680043.8.498.7';
const CT = '1.2.840.10008.5.1.4.1.1.2';
const US_MF = '1.2.840.10008.5.1.4.1.1.3.1';

describe('Key Object Selection', () => {
  it('writes a KOS (TID 2010, "Of Interest") that reads back to the same images and frames', () => {
    const ds = buildKeyObjectSelection(
      [
        { studyUid: STUDY, seriesUid: `${STUDY}.1`, sopClassUid: CT, sopInstanceUid: `${STUDY}.1.1` },
        { studyUid: STUDY, seriesUid: `${STUDY}.1`, sopClassUid: CT, sopInstanceUid: `${STUDY}.1.5` },
        { studyUid: STUDY, seriesUid: `${STUDY}.2`, sopClassUid: US_MF, sopInstanceUid: `${STUDY}.2.1`, frame: 12 },
      ],
      { PatientName: 'Müller^Jörg', PatientID: 'P-9', StudyDate: '20260101', AccessionNumber: 'A1' },
      { observer: 'Radiologist^Demo', description: 'Lesion', instanceNumber: 2 },
    );
    const back = part10ToDataset(datasetToPart10(ds));
    expect(back.SOPClassUID).toBe(KOS_SOP_CLASS);
    expect(back.Modality).toBe('KO');
    expect(back.StudyInstanceUID).toBe(STUDY);
    expect(back.PatientID).toBe('P-9');
    expect(back.PatientName).toEqual([{ Alphabetic: 'Müller^Jörg' }]);
    expect(isKeyObjectSelection(back)).toBe(true);
    const title = back.ConceptNameCodeSequence as { CodeValue: string } | Array<{ CodeValue: string }>;
    expect((Array.isArray(title) ? title[0] : title).CodeValue).toBe('113000');
    const tpl = back.ContentTemplateSequence as { TemplateIdentifier: string } | Array<{ TemplateIdentifier: string }>;
    expect((Array.isArray(tpl) ? tpl[0] : tpl).TemplateIdentifier).toBe('2010');
    expect(keyImagesOf(back)).toEqual([
      { sopInstanceUid: `${STUDY}.1.1`, sopClassUid: CT },
      { sopInstanceUid: `${STUDY}.1.5`, sopClassUid: CT },
      { sopInstanceUid: `${STUDY}.2.1`, sopClassUid: US_MF, frame: 12 },
    ]);
    // Evidence: both series of the study, each instance once.
    const ev = back.CurrentRequestedProcedureEvidenceSequence as Array<{ ReferencedSeriesSequence: Array<{ SeriesInstanceUID: string; ReferencedSOPSequence: unknown[] }> }>;
    const series = (Array.isArray(ev) ? ev[0] : ev).ReferencedSeriesSequence;
    expect(series.map((s) => [s.SeriesInstanceUID, (Array.isArray(s.ReferencedSOPSequence) ? s.ReferencedSOPSequence : [s.ReferencedSOPSequence]).length])).toEqual([
      [`${STUDY}.1`, 2],
      [`${STUDY}.2`, 1],
    ]);
    // Same through DICOM JSON (as WADO-RS metadata serves it).
    const json = JSON.parse(JSON.stringify(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(ds)));
    expect(keyImagesOf(dcmjs.data.DicomMetaDictionary.naturalizeDataset(json))).toHaveLength(3);
  });

  it('refuses an empty selection and images of two studies', () => {
    expect(() => buildKeyObjectSelection([], {})).toThrow(/at least one/);
    expect(() =>
      buildKeyObjectSelection(
        [
          { studyUid: '1.1', seriesUid: '1.1.1', sopClassUid: CT, sopInstanceUid: '1.1.1.1' },
          { studyUid: '1.2', seriesUid: '1.2.1', sopClassUid: CT, sopInstanceUid: '1.2.1.1' },
        ],
        {},
      ),
    ).toThrow(/one study/);
  });
});
