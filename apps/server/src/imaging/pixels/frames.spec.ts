import { deflateRawSync } from 'node:zlib';
import { testing } from '@axial/dicom';
import { extractFrames, FrameRangeError, PixelDataError } from './index';
import { encapsulated, haveSamples, sample, synth, u16le } from './fixtures.test-util';

const EXPLICIT_BE = '1.2.840.10008.1.2.2';
const JPEG_LS = '1.2.840.10008.1.2.4.80';
const RLE = '1.2.840.10008.1.2.5';
const jpegLike = (n: number, len = 6) => Uint8Array.from([0xff, 0xd8, 0xff, ...Array.from({ length: len - 3 }, (_, i) => (n * 16 + i) & 0x7f)]);

describe('extractFrames: native', () => {
  it('slices 8-bit multi-frame data and honours requested 1-based frame order', async () => {
    const file = synth({ rows: 2, columns: 3, frames: 3, pixelData: Uint8Array.from({ length: 18 }, (_, i) => i) });
    const all = await extractFrames(file);
    expect(all.frames.map((f) => [...f])).toEqual([[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11], [12, 13, 14, 15, 16, 17]]);
    expect(all.mediaType).toBe('application/octet-stream');
    expect(all.transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
    const some = await extractFrames(file, [3, 1]);
    expect(some.frames.map((f) => f[0])).toEqual([12, 0]);
  });

  it('drops the padding byte of odd-length pixel data', async () => {
    const file = synth({ rows: 3, columns: 3, samplesPerPixel: 3, pixelData: Uint8Array.from({ length: 27 }, (_, i) => i + 1) });
    const { frames } = await extractFrames(file);
    expect(frames[0]!.length).toBe(27);
    expect(frames[0]![26]).toBe(27);
  });

  it('swaps OW 16-bit Explicit VR Big Endian data to little endian', async () => {
    const file = synth({ rows: 1, columns: 2, bitsAllocated: 16, transferSyntaxUid: EXPLICIT_BE, pixelData: Uint8Array.from([0x12, 0x34, 0xab, 0xcd]), pixelVr: 'OW' });
    // The builder writes raw bytes as given; in BE, 0x1234 is stored 12 34.
    const { frames, storedTransferSyntaxUid } = await extractFrames(file);
    expect(storedTransferSyntaxUid).toBe(EXPLICIT_BE);
    expect([...frames[0]!]).toEqual([0x34, 0x12, 0xcd, 0xab]);
  });

  it('never swaps OB data in big endian files', async () => {
    const file = synth({ rows: 1, columns: 2, samplesPerPixel: 3, transferSyntaxUid: EXPLICIT_BE, pixelData: Uint8Array.from([1, 2, 3, 4, 5, 6]), pixelVr: 'OB' });
    expect([...(await extractFrames(file)).frames[0]!]).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('re-aligns 1-bit frames that do not start on a byte boundary', async () => {
    // 3x3 = 9 bits per frame, 2 frames: frame 2 starts at bit 9.
    const bits = [1, 0, 1, 1, 0, 0, 1, 1, 1, /* frame 2 */ 0, 1, 1, 0, 1, 0, 0, 0, 1];
    const packed = new Uint8Array(4);
    bits.forEach((b, i) => (packed[i >> 3]! |= b << (i & 7)));
    const file = synth({ rows: 3, columns: 3, frames: 2, bitsAllocated: 1, pixelData: packed, pixelVr: 'OB' });
    const { frames } = await extractFrames(file);
    const unpack = (f: Uint8Array) => Array.from({ length: 9 }, (_, i) => (f[i >> 3]! >> (i & 7)) & 1);
    expect(frames.map((f) => f.length)).toEqual([2, 2]);
    expect(unpack(frames[0]!)).toEqual(bits.slice(0, 9));
    expect(unpack(frames[1]!)).toEqual(bits.slice(9));
  });

  it('extracts Float Pixel Data (7FE0,0008) and swaps it in big endian', async () => {
    const le = new Uint8Array(8);
    new DataView(le.buffer).setFloat32(0, 1.5, true);
    new DataView(le.buffer).setFloat32(4, -2.25, true);
    const file = synth({ rows: 1, columns: 2, pixelTag: '7FE00008', pixelVr: 'OF', pixelData: le });
    const f = (await extractFrames(file)).frames[0]!;
    expect(new DataView(f.buffer, f.byteOffset).getFloat32(4, true)).toBe(-2.25);
    const be = new Uint8Array(8);
    new DataView(be.buffer).setFloat32(0, 1.5, false);
    new DataView(be.buffer).setFloat32(4, -2.25, false);
    const fb = (await extractFrames(synth({ rows: 1, columns: 2, pixelTag: '7FE00008', pixelVr: 'OF', pixelData: be, transferSyntaxUid: EXPLICIT_BE }))).frames[0]!;
    expect([...fb]).toEqual([...f]);
  });

  it('reads 32-bit and Deflated Explicit VR LE data', async () => {
    const px = Uint8Array.from({ length: 16 }, (_, i) => i);
    const file = synth({ rows: 2, columns: 2, bitsAllocated: 32, pixelData: px, pixelVr: 'OW', transferSyntaxUid: '1.2.840.10008.1.2.1.99' });
    const r = await extractFrames(file);
    expect([...r.frames[0]!]).toEqual([...px]);
    expect(r.storedTransferSyntaxUid).toBe('1.2.840.10008.1.2.1.99');
  });
});

describe('extractFrames: encapsulated', () => {
  it('uses the Basic Offset Table', async () => {
    const frames = [jpegLike(1, 7), jpegLike(2, 10), jpegLike(3, 4)];
    const file = synth({ rows: 2, columns: 2, frames: 3, transferSyntaxUid: JPEG_LS, pixelData: encapsulated(frames, true) });
    const r = await extractFrames(file, [2, 3]);
    expect(r.mediaType).toBe('image/jls');
    expect(r.transferSyntaxUid).toBe(JPEG_LS);
    // Odd-length fragments are padded to even length by the writer: the pad byte is part of the stored frame.
    expect([...r.frames[0]!]).toEqual([...frames[1]!]);
    expect([...r.frames[1]!].slice(0, 4)).toEqual([...frames[2]!]);
  });

  it('maps one fragment per frame when the BOT is empty', async () => {
    const frames = [Uint8Array.from([1, 2]), Uint8Array.from([3, 4]), Uint8Array.from([5, 6])];
    const file = synth({ frames: 3, transferSyntaxUid: RLE, pixelData: encapsulated(frames, false) });
    const r = await extractFrames(file);
    expect(r.frames.map((f) => [...f])).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(r.mediaType).toBe('image/dicom-rle');
  });

  it('joins all fragments of a single frame', async () => {
    const file = synth({ transferSyntaxUid: JPEG_LS, pixelData: encapsulated([Uint8Array.from([0xff, 0xd8, 1, 2]), Uint8Array.from([3, 4])], false) });
    expect([...(await extractFrames(file)).frames[0]!]).toEqual([0xff, 0xd8, 1, 2, 3, 4]);
  });

  it('splits several fragments per frame on JPEG start-of-image markers when the BOT is empty', async () => {
    const frags = [Uint8Array.from([0xff, 0xd8, 0xff, 1]), Uint8Array.from([2, 3]), Uint8Array.from([0xff, 0xd8, 0xff, 4]), Uint8Array.from([5, 6]), Uint8Array.from([7, 8])];
    const file = synth({ frames: 2, transferSyntaxUid: JPEG_LS, pixelData: encapsulated(frags, false) });
    const r = await extractFrames(file);
    expect(r.frames.map((f) => [...f])).toEqual([[0xff, 0xd8, 0xff, 1, 2, 3], [0xff, 0xd8, 0xff, 4, 5, 6, 7, 8]]);
  });

  it('uses the Extended Offset Table (7FE0,0001/0002)', async () => {
    const frames = [jpegLike(1, 8), jpegLike(2, 6)];
    const eot = new Uint8Array(16);
    const len = new Uint8Array(16);
    new DataView(eot.buffer).setBigUint64(8, 16n, true); // 8-byte item header + 8 bytes of frame 1
    new DataView(len.buffer).setBigUint64(0, 8n, true);
    new DataView(len.buffer).setBigUint64(8, 6n, true);
    const file = synth({
      frames: 2,
      transferSyntaxUid: JPEG_LS,
      pixelData: encapsulated(frames, false),
      // The VR is OV, but dicom-parser 1.8 does not know OV's 4-byte length form; OB has the same layout.
      extra: [{ tag: '7FE00001', vr: 'OB', value: eot }, { tag: '7FE00002', vr: 'OB', value: len }],
    });
    const r = await extractFrames(file);
    expect(r.frames.map((f) => [...f])).toEqual(frames.map((f) => [...f]));
  });

  it('rejects ambiguous fragment layouts with a typed error', async () => {
    const frags = [Uint8Array.from([1, 2]), Uint8Array.from([3, 4]), Uint8Array.from([5, 6])];
    const file = synth({ frames: 2, transferSyntaxUid: RLE, pixelData: encapsulated(frags, false) });
    await expect(extractFrames(file)).rejects.toMatchObject({ name: 'PixelDataError', code: 'MALFORMED' });
  });
});

describe('extractFrames: errors', () => {
  const file = synth({ frames: 2, pixelData: new Uint8Array(8) });
  it.each([[[0]], [[3]], [[1.5]], [[-1]], [[]]])('rejects frame numbers %j with FrameRangeError', async (nums) => {
    const err = await extractFrames(file, nums as number[]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FrameRangeError);
    expect(err).toBeInstanceOf(PixelDataError);
    expect((err as FrameRangeError).httpStatus).toBe(404);
    expect((err as Error).message).toMatch(/2 frame/);
  });

  it('reports a missing Pixel Data element', async () => {
    const noPixels = testing.buildPart10(testing.minimalImage().filter((e) => e.tag !== 'PixelData'), { transferSyntaxUid: '1.2.840.10008.1.2.1' });
    await expect(extractFrames(noPixels)).rejects.toMatchObject({ code: 'NO_PIXEL_DATA' });
  });

  it('reports truncated and garbage input as typed errors, for every prefix length', async () => {
    const enc = synth({ frames: 2, transferSyntaxUid: JPEG_LS, pixelData: encapsulated([jpegLike(1, 8), jpegLike(2, 8)], true) });
    for (const f of [synth({ rows: 4, columns: 4, pixelData: new Uint8Array(16) }), enc]) {
      for (let n = 0; n < f.length - 1; n += 3) {
        const r = await extractFrames(f.subarray(0, n)).then(
          () => 'ok',
          (e: unknown) => e,
        );
        if (r !== 'ok') expect(r).toBeInstanceOf(PixelDataError);
      }
    }
    await expect(extractFrames(new Uint8Array(300).fill(0x41))).rejects.toBeInstanceOf(PixelDataError);
    await expect(extractFrames('nope' as unknown as Uint8Array)).rejects.toBeInstanceOf(PixelDataError);
  });

  it('rejects a deflated data set that does not inflate', async () => {
    const good = synth({ transferSyntaxUid: '1.2.840.10008.1.2.1.99' });
    const bad = good.slice();
    bad.fill(0xff, bad.length - 20);
    const r = await extractFrames(bad).catch((e: unknown) => e);
    if (!(r as { frames?: unknown }).frames) expect(r).toBeInstanceOf(PixelDataError);
    expect(deflateRawSync).toBeTypeOf('function');
  });
});

describe.skipIf(!haveSamples)('extractFrames: sample files', () => {
  it('splits a fragmented JPEG-LS multi-frame without Basic Offset Table', async () => {
    const r = await extractFrames(sample('ct_enhanced_2f_jpegls_fragmented_nobot'));
    expect(r.frames).toHaveLength(2);
    for (const f of r.frames) expect([f[0], f[1]]).toEqual([0xff, 0xd8]);
  });

  it('extracts every frame of JPEG multi-frames and native multi-frames', async () => {
    expect((await extractFrames(sample('us_multiframe_jpeg_34f'))).frames).toHaveLength(34);
    expect((await extractFrames(sample('us_multiframe_jpeg_ybr422_30f'), [30])).frames[0]![0]).toBe(0xff);
    const seg = await extractFrames(sample('seg_liver_dcmqi'));
    expect(seg.frames.map((f) => f.length)).toEqual([32768, 32768, 32768]);
    expect((await extractFrames(sample('mr_enhanced_multiframe_10f'))).frames).toHaveLength(10);
  });

  it('swaps the big endian MR to the same bytes as DCMTK would write in little endian', async () => {
    const be = (await extractFrames(sample('mr_explicit_be'))).frames[0]!;
    const le = (await extractFrames(sample('mr_rle'))).frames; // same source image, RLE: only check shape here
    expect(be.length).toBe(384 * 384 * 2);
    expect(le).toHaveLength(1);
  });

  it('fails cleanly on the broken samples', async () => {
    for (const name of ['broken_mr_truncated_pixeldata', 'broken_no_meta_stray_leading_byte', 'broken_meta_missing_transfer_syntax', 'sr_comprehensive_nested', 'dicomdir']) {
      await expect(extractFrames(sample(name))).rejects.toBeInstanceOf(PixelDataError);
    }
  });
});
