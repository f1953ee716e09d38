/**
 * Internal: opens a stored Part 10 file for pixel work and collects the Image Pixel Module attributes
 * (PS3.3 §C.7.6.3) the toolkit needs. Every failure becomes a {@link PixelDataError}.
 */
import { DicomParseError, parseDicom, transferSyntaxInfo, type ParsedDicom, type TransferSyntaxInfo } from '@axial/dicom';
import type { DataSet, Element } from 'dicom-parser';
import { PixelDataError } from './errors';

/** Largest decoded frame the toolkit will allocate (bytes). */
export const MAX_FRAME_BYTES = 1 << 30;

/** The Image Pixel Module attributes that describe how pixel bytes are laid out (PS3.3 C.7.6.3). */
export interface PixelLayout {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  pixelRepresentation: number;
  photometricInterpretation: string;
}

export interface ImageInfo extends PixelLayout {
  parsed: ParsedDicom;
  dataSet: DataSet;
  /** The bytes the data set's offsets refer to (inflated for deflated transfer syntaxes). */
  bytes: Uint8Array;
  transferSyntaxUid: string;
  ts: TransferSyntaxInfo | undefined;
  encapsulated: boolean;
  littleEndian: boolean;
  numberOfFrames: number;
  planarConfiguration: number;
  /** "7FE00010", "7FE00008" (float) or "7FE00009" (double). */
  pixelTag: string;
  pixelVr: string;
  pixelElement: Element;
  pixelOffset: number;
  /** Value length of native pixel data; undefined when encapsulated. */
  pixelLength?: number;
}

export function openImage(file: Uint8Array): ImageInfo {
  if (!(file instanceof Uint8Array)) throw new PixelDataError('INVALID_ARGUMENT', 'Expected the file as a Uint8Array/Buffer');
  let parsed: ParsedDicom;
  try {
    parsed = parseDicom(file, { untilPixelData: false, requireUids: false });
  } catch (e) {
    throw wrapError(e);
  }
  const { header, dataSet } = parsed;
  const pd = header.pixelData;
  if (!pd) throw new PixelDataError('NO_PIXEL_DATA', 'The instance has no Pixel Data (7FE0,0010), Float Pixel Data or Double Float Pixel Data');
  const el = dataSet.elements[`x${pd.tag.toLowerCase()}`];
  if (!el) throw new PixelDataError('MALFORMED', 'Pixel Data element could not be located');
  const inst = header.instance;
  const rows = inst.rows ?? 0;
  const columns = inst.columns ?? 0;
  const bitsAllocated = pd.tag === '7FE00008' ? 32 : pd.tag === '7FE00009' ? 64 : (inst.bitsAllocated ?? 0);
  if (rows <= 0 || columns <= 0) throw new PixelDataError('MALFORMED', `Invalid image size: Rows=${inst.rows ?? 'absent'}, Columns=${inst.columns ?? 'absent'}`);
  if (!(bitsAllocated === 1 || (bitsAllocated % 8 === 0 && bitsAllocated >= 8 && bitsAllocated <= 64))) {
    throw new PixelDataError('MALFORMED', `Invalid Bits Allocated ${inst.bitsAllocated ?? 'absent'}`);
  }
  const samplesPerPixel = inst.samplesPerPixel ?? 1;
  if (samplesPerPixel !== 1 && samplesPerPixel !== 3 && samplesPerPixel !== 4) {
    throw new PixelDataError('UNSUPPORTED_IMAGE', `Samples per Pixel ${samplesPerPixel} is not supported`);
  }
  const bitsStored = clampInt(inst.bitsStored ?? bitsAllocated, 1, bitsAllocated);
  const highBitRaw = uint16(dataSet, 'x00280102');
  const highBit = highBitRaw !== undefined && highBitRaw >= bitsStored - 1 && highBitRaw < bitsAllocated ? highBitRaw : bitsStored - 1;
  const photometricInterpretation = (inst.photometricInterpretation ?? (samplesPerPixel === 1 ? 'MONOCHROME2' : 'RGB')).toUpperCase();
  const numberOfFrames = Math.max(1, inst.numberOfFrames ?? 1);
  const tsUid = header.transferSyntaxUid;
  const info: ImageInfo = {
    parsed,
    dataSet,
    bytes: dataSet.byteArray,
    transferSyntaxUid: tsUid,
    ts: transferSyntaxInfo(tsUid),
    encapsulated: pd.encapsulated,
    littleEndian: parsed.littleEndian,
    rows,
    columns,
    numberOfFrames,
    samplesPerPixel,
    bitsAllocated,
    bitsStored,
    highBit,
    pixelRepresentation: inst.pixelRepresentation === 1 ? 1 : 0,
    photometricInterpretation,
    planarConfiguration: samplesPerPixel > 1 ? (uint16(dataSet, 'x00280006') === 1 ? 1 : 0) : 0,
    pixelTag: pd.tag,
    pixelVr: pd.vr,
    pixelElement: el,
    pixelOffset: pd.offset,
  };
  if (pd.length !== undefined && !pd.encapsulated) info.pixelLength = pd.length;
  return info;
}

/** Bytes of one decoded frame in its stored layout (1-bit frames are rounded up to whole bytes). */
export function nativeFrameBytes(img: Pick<ImageInfo, 'rows' | 'columns' | 'samplesPerPixel' | 'bitsAllocated' | 'photometricInterpretation'>): number {
  const samples = img.samplesPerPixel === 3 && /_422$/.test(img.photometricInterpretation) ? 2 : img.samplesPerPixel;
  return Math.ceil((img.rows * img.columns * samples * img.bitsAllocated) / 8);
}

export function uint16(ds: DataSet, tag: string): number | undefined {
  const el = ds.elements[tag];
  if (!el || el.length < 2) return undefined;
  try {
    return ds.uint16(tag);
  } catch {
    return undefined;
  }
}

/** Decimal/integer string values of a DS/IS element, or numbers of a binary one. */
export function numbers(ds: DataSet, tag: string): number[] {
  const el = ds.elements[tag];
  if (!el || el.length === 0 || el.dataOffset + el.length > ds.byteArray.length) return [];
  const vr = el.vr;
  if (vr === 'FD' || vr === 'FL' || vr === 'US' || vr === 'SS') {
    const size = vr === 'FD' ? 8 : vr === 'FL' ? 4 : 2;
    const out: number[] = [];
    for (let i = 0; i < Math.floor(el.length / size); i++) {
      out.push(vr === 'FD' ? ds.double(tag, i)! : vr === 'FL' ? ds.float(tag, i)! : vr === 'US' ? ds.uint16(tag, i)! : ds.int16(tag, i)!);
    }
    return out;
  }
  let s: string;
  try {
    s = Buffer.from(ds.byteArray.buffer, ds.byteArray.byteOffset + el.dataOffset, el.length).toString('latin1');
  } catch {
    return [];
  }
  return s
    .split('\\')
    .map((v) => v.trim())
    .filter((v) => v !== '')
    .map(Number)
    .filter((n) => Number.isFinite(n));
}

export function text(ds: DataSet, tag: string): string | undefined {
  const el = ds.elements[tag];
  if (!el || el.length === 0 || el.dataOffset + el.length > ds.byteArray.length) return undefined;
  const s = Buffer.from(ds.byteArray.buffer, ds.byteArray.byteOffset + el.dataOffset, el.length).toString('latin1').replace(/[\0 ]+$/, '').trim();
  return s === '' ? undefined : s;
}

function clampInt(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, Math.trunc(v)));
}

export function wrapError(e: unknown): PixelDataError {
  if (e instanceof PixelDataError) return e;
  if (e instanceof DicomParseError) {
    const code = e.code === 'TRUNCATED' ? 'TRUNCATED' : e.code === 'NOT_DICOM' ? 'NOT_DICOM' : e.code === 'LIMIT_EXCEEDED' ? 'LIMIT_EXCEEDED' : 'MALFORMED';
    return new PixelDataError(code, e.message, { cause: e });
  }
  const msg = e instanceof Error ? e.message : String(e);
  return new PixelDataError('MALFORMED', `Cannot read the file: ${msg}`, { cause: e });
}

/** A real copy of bytes [from, to): Buffer#slice would return a view, and callers byte-swap in place. */
export function copyBytes(b: Uint8Array, from = 0, to = b.length): Uint8Array {
  return Uint8Array.prototype.slice.call(b, from, to) as Uint8Array;
}
