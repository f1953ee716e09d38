/**
 * Frame decoding to native little endian pixels, and whole-instance transcoding to Explicit VR Little
 * Endian (for WADO-RS `transfer-syntax=1.2.840.10008.1.2.1` negotiation, PS3.18 §8.7.3.5).
 */
import { TransferSyntax } from '@axial/dicom';
import { decodeEncapsulated } from './codecs';
import { PixelDataError } from './errors';
import { encapsulatedFrames, frameIndices, nativeFrame, swapInPlace } from './frames';
import { copyBytes, MAX_FRAME_BYTES, nativeFrameBytes, openImage, wrapError, type ImageInfo, type PixelLayout } from './image';
import { encodeExplicitLE } from './writer';

export interface DecodedFrame extends PixelLayout {
  /**
   * Native pixels as Explicit VR Little Endian would carry them: little endian, Planar Configuration 0,
   * 1-bit data packed (LSB first). Colour from JPEG/J2K decoders is RGB; native YBR_FULL_422 is
   * upsampled to YBR_FULL, native YBR_PARTIAL_422/420 converted to RGB.
   */
  pixels: Uint8Array;
  /** True for Float / Double Float Pixel Data (IEEE floats, bitsAllocated 32/64). */
  float: boolean;
}

/** Decodes frame `frameNumber` (1-based) of a stored instance. */
export async function decodeFrame(file: Uint8Array, frameNumber: number): Promise<DecodedFrame> {
  const img = openImage(file);
  const [index] = frameIndices(img, [frameNumber]);
  try {
    return await decodeImageFrame(img, index!);
  } catch (e) {
    throw wrapError(e);
  }
}

/** Internal: decodes frame `index` (0-based) of an opened image. */
export async function decodeImageFrame(img: ImageInfo, index: number): Promise<DecodedFrame> {
  // Decoders return every sample of every pixel (no 4:2:2 subsampling), in Bits Allocated cells.
  const expected = img.encapsulated ? Math.ceil((img.rows * img.columns * img.samplesPerPixel * img.bitsAllocated) / 8) : nativeFrameBytes(img);
  if (expected > MAX_FRAME_BYTES) throw new PixelDataError('LIMIT_EXCEEDED', `Decoded frame of ${expected} bytes exceeds the limit`);
  let pixels: Uint8Array;
  let photometric = img.photometricInterpretation;
  let planar = img.planarConfiguration;
  if (img.encapsulated) {
    if (img.bitsAllocated === 1 && img.transferSyntaxUid !== TransferSyntax.DeflatedImageFrameCompression && img.transferSyntaxUid !== TransferSyntax.EncapsulatedUncompressedExplicitVRLittleEndian) {
      throw new PixelDataError('UNSUPPORTED_IMAGE', 'Compressed 1-bit pixel data is not supported');
    }
    const [encoded] = encapsulatedFrames(img, [index]);
    const raw = await decodeEncapsulated(img.transferSyntaxUid, encoded!, img, expected);
    pixels = raw.pixels;
    photometric = raw.photometricInterpretation;
    planar = raw.planarConfiguration;
  } else {
    pixels = nativeFrame(img, index);
  }
  const bytesPerSample = img.bitsAllocated / 8;
  if (img.samplesPerPixel > 1 && planar === 1 && img.bitsAllocated >= 8) {
    pixels = interleave(pixels, img.rows * img.columns, img.samplesPerPixel, bytesPerSample);
  }
  if (img.samplesPerPixel === 3 && img.bitsAllocated === 8 && !img.encapsulated) {
    if (photometric === 'YBR_FULL_422') {
      pixels = upsample422(pixels, img.rows, img.columns);
      photometric = 'YBR_FULL';
    } else if (photometric === 'YBR_PARTIAL_422' || photometric === 'YBR_PARTIAL_420') {
      pixels = partialToRgb(upsample422(pixels, img.rows, img.columns));
      photometric = 'RGB';
    }
  }
  return {
    pixels,
    rows: img.rows,
    columns: img.columns,
    samplesPerPixel: img.samplesPerPixel,
    bitsAllocated: img.bitsAllocated,
    bitsStored: img.bitsStored,
    highBit: img.highBit,
    pixelRepresentation: img.pixelRepresentation,
    photometricInterpretation: photometric,
    float: img.pixelTag !== '7FE00010',
  };
}

function interleave(src: Uint8Array, pixels: number, spp: number, bps: number): Uint8Array {
  const out = new Uint8Array(pixels * spp * bps);
  for (let s = 0; s < spp; s++) {
    const plane = s * pixels * bps;
    for (let p = 0; p < pixels; p++) {
      const o = (p * spp + s) * bps;
      const i = plane + p * bps;
      for (let b = 0; b < bps; b++) out[o + b] = src[i + b]!;
    }
  }
  return out;
}

/** Y1 Y2 Cb Cr (PS3.3 §C.7.6.3.1.2) -> Y Cb Cr per pixel. */
function upsample422(src: Uint8Array, rows: number, cols: number): Uint8Array {
  const out = new Uint8Array(rows * cols * 3);
  let i = 0;
  let o = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c += 2) {
      const y1 = src[i]!, y2 = src[i + 1]!, cb = src[i + 2]!, cr = src[i + 3]!;
      i += 4;
      out[o++] = y1; out[o++] = cb; out[o++] = cr;
      if (c + 1 < cols) {
        out[o++] = y2; out[o++] = cb; out[o++] = cr;
      }
    }
  }
  return out;
}

function partialToRgb(ybr: Uint8Array): Uint8Array {
  const out = new Uint8Array(ybr.length);
  for (let i = 0; i < ybr.length; i += 3) {
    const y = 1.1644 * (ybr[i]! - 16), cb = ybr[i + 1]! - 128, cr = ybr[i + 2]! - 128;
    out[i] = clamp255(y + 1.596 * cr);
    out[i + 1] = clamp255(y - 0.3918 * cb - 0.813 * cr);
    out[i + 2] = clamp255(y + 2.0172 * cb);
  }
  return out;
}

function clamp255(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

export interface TranscodeOptions {
  /** Implementation Class UID (0002,0012) written to the new meta information. */
  implementationClassUid?: string;
  implementationVersionName?: string;
}

export const AXIAL_IMPLEMENTATION_CLASS_UID = '1.2.826.0.1.3680043.9.7433.1';

/**
 * Re-encodes a stored instance as a Part 10 file in Explicit VR Little Endian (1.2.840.10008.1.2.1):
 * encapsulated pixel data is decoded (Photometric Interpretation / Planar Configuration updated, offset
 * tables dropped), native pixel data is copied (byte-swapped from big endian), the data set is re-encoded
 * from implicit VR / big endian / deflate, and the meta information is rewritten.
 */
export async function transcodeToExplicitLE(file: Uint8Array, options: TranscodeOptions = {}): Promise<Uint8Array> {
  const img = openImage(file);
  try {
    const overrides = new Map<string, { vr: string; value: Uint8Array } | null>();
    overrides.set('7FE00001', null);
    overrides.set('7FE00002', null);
    if (img.encapsulated) {
      const parts: Uint8Array[] = [];
      let photometric = img.photometricInterpretation;
      for (let i = 0; i < img.numberOfFrames; i++) {
        const f = await decodeImageFrame(img, i);
        parts.push(f.pixels);
        photometric = f.photometricInterpretation;
      }
      overrides.set('7FE00010', { vr: img.bitsAllocated > 8 ? 'OW' : 'OB', value: concat(parts) });
      overrides.set('00280004', { vr: 'CS', value: ascii(photometric) });
      if (img.samplesPerPixel > 1) overrides.set('00280006', { vr: 'US', value: new Uint8Array([0, 0]) });
    } else {
      const length = img.pixelLength ?? 0;
      const value = copyBytes(img.bytes, img.pixelOffset, img.pixelOffset + length);
      if (!img.littleEndian) {
        const unit = img.pixelTag === '7FE00008' ? 4 : img.pixelTag === '7FE00009' ? 8 : img.pixelVr === 'OB' ? 0 : img.bitsAllocated >= 16 ? img.bitsAllocated / 8 : 2;
        if (unit > 1) swapInPlace(value, unit);
      }
      const vr = img.pixelTag === '7FE00008' ? 'OF' : img.pixelTag === '7FE00009' ? 'OD' : img.pixelVr === 'OB' && img.bitsAllocated <= 8 ? 'OB' : 'OW';
      overrides.set(img.pixelTag, { vr, value });
    }
    const body = encodeExplicitLE(img.dataSet, { littleEndian: img.littleEndian, explicitVr: img.parsed.explicitVr, pixelRepresentation: img.pixelRepresentation, overrides });
    const h = img.parsed.header;
    const meta = buildMeta({
      sopClassUid: h.sopClassUid || h.meta.mediaStorageSopClassUid || '',
      sopInstanceUid: h.sopInstanceUid || h.meta.mediaStorageSopInstanceUid || '',
      transferSyntaxUid: TransferSyntax.ExplicitVRLittleEndian,
      implementationClassUid: options.implementationClassUid ?? AXIAL_IMPLEMENTATION_CLASS_UID,
      implementationVersionName: options.implementationVersionName ?? 'AXIAL_PIXELS',
      sourceAe: h.meta.sourceApplicationEntityTitle,
    });
    return concat([new Uint8Array(128), ascii('DICM'), meta, body]);
  } catch (e) {
    throw wrapError(e);
  }
}

function buildMeta(m: { sopClassUid: string; sopInstanceUid: string; transferSyntaxUid: string; implementationClassUid: string; implementationVersionName: string; sourceAe?: string | undefined }): Uint8Array {
  const els: Array<[number, string, Uint8Array]> = [
    [0x0001, 'OB', new Uint8Array([0, 1])],
    [0x0002, 'UI', uiValue(m.sopClassUid)],
    [0x0003, 'UI', uiValue(m.sopInstanceUid)],
    [0x0010, 'UI', uiValue(m.transferSyntaxUid)],
    [0x0012, 'UI', uiValue(m.implementationClassUid)],
    [0x0013, 'SH', padText(m.implementationVersionName.slice(0, 16))],
  ];
  if (m.sourceAe) els.push([0x0016, 'AE', padText(m.sourceAe)]);
  const parts = els.map(([el, vr, v]) => element(0x0002, el, vr, v));
  const rest = concat(parts);
  const len = new Uint8Array(4);
  new DataView(len.buffer).setUint32(0, rest.length, true);
  return concat([element(0x0002, 0x0000, 'UL', len), rest]);
}

function element(group: number, el: number, vr: string, value: Uint8Array): Uint8Array {
  const long = vr === 'OB' || vr === 'OW';
  const h = new Uint8Array(long ? 12 : 8);
  const dv = new DataView(h.buffer);
  dv.setUint16(0, group, true);
  dv.setUint16(2, el, true);
  h[4] = vr.charCodeAt(0);
  h[5] = vr.charCodeAt(1);
  if (long) dv.setUint32(8, value.length, true);
  else dv.setUint16(6, value.length, true);
  return concat([h, value]);
}

function ascii(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s, 'latin1'));
}
function uiValue(s: string): Uint8Array {
  return ascii(s.length % 2 ? `${s}\0` : s);
}
function padText(s: string): Uint8Array {
  return ascii(s.length % 2 ? `${s} ` : s);
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
