/**
 * Frame extraction "as stored" for WADO-RS frame / bulk data retrieval (PS3.18 §8.3.2, §8.7.3):
 * native frames are sliced out of the pixel data (and converted to little endian), encapsulated frames
 * are returned as their compressed bitstreams (the fragments of each frame joined, PS3.5 §A.4).
 */
import { TransferSyntax } from '@axial/dicom';
import type { Fragment } from 'dicom-parser';
import { FrameRangeError, PixelDataError } from './errors';
import { copyBytes, MAX_FRAME_BYTES, nativeFrameBytes, openImage, wrapError, type ImageInfo } from './image';

export interface ExtractedFrames {
  /**
   * Transfer syntax of the returned frames: the stored one for encapsulated pixel data, Explicit VR
   * Little Endian (1.2.840.10008.1.2.1) for native pixel data (big endian is swapped, deflate inflated).
   */
  transferSyntaxUid: string;
  /** Transfer syntax of the stored file. */
  storedTransferSyntaxUid: string;
  /** One entry per requested frame, in request order. */
  frames: Uint8Array[];
  /** DICOMweb media type of each frame (PS3.18 Table 8.7.3-2), application/octet-stream for native data. */
  mediaType: string;
  numberOfFrames: number;
}

/**
 * Returns frames of a stored instance. `frameNumbers` are 1-based (PS3.18); omitted = all frames.
 * Throws {@link FrameRangeError} for numbers outside 1..NumberOfFrames, {@link PixelDataError} otherwise.
 */
export async function extractFrames(file: Uint8Array, frameNumbers?: readonly number[]): Promise<ExtractedFrames> {
  const img = openImage(file);
  const indices = frameIndices(img, frameNumbers);
  try {
    if (img.encapsulated) {
      return {
        transferSyntaxUid: img.transferSyntaxUid,
        storedTransferSyntaxUid: img.transferSyntaxUid,
        frames: encapsulatedFrames(img, indices),
        mediaType: img.ts?.mediaType ?? 'application/octet-stream',
        numberOfFrames: img.numberOfFrames,
      };
    }
    return {
      transferSyntaxUid: TransferSyntax.ExplicitVRLittleEndian,
      storedTransferSyntaxUid: img.transferSyntaxUid,
      // Views of the file's bytes where no conversion is needed: callers only send them.
      frames: indices.map((i) => nativeFrame(img, i, false)),
      mediaType: 'application/octet-stream',
      numberOfFrames: img.numberOfFrames,
    };
  } catch (e) {
    throw wrapError(e);
  }
}

/** Validates 1-based frame numbers and returns 0-based indices (all frames if none given). */
export function frameIndices(img: Pick<ImageInfo, 'numberOfFrames'>, frameNumbers?: readonly number[]): number[] {
  if (frameNumbers === undefined) return Array.from({ length: img.numberOfFrames }, (_, i) => i);
  if (!Array.isArray(frameNumbers) || frameNumbers.length === 0) throw new FrameRangeError([], img.numberOfFrames);
  const bad = frameNumbers.filter((n) => !Number.isInteger(n) || n < 1 || n > img.numberOfFrames);
  if (bad.length) throw new FrameRangeError(bad, img.numberOfFrames);
  return frameNumbers.map((n) => n - 1);
}

// ------------------------------------------------------------------------------------------------------
// Native
// ------------------------------------------------------------------------------------------------------

/** Byte size of one swap unit for big endian pixel data (0 = no swapping). */
function swapUnit(img: ImageInfo): number {
  if (img.littleEndian) return 0;
  if (img.pixelTag === '7FE00008') return 4;
  if (img.pixelTag === '7FE00009') return 8;
  if (img.pixelVr === 'OB') return 0;
  // OW (also OL/OV): multi-byte pixel cells are big endian as a whole; 8- and 1-bit data in OW is word-swapped.
  return img.bitsAllocated >= 16 ? img.bitsAllocated / 8 : 2;
}

/**
 * Frame `index` (0-based) of native pixel data, little endian, 1-bit frames re-aligned to byte 0. `copy` false: a
 * little-endian frame is a view of the file's bytes (for callers that do not change it).
 */
export function nativeFrame(img: ImageInfo, index: number, copy = true): Uint8Array {
  const length = img.pixelLength ?? 0;
  const start = img.pixelOffset;
  if (start + length > img.bytes.length) throw new PixelDataError('TRUNCATED', 'Pixel Data extends past the end of the file');
  const unit = swapUnit(img);
  if (img.bitsAllocated === 1) {
    const bitsPerFrame = img.rows * img.columns * img.samplesPerPixel;
    const firstBit = index * bitsPerFrame;
    const endByte = Math.ceil((firstBit + bitsPerFrame) / 8);
    if (endByte > length) throw new PixelDataError('TRUNCATED', `Pixel Data holds ${length} bytes, frame ${index + 1} needs ${endByte}`);
    const byteStart = Math.floor(firstBit / 8);
    const src = readRange(img, start, length, byteStart, endByte, unit);
    const shift = firstBit % 8;
    const out = new Uint8Array(Math.ceil(bitsPerFrame / 8));
    if (shift === 0) out.set(src.subarray(0, out.length));
    else for (let i = 0; i < out.length; i++) out[i] = ((src[i]! >> shift) | ((src[i + 1] ?? 0) << (8 - shift))) & 0xff;
    const tail = bitsPerFrame % 8;
    if (tail) out[out.length - 1]! &= (1 << tail) - 1;
    return out;
  }
  const frameBytes = nativeFrameBytes(img);
  if (frameBytes > MAX_FRAME_BYTES) throw new PixelDataError('LIMIT_EXCEEDED', `Frame of ${frameBytes} bytes exceeds the limit`);
  const from = index * frameBytes;
  if (from + frameBytes > length) {
    throw new PixelDataError('TRUNCATED', `Pixel Data holds ${length} bytes, frame ${index + 1} needs bytes ${from}..${from + frameBytes}`);
  }
  if (!copy && unit <= 1) return img.bytes.subarray(start + from, start + from + frameBytes);
  return readRange(img, start, length, from, from + frameBytes, unit);
}

/** Copies [from, to) of the element value, swapping `unit`-byte cells aligned on the value start. */
function readRange(img: ImageInfo, start: number, length: number, from: number, to: number, unit: number): Uint8Array {
  if (unit <= 1) return copyBytes(img.bytes, start + from, start + to);
  const alignedFrom = from - (from % unit);
  const alignedTo = Math.min(length - (length % unit), to + ((unit - (to % unit)) % unit));
  const buf = copyBytes(img.bytes, start + alignedFrom, start + Math.max(alignedTo, alignedFrom));
  swapInPlace(buf, unit);
  const out = new Uint8Array(to - from);
  out.set(buf.subarray(from - alignedFrom, Math.min(buf.length, to - alignedFrom)));
  return out;
}

export function swapInPlace(b: Uint8Array, unit: number): void {
  const n = b.length - (b.length % unit);
  for (let i = 0; i < n; i += unit) {
    for (let a = i, z = i + unit - 1; a < z; a++, z--) {
      const t = b[a]!;
      b[a] = b[z]!;
      b[z] = t;
    }
  }
}

// ------------------------------------------------------------------------------------------------------
// Encapsulated
// ------------------------------------------------------------------------------------------------------

export function encapsulatedFrames(img: ImageInfo, indices: readonly number[]): Uint8Array[] {
  const fragments = img.pixelElement.fragments ?? [];
  if (fragments.length === 0) throw new PixelDataError('MALFORMED', 'Encapsulated Pixel Data has no fragments');
  for (const f of fragments) {
    if (f.position + f.length > img.bytes.length || f.length < 0) {
      throw new PixelDataError('TRUNCATED', `Pixel Data fragment at offset ${f.offset} extends past the end of the file`);
    }
  }
  const groups = frameGroups(img, fragments);
  return indices.map((i) => {
    const g = groups[i]!;
    return joinFragments(img.bytes, fragments.slice(g.first, g.first + g.count), g.length);
  });
}

interface FrameGroup {
  first: number;
  count: number;
  /** Exact frame length from the Extended Offset Table Lengths, if any. */
  length?: number;
}

/** Splits fragments into frames (PS3.5 §A.4): Extended Offset Table, Basic Offset Table, then heuristics. */
export function frameGroups(img: ImageInfo, fragments: readonly Fragment[]): FrameGroup[] {
  const n = img.numberOfFrames;
  const eot = readExtendedOffsetTable(img);
  if (eot) {
    const groups = groupsFromOffsets(fragments, eot.offsets);
    if (groups) {
      if (eot.lengths) groups.forEach((g, i) => (g.length = eot.lengths![i]));
      return groups;
    }
  }
  const bot = img.pixelElement.basicOffsetTable ?? [];
  if (bot.length > 0) {
    if (bot.length !== n) throw new PixelDataError('MALFORMED', `Basic Offset Table has ${bot.length} entries for ${n} frame(s)`);
    const groups = groupsFromOffsets(fragments, bot);
    if (groups) return groups;
    throw new PixelDataError('MALFORMED', 'Basic Offset Table entries do not point at fragment boundaries');
  }
  if (n === 1) return [{ first: 0, count: fragments.length }];
  if (fragments.length === n) return fragments.map((_, i) => ({ first: i, count: 1 }));
  if (fragments.length < n) throw new PixelDataError('MALFORMED', `Only ${fragments.length} fragment(s) for ${n} frames and no offset table`);
  // Empty BOT with several fragments per frame: a frame starts with a codestream start marker.
  const starts: number[] = [];
  fragments.forEach((f, i) => {
    if (startsCodestream(img.bytes, f)) starts.push(i);
  });
  if (starts.length === n && starts[0] === 0) {
    return starts.map((s, i) => ({ first: s, count: (starts[i + 1] ?? fragments.length) - s }));
  }
  throw new PixelDataError('MALFORMED', `Cannot tell which of ${fragments.length} fragments belong to which of ${n} frames (empty Basic Offset Table)`);
}

function groupsFromOffsets(fragments: readonly Fragment[], offsets: readonly number[]): FrameGroup[] | undefined {
  const byOffset = new Map(fragments.map((f, i) => [f.offset, i]));
  const firsts: number[] = [];
  for (const o of offsets) {
    const i = byOffset.get(o);
    if (i === undefined || (firsts.length && i <= firsts[firsts.length - 1]!)) return undefined;
    firsts.push(i);
  }
  return firsts.map((f, i) => ({ first: f, count: (firsts[i + 1] ?? fragments.length) - f }));
}

function readExtendedOffsetTable(img: ImageInfo): { offsets: number[]; lengths?: number[] } | undefined {
  const el = img.dataSet.elements['x7fe00001'];
  if (!el || el.length === 0 || el.length % 8 !== 0 || el.length / 8 !== img.numberOfFrames) return undefined;
  const read = (e: typeof el): number[] => {
    const dv = new DataView(img.bytes.buffer, img.bytes.byteOffset + e.dataOffset, e.length);
    return Array.from({ length: e.length / 8 }, (_, i) => Number(dv.getBigUint64(i * 8, true)));
  };
  const offsets = read(el);
  const lel = img.dataSet.elements['x7fe00002'];
  const lengths = lel && lel.length === el.length ? read(lel) : undefined;
  return lengths ? { offsets, lengths } : { offsets };
}

function startsCodestream(bytes: Uint8Array, f: Fragment): boolean {
  const p = f.position;
  if (f.length < 4) return false;
  const b0 = bytes[p]!, b1 = bytes[p + 1]!, b2 = bytes[p + 2]!, b3 = bytes[p + 3]!;
  if (b0 === 0xff && b1 === 0xd8 && b2 === 0xff) return true; // JPEG / JPEG-LS SOI
  if (b0 === 0xff && b1 === 0x4f && b2 === 0xff && b3 === 0x51) return true; // J2K / HTJ2K SOC + SIZ
  if (b0 === 0 && b1 === 0 && b2 === 0 && b3 === 0x0c && f.length >= 8 && bytes[p + 4] === 0x6a && bytes[p + 5] === 0x50) return true; // JP2 signature box
  if (b0 === 0xff && b1 === 0x0a) return true; // JPEG XL codestream
  return false;
}

function joinFragments(bytes: Uint8Array, frags: readonly Fragment[], exactLength?: number): Uint8Array {
  const total = frags.reduce((n, f) => n + f.length, 0);
  if (total > MAX_FRAME_BYTES) throw new PixelDataError('LIMIT_EXCEEDED', `Encoded frame of ${total} bytes exceeds the limit`);
  const out = new Uint8Array(total);
  let o = 0;
  for (const f of frags) {
    out.set(bytes.subarray(f.position, f.position + f.length), o);
    o += f.length;
  }
  return exactLength !== undefined && exactLength > 0 && exactLength <= total ? out.subarray(0, exactLength) : out;
}
