import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDicom } from '@axial/dicom';
import { Context, NativeCodecs } from 'dcmjs-codecs';
import { configureDecoding, decodeFrame, DECODABLE_TRANSFER_SYNTAXES, extractFrames, PixelDataError, transcodeToExplicitLE, UnsupportedTransferSyntaxError } from './index';
import { encapsulated, ensureCodecs, haveDcmtk, haveSamples, sample, SAMPLES, synth, u16le } from './fixtures.test-util';

const maxDiff = (a: Uint8Array, b: Uint8Array): number => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};
const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

/** Encodes a 16-bit ramp with dcmjs-codecs to build encapsulated test files without sample data. */
async function encodedRamp(encoder: 'encodeRle' | 'encodeJpegLs' | 'encodeJpeg2000' | 'encodeJpeg', rows: number, cols: number, signed = false) {
  await ensureCodecs();
  const values = Array.from({ length: rows * cols }, (_, i) => (signed ? ((i * 37) % 4000) - 2000 : (i * 37) % 4096));
  const raw = u16le(values);
  const ctx = new Context({ width: cols, height: rows, bitsAllocated: 16, bitsStored: signed ? 16 : 12, samplesPerPixel: 1, pixelRepresentation: signed ? 1 : 0, planarConfiguration: 0, photometricInterpretation: 'MONOCHROME2', decodedBuffer: raw });
  const out = (NativeCodecs[encoder] as (c: Context, p: object) => Context)(ctx, encoder === 'encodeJpeg' ? { lossy: false, predictor: 1 } : {});
  return { raw, encoded: out.getEncodedBuffer()! };
}

describe('decodeFrame: synthetic', () => {
  it.each([
    ['encodeRle', '1.2.840.10008.1.2.5'],
    ['encodeJpegLs', '1.2.840.10008.1.2.4.80'],
    ['encodeJpeg2000', '1.2.840.10008.1.2.4.90'],
    ['encodeJpeg', '1.2.840.10008.1.2.4.70'],
  ] as const)('%s round trip is lossless (%s)', async (encoder, ts) => {
    const { raw, encoded } = await encodedRamp(encoder, 16, 24, encoder === 'encodeRle');
    const file = synth({ rows: 16, columns: 24, bitsAllocated: 16, bitsStored: encoder === 'encodeRle' ? 16 : 12, pixelRepresentation: encoder === 'encodeRle' ? 1 : 0, transferSyntaxUid: ts, pixelData: encapsulated([encoded], true) });
    const d = await decodeFrame(file, 1);
    expect(d).toMatchObject({ rows: 16, columns: 24, samplesPerPixel: 1, bitsAllocated: 16, photometricInterpretation: 'MONOCHROME2' });
    expect(same(d.pixels, raw)).toBe(true);
  });

  it('decodes every frame of a multi-frame RLE file and transcodes it to Explicit VR LE', async () => {
    const a = await encodedRamp('encodeRle', 8, 8);
    const b = await encodedRamp('encodeRle', 8, 8, true);
    const file = synth({ rows: 8, columns: 8, frames: 2, bitsAllocated: 16, transferSyntaxUid: '1.2.840.10008.1.2.5', pixelData: encapsulated([a.encoded, b.encoded], false) });
    expect(same((await decodeFrame(file, 2)).pixels, b.raw)).toBe(true);
    const le = await transcodeToExplicitLE(file);
    const parsed = parseDicom(le, { untilPixelData: false });
    expect(parsed.header.transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
    expect(parsed.header.hasPreamble).toBe(true);
    expect(parsed.header.pixelData).toMatchObject({ encapsulated: false, vr: 'OW', length: 256 });
    expect(parsed.header.sopInstanceUid).toBe('1.2.3.4.5.6.3');
    const frames = (await extractFrames(le)).frames;
    expect(same(frames[0]!, a.raw) && same(frames[1]!, b.raw)).toBe(true);
  });

  it('interleaves planar configuration 1 and upsamples native YBR_FULL_422', async () => {
    const planar = synth({ rows: 1, columns: 2, samplesPerPixel: 3, planarConfiguration: 1, pixelData: Uint8Array.from([1, 2, 3, 4, 5, 6]) });
    expect([...(await decodeFrame(planar, 1)).pixels]).toEqual([1, 3, 5, 2, 4, 6]);
    const ybr = synth({ rows: 1, columns: 4, samplesPerPixel: 3, photometric: 'YBR_FULL_422', pixelData: Uint8Array.from([10, 11, 100, 200, 12, 13, 101, 201]) });
    const d = await decodeFrame(ybr, 1);
    expect(d.photometricInterpretation).toBe('YBR_FULL');
    expect([...d.pixels]).toEqual([10, 100, 200, 11, 100, 200, 12, 101, 201, 13, 101, 201]);
  });

  it('inflates Deflated Image Frame Compression frames', async () => {
    const { deflateRawSync } = await import('node:zlib');
    const px = Uint8Array.from({ length: 16 }, (_, i) => i * 3);
    const file = synth({ rows: 4, columns: 4, transferSyntaxUid: '1.2.840.10008.1.2.8.1', pixelData: encapsulated([deflateRawSync(px)], true) });
    expect([...(await decodeFrame(file, 1)).pixels]).toEqual([...px]);
  });

  it('transcodes implicit VR and big endian data sets, keeping values', async () => {
    const px = Uint8Array.from([0x01, 0x02, 0x03, 0x04]);
    const be = synth({ rows: 1, columns: 2, bitsAllocated: 16, transferSyntaxUid: '1.2.840.10008.1.2.2', pixelData: px, extra: [{ tag: 'WindowCenter', value: '40' }, { tag: 'WindowWidth', value: '400' }] });
    const out = await transcodeToExplicitLE(be);
    const p = parseDicom(out, { untilPixelData: false });
    expect(p.header.transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
    expect(p.header.instance).toMatchObject({ rows: 1, columns: 2, bitsAllocated: 16 });
    expect(p.dataSet.string('x00281050')).toBe('40');
    expect([...(await extractFrames(out)).frames[0]!]).toEqual([0x02, 0x01, 0x04, 0x03]);
    const implicit = await transcodeToExplicitLE(synth({ transferSyntaxUid: '1.2.840.10008.1.2' }));
    expect(parseDicom(implicit, { untilPixelData: false }).header.instance.photometricInterpretation).toBe('MONOCHROME2');
  });

  it('never modifies the caller\'s buffer (big endian swap, transcoding)', async () => {
    const be = Buffer.from(synth({ rows: 1, columns: 2, bitsAllocated: 16, transferSyntaxUid: '1.2.840.10008.1.2.2', pixelData: Uint8Array.from([1, 2, 3, 4]) }));
    const copy = Buffer.from(be);
    await extractFrames(be);
    await decodeFrame(be, 1);
    await transcodeToExplicitLE(be);
    expect(be.equals(copy)).toBe(true);
  });

  it('rejects undecodable transfer syntaxes with UnsupportedTransferSyntaxError', async () => {
    const file = synth({ transferSyntaxUid: '1.2.840.10008.1.2.4.100', pixelData: encapsulated([Uint8Array.from([0, 0, 1, 0xb3])], true) });
    const err = await decodeFrame(file, 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedTransferSyntaxError);
    expect((err as UnsupportedTransferSyntaxError).transferSyntaxUid).toBe('1.2.840.10008.1.2.4.100');
    await expect(transcodeToExplicitLE(file)).rejects.toBeInstanceOf(UnsupportedTransferSyntaxError);
    expect(DECODABLE_TRANSFER_SYNTAXES).not.toContain('1.2.840.10008.1.2.4.100');
  });

  it('turns corrupt codestreams into DECODE_FAILED errors', async () => {
    const { encoded } = await encodedRamp('encodeJpegLs', 16, 16);
    for (const [ts, data] of [
      ['1.2.840.10008.1.2.4.80', encoded.slice(0, 40)],
      ['1.2.840.10008.1.2.4.80', Uint8Array.from([1, 2, 3, 4])],
      ['1.2.840.10008.1.2.4.90', Uint8Array.from([0xff, 0x4f, 0xff, 0x51, 0, 0])],
      ['1.2.840.10008.1.2.4.50', Uint8Array.from([0xff, 0xd8, 0xff, 0xd9])],
      ['1.2.840.10008.1.2.5', new Uint8Array(64)],
    ] as const) {
      const file = synth({ rows: 16, columns: 16, bitsAllocated: 16, transferSyntaxUid: ts, pixelData: encapsulated([data], true) });
      const err = await decodeFrame(file, 1).catch((e: unknown) => e);
      expect(err, ts).toBeInstanceOf(PixelDataError);
    }
    // The codec module is still usable afterwards.
    const ok = await encodedRamp('encodeJpegLs', 4, 4);
    expect(same((await decodeFrame(synth({ rows: 4, columns: 4, bitsAllocated: 16, bitsStored: 12, transferSyntaxUid: '1.2.840.10008.1.2.4.80', pixelData: encapsulated([ok.encoded], true) }), 1)).pixels, ok.raw)).toBe(true);
  });

});

describe('decodeFrame: on worker threads with a time limit', () => {
  afterAll(() => configureDecoding({ threads: 2, timeoutMs: 30_000 }));

  it('answers a frame whose decoding runs past the limit with DECODE_FAILED, then decodes again once allowed the time', async () => {
    const { raw, encoded } = await encodedRamp('encodeJpeg2000', 256, 256);
    const file = synth({ rows: 256, columns: 256, bitsAllocated: 16, bitsStored: 12, transferSyntaxUid: '1.2.840.10008.1.2.4.90', pixelData: encapsulated([encoded], true) });
    // 1 ms: less than a new thread needs to start and load the codecs, so the limit is certain to be met.
    configureDecoding({ threads: 1, timeoutMs: 1 });
    const err = await decodeFrame(file, 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PixelDataError);
    expect((err as PixelDataError).code).toBe('DECODE_FAILED');
    expect((err as Error).message).toMatch(/took too long.*AXIAL_DECODE_TIMEOUT/);
    configureDecoding({ threads: 1, timeoutMs: 30_000 });
    expect(same((await decodeFrame(file, 1)).pixels, raw)).toBe(true);
  });
});

describe.skipIf(!haveSamples)('decodeFrame: lossless samples match their uncompressed siblings', () => {
  it.each([
    ['ct_jpeg_lossless_sv1', 'ct_explicit_le_signed16'],
    ['ct_jpeg2000_lossless', 'ct_explicit_le_signed16'],
    ['mr_rle', 'mr_explicit_be'],
    ['mr_jpegls_lossless', 'mr_explicit_be'],
  ])('%s == %s', async (compressed, native) => {
    const a = await decodeFrame(sample(compressed), 1);
    const b = await decodeFrame(sample(native), 1);
    expect(a.pixels.length).toBe(b.pixels.length);
    // Compare stored bits only: decoders may sign-extend above Bits Stored.
    const mask = (1 << a.bitsStored) - 1;
    const va = new Uint16Array(a.pixels.buffer, a.pixels.byteOffset, a.pixels.length / 2);
    const vb = new Uint16Array(b.pixels.buffer, b.pixels.byteOffset, b.pixels.length / 2);
    let diffs = 0;
    for (let i = 0; i < va.length; i++) if ((va[i]! & mask) !== (vb[i]! & mask)) diffs++;
    expect(diffs).toBe(0);
  });

  it('decodes every supported sample transfer syntax to the expected size', async () => {
    for (const name of ['mr_jpeg_extended_12bit', 'mr_jpeg_lossless_p14', 'ct_jpegls_near_lossless', 'nm_jpeg2000_lossless', 'ct_jpeg2000_lossy', 'us_jpeg2000_lossy_ybr_ict', 'sc_htj2k_lossless_rgb', 'sc_rgb_rle_16bit_2frame', 'sc_jpegls_lossless_rgb', 'xa_jpeg_lossless', 'seg_deflated_image_frame_compression']) {
      const d = await decodeFrame(sample(name), 1);
      expect(d.pixels.length, name).toBe(Math.ceil((d.rows * d.columns * d.samplesPerPixel * d.bitsAllocated) / 8));
      if (d.samplesPerPixel === 3) expect(d.photometricInterpretation, name).toBe('RGB');
    }
  });

  it('decodes the JPEG baseline YBR_FULL_422 ultrasound to RGB', async () => {
    const d = await decodeFrame(sample('us_jpeg_baseline_ybr422'), 1);
    expect(d).toMatchObject({ photometricInterpretation: 'RGB', samplesPerPixel: 3, rows: 480, columns: 640 });
    expect(d.pixels.length).toBe(480 * 640 * 3);
  });

  it('the Deflated Image Frame Compression SEG equals the uncompressed SEG', async () => {
    for (const n of [1, 2, 3]) {
      const a = await decodeFrame(sample('seg_deflated_image_frame_compression'), n);
      const b = await decodeFrame(sample('seg_liver_dcmqi'), n);
      expect(same(a.pixels, b.pixels)).toBe(true);
    }
  });

  it('transcodes the encapsulated and non-LE samples into parseable Explicit VR LE files', async () => {
    for (const name of ['ct_jpeg_lossless_sv1', 'us_multiframe_jpeg_ybr422_30f', 'mr_explicit_be', 'sc_deflate', 'cr_mono1_implicit_no_preamble', 'us_jpeg2000_lossy_ybr_ict', 'mr_enhanced_multiframe_10f']) {
      const src = sample(name);
      const out = await transcodeToExplicitLE(src);
      const p = parseDicom(out, { untilPixelData: false, requireUids: false });
      expect(p.header.transferSyntaxUid, name).toBe('1.2.840.10008.1.2.1');
      expect(p.header.transferSyntaxInferred, name).toBe(false);
      const frames = await extractFrames(out);
      const original = await decodeFrame(src, frames.numberOfFrames);
      expect(same(frames.frames[frames.numberOfFrames - 1]!, original.pixels), name).toBe(true);
      if (original.samplesPerPixel === 3) expect(p.header.instance.photometricInterpretation).toBe(original.photometricInterpretation);
    }
  });
});

describe.skipIf(!haveSamples || !haveDcmtk)('decodeFrame vs DCMTK', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'axial-px-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const viaDcmtk = (tool: string, name: string): Uint8Array => {
    const out = join(dir, `${name}.${tool}.dcm`);
    execFileSync(`/usr/bin/${tool}`, [`${SAMPLES}/${name}.dcm`, out], { stdio: 'ignore' });
    return readFileSync(out);
  };

  it.each([
    ['dcmdjpeg', 'mr_jpeg_lossless_p14', 0],
    ['dcmdjpeg', 'xa_jpeg_lossless', 0],
    ['dcmdjpeg', 'mr_jpeg_extended_12bit', 2],
    ['dcmdjpeg', 'us_jpeg_baseline_ybr422', 3],
    ['dcmdjpeg', 'sc_jpeg_rgb_no_color_transform', 2],
    ['dcmdjpls', 'ct_jpegls_near_lossless', 0],
    ['dcmdjpls', 'sc_jpegls_lossless_rgb', 0],
    ['dcmdrle', 'us_rle_rgb', 0],
    ['dcmdrle', 'sc_rgb_rle_16bit_2frame', 0],
  ] as const)('%s %s (max difference %d)', async (tool, name, tolerance) => {
    const ref = viaDcmtk(tool, name);
    const frames = (await extractFrames(ref)).frames;
    for (let n = 1; n <= frames.length; n++) {
      const ours = await decodeFrame(sample(name), n);
      const refFrame = (await decodeFrame(ref, n)).pixels;
      expect(maxDiff(ours.pixels, refFrame)).toBeLessThanOrEqual(tolerance);
    }
  });
});
