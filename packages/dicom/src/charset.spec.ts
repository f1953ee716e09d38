import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeText, isSupportedCharacterSet, parseSpecificCharacterSet } from './charset';
import { readHeader } from './header';

/** Builds bytes from a mix of strings (Latin-1 / ASCII, "\x1b" for ESC) and byte arrays. */
function bytes(...parts: Array<string | number[]>): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'string') for (const ch of p) out.push(ch.charCodeAt(0) & 0xff);
    else out.push(...p);
  }
  return new Uint8Array(out);
}
const ESC = '\x1b';

describe('decodeText: single-byte character sets (PS3.3 Table C.12-2)', () => {
  it.each([
    ['', bytes('Doe^John'), 'Doe^John'],
    ['ISO_IR 100', bytes([0xc4], 'neas^R', [0xfc], 'diger'), 'Äneas^Rüdiger'],
    ['ISO_IR 101', bytes([0xa3, 0xb1]), 'Łą'],
    ['ISO_IR 109', bytes([0xa6]), 'Ĥ'],
    ['ISO_IR 110', bytes([0xa2]), 'ĸ'],
    ['ISO_IR 144', bytes([0xbb, 0xee, 0xda, 0x63, 0x65, 0xdc, 0xd1, 0x79, 0x70, 0xd3]), 'Люкceмбypг'],
    ['ISO_IR 127', bytes([0xe2, 0xc8, 0xc7, 0xe6, 0xea]), 'قباني'],
    ['ISO_IR 126', bytes([0xc4, 0xe9, 0xef, 0xed, 0xf5, 0xf3, 0xe9, 0xef, 0xf2]), 'Διονυσιος'],
    ['ISO_IR 138', bytes([0xf9, 0xf8, 0xe5, 0xef]), 'שרון'],
    ['ISO_IR 148', bytes([0xdd, 0xfe]), 'İş'],
    ['ISO_IR 203', bytes([0xa4]), '€'],
    ['ISO_IR 166', bytes([0xa1]), 'ก'],
    ['ISO_IR 13', bytes([0xd4, 0xcf, 0xc0, 0xde], '^', [0xc0, 0xdb, 0xb3]), 'ﾔﾏﾀﾞ^ﾀﾛｳ'],
    ['ISO_IR 192', new Uint8Array(Buffer.from('Wang^XiaoDong=王^小東=', 'utf8')), 'Wang^XiaoDong=王^小東='],
    ['GB18030', bytes('Wang^XiaoDong=', [0xcd, 0xf5], '^', [0xd0, 0xa1, 0xb6, 0xab], '='), 'Wang^XiaoDong=王^小东='],
    ['GBK', bytes([0xcd, 0xf5]), '王'],
  ])('%j', (cs, input, expected) => {
    expect(decodeText(input, cs, 'PN')).toBe(expected);
  });

  it('keeps 0x80-0x9F as C1 controls in ISO 8859-1 (not windows-1252)', () => {
    expect(decodeText(bytes([0x80, 0x9f]), 'ISO_IR 100')).toBe('\u0080\u009f');
  });
});

describe('decodeText: ISO 2022 code extensions (PS3.5 §6.1.2.5, Annexes H-K)', () => {
  it('Japanese ISO 2022 IR 87 (PS3.5 H.3.1)', () => {
    const input = bytes(
      'Yamada^Tarou=', ESC, '$B;3ED', ESC, '(B^', ESC, '$BB@O:', ESC, '(B=', ESC, '$B$d$^$@', ESC, '(B^', ESC, '$B$?$m$&', ESC, '(B',
    );
    expect(decodeText(input, ['', 'ISO 2022 IR 87'], 'PN')).toBe('Yamada^Tarou=山田^太郎=やまだ^たろう');
  });

  it('Japanese ISO 2022 IR 13 + IR 87 (katakana in G1, kanji via ESC $ B, back with ESC ( J)', () => {
    const input = bytes([0xd4, 0xcf, 0xc0, 0xde], '^', [0xc0, 0xdb, 0xb3], '=', ESC, '$B;3ED', ESC, '(J^', ESC, '$BB@O:', ESC, '(J');
    expect(decodeText(input, 'ISO 2022 IR 13\\ISO 2022 IR 87', 'PN')).toBe('ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎');
  });

  it('Japanese ISO 2022 IR 159 (JIS X 0212 supplementary kanji)', () => {
    expect(decodeText(bytes(ESC, '$(D', [0x30, 0x21], ESC, '(B'), '\\ISO 2022 IR 159', 'LO')).toBe('丂');
  });

  it('Korean ISO 2022 IR 149 (PS3.5 I.2)', () => {
    const input = bytes(
      'Hong^Gildong=', ESC, '$)C', [0xfb, 0xf3], '^', ESC, '$)C', [0xd1, 0xce, 0xd4, 0xd7], '=', ESC, '$)C', [0xc8, 0xab], '^', ESC, '$)C', [0xb1, 0xe6, 0xb5, 0xbf],
    );
    expect(decodeText(input, '\\ISO 2022 IR 149', 'PN')).toBe('Hong^Gildong=洪^吉洞=홍^길동');
  });

  it('Chinese ISO 2022 IR 58 (PS3.5 K.2)', () => {
    const input = bytes('Zhang^XiaoDong=', ESC, '$)A', [0xd5, 0xc5], '^', ESC, '$)A', [0xd0, 0xa1, 0xb6, 0xab], '=');
    expect(decodeText(input, '\\ISO 2022 IR 58', 'PN')).toBe('Zhang^XiaoDong=张^小东=');
  });

  it('restores the initial G1 at PN delimiters only for PN (PS3.5 §6.1.2.5.3)', () => {
    // Value 1 = Latin-1; ESC - L switches G1 to Cyrillic; 0xBB is "Л" in Cyrillic, "»" in Latin-1.
    const input = bytes(ESC, '-L', [0xbb], '^', [0xbb]);
    const cs = 'ISO 2022 IR 100\\ISO 2022 IR 144';
    expect(decodeText(input, cs, 'PN')).toBe('Л^»');
    expect(decodeText(input, cs, 'LO')).toBe('Л^Л');
  });

  it('restores the initial designation at the value delimiter and at CR/LF', () => {
    const cs = 'ISO 2022 IR 100\\ISO 2022 IR 144';
    expect(decodeText(bytes(ESC, '-L', [0xbb], '\\', [0xbb]), cs, 'LO')).toBe('Л\\»');
    expect(decodeText(bytes(ESC, '-L', [0xbb], '\r\n', [0xbb]), cs, 'LT')).toBe('Л\r\n»');
  });

  it('never loops or throws on garbage: unknown escapes and dangling bytes', () => {
    expect(decodeText(bytes(ESC, 'Zabc', ESC), '\\ISO 2022 IR 87')).toBe('Zabc');
    expect(decodeText(bytes(ESC, '$B;'), '\\ISO 2022 IR 87')).toBe(';');
    expect(decodeText(bytes(ESC, '$)C', [0xc8]), '\\ISO 2022 IR 149')).toBe('\uFFFD');
  });

  it('decodes GBK trailing bytes equal to 0x5C as part of the character, not as a delimiter', () => {
    // 0x815C is one GBK character (乗 per ICU); its second byte must not become a value delimiter.
    const s = decodeText(bytes([0x81, 0x5c]), 'GBK', 'LO');
    expect(s).toBe('乗');
    expect(s.includes('\\')).toBe(false);
  });
});

describe('parseSpecificCharacterSet', () => {
  it('reports unknown terms and accepts both spellings', () => {
    expect(isSupportedCharacterSet('ISO_IR 100')).toBe(true);
    expect(isSupportedCharacterSet('ISO 2022 IR 100')).toBe(true);
    expect(isSupportedCharacterSet(['', 'ISO 2022 IR 87'])).toBe(true);
    expect(parseSpecificCharacterSet('KLINGON').unknown).toEqual(['KLINGON']);
  });
  it('falls back to Latin-1 for an unknown value 1 so no byte is lost', () => {
    expect(decodeText(bytes([0xe9]), 'ISO-8859-1')).toBe('é');
    expect(decodeText(new Uint8Array(Buffer.from('é', 'utf8')), 'UTF8')).toBe('é');
  });
});

// Real files from pydicom's charset test set (dclunie's SCS* samples); expected names as in
// pydicom's test suite and `dcmdump +U8`.
const samples = join(__dirname, '../../../../shared/dicom-samples');
describe.runIf(existsSync(samples))('charset sample files', () => {
  it.each([
    ['charset_japanese_ir13_ir87.dcm', 'ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう'],
    ['charset_korean_ir149.dcm', 'Hong^Gildong=洪^吉洞=홍^길동'],
    ['charset_cyrillic_ir144.dcm', 'Люкceмбypг'],
    ['charset_latin1_german.dcm', 'Äneas^Rüdiger'],
    ['charset_utf8_ir192.dcm', 'Wang^XiaoDong=王^小東='],
  ])('%s', (file, name) => {
    const h = readHeader(readFileSync(join(samples, file)));
    expect(h.patient.patientName).toBe(name);
  });
});
