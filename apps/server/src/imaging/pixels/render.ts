/**
 * Rendered resources (PS3.18 §8.3.5.1, §9.x rendering): decoded frame -> Modality LUT / Rescale ->
 * VOI (window or VOI LUT) -> Presentation (MONOCHROME1 inverted) -> 8-bit grey, or palette / YBR -> RGB,
 * then scaled into the viewport and encoded by sharp (libvips) as JPEG or PNG.
 */
import sharp from 'sharp';
import type { DataSet } from 'dicom-parser';
import { decodeImageFrame, type DecodedFrame } from './decode';
import { PixelDataError } from './errors';
import { frameIndices } from './frames';
import { copyBytes, numbers, openImage, text, wrapError, type ImageInfo } from './image';

export type WindowFunction = 'linear' | 'linear-exact' | 'sigmoid';

export interface RenderOptions {
  format?: 'jpeg' | 'png';
  /** JPEG quality 1..100 (default 90). */
  quality?: number;
  /** VOI window, overriding the file's (PS3.18 §8.3.5.1.3 `window=center,width,function`). */
  window?: { center: number; width: number; function?: WindowFunction };
  /** Scale to fit inside (aspect ratio kept). */
  viewport?: { width: number; height: number };
  /** Invert the rendered image (on top of the MONOCHROME1 inversion). */
  invert?: boolean;
}

/** 8-bit display pixels before encoding. */
export interface DisplayImage {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
}

const MAX_VIEWPORT = 16384;

/** Renders frame `frameNumber` (1-based) to JPEG or PNG. */
export async function renderFrame(file: Uint8Array, frameNumber: number, options: RenderOptions = {}): Promise<Buffer> {
  validateOptions(options);
  const img = openImage(file);
  const [index] = frameIndices(img, [frameNumber]);
  try {
    const frame = await decodeImageFrame(img, index!);
    const display = toDisplay(img, frame, index!, options);
    return await encode(display, options);
  } catch (e) {
    throw wrapError(e);
  }
}

/** A thumbnail of the first frame, fit inside size x size (PS3.18 §8.3.5.1.4 thumbnail resources). */
export async function thumbnail(file: Uint8Array, size = 128, format: 'jpeg' | 'png' = 'jpeg'): Promise<Buffer> {
  return renderFrame(file, 1, { format, viewport: { width: size, height: size }, quality: 80 });
}

/** Renders a decoded frame to 8-bit grey or RGB (exported for tests and for callers that encode themselves). */
export async function renderToDisplay(file: Uint8Array, frameNumber: number, options: RenderOptions = {}): Promise<DisplayImage> {
  validateOptions(options);
  const img = openImage(file);
  const [index] = frameIndices(img, [frameNumber]);
  try {
    return toDisplay(img, await decodeImageFrame(img, index!), index!, options);
  } catch (e) {
    throw wrapError(e);
  }
}

function validateOptions(o: RenderOptions): void {
  const bad = (m: string): never => {
    throw new PixelDataError('INVALID_ARGUMENT', m);
  };
  if (o.format !== undefined && o.format !== 'jpeg' && o.format !== 'png') bad(`Unsupported rendered format "${String(o.format)}"`);
  if (o.quality !== undefined && (!Number.isInteger(o.quality) || o.quality < 1 || o.quality > 100)) bad(`Quality must be an integer 1..100, got ${o.quality}`);
  if (o.window) {
    const { center, width } = o.window;
    if (!Number.isFinite(center) || !Number.isFinite(width) || width <= 0) bad(`Invalid window center=${center} width=${width}: width must be > 0`);
    if (o.window.function !== undefined && !['linear', 'linear-exact', 'sigmoid'].includes(o.window.function)) bad(`Unknown VOI LUT function "${o.window.function}"`);
  }
  if (o.viewport) {
    const { width, height } = o.viewport;
    for (const v of [width, height]) if (!Number.isInteger(v) || v < 1 || v > MAX_VIEWPORT) bad(`Viewport dimensions must be integers 1..${MAX_VIEWPORT}, got ${width}x${height}`);
  }
}

async function encode(d: DisplayImage, o: RenderOptions): Promise<Buffer> {
  let p = sharp(Buffer.from(d.data.buffer, d.data.byteOffset, d.data.byteLength), { raw: { width: d.width, height: d.height, channels: d.channels } });
  if (o.viewport && (o.viewport.width !== d.width || o.viewport.height !== d.height)) {
    p = p.resize({ width: o.viewport.width, height: o.viewport.height, fit: 'inside', kernel: 'lanczos3' });
  }
  return (o.format ?? 'jpeg') === 'png' ? p.png({ compressionLevel: 4, adaptiveFiltering: false }).toBuffer() : p.jpeg({ quality: o.quality ?? 90, chromaSubsampling: '4:4:4' }).toBuffer();
}

// ------------------------------------------------------------------------------------------------------
// Pixel pipeline
// ------------------------------------------------------------------------------------------------------

export function toDisplay(img: ImageInfo, f: DecodedFrame, index: number, o: RenderOptions): DisplayImage {
  const n = f.rows * f.columns;
  const pi = f.photometricInterpretation;
  if (f.samplesPerPixel === 1 && pi === 'PALETTE COLOR') {
    return { width: f.columns, height: f.rows, channels: 3, data: palette(img.dataSet, f, n, o.invert === true) };
  }
  if (f.samplesPerPixel === 3) {
    return { width: f.columns, height: f.rows, channels: 3, data: colour(f, n, o.invert === true) };
  }
  if (f.samplesPerPixel !== 1) throw new PixelDataError('UNSUPPORTED_IMAGE', `Cannot render ${f.samplesPerPixel} samples per pixel (${pi})`);
  if (pi !== 'MONOCHROME1' && pi !== 'MONOCHROME2') throw new PixelDataError('UNSUPPORTED_IMAGE', `Cannot render Photometric Interpretation ${pi}`);
  const invert = (pi === 'MONOCHROME1') !== (o.invert === true);
  return { width: f.columns, height: f.rows, channels: 1, data: grey(img, f, index, n, o, invert) };
}

type Lut = { first: number; data: Float64Array | Uint16Array | Uint8Array; max: number };

function grey(img: ImageInfo, f: DecodedFrame, index: number, n: number, o: RenderOptions, invert: boolean): Uint8Array {
  const ds = img.dataSet;
  const modalityLut = readLut(ds, 'x00283000', img.pixelRepresentation);
  const rescale = frameNumbers(ds, index, 'x00289145', 'x00281053');
  const intercept = frameNumbers(ds, index, 'x00289145', 'x00281052');
  const slope = rescale[0] !== undefined && rescale[0] !== 0 ? rescale[0] : 1;
  const icpt = intercept[0] ?? 0;
  const modality = modalityLut && !f.float ? (x: number) => lutLookup(modalityLut, x) : (x: number) => x * slope + icpt;

  // VOI: explicit window, then the file's first window, then the VOI LUT Sequence, then the frame's range.
  let voi: ((x: number) => number) | undefined;
  if (o.window) voi = windowFn(o.window.center, o.window.width, o.window.function ?? 'linear');
  if (!voi) {
    const centers = frameNumbers(ds, index, 'x00289132', 'x00281050');
    const widths = frameNumbers(ds, index, 'x00289132', 'x00281051');
    const fn = (frameText(ds, index, 'x00289132', 'x00281056') ?? 'LINEAR').toUpperCase();
    if (centers[0] !== undefined && widths[0] !== undefined && widths[0] > 0) {
      // LINEAR's -0.5 / -1 terms assume integer input: float pixel data is windowed exactly.
      voi = windowFn(centers[0], widths[0], fn === 'SIGMOID' ? 'sigmoid' : fn === 'LINEAR_EXACT' || f.float ? 'linear-exact' : 'linear');
    }
  }
  if (!voi) {
    const lut = readLut(ds, 'x00283010', img.pixelRepresentation);
    if (lut) {
      const scale = 255 / Math.max(1, lut.max);
      voi = (x) => lutLookup(lut, x) * scale;
    }
  }

  const out = new Uint8Array(n);
  if (!f.float && f.bitsStored <= 16) {
    // Integer fast path: one LUT entry per possible stored value.
    const bs = f.bitsStored;
    const size = 1 << bs;
    const mask = size - 1;
    const half = size >> 1;
    const signed = f.pixelRepresentation === 1;
    const shift = Math.max(0, f.highBit + 1 - bs);
    const raw = rawSamples(f, n);
    const idx = new Uint16Array(n);
    for (let i = 0; i < n; i++) idx[i] = (raw[i]! >>> shift) & mask;
    const value = (k: number): number => (signed && k >= half ? k - size : k);
    if (!voi) {
      let lo = Infinity, hi = -Infinity;
      const seen = new Uint8Array(size);
      for (let i = 0; i < n; i++) seen[idx[i]!] = 1;
      for (let k = 0; k < size; k++) {
        if (!seen[k]) continue;
        const m = modality(value(k));
        if (m < lo) lo = m;
        if (m > hi) hi = m;
      }
      voi = rangeWindow(lo, hi);
    }
    const lut = new Uint8Array(size);
    for (let k = 0; k < size; k++) {
      const y = clamp255(voi(modality(value(k))));
      lut[k] = invert ? 255 - y : y;
    }
    for (let i = 0; i < n; i++) out[i] = lut[idx[i]!]!;
    return out;
  }
  // 32-bit integer / float data: per-pixel transform.
  const vals = new Float64Array(n);
  const read = sampleReader(f);
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = modality(read(i));
    vals[i] = v;
    if (Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  voi ??= rangeWindow(lo, hi);
  for (let i = 0; i < n; i++) {
    const y = Number.isFinite(vals[i]!) ? clamp255(voi(vals[i]!)) : 0;
    out[i] = invert ? 255 - y : y;
  }
  return out;
}

function rangeWindow(lo: number, hi: number): (x: number) => number {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return () => 0;
  if (hi <= lo) return (x) => (x >= hi ? 255 : 0);
  return (x) => ((x - lo) / (hi - lo)) * 255;
}

/** VOI LUT functions, PS3.3 §C.11.2.1.2 (output range 0..255). */
export function windowFn(c: number, w: number, fn: WindowFunction): (x: number) => number {
  if (fn === 'sigmoid') return (x) => 255 / (1 + Math.exp((-4 * (x - c)) / w));
  if (fn === 'linear-exact') return (x) => (x <= c - w / 2 ? 0 : x > c + w / 2 ? 255 : ((x - c) / w + 0.5) * 255);
  const ww = Math.max(1, w);
  const lo = c - 0.5 - (ww - 1) / 2;
  const hi = c - 0.5 + (ww - 1) / 2;
  return (x) => (x <= lo ? 0 : x > hi ? 255 : ww <= 1 ? 255 : ((x - (c - 0.5)) / (ww - 1) + 0.5) * 255);
}

function clamp255(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}

/** Unsigned raw cells (before masking/sign extension) of a 1-sample integer frame. */
function rawSamples(f: DecodedFrame, n: number): Uint8Array | Uint16Array | Uint32Array {
  const p = f.pixels;
  if (f.bitsAllocated === 1) {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = (p[i >> 3]! >> (i & 7)) & 1;
    return out;
  }
  if (f.bitsAllocated === 8) return p.subarray(0, n);
  if (f.bitsAllocated === 16) {
    const a = p.byteOffset % 2 === 0 ? p : copyBytes(p);
    return new Uint16Array(a.buffer, a.byteOffset, n);
  }
  if (f.bitsAllocated === 32) {
    const a = p.byteOffset % 4 === 0 ? p : copyBytes(p);
    return new Uint32Array(a.buffer, a.byteOffset, n);
  }
  throw new PixelDataError('UNSUPPORTED_IMAGE', `Cannot render ${f.bitsAllocated}-bit integer pixels`);
}

function sampleReader(f: DecodedFrame): (i: number) => number {
  const dv = new DataView(f.pixels.buffer, f.pixels.byteOffset, f.pixels.byteLength);
  if (f.float) return f.bitsAllocated === 64 ? (i) => dv.getFloat64(i * 8, true) : (i) => dv.getFloat32(i * 4, true);
  const bs = f.bitsStored;
  const signed = f.pixelRepresentation === 1;
  if (f.bitsAllocated === 32) {
    const shift = Math.max(0, f.highBit + 1 - bs);
    return (i) => {
      const raw = dv.getUint32(i * 4, true) >>> shift;
      if (bs >= 32) return signed ? raw | 0 : raw;
      const v = raw % 2 ** bs;
      return signed && v >= 2 ** (bs - 1) ? v - 2 ** bs : v;
    };
  }
  if (f.bitsAllocated === 64) return (i) => Number(signed ? dv.getBigInt64(i * 8, true) : dv.getBigUint64(i * 8, true));
  throw new PixelDataError('UNSUPPORTED_IMAGE', `Cannot render ${f.bitsAllocated}-bit pixels`);
}

// ------------------------------------------------------------------------------------------------------
// Colour
// ------------------------------------------------------------------------------------------------------

function colour(f: DecodedFrame, n: number, invert: boolean): Uint8Array {
  const pi = f.photometricInterpretation;
  const out = new Uint8Array(n * 3);
  let src: Uint8Array;
  if (f.bitsAllocated === 8) src = f.pixels;
  else if (f.bitsAllocated === 16) {
    const shift = Math.max(0, f.bitsStored - 8);
    const a = f.pixels.byteOffset % 2 === 0 ? f.pixels : copyBytes(f.pixels);
    const w = new Uint16Array(a.buffer, a.byteOffset, n * 3);
    src = new Uint8Array(n * 3);
    const max = (1 << f.bitsStored) - 1;
    for (let i = 0; i < n * 3; i++) src[i] = Math.min(w[i]! & max, max) >> shift;
  } else throw new PixelDataError('UNSUPPORTED_IMAGE', `Cannot render ${f.bitsAllocated}-bit colour`);
  if (pi === 'RGB') out.set(src.subarray(0, n * 3));
  else if (pi === 'YBR_FULL' || pi === 'YBR_FULL_422') {
    for (let i = 0; i < n * 3; i += 3) {
      const y = src[i]!, cb = src[i + 1]! - 128, cr = src[i + 2]! - 128;
      out[i] = clamp255(y + 1.402 * cr);
      out[i + 1] = clamp255(y - 0.344136 * cb - 0.714136 * cr);
      out[i + 2] = clamp255(y + 1.772 * cb);
    }
  } else throw new PixelDataError('UNSUPPORTED_IMAGE', `Cannot render Photometric Interpretation ${pi}`);
  if (invert) for (let i = 0; i < out.length; i++) out[i] = 255 - out[i]!;
  return out;
}

function palette(ds: DataSet, f: DecodedFrame, n: number, invert: boolean): Uint8Array {
  if (ds.elements['x00281221']) throw new PixelDataError('UNSUPPORTED_IMAGE', 'Segmented Palette Color Lookup Tables are not supported');
  const luts = (['1', '2', '3'] as const).map((c) => readPaletteLut(ds, `x0028110${c}`, `x0028120${c}`));
  if (luts.some((l) => !l)) throw new PixelDataError('MALFORMED', 'PALETTE COLOR image lacks a complete Palette Color Lookup Table');
  const raw = rawSamples(f, n);
  const mask = f.bitsStored >= 32 ? 0xffffffff : 2 ** f.bitsStored - 1;
  const out = new Uint8Array(n * 3);
  const tables = luts.map((l) => {
    const t = new Uint8Array(l!.data.length);
    const shift = l!.max > 255 ? 8 : 0;
    for (let k = 0; k < t.length; k++) t[k] = l!.data[k]! >> shift;
    return { first: l!.first, t };
  });
  for (let i = 0; i < n; i++) {
    const v = raw[i]! & mask;
    for (let c = 0; c < 3; c++) {
      const { first, t } = tables[c]!;
      const k = v - first;
      const y = t[k < 0 ? 0 : k >= t.length ? t.length - 1 : k]!;
      out[i * 3 + c] = invert ? 255 - y : y;
    }
  }
  return out;
}

function readPaletteLut(ds: DataSet, descTag: string, dataTag: string): Lut | undefined {
  const d = ds.elements[descTag];
  const el = ds.elements[dataTag];
  if (!d || d.length < 6 || !el || el.length === 0 || el.dataOffset + el.length > ds.byteArray.length) return undefined;
  const entries = ds.uint16(descTag, 0) || 65536;
  const first = ds.uint16(descTag, 1)!;
  return lutData(ds, dataTag, entries, first, ds.uint16(descTag, 2)!);
}

function lutData(ds: DataSet, dataTag: string, entries: number, first: number, bits: number): Lut | undefined {
  const el = ds.elements[dataTag]!;
  let data: Uint8Array | Uint16Array;
  if (bits <= 8 && el.length === entries) data = copyBytes(ds.byteArray, el.dataOffset, el.dataOffset + entries);
  else {
    const count = Math.min(entries, Math.floor(el.length / 2));
    if (count === 0) return undefined;
    data = new Uint16Array(count);
    for (let i = 0; i < count; i++) data[i] = ds.uint16(dataTag, i)!;
  }
  let max = 0;
  for (let i = 0; i < data.length; i++) if (data[i]! > max) max = data[i]!;
  return { first, data, max: Math.max(max, bits <= 8 && max <= 255 ? 255 : 0) };
}

/** First item of a Modality / VOI LUT Sequence as a lookup table. */
function readLut(ds: DataSet, seqTag: string, pixelRepresentation: number): Lut | undefined {
  const item = ds.elements[seqTag]?.items?.[0]?.dataSet;
  if (!item) return undefined;
  const d = item.elements['x00283002'];
  if (!d || d.length < 6 || !item.elements['x00283006']) return undefined;
  const e = item.elements['x00283006']!;
  if (e.dataOffset + e.length > item.byteArray.length || e.length === 0) return undefined;
  const entries = item.uint16('x00283002', 0) || 65536;
  let first = item.uint16('x00283002', 1)!;
  if ((d.vr === 'SS' || (!d.vr && pixelRepresentation === 1)) && first >= 32768) first -= 65536;
  const bits = item.uint16('x00283002', 2)!;
  const lut = lutData(item, 'x00283006', entries, first, bits);
  // Normalise by the declared output range unless the data exceeds it (descriptors are often wrong).
  if (lut && bits >= 1 && bits <= 16 && lut.max <= 2 ** bits - 1) lut.max = 2 ** bits - 1;
  return lut;
}

function lutLookup(l: Lut, x: number): number {
  const k = Math.round(x) - l.first;
  return l.data[k < 0 ? 0 : k >= l.data.length ? l.data.length - 1 : k]!;
}

// ------------------------------------------------------------------------------------------------------
// Functional groups (enhanced multi-frame IODs, PS3.3 §C.7.6.16)
// ------------------------------------------------------------------------------------------------------

function frameItem(ds: DataSet, index: number, macroTag: string): DataSet | undefined {
  const perFrame = ds.elements['x52009230']?.items?.[index]?.dataSet?.elements[macroTag]?.items?.[0]?.dataSet;
  if (perFrame) return perFrame;
  return ds.elements['x52009229']?.items?.[0]?.dataSet?.elements[macroTag]?.items?.[0]?.dataSet;
}

function frameNumbers(ds: DataSet, index: number, macroTag: string, tag: string): number[] {
  const top = numbers(ds, tag);
  if (top.length) return top;
  const item = frameItem(ds, index, macroTag);
  return item ? numbers(item, tag) : [];
}

function frameText(ds: DataSet, index: number, macroTag: string, tag: string): string | undefined {
  const top = text(ds, tag);
  if (top !== undefined) return top;
  const item = frameItem(ds, index, macroTag);
  return item ? text(item, tag) : undefined;
}

