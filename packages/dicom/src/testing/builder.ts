/**
 * Test fixture builder: encodes small DICOM data sets and Part 10 files in code, so that tests do not
 * depend on sample files. Encoding rules follow PS3.5 §7.1 (data elements, explicit/implicit VR),
 * §7.5 (sequences and items), §A.2-A.5 (transfer syntaxes) and PS3.10 §7.1 (file meta information).
 *
 * Not a general-purpose writer: it writes exactly what it is given (no sorting, no validation),
 * which also lets tests craft malformed input.
 */
import { deflateRawSync } from 'node:zlib';
import { lookupTag, normalizeTag } from '../tags';

export type FixtureValue =
  | string // text VRs: encoded as Latin-1 bytes (use Uint8Array for other charsets)
  | number
  | number[] // binary numeric VRs (US, SS, UL, SL, FL, FD, AT as numbers)
  | Uint8Array // raw value bytes
  | FixtureElement[][]; // SQ: list of items

export interface FixtureElement {
  /** Keyword or tag. */
  tag: string;
  /** Explicit VR; defaults to the dictionary VR. */
  vr?: string;
  value?: FixtureValue;
  /** Encode a sequence (or its items) with undefined length + delimiters (PS3.5 §7.5.2). */
  undefinedLength?: boolean;
  /** Override the encoded length field (to craft truncated / hostile input). */
  lengthOverride?: number;
}

export type FixtureEncoding = 'explicit-le' | 'implicit-le' | 'explicit-be';

const LONG_LENGTH_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

class Writer {
  private chunks: Uint8Array[] = [];
  constructor(private readonly bigEndian: boolean) {}
  bytes(b: Uint8Array): void {
    this.chunks.push(b);
  }
  u16(v: number): void {
    const b = new Uint8Array(2);
    new DataView(b.buffer).setUint16(0, v, !this.bigEndian);
    this.chunks.push(b);
  }
  u32(v: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, !this.bigEndian);
    this.chunks.push(b);
  }
  tag(tag: string): void {
    this.u16(parseInt(tag.slice(0, 4), 16));
    this.u16(parseInt(tag.slice(4), 16));
  }
  ascii(s: string): void {
    this.chunks.push(latin1(s));
  }
  result(): Uint8Array {
    return concat(this.chunks);
  }
}

export function latin1(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
  return b;
}

export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

function resolveTag(t: string): string {
  const tag = normalizeTag(t) ?? lookupTag(t)?.tag;
  if (!tag) throw new Error(`fixture: unknown tag/keyword ${t}`);
  return tag;
}

function encodeValue(vr: string, value: Exclude<FixtureValue, FixtureElement[][]> | undefined, bigEndian: boolean): Uint8Array {
  if (value === undefined) return new Uint8Array(0);
  if (value instanceof Uint8Array) return padEven(value, vr);
  if (typeof value === 'string') return padEven(latin1(value), vr);
  const nums = typeof value === 'number' ? [value] : value;
  const size: Record<string, number> = { US: 2, SS: 2, UL: 4, SL: 4, FL: 4, FD: 8, AT: 4, OW: 2, OF: 4, OD: 8, OL: 4, SV: 8, UV: 8, OB: 1, UN: 1 };
  const s = size[vr];
  if (!s) throw new Error(`fixture: cannot encode numbers as ${vr}`);
  const out = new Uint8Array(nums.length * s);
  const dv = new DataView(out.buffer);
  const le = !bigEndian;
  nums.forEach((n, i) => {
    const o = i * s;
    switch (vr) {
      case 'US': case 'OW': dv.setUint16(o, n, le); break;
      case 'SS': dv.setInt16(o, n, le); break;
      case 'UL': case 'OL': dv.setUint32(o, n, le); break;
      case 'SL': dv.setInt32(o, n, le); break;
      case 'FL': case 'OF': dv.setFloat32(o, n, le); break;
      case 'FD': case 'OD': dv.setFloat64(o, n, le); break;
      case 'SV': dv.setBigInt64(o, BigInt(n), le); break;
      case 'UV': dv.setBigUint64(o, BigInt(n), le); break;
      case 'AT': dv.setUint16(o, n >>> 16, le); dv.setUint16(o + 2, n & 0xffff, le); break;
      default: dv.setUint8(o, n);
    }
  });
  return padEven(out, vr);
}

/** Values have even length (PS3.5 §7.1.1): pad UI with NUL, binary with 0, text with space. */
function padEven(b: Uint8Array, vr: string): Uint8Array {
  if (b.length % 2 === 0) return b;
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  out[b.length] = vr === 'UI' || vr === 'OB' || vr === 'UN' ? 0 : 0x20;
  return out;
}

/** Encodes a data set (no meta information). */
export function encodeDataSet(elements: readonly FixtureElement[], encoding: FixtureEncoding): Uint8Array {
  const bigEndian = encoding === 'explicit-be';
  const explicit = encoding !== 'implicit-le';
  const w = new Writer(bigEndian);
  for (const el of elements) {
    const tag = resolveTag(el.tag);
    const vr = el.vr ?? lookupTag(tag)?.vr ?? 'UN';
    w.tag(tag);
    if (vr === 'SQ' && Array.isArray(el.value) && (el.value.length === 0 || Array.isArray(el.value[0]))) {
      const items = el.value as FixtureElement[][];
      const body = new Writer(bigEndian);
      for (const item of items) {
        const itemBytes = encodeDataSet(item, encoding);
        body.tag('FFFEE000');
        if (el.undefinedLength) {
          body.u32(0xffffffff);
          body.bytes(itemBytes);
          body.tag('FFFEE00D');
          body.u32(0);
        } else {
          body.u32(itemBytes.length);
          body.bytes(itemBytes);
        }
      }
      if (el.undefinedLength) {
        body.tag('FFFEE0DD');
        body.u32(0);
      }
      const bodyBytes = body.result();
      writeHeader(w, vr, explicit, el.lengthOverride ?? (el.undefinedLength ? 0xffffffff : bodyBytes.length));
      w.bytes(bodyBytes);
      continue;
    }
    const bytes = encodeValue(vr, el.value as Exclude<FixtureValue, FixtureElement[][]>, bigEndian);
    writeHeader(w, vr, explicit, el.lengthOverride ?? bytes.length);
    w.bytes(bytes);
  }
  return w.result();
}

function writeHeader(w: Writer, vr: string, explicit: boolean, length: number): void {
  if (!explicit) {
    w.u32(length);
    return;
  }
  w.ascii(vr);
  if (LONG_LENGTH_VRS.has(vr)) {
    w.u16(0);
    w.u32(length);
  } else {
    w.u16(length);
  }
}

/** Encapsulated pixel data value: Basic Offset Table item + one fragment per frame + delimiter (PS3.5 §A.4). */
export function encapsulatedPixelData(frames: readonly Uint8Array[], withOffsetTable = true): FixtureElement {
  const w = new Writer(false);
  w.tag('FFFEE000');
  if (withOffsetTable) {
    w.u32(frames.length * 4);
    let off = 0;
    for (const f of frames) {
      w.u32(off);
      off += 8 + f.length + (f.length % 2);
    }
  } else {
    w.u32(0);
  }
  for (const f of frames) {
    const padded = f.length % 2 ? concat([f, new Uint8Array(1)]) : f;
    w.tag('FFFEE000');
    w.u32(padded.length);
    w.bytes(padded);
  }
  w.tag('FFFEE0DD');
  w.u32(0);
  return { tag: '7FE00010', vr: 'OB', value: w.result(), lengthOverride: 0xffffffff };
}

export interface Part10Options {
  transferSyntaxUid: string;
  sopClassUid?: string;
  sopInstanceUid?: string;
  /** Omit the 128-byte preamble and "DICM" (the file then starts with the meta group). */
  noPreamble?: boolean;
  /** Omit the file meta information entirely (raw data set, like many legacy files). */
  noMeta?: boolean;
}

/**
 * Builds a Part 10 file: preamble, "DICM", File Meta Information (always Explicit VR LE, PS3.10 §7.1)
 * and the data set in the encoding the transfer syntax prescribes (deflated for 1.2.840.10008.1.2.1.99).
 */
export function buildPart10(elements: readonly FixtureElement[], opts: Part10Options): Uint8Array {
  const ts = opts.transferSyntaxUid;
  const encoding: FixtureEncoding = ts === '1.2.840.10008.1.2' ? 'implicit-le' : ts === '1.2.840.10008.1.2.2' ? 'explicit-be' : 'explicit-le';
  let body = encodeDataSet(elements, encoding);
  if (ts === '1.2.840.10008.1.2.1.99') body = new Uint8Array(deflateRawSync(body));
  if (opts.noMeta) return body;
  const find = (k: string): string | undefined => {
    const el = elements.find((e) => resolveTag(e.tag) === resolveTag(k));
    return typeof el?.value === 'string' ? el.value : undefined;
  };
  const metaRest = encodeDataSet(
    [
      { tag: '00020001', vr: 'OB', value: new Uint8Array([0, 1]) },
      { tag: '00020002', vr: 'UI', value: opts.sopClassUid ?? find('SOPClassUID') ?? '1.2.840.10008.5.1.4.1.1.7' },
      { tag: '00020003', vr: 'UI', value: opts.sopInstanceUid ?? find('SOPInstanceUID') ?? '1.2.3.4' },
      { tag: '00020010', vr: 'UI', value: ts },
      { tag: '00020012', vr: 'UI', value: '1.2.826.0.1.3680043.9.7433.1' },
    ],
    'explicit-le',
  );
  const groupLength = encodeDataSet([{ tag: '00020000', vr: 'UL', value: metaRest.length }], 'explicit-le');
  const parts = [groupLength, metaRest, body];
  if (!opts.noPreamble) parts.unshift(new Uint8Array(128), latin1('DICM'));
  return concat(parts);
}

/** A minimal valid image data set (8-bit 2x2 MONOCHROME2) with the given extra elements appended in tag order. */
export function minimalImage(extra: readonly FixtureElement[] = [], uids: { study?: string; series?: string; sop?: string } = {}): FixtureElement[] {
  const base: FixtureElement[] = [
    { tag: 'SOPClassUID', value: '1.2.840.10008.5.1.4.1.1.7' },
    { tag: 'SOPInstanceUID', value: uids.sop ?? '1.2.3.4.5.6.3' },
    { tag: 'StudyInstanceUID', value: uids.study ?? '1.2.3.4.5.6.1' },
    { tag: 'SeriesInstanceUID', value: uids.series ?? '1.2.3.4.5.6.2' },
    { tag: 'SamplesPerPixel', value: 1 },
    { tag: 'PhotometricInterpretation', value: 'MONOCHROME2' },
    { tag: 'Rows', value: 2 },
    { tag: 'Columns', value: 2 },
    { tag: 'BitsAllocated', value: 8 },
    { tag: 'BitsStored', value: 8 },
    { tag: 'HighBit', value: 7 },
    { tag: 'PixelRepresentation', value: 0 },
    { tag: 'PixelData', vr: 'OB', value: new Uint8Array([1, 2, 3, 4]) },
  ];
  const all = [...base, ...extra];
  return all.sort((a, b) => (resolveTag(a.tag) < resolveTag(b.tag) ? -1 : 1));
}
