import {
  combineDateTime, fuzzyMatchPN, fuzzyPN, normalizeDA, normalizeDT, normalizePN, normalizeTM, parseDA, parseDS, parseDSList, parseIS, parseISList, parsePN, parseTM, pnIndexForms, splitMulti, splitValues, trimValue,
} from './values';

describe('DA', () => {
  it.each([
    ['20240229', '20240229'],
    ['2024.02.29', '20240229'], // ACR-NEMA
    [' 19991231 ', '19991231'],
    ['20230229', undefined], // not a leap year
    ['20241301', undefined],
    ['2024-01-01', undefined],
    ['202401', undefined],
    ['', undefined],
  ])('normalizeDA(%j) = %j', (input, expected) => {
    expect(normalizeDA(input)).toBe(expected);
  });
  it('parses components', () => {
    expect(parseDA('20240131')).toEqual({ year: 2024, month: 1, day: 31 });
  });
});

describe('TM', () => {
  it.each([
    ['10', false, '100000.000000'],
    ['10', true, '105959.999999'],
    ['1030', false, '103000.000000'],
    ['103015', false, '103015.000000'],
    ['103015.5', false, '103015.500000'],
    ['103015.123456', false, '103015.123456'],
    ['10:30:15', false, '103015.000000'], // ACR-NEMA
    ['2400', false, undefined],
    ['1060', false, undefined],
    ['103015.1234567', false, undefined],
    ['abc', false, undefined],
  ])('normalizeTM(%j, end=%s) = %j', (input, end, expected) => {
    expect(normalizeTM(input, end)).toBe(expected);
  });
  it('parses partial times', () => {
    expect(parseTM('07')).toEqual({ hours: 7 });
    expect(parseTM('0705')).toEqual({ hours: 7, minutes: 5 });
    expect(parseTM('070509.25')).toEqual({ hours: 7, minutes: 5, seconds: 9, micros: 250000 });
  });
});

describe('DT', () => {
  it.each([
    ['2024', false, '20240101000000.000000'],
    ['2024', true, '20241231235959.999999'],
    ['202402', true, '20240229235959.999999'],
    ['20240131123000', false, '20240131123000.000000'],
    ['20240131123000.5', false, '20240131123000.500000'],
    ['20240131123000+0100', false, '20240131113000.000000'], // converted to UTC
    ['20240101003000-0130', false, '20240101020000.000000'],
    ['20240230', false, undefined],
    ['2024013112300', false, undefined],
  ])('normalizeDT(%j, end=%s) = %j', (input, end, expected) => {
    expect(normalizeDT(input, end)).toBe(expected);
  });
  it('combines DA and TM', () => {
    expect(combineDateTime('20240131', '1030')).toBe('20240131103000.000000');
    expect(combineDateTime('20240131', undefined, true)).toBe('20240131235959.999999');
    expect(combineDateTime('bad', '1030')).toBeUndefined();
  });
});

describe('IS / DS', () => {
  it.each([
    [' 12 ', 12],
    ['+7', 7],
    ['-2147483648', -2147483648],
    ['2147483648', undefined],
    ['1A', undefined],
    ['1.5', undefined],
    ['', undefined],
  ])('parseIS(%j) = %j', (input, expected) => {
    expect(parseIS(input)).toBe(expected);
  });
  it.each([
    [' 1.5 ', 1.5],
    ['-.5', -0.5],
    ['1e3', 1000],
    ['1.2E-2', 0.012],
    ['12', 12],
    ['1,5', undefined],
    ['NaN', undefined],
    ['.', undefined],
  ])('parseDS(%j) = %j', (input, expected) => {
    expect(parseDS(input)).toBe(expected);
  });
  it('parses lists with padding', () => {
    expect(parseDSList('0.5\\-1.25 \\3 ')).toEqual([0.5, -1.25, 3]);
    expect(parseISList('1\\x\\3')).toEqual([1, undefined, 3]);
  });
});

describe('multi-values and padding (PS3.5 §6.2, §6.4)', () => {
  it('splits on backslash', () => {
    expect(splitMulti('A\\B\\\\C')).toEqual(['A', 'B', '', 'C']);
    expect(splitMulti('')).toEqual([]);
  });
  it('trims per VR', () => {
    expect(trimValue('UI', '1.2.3\0')).toBe('1.2.3');
    expect(trimValue('LO', '  abc  ')).toBe('abc');
    expect(trimValue('ST', '  abc  ')).toBe('  abc'); // leading spaces significant in ST
    expect(splitValues('CS', 'ORIGINAL\\PRIMARY \\AXIAL ')).toEqual(['ORIGINAL', 'PRIMARY', 'AXIAL']);
    expect(splitValues('LT', 'a\\b')).toEqual(['a\\b']); // LT is single-valued; backslash is text
  });
});

describe('PN (PS3.5 §6.2.1)', () => {
  it('splits groups and components', () => {
    expect(parsePN('Yamada^Tarou=山田^太郎=やまだ^たろう')).toEqual({
      alphabetic: { familyName: 'Yamada', givenName: 'Tarou', middleName: '', prefix: '', suffix: '' },
      ideographic: { familyName: '山田', givenName: '太郎', middleName: '', prefix: '', suffix: '' },
      phonetic: { familyName: 'やまだ', givenName: 'たろう', middleName: '', prefix: '', suffix: '' },
    });
    expect(parsePN('=山田^太郎').alphabetic).toBeUndefined();
    expect(parsePN('Doe^John^^Dr^Jr').alphabetic).toEqual({ familyName: 'Doe', givenName: 'John', middleName: '', prefix: 'Dr', suffix: 'Jr' });
  });
  it.each([
    ['Doe^John', 'DOE^JOHN'],
    ['Doe^John^^^', 'DOE^JOHN'],
    [' doe ^ john ', 'DOE^JOHN'],
    ['Äneas^Rüdiger', 'ÄNEAS^RÜDIGER'],
    ['Yamada^Tarou=山田^太郎=', 'YAMADA^TAROU=山田^太郎'],
    ['^^^^', ''],
  ])('normalizePN(%j) = %j', (input, expected) => {
    expect(normalizePN(input)).toBe(expected);
  });
  it('indexes each group', () => {
    expect(pnIndexForms('Yamada^Tarou=山田^太郎=やまだ^たろう')).toEqual(['YAMADA^TAROU', '山田^太郎', 'やまだ^たろう']);
    expect(pnIndexForms('Doe^John')).toEqual(['DOE^JOHN']);
  });
  it('builds a fuzzy form without diacritics or delimiters', () => {
    expect(fuzzyPN('Äneas^Rüdiger')).toBe('ANEAS RUDIGER');
    expect(fuzzyPN("O'Brien-Smith^Seán")).toBe('O BRIEN SMITH SEAN');
  });
  it.each([
    ['rudi', 'Äneas^Rüdiger', true],
    ['rudiger aneas', 'Äneas^Rüdiger', true],
    ['ane rud', 'Äneas^Rüdiger', true],
    ['neas', 'Äneas^Rüdiger', false], // prefix of a word, not substring
    ['smith', 'Doe^John', false],
  ])('fuzzyMatchPN(%j, %j) = %s', (q, stored, expected) => {
    expect(fuzzyMatchPN(q, stored)).toBe(expected);
  });
});
