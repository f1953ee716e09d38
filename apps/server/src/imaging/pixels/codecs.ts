/**
 * Internal: the dcmjs-codecs WebAssembly (libjpeg-turbo/IJG, CharLS, OpenJPEG, OpenJPH, libjxl, RLE),
 * initialised once and lazily on first use.
 */
import { inflateRawSync, inflateSync } from 'node:zlib';
import { TransferSyntax } from '@axial/dicom';
import { Context, NativeCodecs } from 'dcmjs-codecs';
import { PixelDataError, UnsupportedTransferSyntaxError } from './errors';
import { copyBytes } from './image';

let init: Promise<void> | undefined;

/** Initialises the codec WebAssembly once; concurrent callers share the same promise; a failure is retried next time. */
export function ensureCodecs(): Promise<void> {
  if (NativeCodecs.isInitialized()) return Promise.resolve();
  init ??= NativeCodecs.initializeAsync({ logCodecsInfo: false, logCodecsTrace: false }).catch((e: unknown) => {
    init = undefined;
    throw new PixelDataError('DECODE_FAILED', `Cannot initialise the image codecs: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  });
  return init;
}

type DecoderName = 'decodeJpeg' | 'decodeJpegLs' | 'decodeJpeg2000' | 'decodeHtJpeg2000' | 'decodeJpegXl' | 'decodeRle';

const DECODERS: Record<string, DecoderName | 'identity' | 'inflate'> = {
  [TransferSyntax.JPEGBaseline8Bit]: 'decodeJpeg',
  [TransferSyntax.JPEGExtended12Bit]: 'decodeJpeg',
  [TransferSyntax.JPEGLossless]: 'decodeJpeg',
  [TransferSyntax.JPEGLosslessSV1]: 'decodeJpeg',
  [TransferSyntax.JPEGLSLossless]: 'decodeJpegLs',
  [TransferSyntax.JPEGLSNearLossless]: 'decodeJpegLs',
  [TransferSyntax.JPEG2000Lossless]: 'decodeJpeg2000',
  [TransferSyntax.JPEG2000]: 'decodeJpeg2000',
  [TransferSyntax.HTJ2KLossless]: 'decodeHtJpeg2000',
  [TransferSyntax.HTJ2KLosslessRPCL]: 'decodeHtJpeg2000',
  [TransferSyntax.HTJ2K]: 'decodeHtJpeg2000',
  [TransferSyntax.JPEGXLLossless]: 'decodeJpegXl',
  [TransferSyntax.JPEGXLJPEGRecompression]: 'decodeJpegXl',
  [TransferSyntax.JPEGXL]: 'decodeJpegXl',
  [TransferSyntax.RLELossless]: 'decodeRle',
  [TransferSyntax.EncapsulatedUncompressedExplicitVRLittleEndian]: 'identity',
  [TransferSyntax.DeflatedImageFrameCompression]: 'inflate',
};

/** Encapsulated transfer syntaxes {@link decodeEncapsulated} can decode. */
export const DECODABLE_TRANSFER_SYNTAXES: readonly string[] = Object.keys(DECODERS);

export interface FrameGeometry {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  pixelRepresentation: number;
  planarConfiguration: number;
  photometricInterpretation: string;
}

export interface DecodedRaw {
  pixels: Uint8Array;
  photometricInterpretation: string;
  planarConfiguration: number;
}

/** Decodes one encapsulated frame. Output is little endian, in the planar configuration reported. */
export async function decodeEncapsulated(tsUid: string, encoded: Uint8Array, g: FrameGeometry, expectedBytes: number): Promise<DecodedRaw> {
  const decoder = DECODERS[tsUid];
  if (!decoder) throw new UnsupportedTransferSyntaxError(tsUid, 'no decoder is available for it');
  if (decoder === 'identity') {
    if (encoded.length < expectedBytes) throw new PixelDataError('DECODE_FAILED', `Frame holds ${encoded.length} bytes, ${expectedBytes} expected`);
    return { pixels: copyBytes(encoded, 0, expectedBytes), photometricInterpretation: g.photometricInterpretation, planarConfiguration: g.planarConfiguration };
  }
  if (decoder === 'inflate') {
    let out: Buffer;
    try {
      out = inflateRawSync(encoded, { maxOutputLength: Math.max(expectedBytes, 1) + 16 });
    } catch (e) {
      try {
        out = inflateSync(encoded, { maxOutputLength: Math.max(expectedBytes, 1) + 16 });
      } catch {
        throw new PixelDataError('DECODE_FAILED', `Deflated frame cannot be inflated: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
    }
    if (out.length < expectedBytes) throw new PixelDataError('DECODE_FAILED', `Deflated frame inflates to ${out.length} bytes, ${expectedBytes} expected`);
    return { pixels: new Uint8Array(out.buffer, out.byteOffset, expectedBytes), photometricInterpretation: g.photometricInterpretation, planarConfiguration: g.planarConfiguration };
  }
  if (decoder === 'decodeRle') checkRleHeader(encoded, g);
  await ensureCodecs();
  const ctx = new Context({
    width: g.columns,
    height: g.rows,
    bitsAllocated: g.bitsAllocated,
    bitsStored: g.bitsStored,
    samplesPerPixel: g.samplesPerPixel,
    pixelRepresentation: g.pixelRepresentation,
    planarConfiguration: g.planarConfiguration,
    photometricInterpretation: g.photometricInterpretation,
    encodedBuffer: encoded,
  });
  let out: Context;
  try {
    // Colour JPEG (YBR_FULL_422 etc.) is converted to RGB by the decoder; RGB JPEG is left alone (PS3.5 §8.2.1).
    const params = decoder === 'decodeJpeg' ? { convertColorspaceToRgb: g.samplesPerPixel === 3 && g.photometricInterpretation !== 'RGB' } : {};
    out = (NativeCodecs[decoder] as (c: Context, p: object) => Context)(ctx, params);
  } catch (e) {
    throw new PixelDataError('DECODE_FAILED', `Cannot decode ${decoder.slice(6)} frame: ${errorText(e)}`, { cause: e });
  }
  const decoded = out.getDecodedBuffer();
  if (!decoded) throw new PixelDataError('DECODE_FAILED', `${decoder.slice(6)} decoder returned no pixels`);
  let pixels: Uint8Array = decoded;
  if (pixels.length < expectedBytes) {
    // 8-bit codestreams in 16-bit cells (JPEG baseline with Bits Allocated 16): widen.
    const cells = g.rows * g.columns * g.samplesPerPixel;
    if (g.bitsAllocated === 16 && pixels.length === cells) {
      const wide = new Uint8Array(cells * 2);
      for (let i = 0; i < cells; i++) wide[i * 2] = pixels[i]!;
      pixels = wide;
    } else {
      throw new PixelDataError('DECODE_FAILED', `Decoded frame has ${pixels.length} bytes, ${expectedBytes} expected for ${g.rows}x${g.columns}x${g.samplesPerPixel} at ${g.bitsAllocated} bits`);
    }
  }
  let photometric = out.getPhotometricInterpretation() ?? g.photometricInterpretation;
  if (decoder === 'decodeJpeg2000' || decoder === 'decodeHtJpeg2000') {
    // OpenJPEG/OpenJPH undo the ICT/RCT component transform (PS3.5 §8.2.4).
    if (photometric === 'YBR_ICT' || photometric === 'YBR_RCT') photometric = 'RGB';
  }
  return {
    pixels: copyBytes(pixels, 0, expectedBytes),
    photometricInterpretation: photometric,
    planarConfiguration: out.getPlanarConfiguration() ?? g.planarConfiguration,
  };
}

/** RLE header (PS3.5 §G.5): segment count and offsets must fit the image and the fragment. */
function checkRleHeader(b: Uint8Array, g: FrameGeometry): void {
  if (b.length < 64) throw new PixelDataError('DECODE_FAILED', `RLE frame of ${b.length} bytes is shorter than its 64-byte header`);
  const dv = new DataView(b.buffer, b.byteOffset, 64);
  const segments = dv.getUint32(0, true);
  const expected = g.samplesPerPixel * Math.ceil(g.bitsAllocated / 8);
  if (segments !== expected) throw new PixelDataError('DECODE_FAILED', `RLE frame has ${segments} segments, ${expected} expected for ${g.samplesPerPixel} sample(s) of ${g.bitsAllocated} bits`);
  let prev = 63;
  for (let i = 0; i < segments; i++) {
    const off = dv.getUint32(4 + i * 4, true);
    if (off <= prev || off >= b.length) throw new PixelDataError('DECODE_FAILED', `RLE segment ${i + 1} offset ${off} is invalid`);
    prev = off;
  }
}

function errorText(e: unknown): string {
  const s = e instanceof Error ? e.message : String(e);
  return s.trim().slice(0, 300) || 'unknown error';
}
