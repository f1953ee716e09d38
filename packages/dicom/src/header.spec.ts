import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DicomParseError, type DicomParseErrorCode } from './errors';
import { parseDicom, readHeader } from './header';
import { toDicomJson } from './json';
import { buildPart10, concat, encapsulatedPixelData, encodeDataSet, latin1, minimalImage, type FixtureElement } from './testing/builder';
import { TransferSyntax } from './uid';

const demographics: FixtureElement[] = [
  { tag: 'SpecificCharacterSet', value: 'ISO_IR 100' },
  { tag: 'StudyDate', value: '20240131' },
  { tag: 'StudyTime', value: '103000' },
  { tag: 'AccessionNumber', value: 'ACC1' },
  { tag: 'Modality', value: 'CT' },
  { tag: 'InstitutionName', value: 'St. Elsewhere' },
  { tag: 'ReferringPhysicianName', value: 'House^Gregory' },
  { tag: 'PatientName', value: latin1('Müller^Jürgen') },
  { tag: 'PatientID', value: 'PID-1' },
  { tag: 'PatientBirthDate', value: '19700101' },
  { tag: 'PatientSex', value: 'M' },
  { tag: 'BodyPartExamined', value: 'CHEST' },
  { tag: 'StudyID', value: 'S1' },
  { tag: 'SeriesNumber', value: '3' },
  { tag: 'InstanceNumber', value: ' 7 ' },
  {
    tag: 'RequestAttributesSequence',
    value: [[{ tag: 'RequestedProcedureID', value: 'RP1' }, { tag: 'ScheduledProcedureStepID', value: 'SPS1' }]],
  },
];

function expectParseError(fn: () => unknown, code: DicomParseErrorCode, message?: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DicomParseError);
    expect((e as DicomParseError).code).toBe(code);
    if (message) expect((e as DicomParseError).message).toMatch(message);
    return;
  }
  throw new Error(`expected DicomParseError ${code}`);
}

describe('readHeader: synthetic encodings', () => {
  const cases: Array<[string, Parameters<typeof buildPart10>[1], boolean]> = [
    ['explicit VR LE', { transferSyntaxUid: TransferSyntax.ExplicitVRLittleEndian }, true],
    ['implicit VR LE', { transferSyntaxUid: TransferSyntax.ImplicitVRLittleEndian }, true],
    ['explicit VR BE', { transferSyntaxUid: TransferSyntax.ExplicitVRBigEndian }, true],
    ['deflated explicit VR LE', { transferSyntaxUid: TransferSyntax.DeflatedExplicitVRLittleEndian }, true],
    ['meta without preamble', { transferSyntaxUid: TransferSyntax.ExplicitVRLittleEndian, noPreamble: true }, false],
    ['raw implicit LE (no meta)', { transferSyntaxUid: TransferSyntax.ImplicitVRLittleEndian, noMeta: true }, false],
    ['raw explicit LE (no meta)', { transferSyntaxUid: TransferSyntax.ExplicitVRLittleEndian, noMeta: true }, false],
    ['raw explicit BE (no meta)', { transferSyntaxUid: TransferSyntax.ExplicitVRBigEndian, noMeta: true }, false],
  ];
  it.each(cases)('%s', (_name, opts, preamble) => {
    const buf = buildPart10(minimalImage(demographics), opts);
    const h = readHeader(buf);
    expect(h.transferSyntaxUid).toBe(opts.transferSyntaxUid);
    expect(h.transferSyntaxInferred).toBe(!!opts.noMeta);
    expect(h.hasPreamble).toBe(preamble);
    expect(h).toMatchObject({
      sopClassUid: '1.2.840.10008.5.1.4.1.1.7',
      sopInstanceUid: '1.2.3.4.5.6.3',
      studyInstanceUid: '1.2.3.4.5.6.1',
      seriesInstanceUid: '1.2.3.4.5.6.2',
      specificCharacterSet: ['ISO_IR 100'],
      patient: { patientName: 'Müller^Jürgen', patientId: 'PID-1', patientBirthDate: '19700101', patientSex: 'M' },
      study: { studyDate: '20240131', studyTime: '103000', accessionNumber: 'ACC1', studyId: 'S1', referringPhysicianName: 'House^Gregory', institutionName: 'St. Elsewhere' },
      series: { modality: 'CT', bodyPartExamined: 'CHEST', seriesNumber: 3, requestAttributes: [{ requestedProcedureId: 'RP1', scheduledProcedureStepId: 'SPS1' }] },
      instance: { instanceNumber: 7, rows: 2, columns: 2, bitsAllocated: 8, photometricInterpretation: 'MONOCHROME2', samplesPerPixel: 1 },
    });
    expect(h.pixelData).toMatchObject({ tag: '7FE00010', length: 4, encapsulated: false });
    if (opts.transferSyntaxUid !== TransferSyntax.DeflatedExplicitVRLittleEndian) {
      expect(buf.subarray(h.pixelData!.fileOffset!, h.pixelData!.fileOffset! + 4)).toEqual(new Uint8Array([1, 2, 3, 4]));
    } else {
      expect(h.pixelData!.fileOffset).toBeUndefined();
    }
  });

  it('reads encapsulated pixel data location and stops there', () => {
    const els = minimalImage([{ tag: 'NumberOfFrames', value: '2' }]).filter((e) => e.tag !== 'PixelData');
    els.push(encapsulatedPixelData([new Uint8Array([0xff, 0xd8, 1, 0xff, 0xd9]), new Uint8Array([0xff, 0xd8, 2, 0xff, 0xd9])]));
    const h = readHeader(buildPart10(els, { transferSyntaxUid: TransferSyntax.JPEGBaseline8Bit }));
    expect(h.pixelData).toMatchObject({ encapsulated: true });
    expect(h.pixelData!.length).toBeUndefined();
    expect(h.instance.numberOfFrames).toBe(2);
    expect(h.warnings).toEqual([]);
    const full = parseDicom(buildPart10(els, { transferSyntaxUid: TransferSyntax.JPEGBaseline8Bit }), { untilPixelData: false });
    expect(full.dataSet.elements['x7fe00010']!.fragments).toHaveLength(2);
  });

  it('trusts the data over a meta header that declares the wrong VR encoding', () => {
    const meta = buildPart10(minimalImage(), { transferSyntaxUid: TransferSyntax.ExplicitVRLittleEndian });
    const body = encodeDataSet(minimalImage(), 'implicit-le');
    const metaOnly = meta.subarray(0, meta.length - encodeDataSet(minimalImage(), 'explicit-le').length);
    const h = readHeader(concat([metaOnly, body]));
    expect(h.transferSyntaxUid).toBe(TransferSyntax.ImplicitVRLittleEndian);
    expect(h.transferSyntaxInferred).toBe(true);
    expect(h.warnings.join()).toMatch(/declares Explicit VR Little Endian/);
  });

  it('accepts a bad IS value with a warning (benign)', () => {
    const h = readHeader(buildPart10(minimalImage([{ tag: 'NumberOfFrames', value: '1A' }]), { transferSyntaxUid: TransferSyntax.ExplicitVRLittleEndian }));
    expect(h.instance.numberOfFrames).toBeUndefined();
    expect(h.warnings.join()).toMatch(/Invalid IS value "1A"/);
  });
});

describe('64-bit VRs (OV, SV, UV), which dicom-parser 1.8 reads with a 2-byte length', () => {
  const frames = [new Uint8Array([0xff, 0xd8, 1, 2, 3, 4, 0xff, 0xd9]), new Uint8Array([0xff, 0xd8, 5, 6, 0xff, 0xd9])];
  const u64 = (...n: number[]) => {
    const b = new Uint8Array(8 * n.length);
    n.forEach((v, i) => new DataView(b.buffer).setBigUint64(i * 8, BigInt(v), true));
    return b;
  };
  const els = (): FixtureElement[] => [
    ...minimalImage([
      { tag: 'NumberOfFrames', value: '2' },
      { tag: 'ReferencedImageSequence', value: [[{ tag: 'SelectorSVValue', value: [-5, 7] }, { tag: 'SelectorUVValue', value: [9] }]] },
      { tag: 'ExtendedOffsetTable', vr: 'OV', value: u64(0, 16) },
      { tag: 'ExtendedOffsetTableLengths', vr: 'OV', value: u64(8, 6) },
    ]).filter((e) => e.tag !== 'PixelData'),
    encapsulatedPixelData(frames, false),
  ];

  it('an Extended Offset Table and SV/UV values in a sequence are read with their VRs', () => {
    const buf = buildPart10(els(), { transferSyntaxUid: TransferSyntax.JPEGBaseline8Bit });
    const before = Buffer.from(buf);
    const parsed = parseDicom(buf, { untilPixelData: false });
    expect(parsed.header.pixelData).toMatchObject({ tag: '7FE00010', encapsulated: true });
    expect(parsed.header.instance.numberOfFrames).toBe(2);
    const eot = parsed.dataSet.elements['x7fe00001'];
    expect(eot.vr).toBe('OV');
    expect(eot.length).toBe(16);
    const seqItem = parsed.dataSet.elements['x00081140'].items![0].dataSet!;
    expect(seqItem.elements['x00720082'].vr).toBe('SV');
    expect(seqItem.elements['x00720083'].vr).toBe('UV');
    const json = toDicomJson(parsed, { bulkDataThreshold: 1 << 20 });
    expect(json['7FE00001']).toMatchObject({ vr: 'OV', InlineBinary: Buffer.from(u64(0, 16)).toString('base64') });
    expect((json['00081140'] as any).Value[0]['00720082']).toEqual({ vr: 'SV', Value: [-5, 7] });
    expect((json['00081140'] as any).Value[0]['00720083']).toEqual({ vr: 'UV', Value: [9] });
    // The caller's bytes are not touched.
    expect(Buffer.from(buf).equals(before)).toBe(true);
  });

  it('bytes that merely look like such a header inside a value change nothing', () => {
    const decoy = new Uint8Array([0x4f, 0x56, 0, 0, 0x53, 0x56, 0, 0]); // "OV\0\0SV\0\0" inside an OB value
    const buf = buildPart10(minimalImage([{ tag: 'ReferencedImageSequence', value: [[{ tag: 'PrivateDataElement', vr: 'OB', value: decoy }]] }]), { transferSyntaxUid: TransferSyntax.ExplicitVRLittleEndian });
    const parsed = parseDicom(buf, { untilPixelData: false });
    expect(parsed.header.pixelData?.length).toBe(4);
  });
});

describe('readHeader: rejections', () => {
  const ts = { transferSyntaxUid: TransferSyntax.ExplicitVRLittleEndian };
  it('not DICOM', () => {
    expectParseError(() => readHeader(new Uint8Array(3)), 'NOT_DICOM');
    expectParseError(() => readHeader(latin1('%PDF-1.4 this is not a DICOM file at all, just text'.repeat(5))), 'NOT_DICOM', /does not look like a DICOM data set/);
    expectParseError(() => readHeader(new Uint8Array(2000)), 'NOT_DICOM');
  });
  it('missing UIDs', () => {
    const els = minimalImage().filter((e) => e.tag !== 'StudyInstanceUID');
    expectParseError(() => readHeader(buildPart10(els, ts)), 'MISSING_UID', /Study Instance UID/);
    expect(readHeader(buildPart10(els, ts), { requireUids: false }).studyInstanceUid).toBe('');
  });
  it('garbage in a UID', () => {
    expectParseError(() => readHeader(buildPart10(minimalImage([], { sop: 'DROP TABLE x' }), ts)), 'MISSING_UID', /not a UID/);
  });
  it('invalid transfer syntax UID', () => {
    expectParseError(() => readHeader(buildPart10(minimalImage(), { transferSyntaxUid: 'banana' })), 'INVALID_TRANSFER_SYNTAX');
    expectParseError(() => readHeader(buildPart10(minimalImage(), { transferSyntaxUid: '1.2.3.4' })), 'INVALID_TRANSFER_SYNTAX', /Unknown Transfer Syntax/);
  });
  it('truncated pixel data', () => {
    const buf = buildPart10(minimalImage(), ts);
    expectParseError(() => readHeader(buf.subarray(0, buf.length - 2)), 'TRUNCATED', /declares 4 bytes but only 2 remain/);
  });
  it('head of an object with its total size: pixel data checked against the whole object', () => {
    const big = minimalImage(demographics).map((e) => {
      if (e.tag === 'Rows' || e.tag === 'Columns') return { ...e, value: 256 };
      if (e.tag === 'PixelData') return { ...e, value: new Uint8Array(256 * 256) };
      return e;
    });
    const buf = buildPart10(big, ts);
    const head = buf.subarray(0, 4096);
    const full = readHeader(buf);
    const fromHead = readHeader(head, { totalSize: buf.length });
    expect(fromHead).toEqual(full);
    expect(fromHead.pixelData).toMatchObject({ length: 65536, fileOffset: buf.length - 65536 });
    // Without the total size the head alone is a truncated file; with a total that is too small, too.
    expectParseError(() => readHeader(head), 'TRUNCATED', /declares 65536 bytes/);
    expectParseError(() => readHeader(head, { totalSize: buf.length - 1 }), 'TRUNCATED', /declares 65536 bytes but only 65535 remain/);
  });
  it('truncated in the middle of the header', () => {
    const buf = buildPart10(minimalImage(demographics), ts);
    expectParseError(() => readHeader(buf.subarray(0, 400)), 'TRUNCATED');
  });
  it('absurd dimensions', () => {
    const big = minimalImage().map((e) => (e.tag === 'Rows' || e.tag === 'Columns' ? { ...e, value: 65535 } : e));
    expectParseError(() => readHeader(buildPart10(big, ts)), 'ABSURD_DIMENSIONS', /need 4294836225/);
    const frames = minimalImage([{ tag: 'NumberOfFrames', value: '2147483647' }]);
    expectParseError(() => readHeader(buildPart10(frames, ts)), 'ABSURD_DIMENSIONS');
    const bits = minimalImage().map((e) => (e.tag === 'BitsAllocated' ? { ...e, value: 12 } : e));
    expectParseError(() => readHeader(buildPart10(bits, ts)), 'ABSURD_DIMENSIONS', /Bits Allocated/);
  });
  it('deflate bomb is cut off', () => {
    const els = minimalImage([{ tag: 'ImageComments', value: 'x'.repeat(60000) }]);
    const buf = buildPart10(els, { transferSyntaxUid: TransferSyntax.DeflatedExplicitVRLittleEndian });
    expect(buf.length).toBeLessThan(2000);
    expectParseError(() => readHeader(buf, { maxInflatedBytes: 10000 }), 'LIMIT_EXCEEDED');
    expect(readHeader(buf).sopInstanceUid).toBe('1.2.3.4.5.6.3');
  });
  it('deep sequence nesting hits the depth limit or the stack guard, never crashes', () => {
    let item: FixtureElement[] = [{ tag: 'CodeValue', value: 'X' }];
    for (let i = 0; i < 100; i++) item = [{ tag: 'ContentSequence', value: [item], undefinedLength: true }];
    const buf = buildPart10(minimalImage(item), ts);
    expectParseError(() => readHeader(buf), 'LIMIT_EXCEEDED', /nested more than 64/);
    expect(readHeader(buf, { maxDepth: 200 }).sopInstanceUid).toBe('1.2.3.4.5.6.3');
    // Hostile: ~40k nested undefined-length sequences, built directly as bytes.
    const open = encodeDataSet([{ tag: 'ContentSequence', vr: 'SQ', value: new Uint8Array(0), lengthOverride: 0xffffffff }], 'explicit-le');
    const itemStart = new Uint8Array([0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff]);
    const chunk = concat([open, itemStart]);
    const parts: Uint8Array[] = [];
    for (let i = 0; i < 40000; i++) parts.push(chunk);
    const hostile = buildPart10([{ tag: 'SOPClassUID', value: '1.2.3' }], ts);
    expectParseError(() => readHeader(concat([hostile, ...parts])), 'LIMIT_EXCEEDED');
  });
  it('element count limit', () => {
    const many: FixtureElement[] = [];
    for (let i = 0; i < 200; i++) many.push({ tag: (0x00091000 + i).toString(16).padStart(8, '0'), vr: 'LO', value: 'x' });
    const buf = buildPart10(minimalImage(many), ts);
    expectParseError(() => readHeader(buf, { maxElements: 100 }), 'LIMIT_EXCEEDED', /more than 100 elements/);
  });
  it('fuzz: random and mutated input only ever throws DicomParseError', () => {
    let seed = 12345;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const valid = buildPart10(minimalImage(demographics), ts);
    for (let i = 0; i < 300; i++) {
      const buf = i % 3 === 0 ? new Uint8Array(Math.floor(rnd() * 600)).map(() => Math.floor(rnd() * 256)) : Uint8Array.from(valid);
      if (i % 3 !== 0) for (let k = 0; k < 1 + Math.floor(rnd() * 8); k++) buf[132 + Math.floor(rnd() * (buf.length - 132))] = Math.floor(rnd() * 256);
      try {
        readHeader(buf);
      } catch (e) {
        if (!(e instanceof DicomParseError)) throw new Error(`iteration ${i}: non-DicomParseError ${String(e)}`);
        expect(e.message.length).toBeGreaterThan(10);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// Real sample files (skipped only when the folder is absent)
// ---------------------------------------------------------------------------------------------------
const samples = join(__dirname, '../../../../shared/dicom-samples');

/**
 * Files we reject, and why. Everything else must parse with the manifest's UIDs.
 * - broken_meta_missing_transfer_syntax: meta lacks (0002,0010) and the data set is only private tags with
 *   no UIDs at all: nothing an archive could index.
 * - broken_mr_truncated_pixeldata: Pixel Data declares 8192 bytes but the file ends early: storing it would
 *   serve corrupt frames.
 * - broken_no_meta_stray_leading_byte: a stray byte misaligns every tag; guessing offsets would be unsafe.
 * - dicomdir: a Media Storage Directory is not a composite instance (no Study/Series/SOP Instance UID).
 * - private_undefined_length_sq, sc_htj2k_lossless_rgb: test objects without Study/Series Instance UIDs.
 * Benign: broken_bad_vr_value (NumberOfFrames "1A") parses with a warning and numberOfFrames undefined.
 */
const REJECTED: Record<string, DicomParseErrorCode> = {
  'broken_meta_missing_transfer_syntax.dcm': 'NOT_DICOM',
  'broken_mr_truncated_pixeldata.dcm': 'TRUNCATED',
  'broken_no_meta_stray_leading_byte.dcm': 'NOT_DICOM',
  'dicomdir.dcm': 'MISSING_UID',
  'private_undefined_length_sq.dcm': 'MISSING_UID',
  'sc_htj2k_lossless_rgb.dcm': 'MISSING_UID',
};

interface ManifestRow {
  [column: string]: string;
}
function manifest(): ManifestRow[] {
  const lines = readFileSync(join(samples, 'manifest.tsv'), 'utf8').trim().split('\n');
  const head = lines[0]!.split('\t');
  return lines.slice(1).map((l) => Object.fromEntries(l.split('\t').map((v, i) => [head[i]!, v])));
}

describe.runIf(existsSync(samples))('readHeader: sample files', () => {
  const rows = existsSync(samples) ? manifest().filter((r) => !r.file!.startsWith('series/')) : [];

  it('covers every .dcm file of the folder', () => {
    const files = readdirSync(samples).filter((f) => f.endsWith('.dcm'));
    expect(rows.map((r) => r.file).sort()).toEqual(files.sort());
  });

  it.each(rows.map((r) => [r.file!, r] as const))('%s', (file, row) => {
    const buf = readFileSync(join(samples, file));
    const expectedError = REJECTED[file];
    if (expectedError) {
      expectParseError(() => readHeader(buf), expectedError);
      if (expectedError === 'MISSING_UID' && row.SOPInstanceUID && file !== 'dicomdir.dcm') {
        expect(readHeader(buf, { requireUids: false }).sopInstanceUid).toBe(row.SOPInstanceUID);
      }
      return;
    }
    const h = readHeader(buf);
    expect(h.sopInstanceUid).toBe(row.SOPInstanceUID);
    if (row.sop) expect(h.sopClassUid).toBe(row.sop);
    if (/^[0-9.]+$/.test(row.ts!)) expect(h.transferSyntaxUid).toBe(row.ts);
    else if (/implicit/.test(row.ts!)) expect(h.transferSyntaxUid).toBe(TransferSyntax.ImplicitVRLittleEndian);
    else if (/explicit LE/.test(row.ts!)) expect(h.transferSyntaxUid).toBe(TransferSyntax.ExplicitVRLittleEndian);
    expect(h.hasPreamble).toBe(row.preamble === 'yes');
    expect(h.studyInstanceUid).toMatch(/^[0-9.]+$/);
    expect(h.seriesInstanceUid).toMatch(/^[0-9.]+$/);
    if (row.Modality) expect(h.series.modality).toBe(row.Modality);
    if (row.Rows) expect(h.instance.rows).toBe(Number(row.Rows));
    if (row.Columns) expect(h.instance.columns).toBe(Number(row.Columns));
    if (row.BitsAllocated) expect(h.instance.bitsAllocated).toBe(Number(row.BitsAllocated));
    if (row.PhotometricInterpretation) expect(h.instance.photometricInterpretation).toBe(row.PhotometricInterpretation);
    if (/^\d+$/.test(row.NumberOfFrames ?? '')) expect(h.instance.numberOfFrames).toBe(Number(row.NumberOfFrames));
    if (row.SpecificCharacterSet) expect(h.specificCharacterSet.join('\\')).toBe(row.SpecificCharacterSet);
    if (row.Rows) expect(h.pixelData).toBeDefined();
    if (file === 'broken_bad_vr_value.dcm') {
      expect(h.instance.numberOfFrames).toBeUndefined();
      expect(h.warnings.join()).toMatch(/1A/);
    }
  });

  const seriesDir = join(samples, 'series');
  const folders = existsSync(seriesDir) ? readdirSync(seriesDir).filter((f) => statSync(join(seriesDir, f)).isDirectory()) : [];
  it.each(folders)('series/%s: every file parses into one series', (folder) => {
    const row = manifest().find((r) => r.file === `series/${folder}/`);
    const files = readdirSync(join(seriesDir, folder)).filter((f) => !f.startsWith('.'));
    const headers = files.map((f) => readHeader(readFileSync(join(seriesDir, folder, f))));
    expect(new Set(headers.map((h) => h.seriesInstanceUid)).size).toBe(1);
    expect(new Set(headers.map((h) => h.studyInstanceUid)).size).toBe(1);
    expect(new Set(headers.map((h) => h.sopInstanceUid)).size).toBe(files.length);
    if (row?.sop) expect(headers.every((h) => h.sopClassUid === row.sop)).toBe(true);
    if (row?.ts) expect(headers.every((h) => h.transferSyntaxUid === row.ts)).toBe(true);
    if (row?.Rows) expect(headers.every((h) => h.instance.rows === Number(row.Rows))).toBe(true);
  });
});
