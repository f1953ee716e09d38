import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDicom } from './header';
import { personName, personNameToString, toDicomJson } from './json';
import { buildPart10, latin1, minimalImage, type FixtureElement } from './testing/builder';
import { TransferSyntax } from './uid';

const extra: FixtureElement[] = [
  { tag: 'SpecificCharacterSet', value: '\\ISO 2022 IR 149' },
  { tag: 'ImageType', value: 'ORIGINAL\\PRIMARY\\\\AXIAL' },
  { tag: 'PatientName', value: latin1('Hong^Gildong=\x1b$)C\xfb\xf3^\x1b$)C\xd1\xce\xd4\xd7') },
  { tag: 'PixelSpacing', value: '0.5\\0.25' },
  { tag: 'FrameIncrementPointer', vr: 'AT', value: [0x00181063] },
  { tag: 'SliceThickness', value: '1A' },
  { tag: 'ReferencedImageSequence', value: [[{ tag: 'ReferencedSOPInstanceUID', value: '1.2.3.9' }, { tag: 'ReferencedFrameNumber', value: '1\\2' }], []] },
  { tag: '00291010', vr: 'OB', value: new Uint8Array([1, 2, 3, 4]) },
  { tag: '00290010', vr: 'LO', value: 'ACME 1.0' },
  { tag: 'RedPaletteColorLookupTableData', vr: 'OW', value: Array.from({ length: 600 }, (_, i) => i) },
  { tag: 'WindowCenter', value: '40' },
];

describe.each([
  ['explicit LE', TransferSyntax.ExplicitVRLittleEndian],
  ['implicit LE', TransferSyntax.ImplicitVRLittleEndian],
  ['explicit BE', TransferSyntax.ExplicitVRBigEndian],
])('dataSetToJson (%s)', (_n, ts) => {
  const parsed = parseDicom(buildPart10(minimalImage(extra), { transferSyntaxUid: ts }), { untilPixelData: false });
  const bulk: Array<ReadonlyArray<string | number>> = [];
  const json = toDicomJson(parsed, { bulkDataUri: (path) => (bulk.push(path), `bulk/${path.join('/')}`) });

  it('encodes strings, PN objects, numbers and nulls per PS3.18 Annex F', () => {
    expect(json['00100010']).toEqual({ vr: 'PN', Value: [{ Alphabetic: 'Hong^Gildong', Ideographic: '洪^吉洞' }] });
    expect(json['00080008']).toEqual({ vr: 'CS', Value: ['ORIGINAL', 'PRIMARY', null, 'AXIAL'] });
    expect(json['00280030']).toEqual({ vr: 'DS', Value: [0.5, 0.25] });
    expect(json['00281050']).toEqual({ vr: 'DS', Value: [40] });
    expect(json['00280010']).toEqual({ vr: 'US', Value: [2] });
    expect(json['00280009']).toEqual({ vr: 'AT', Value: ['00181063'] });
    expect(json['00180050']).toEqual({ vr: 'DS', Value: ['1A'] }); // invalid DS kept, not dropped
    expect(json['00080018']).toEqual({ vr: 'UI', Value: ['1.2.3.4.5.6.3'] });
  });

  it('converts sequences recursively, including empty items', () => {
    expect(json['00081140']).toEqual({
      vr: 'SQ',
      Value: [{ '00081155': { vr: 'UI', Value: ['1.2.3.9'] }, '00081160': { vr: 'IS', Value: [1, 2] } }, {}],
    });
  });

  it('keeps private tags (UN in implicit VR) as InlineBinary, creators as LO', () => {
    expect(json['00290010']).toEqual({ vr: 'LO', Value: ['ACME 1.0'] });
    expect(json['00291010']).toEqual({ vr: ts === TransferSyntax.ImplicitVRLittleEndian ? 'UN' : 'OB', InlineBinary: 'AQIDBA==' });
  });

  it('uses BulkDataURI for pixel data and large binary values', () => {
    expect(json['7FE00010']).toEqual({ vr: ts === TransferSyntax.ImplicitVRLittleEndian ? 'OW' : 'OB', BulkDataURI: 'bulk/7FE00010' });
    expect(json['00281201']).toEqual({ vr: 'OW', BulkDataURI: 'bulk/00281201' });
    expect(bulk).toContainEqual(['7FE00010']);
  });

  it('writes InlineBinary little endian even for big endian input', () => {
    const small = toDicomJson(parsed, { bulkDataThreshold: 10_000 });
    const b = Buffer.from(small['00281201']!.InlineBinary!, 'base64');
    expect(b.readUInt16LE(2)).toBe(1);
    expect(b.readUInt16LE(1198)).toBe(599);
    expect(small['7FE00010']).toEqual({ vr: ts === TransferSyntax.ImplicitVRLittleEndian ? 'OW' : 'OB' }); // never inline pixel data
  });
});

describe('personName helpers', () => {
  it('round-trips', () => {
    expect(personName('A^B==C')).toEqual({ Alphabetic: 'A^B', Phonetic: 'C' });
    expect(personNameToString({ Alphabetic: 'A^B', Phonetic: 'C' })).toBe('A^B==C');
    expect(personNameToString({ Ideographic: '山田' })).toBe('=山田');
  });
});

const samples = join(__dirname, '../../../../shared/dicom-samples');
describe.runIf(existsSync(samples))('dataSetToJson: sample files', () => {
  it('decodes the Japanese name into PN groups', () => {
    const json = toDicomJson(parseDicom(readFileSync(join(samples, 'charset_japanese_ir13_ir87.dcm'))));
    expect(json['00100010']!.Value![0]).toEqual({ Alphabetic: 'ﾔﾏﾀﾞ^ﾀﾛｳ', Ideographic: '山田^太郎', Phonetic: 'やまだ^たろう' });
  });
  it('handles big endian, implicit, nested SR and private undefined-length sequences without throwing', () => {
    for (const f of ['mr_explicit_be.dcm', 'rtdose_multiframe_32bit.dcm', 'sr_comprehensive_nested.dcm', 'private_undefined_length_sq.dcm', 'mr_overlay_siemens.dcm', 'ecg_12lead_waveform.dcm', 'doc_encapsulated_pdf.dcm']) {
      const parsed = parseDicom(readFileSync(join(samples, f)), { requireUids: false, untilPixelData: false });
      const json = toDicomJson(parsed, { bulkDataUri: (p) => p.join('/') });
      if (f === 'private_undefined_length_sq.dcm') {
        // Defined-length private SQ in implicit VR: unknown to the dictionary => UN bytes (as dcmdump shows "??").
        expect(json['3F030010']).toEqual({ vr: 'LO', Value: ['aaabbbccc MEDICAL SYSTEMS'] });
        expect(json['3F031001']!.vr).toBe('UN');
        expect(Buffer.from(json['3F031001']!.InlineBinary!, 'base64').length).toBe(166);
        continue;
      }
      expect(Object.keys(json).length).toBeGreaterThan(3);
      if (f === 'mr_explicit_be.dcm') expect(json['00280010']).toEqual({ vr: 'US', Value: [384] });
      if (f === 'rtdose_multiframe_32bit.dcm') expect(json['00280008']).toEqual({ vr: 'IS', Value: [15] });
      if (f === 'sr_comprehensive_nested.dcm') expect(json['0040A730']!.vr).toBe('SQ');
      if (f === 'mr_overlay_siemens.dcm') expect(json['60003000']).toEqual({ vr: 'OW', BulkDataURI: '60003000' });
      if (f === 'ecg_12lead_waveform.dcm') expect(JSON.stringify(json['54000100'])).toContain('"54001010":{"vr":"OW","BulkDataURI":"54000100/0/54001010"}');
      if (f === 'doc_encapsulated_pdf.dcm') expect(json['00420011']).toEqual({ vr: 'OB', BulkDataURI: '00420011' });
    }
  });
});
