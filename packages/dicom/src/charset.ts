/**
 * Specific Character Set (0008,0005) handling: decodes the bytes of text VRs to JS strings.
 *
 * References:
 * - PS3.3 §C.12.1.1.2, Tables C.12-2 (single-byte, no extensions), C.12-3 (single-byte with code
 *   extensions), C.12-4 (multi-byte with code extensions), C.12-5 (multi-byte without extensions).
 * - PS3.5 §6.1.2.4 / §6.1.2.5: ISO/IEC 2022 code extension techniques, escape sequences, and the rule
 *   that the initial designation is restored before CR/LF/FF/TAB, before the value delimiter "\",
 *   and before the "^" and "=" delimiters of PN values (§6.1.2.5.3).
 * - PS3.5 §6.1.3 / Annex H-K: examples for Japanese, Korean, Chinese.
 *
 * Model: we keep the ISO 2022 state (which character set is designated to G0 and to G1). Bytes 0x00-0x7F are
 * interpreted through G0, bytes 0xA0-0xFF through G1. Double-byte sets are decoded with Node's
 * full-ICU TextDecoder using an equivalent EUC encoding (EUC-JP for JIS X 0208/0212, EUC-KR for
 * KS X 1001, GB18030 for GB 2312).
 */

/** A designatable graphic character set. */
type GraphicSet =
  | { kind: 'ascii' }
  | { kind: 'single'; table: readonly string[] } // G1 table for bytes 0xA0..0xFF (96 entries)
  | { kind: 'jisx0201-katakana' } // ISO-IR 13 G1 (0xA1-0xDF -> U+FF61-U+FF9F)
  | { kind: 'double'; decoder: 'euc-jp' | 'euc-kr' | 'gb18030'; highPrefix?: number } // highPrefix 0x8F for JIS X 0212 in EUC-JP

interface TermInfo {
  /** Designation into G0 / G1 that this term produces when it is value 1 (the initial state). */
  g0?: GraphicSet;
  g1?: GraphicSet;
  /** Escape sequences (bytes after ESC) that designate this set, with the register they target. */
  escapes: Array<{ seq: string; register: 'G0' | 'G1'; set: GraphicSet }>;
  /** Non-ISO-2022 encodings that replace the whole decoding process. */
  whole?: 'utf-8' | 'gb18030' | 'gbk';
}

const ASCII: GraphicSet = { kind: 'ascii' };

const singleTableCache = new Map<string, readonly string[]>();
/**
 * Builds the 0xA0-0xFF half of an ISO 8859-x style code page from ICU. We decode each byte
 * separately so that WHATWG aliasing (e.g. "iso-8859-1" -> windows-1252) cannot leak
 * Windows-only characters into the C1 range: 0x80-0x9F are C1 controls in ISO 8859 (PS3.5 §6.1.2.3).
 */
function singleTable(label: string): readonly string[] {
  const cached = singleTableCache.get(label);
  if (cached) return cached;
  const out: string[] = [];
  if (label === 'latin1') {
    for (let b = 0xa0; b <= 0xff; b++) out.push(String.fromCharCode(b));
  } else {
    const dec = new TextDecoder(label, { fatal: false });
    for (let b = 0xa0; b <= 0xff; b++) out.push(dec.decode(new Uint8Array([b])));
  }
  singleTableCache.set(label, out);
  return out;
}

const KATAKANA: GraphicSet = { kind: 'jisx0201-katakana' };
const JISX0208: GraphicSet = { kind: 'double', decoder: 'euc-jp' };
const JISX0212: GraphicSet = { kind: 'double', decoder: 'euc-jp', highPrefix: 0x8f };
const KSX1001: GraphicSet = { kind: 'double', decoder: 'euc-kr' };
const GB2312: GraphicSet = { kind: 'double', decoder: 'gb18030' };

function single(label: string, escapeFinal: string): TermInfo {
  const set: GraphicSet = { kind: 'single', table: singleTable(label) };
  // ESC 02/13 F designates a 96-character set to G1 (PS3.3 Table C.12-3); G0 is always ISO-IR 6 (ESC ( B).
  return { g0: ASCII, g1: set, escapes: [{ seq: '-' + escapeFinal, register: 'G1', set }, { seq: '(B', register: 'G0', set: ASCII }] };
}

/** Defined Terms of PS3.3 Tables C.12-2..5 (both the "ISO_IR" and the "ISO 2022 IR" spelling). */
const TERMS: Record<string, () => TermInfo> = {
  '': () => ({ g0: ASCII, escapes: [{ seq: '(B', register: 'G0', set: ASCII }] }),
  'ISO_IR 6': () => TERMS['']!(),
  'ISO 2022 IR 6': () => TERMS['']!(),
  'ISO_IR 100': () => single('latin1', 'A'),
  'ISO_IR 101': () => single('iso-8859-2', 'B'),
  'ISO_IR 109': () => single('iso-8859-3', 'C'),
  'ISO_IR 110': () => single('iso-8859-4', 'D'),
  'ISO_IR 144': () => single('iso-8859-5', 'L'),
  'ISO_IR 127': () => single('iso-8859-6', 'G'),
  'ISO_IR 126': () => single('iso-8859-7', 'F'),
  'ISO_IR 138': () => single('iso-8859-8', 'H'),
  // ICU maps iso-8859-9 to windows-1254; identical in 0xA0-0xFF, which is all we take from it.
  'ISO_IR 148': () => single('iso-8859-9', 'M'),
  'ISO_IR 203': () => single('iso-8859-15', 'b'),
  // TIS 620-2533 = ISO 8859-11 (ICU: windows-874, identical in 0xA0-0xFF).
  'ISO_IR 166': () => single('windows-874', 'T'),
  // JIS X 0201: G1 katakana (ESC ) I), G0 romaji (ESC ( J). Romaji differs from ASCII only at 0x5C (Yen) and
  // 0x7E (overline); we keep ASCII there because 0x5C must stay the value delimiter (PS3.5 §6.1.2.5.4 note).
  'ISO_IR 13': () => ({
    g0: ASCII,
    g1: KATAKANA,
    escapes: [
      { seq: ')I', register: 'G1', set: KATAKANA },
      { seq: '(J', register: 'G0', set: ASCII },
      { seq: '(B', register: 'G0', set: ASCII },
    ],
  }),
  // Multi-byte with code extensions (PS3.3 Table C.12-4). They are never an initial designation of
  // G0/G1 by themselves except when given as value 1, in which case the initial state is the one
  // after their escape sequence has been applied.
  'ISO 2022 IR 87': () => ({ escapes: [{ seq: '$B', register: 'G0', set: JISX0208 }] }),
  'ISO 2022 IR 159': () => ({ escapes: [{ seq: '$(D', register: 'G0', set: JISX0212 }] }),
  'ISO 2022 IR 149': () => ({ escapes: [{ seq: '$)C', register: 'G1', set: KSX1001 }] }),
  'ISO 2022 IR 58': () => ({ escapes: [{ seq: '$)A', register: 'G1', set: GB2312 }] }),
  // Multi-byte without code extensions (PS3.3 Table C.12-5).
  'ISO_IR 192': () => ({ escapes: [], whole: 'utf-8' }),
  GB18030: () => ({ escapes: [], whole: 'gb18030' }),
  GBK: () => ({ escapes: [], whole: 'gbk' }),
};

/** Maps "ISO 2022 IR 100" -> "ISO_IR 100" etc. for the single-byte sets, which share one definition. */
function canonicalTerm(term: string): string {
  const t = term.trim().toUpperCase().replace(/\s+/g, ' ');
  const m = /^ISO[ _]2022[ _]IR[ _](\d+)$/.exec(t) ?? /^ISO[ _-]?IR[ _-]?(\d+)$/.exec(t);
  if (m) {
    const n = m[1]!;
    if (['87', '159', '149', '58'].includes(n)) return `ISO 2022 IR ${n}`;
    return `ISO_IR ${n}`;
  }
  if (t === 'GB18030' || t === 'GBK') return t;
  return t;
}

export interface CharacterSet {
  /** The terms as given (after trimming), value 1 first. */
  terms: string[];
  /** Terms that are not Defined Terms of PS3.3 C.12.1.1.2 (ignored; their bytes decode as Latin-1). */
  unknown: string[];
  /** @internal */
  readonly initialG0: GraphicSet;
  /** @internal */
  readonly initialG1: GraphicSet | undefined;
  /** @internal */
  readonly escapes: ReadonlyMap<string, { register: 'G0' | 'G1'; set: GraphicSet }>;
  /** @internal */
  readonly whole?: 'utf-8' | 'gb18030' | 'gbk';
}

const charsetCache = new Map<string, CharacterSet>();

/**
 * Parses the value of Specific Character Set (0008,0005), which may be a backslash-separated string or
 * an array. An empty / missing value 1 means the default repertoire (ISO-IR 6, i.e. ASCII).
 */
export function parseSpecificCharacterSet(value: string | readonly string[] | undefined | null): CharacterSet {
  const terms = (value == null ? [] : typeof value === 'string' ? value.split('\\') : [...value]).map((t) => t.trim());
  const key = terms.join('\\');
  const cached = charsetCache.get(key);
  if (cached) return cached;

  const unknown: string[] = [];
  const escapes = new Map<string, { register: 'G0' | 'G1'; set: GraphicSet }>();
  let initialG0: GraphicSet = ASCII;
  let initialG1: GraphicSet | undefined;
  let whole: CharacterSet['whole'];

  // The default repertoire is always available through ESC ( B.
  escapes.set('(B', { register: 'G0', set: ASCII });
  terms.forEach((term, i) => {
    const canon = canonicalTerm(term);
    const def = TERMS[canon];
    if (!def) {
      unknown.push(term);
      return;
    }
    const info = def();
    if (info.whole) {
      // PS3.3 C.12.1.1.2: ISO_IR 192 / GB18030 / GBK are single-valued; if a sender adds more terms, the
      // multi-byte encoding still governs.
      whole ??= info.whole;
      return;
    }
    for (const e of info.escapes) escapes.set(e.seq, { register: e.register, set: e.set });
    if (i === 0) {
      if (info.g0) initialG0 = info.g0;
      if (info.g1) initialG1 = info.g1;
      // A multi-byte set given as value 1 (e.g. "ISO 2022 IR 87" alone) is active from the start.
      if (!info.g0 && !info.g1 && info.escapes[0]) {
        const e = info.escapes[0];
        if (e.register === 'G0') initialG0 = e.set;
        else initialG1 = e.set;
      }
    }
  });
  // Unknown value 1 (often vendors write e.g. "ISO-8859-1" or "UTF8"): be lenient on a few aliases.
  if (terms[0] && unknown.includes(terms[0])) {
    const t = terms[0].toUpperCase().replace(/[^A-Z0-9]/g, '');
    if (t === 'UTF8') whole = 'utf-8';
    else initialG1 = { kind: 'single', table: singleTable('latin1') };
  }
  const cs: CharacterSet = { terms, unknown, initialG0, initialG1, escapes, whole };
  charsetCache.set(key, cs);
  return cs;
}

/** True if every term is a Defined Term we can decode. */
export function isSupportedCharacterSet(value: string | readonly string[] | undefined): boolean {
  return parseSpecificCharacterSet(value).unknown.length === 0;
}

const decoders = new Map<string, TextDecoder>();
function decoder(label: string): TextDecoder {
  let d = decoders.get(label);
  if (!d) {
    d = new TextDecoder(label, { fatal: false });
    decoders.set(label, d);
  }
  return d;
}

const ESC = 0x1b;

function isPlainAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b >= 0x80 || b === ESC) return false;
  }
  return true;
}

/** Bytes below 0x80 as characters of the same codes (windows-1252 agrees with ASCII there). */
function asciiText(bytes: Uint8Array): string {
  if (bytes.length <= 4096) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  return decoder('windows-1252').decode(bytes);
}

/**
 * Decodes the raw bytes of a text value (PN, LO, SH, ST, LT, UT, UC; other VRs are plain ASCII, for
 * which this function is also correct). Multi-valued data is decoded as a whole and must be split on
 * "\" afterwards: splitting bytes first would break GBK/GB18030 whose trailing bytes may be 0x5C.
 *
 * @param vr when "PN", the "^" and "=" delimiters also restore the initial designation (PS3.5 §6.1.2.5.3).
 */
export function decodeText(
  bytes: Uint8Array,
  charset?: CharacterSet | string | readonly string[] | null,
  vr?: string,
): string {
  const cs = charset && typeof charset === 'object' && 'escapes' in charset ? charset : parseSpecificCharacterSet(charset as string | readonly string[] | undefined);
  if (cs.whole) return decoder(cs.whole).decode(bytes);
  // Most values are plain 7-bit text: without escapes or G1 bytes, the loop below would emit each byte as its own
  // character (single-byte G0 sets are read as ASCII), so the same string is made at once.
  if (cs.initialG0.kind !== 'double' && isPlainAscii(bytes)) return asciiText(bytes);

  const isPn = vr === 'PN';
  let g0 = cs.initialG0;
  let g1 = cs.initialG1;
  let out = '';
  // Pending double-byte run, flushed through TextDecoder in one call (much faster than per char).
  let run: number[] = [];
  let runSet: GraphicSet | undefined;
  const flush = (): void => {
    if (run.length && runSet && runSet.kind === 'double') out += decoder(runSet.decoder).decode(new Uint8Array(run));
    run = [];
    runSet = undefined;
  };
  const reset = (): void => {
    g0 = cs.initialG0;
    g1 = cs.initialG1;
  };

  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i]!;
    if (b === ESC) {
      flush();
      const match = matchEscape(bytes, i + 1, cs);
      if (match) {
        if (match.register === 'G0') g0 = match.set;
        else g1 = match.set;
        i += 1 + match.length;
      } else {
        // Unknown escape: drop the ESC byte itself, keep decoding (never loop on it).
        i += 1;
      }
      continue;
    }
    if (b < 0x80) {
      if (g0.kind === 'double' && b >= 0x21 && b <= 0x7e) {
        // 94x94 set in G0 (JIS X 0208 / 0212): bytes come in pairs; map to EUC by setting the high bit.
        const b2 = bytes[i + 1];
        if (b2 !== undefined && b2 >= 0x21 && b2 <= 0x7e) {
          if (runSet !== g0) {
            flush();
            runSet = g0;
          }
          if (g0.highPrefix) run.push(g0.highPrefix);
          run.push(b | 0x80, b2 | 0x80);
          i += 2;
          continue;
        }
      }
      flush();
      // Control characters and delimiters that restore the initial designation (PS3.5 §6.1.2.5.3).
      if (b === 0x0d || b === 0x0a || b === 0x0c || b === 0x09 || b === 0x5c || (isPn && (b === 0x5e || b === 0x3d))) {
        reset();
      }
      out += String.fromCharCode(b);
      i += 1;
      continue;
    }
    // 0x80-0xFF: G1
    if (!g1) {
      flush();
      // Not allowed without a G1 designation; decode as Latin-1 rather than dropping information.
      out += String.fromCharCode(b);
      i += 1;
      continue;
    }
    if (g1.kind === 'double') {
      const b2 = bytes[i + 1];
      if (b2 !== undefined && b2 >= 0xa1) {
        if (runSet !== g1) {
          flush();
          runSet = g1;
        }
        run.push(b, b2);
        i += 2;
        continue;
      }
      flush();
      out += '\uFFFD';
      i += 1;
      continue;
    }
    flush();
    if (g1.kind === 'jisx0201-katakana') {
      out += b >= 0xa1 && b <= 0xdf ? String.fromCharCode(0xff61 + (b - 0xa1)) : '\uFFFD';
    } else if (g1.kind === 'single') {
      out += b >= 0xa0 ? g1.table[b - 0xa0]! : String.fromCharCode(b);
    } else {
      out += String.fromCharCode(b);
    }
    i += 1;
  }
  flush();
  return out;
}

function matchEscape(
  bytes: Uint8Array,
  start: number,
  cs: CharacterSet,
): { register: 'G0' | 'G1'; set: GraphicSet; length: number } | undefined {
  // Escape sequences are 2 or 3 bytes after ESC (PS3.3 Tables C.12-3/4).
  for (const len of [3, 2]) {
    if (start + len > bytes.length) continue;
    let seq = '';
    for (let k = 0; k < len; k++) seq += String.fromCharCode(bytes[start + k]!);
    const hit = cs.escapes.get(seq) ?? KNOWN_ESCAPES.get(seq);
    if (hit) return { ...hit, length: len };
  }
  return undefined;
}

/**
 * Escape sequences recognised even when the corresponding term is missing from (0008,0005):
 * real-world data sometimes omits a term but still switches to it; decoding it is better than garbage.
 */
const KNOWN_ESCAPES: ReadonlyMap<string, { register: 'G0' | 'G1'; set: GraphicSet }> = new Map([
  ['(B', { register: 'G0', set: ASCII }],
  ['(J', { register: 'G0', set: ASCII }],
  [')I', { register: 'G1', set: KATAKANA }],
  ['$B', { register: 'G0', set: JISX0208 }],
  ['$@', { register: 'G0', set: JISX0208 }], // JIS C 6226-1978 designation, decoded as 0208
  ['$(D', { register: 'G0', set: JISX0212 }],
  ['$)C', { register: 'G1', set: KSX1001 }],
  ['$)A', { register: 'G1', set: GB2312 }],
]);
