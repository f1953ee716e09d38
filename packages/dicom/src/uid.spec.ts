import { allTransferSyntaxes, generateUid, isStorageSopClass, isValidUid, mediaTypeForTransferSyntax, SopClass, TransferSyntax, transferSyntaxesForMediaType, transferSyntaxInfo, uidName, uidProblem } from './uid';

describe('UID validation (PS3.5 §9.1)', () => {
  it.each([
    ['1.2.840.10008.1.2', true],
    ['1.2.0.3', true],
    ['2.25.329800735698586629295641978511506172918', true],
    ['1.2.03', false], // leading zero
    ['1..2', false],
    ['1.2.', false],
    ['.1.2', false],
    ['1.2.a', false],
    ['1', false],
    ['', false],
    ['1.' + '2'.repeat(63), false], // 65 chars
    ['1.' + '2'.repeat(62), true], // 64 chars
  ])('%s -> %s', (uid, ok) => {
    expect(isValidUid(uid)).toBe(ok);
    expect(uidProblem(uid) === undefined).toBe(ok);
  });
});

describe('generateUid', () => {
  it('generates valid, unique 2.25 UIDs', () => {
    const a = generateUid();
    const b = generateUid();
    expect(a).toMatch(/^2\.25\.[1-9]\d*$/);
    expect(isValidUid(a)).toBe(true);
    expect(a).not.toBe(b);
  });
  it('generates under a root and stays within 64 characters', () => {
    const root = '1.2.826.0.1.3680043.10.1234.5678.9999';
    for (let i = 0; i < 50; i++) {
      const u = generateUid(root);
      expect(u.startsWith(root + '.')).toBe(true);
      expect(u.length).toBeLessThanOrEqual(64);
      expect(isValidUid(u)).toBe(true);
    }
  });
  it('rejects a bad root', () => {
    expect(() => generateUid('1.02.3')).toThrow(/Invalid UID root/);
  });
});

describe('transfer syntaxes and media types (PS3.18 §8.7.3)', () => {
  it.each([
    [TransferSyntax.JPEGBaseline8Bit, 'image/jpeg', true],
    [TransferSyntax.JPEGLosslessSV1, 'image/jpeg', false],
    [TransferSyntax.JPEGLSLossless, 'image/jls', false],
    [TransferSyntax.JPEGLSNearLossless, 'image/jls', true],
    [TransferSyntax.JPEG2000Lossless, 'image/jp2', false],
    [TransferSyntax.JPEG2000, 'image/jp2', true],
    [TransferSyntax.HTJ2KLossless, 'image/jphc', false],
    [TransferSyntax.RLELossless, 'image/dicom-rle', false],
    [TransferSyntax.ExplicitVRLittleEndian, 'application/octet-stream', false],
  ])('%s -> %s (lossy %s)', (uid, mt, lossy) => {
    expect(mediaTypeForTransferSyntax(uid)).toBe(mt);
    expect(transferSyntaxInfo(uid)?.lossy).toBe(lossy);
  });
  it('flags encodings', () => {
    expect(transferSyntaxInfo(TransferSyntax.ImplicitVRLittleEndian)).toMatchObject({ explicitVr: false, encapsulated: false });
    expect(transferSyntaxInfo(TransferSyntax.ExplicitVRBigEndian)).toMatchObject({ bigEndian: true, retired: true });
    expect(transferSyntaxInfo(TransferSyntax.DeflatedExplicitVRLittleEndian)).toMatchObject({ deflated: true, encapsulated: false });
    expect(transferSyntaxInfo(TransferSyntax.RLELossless)?.encapsulated).toBe(true);
    expect(transferSyntaxesForMediaType('image/jls')).toEqual([TransferSyntax.JPEGLSLossless, TransferSyntax.JPEGLSNearLossless]);
    expect(new Set(allTransferSyntaxes().map((t) => t.uid)).size).toBe(allTransferSyntaxes().length);
    expect(allTransferSyntaxes().every((t) => isValidUid(t.uid))).toBe(true);
  });
  it('names SOP classes', () => {
    expect(uidName(SopClass.CTImageStorage)).toBe('CT Image Storage');
    expect(uidName(SopClass.VLWholeSlideMicroscopyImageStorage)).toBe('VL Whole Slide Microscopy Image Storage');
    expect(uidName(TransferSyntax.RLELossless)).toBe('RLE Lossless');
    expect(isStorageSopClass(SopClass.SegmentationStorage)).toBe(true);
    expect(isStorageSopClass(SopClass.StudyRootQueryRetrieveFind)).toBe(false);
    expect(Object.values(SopClass).every(isValidUid)).toBe(true);
  });
});
