/**
 * Internal: the dcmjs-codecs WebAssembly (libjpeg-turbo/IJG, CharLS, OpenJPEG, OpenJPH, libjxl, RLE), run on worker
 * threads (decode-worker.js) with a time limit per frame, so that a large or hostile codestream neither blocks the
 * request thread (ingest, DIMSE, every other request) nor runs for ever.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync, inflateSync } from 'node:zlib';
import { TransferSyntax } from '@axial/dicom';
import { PixelDataError, UnsupportedTransferSyntaxError } from './errors';
import { copyBytes } from './image';
import { WorkerPool, WorkerTimeoutError } from './worker-pool';

interface DecodeJob {
  decoder: DecoderName;
  geometry: FrameGeometry;
  params: object;
  encoded: Uint8Array;
}
interface DecodeAnswer {
  pixels?: Uint8Array;
  photometricInterpretation?: string;
  planarConfiguration?: number;
}

/** How frames are decoded: threads and the time one frame may take (AXIAL_DECODE_THREADS, AXIAL_DECODE_TIMEOUT). */
let limits = { threads: Math.max(1, availableParallelism() - 1), timeoutMs: 30_000 };
let pool: WorkerPool<DecodeJob, DecodeAnswer> | undefined;

/** Sets the decoding threads and time limit (at start-up, from the configuration); a running pool is replaced. */
export function configureDecoding(next: { threads: number; timeoutMs: number }): void {
  limits = { threads: Math.max(1, next.threads), timeoutMs: Math.max(1, next.timeoutMs) };
  void closeDecoding();
}

/** Ends the decoding threads (at shutdown); the next decode starts new ones. */
export async function closeDecoding(): Promise<void> {
  const p = pool;
  pool = undefined;
  await p?.close();
}

function decoders(): WorkerPool<DecodeJob, DecodeAnswer> {
  pool ??= new WorkerPool<DecodeJob, DecodeAnswer>(join(__dirname, 'decode-worker.js'), { size: limits.threads, timeoutMs: limits.timeoutMs });
  return pool;
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
  const geometry: FrameGeometry = {
    rows: g.rows, columns: g.columns, samplesPerPixel: g.samplesPerPixel, bitsAllocated: g.bitsAllocated, bitsStored: g.bitsStored,
    pixelRepresentation: g.pixelRepresentation, planarConfiguration: g.planarConfiguration, photometricInterpretation: g.photometricInterpretation,
  };
  // Colour JPEG (YBR_FULL_422 etc.) is converted to RGB by the decoder; RGB JPEG is left alone (PS3.5 §8.2.1).
  const params = decoder === 'decodeJpeg' ? { convertColorspaceToRgb: g.samplesPerPixel === 3 && g.photometricInterpretation !== 'RGB' } : {};
  let out: DecodeAnswer;
  try {
    // Only the frame's own bytes go to the thread: a view would carry its whole buffer (often the stored file) along.
    const own = encoded.slice();
    out = await decoders().run({ decoder, geometry, params, encoded: own }, [own.buffer]);
  } catch (e) {
    if (e instanceof WorkerTimeoutError) {
      throw new PixelDataError('DECODE_FAILED', `Decoding the ${decoder.slice(6)} frame took too long (${e.message}, limit AXIAL_DECODE_TIMEOUT)`, { cause: e });
    }
    throw new PixelDataError('DECODE_FAILED', `Cannot decode ${decoder.slice(6)} frame: ${errorText(e)}`, { cause: e });
  }
  const decoded = out.pixels;
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
  let photometric = out.photometricInterpretation ?? g.photometricInterpretation;
  if (decoder === 'decodeJpeg2000' || decoder === 'decodeHtJpeg2000') {
    // OpenJPEG/OpenJPH undo the ICT/RCT component transform (PS3.5 §8.2.4).
    if (photometric === 'YBR_ICT' || photometric === 'YBR_RCT') photometric = 'RGB';
  }
  return {
    // The thread's answer is this call's own memory: copied only when longer than the frame.
    pixels: pixels.length === expectedBytes ? pixels : copyBytes(pixels, 0, expectedBytes),
    photometricInterpretation: photometric,
    planarConfiguration: out.planarConfiguration ?? g.planarConfiguration,
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
