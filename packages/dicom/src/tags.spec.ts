import { QueryError } from './errors';
import { dictionarySize, formatAttributePath, isPrivateCreator, isPrivateTag, keywordOf, lookupTag, normalizeTag, parseAttributePath, tagOf, vrOf } from './tags';

describe('dictionary (derived from dcmjs)', () => {
  it('holds the whole standard dictionary, not a hand-typed subset', () => {
    expect(dictionarySize()).toBeGreaterThan(4000);
  });

  it.each([
    ['PatientName', '00100010', 'PN'],
    ['StudyInstanceUID', '0020000D', 'UI'],
    ['ReferencedSeriesSequence', '00081115', 'SQ'],
    ['NumberOfFrames', '00280008', 'IS'],
    ['Rows', '00280010', 'US'],
    ['FloatPixelData', '7FE00008', 'OF'],
    ['SpecificCharacterSet', '00080005', 'CS'],
    ['TransferSyntaxUID', '00020010', 'UI'],
    ['ModalitiesInStudy', '00080061', 'CS'],
    ['ScheduledProcedureStepSequence', '00400100', 'SQ'],
  ])('%s <-> %s (%s)', (keyword, tag, vr) => {
    expect(tagOf(keyword)).toBe(tag);
    expect(keywordOf(tag)).toBe(keyword);
    expect(vrOf(keyword)).toBe(vr);
    expect(vrOf(tag)).toBe(vr);
  });

  it('resolves multi-VR entries to the implicit-VR default and lists the alternatives', () => {
    expect(lookupTag('PixelData')).toMatchObject({ vr: 'OW', vrs: ['OB', 'OW'] });
    expect(lookupTag('SmallestImagePixelValue')).toMatchObject({ vr: 'US', vrs: ['US', 'SS'] });
  });

  it('answers the same after more distinct tags than its caches keep (they are emptied, not grown without bound)', () => {
    for (let i = 0; i < 60_000; i++) {
      const tag = `0009${i.toString(16).toUpperCase().padStart(4, '0')}`;
      expect(lookupTag(tag)?.tag).toBe(tag);
    }
    expect(lookupTag('PatientName')).toMatchObject({ tag: '00100010', vr: 'PN' });
    expect(lookupTag('(0010,0010)')).toMatchObject({ tag: '00100010', vr: 'PN' });
    expect(lookupTag('NoSuchKeyword')).toBeUndefined();
  });

  it('resolves repeating groups (60xx overlays) and group lengths', () => {
    expect(keywordOf('60023000')).toBe('OverlayData');
    expect(vrOf('00080000')).toBe('UL');
  });

  it('strips the RETIRED_ prefix and flags retired elements', () => {
    const info = lookupTag('00080040'); // Data Set Type, retired
    expect(info?.retired).toBe(true);
    expect(info?.keyword).not.toMatch(/^RETIRED_/);
  });

  it('handles private tags: creators are LO, others UN without keyword', () => {
    expect(isPrivateTag('00291010')).toBe(true);
    expect(isPrivateTag('00100010')).toBe(false);
    expect(isPrivateCreator('00290010')).toBe(true);
    expect(isPrivateCreator('00291010')).toBe(false);
    expect(lookupTag('00290010')?.vr).toBe('LO');
    expect(lookupTag('00291010')).toMatchObject({ vr: 'UN', private: true });
    expect(lookupTag('00291010')?.keyword).toBeUndefined();
  });

  it.each([
    ['00100010', '00100010'],
    ['0020000d', '0020000D'],
    ['(0010,0010)', '00100010'],
    ['0010,0010', '00100010'],
    ['x7fe00010', '7FE00010'],
    ['PatientName', undefined],
    ['0010001', undefined],
  ])('normalizeTag(%s) = %s', (input, expected) => {
    expect(normalizeTag(input)).toBe(expected);
  });

  it('returns undefined for unknown keywords and non-dictionary tags', () => {
    expect(tagOf('NoSuchKeyword')).toBeUndefined();
    expect(keywordOf('00100011')).toBeUndefined();
  });
});

describe('parseAttributePath (PS3.18 §8.3.4.1)', () => {
  it('parses keywords, tags and dotted sequence paths', () => {
    expect(parseAttributePath('PatientName')).toEqual([{ tag: '00100010', keyword: 'PatientName', vr: 'PN' }]);
    expect(parseAttributePath('0020000D')).toEqual([{ tag: '0020000D', keyword: 'StudyInstanceUID', vr: 'UI' }]);
    const p = parseAttributePath('ReferencedSeriesSequence.SeriesInstanceUID');
    expect(p.map((e) => e.tag)).toEqual(['00081115', '0020000E']);
    expect(formatAttributePath(p)).toBe('ReferencedSeriesSequence.SeriesInstanceUID');
    expect(parseAttributePath('00400275.00400009').map((e) => e.keyword)).toEqual(['RequestAttributesSequence', 'ScheduledProcedureStepID']);
  });

  it.each(['PatientNme', 'PatientName.PatientID', '', '00100011', 'ReferencedSeriesSequence.Bogus'])('rejects %j with a QueryError', (id) => {
    expect(() => parseAttributePath(id)).toThrow(QueryError);
  });

  it('explains why', () => {
    expect(() => parseAttributePath('PatientName.PatientID')).toThrow(/not a sequence/);
    expect(() => parseAttributePath('PatientNme')).toThrow(/neither a DICOM keyword/);
  });
});
