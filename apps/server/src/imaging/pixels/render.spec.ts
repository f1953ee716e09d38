import { execFileSync } from 'node:child_process';
import sharp from 'sharp';
import { PixelDataError, renderFrame, renderToDisplay, thumbnail } from './index';
import { windowFn } from './render';
import { haveDcmtk, haveSamples, sample, SAMPLES, synth, u16le, type SynthOptions } from './fixtures.test-util';

const ct = (extra: NonNullable<SynthOptions['extra']> = [], values = [-1000, 0, 40, 240]) =>
  synth({ rows: 2, columns: 2, bitsAllocated: 16, pixelRepresentation: 1, pixelData: u16le(values), extra });

describe('VOI LUT functions (PS3.3 §C.11.2.1.2)', () => {
  it('linear', () => {
    const f = windowFn(40, 400, 'linear');
    expect(f(-160)).toBe(0);
    expect(f(240)).toBe(255);
    expect(f(39.5)).toBeCloseTo(127.5, 5);
  });
  it('linear-exact', () => {
    const f = windowFn(0.5, 1, 'linear-exact');
    expect(f(0)).toBe(0);
    expect(f(0.5)).toBeCloseTo(127.5, 5);
    expect(f(1.01)).toBe(255);
  });
  it('sigmoid', () => {
    const f = windowFn(100, 50, 'sigmoid');
    expect(f(100)).toBeCloseTo(127.5, 5);
    expect(f(1000)).toBeCloseTo(255, 3);
  });
});

describe('renderToDisplay: greyscale pipeline', () => {
  it('applies rescale then the explicit window', async () => {
    const file = ct([{ tag: 'RescaleIntercept', value: '-1024' }, { tag: 'RescaleSlope', value: '1' }], [0, 1024, 1064, 1264]);
    const d = await renderToDisplay(file, 1, { window: { center: 40, width: 400 } });
    expect(d.channels).toBe(1);
    expect([...d.data]).toEqual([0, 102, 128, 255]);
  });

  it('uses the file window when none is given, then min/max', async () => {
    const withWindow = ct([{ tag: 'WindowCenter', value: '40\\300' }, { tag: 'WindowWidth', value: '400\\1500' }]);
    expect([...(await renderToDisplay(withWindow, 1)).data]).toEqual([0, 102, 128, 255]);
    expect([...(await renderToDisplay(ct(), 1)).data]).toEqual([0, 206, 214, 255]);
  });

  it('honours VOI LUT Function SIGMOID from the file', async () => {
    const file = ct([{ tag: 'WindowCenter', value: '40' }, { tag: 'WindowWidth', value: '400' }, { tag: 'VOILUTFunction', value: 'SIGMOID' }]);
    const d = await renderToDisplay(file, 1);
    expect(d.data[2]).toBe(128);
    expect(d.data[0]).toBe(0);
  });

  it('applies a VOI LUT Sequence when there is no window', async () => {
    const lut = u16le([0, 1000, 2000, 4095]);
    const file = synth({
      rows: 2,
      columns: 2,
      pixelData: Uint8Array.from([0, 1, 2, 3]),
      extra: [{ tag: '00283010', vr: 'SQ', value: [[{ tag: '00283002', vr: 'US', value: [4, 0, 12] }, { tag: '00283006', vr: 'OW', value: lut }]] }],
    });
    expect([...(await renderToDisplay(file, 1)).data]).toEqual([0, 62, 125, 255]);
  });

  it('inverts MONOCHROME1, and the invert option flips again', async () => {
    const mono1 = synth({ rows: 1, columns: 2, photometric: 'MONOCHROME1', pixelData: Uint8Array.from([0, 255]) });
    expect([...(await renderToDisplay(mono1, 1)).data]).toEqual([255, 0]);
    expect([...(await renderToDisplay(mono1, 1, { invert: true })).data]).toEqual([0, 255]);
  });

  it('masks Bits Stored and sign-extends', async () => {
    // 12-bit signed: 0x0FFF = -1, 0xF800 garbage above bit 11 + 0x800 = -2048.
    const file = synth({ rows: 1, columns: 3, bitsAllocated: 16, bitsStored: 12, pixelRepresentation: 1, pixelData: u16le([0x0fff, 0xf800, 0x07ff]) });
    const d = await renderToDisplay(file, 1, { window: { center: 0, width: 4096, function: 'linear-exact' } });
    expect([...d.data]).toEqual([127, 0, 255]); // -1 -> (−1/4096 + 0.5) * 255 = 127.4
  });

  it('renders 1-bit, 32-bit and float pixel data', async () => {
    const bits = synth({ rows: 1, columns: 8, bitsAllocated: 1, pixelData: Uint8Array.from([0b10100101, 0]), pixelVr: 'OB' });
    expect([...(await renderToDisplay(bits, 1)).data]).toEqual([255, 0, 255, 0, 0, 255, 0, 255]);
    const u32 = new Uint8Array(8);
    new DataView(u32.buffer).setUint32(0, 100000, true);
    new DataView(u32.buffer).setUint32(4, 300000, true);
    expect([...(await renderToDisplay(synth({ rows: 1, columns: 2, bitsAllocated: 32, pixelData: u32, pixelVr: 'OW' }), 1)).data]).toEqual([0, 255]);
    const fl = new Uint8Array(12);
    [0.25, 0.5, 0.75].forEach((v, i) => new DataView(fl.buffer).setFloat32(i * 4, v, true));
    const float = synth({ rows: 1, columns: 3, pixelTag: '7FE00008', pixelVr: 'OF', pixelData: fl, extra: [{ tag: 'BitsAllocated', value: 32 }] });
    expect([...(await renderToDisplay(float, 1)).data]).toEqual([0, 128, 255]);
  });
});

describe('renderToDisplay: colour', () => {
  it('maps PALETTE COLOR through the 16-bit LUTs', async () => {
    const red = u16le([0, 0xffff, 0x8000]);
    const green = u16le([0xffff, 0, 0x8000]);
    const blue = u16le([0, 0, 0xffff]);
    const file = synth({
      rows: 1,
      columns: 3,
      photometric: 'PALETTE COLOR',
      pixelData: Uint8Array.from([10, 11, 12, 0]),
      extra: [
        { tag: '00281101', vr: 'US', value: [3, 10, 16] },
        { tag: '00281102', vr: 'US', value: [3, 10, 16] },
        { tag: '00281103', vr: 'US', value: [3, 10, 16] },
        { tag: '00281201', vr: 'OW', value: red },
        { tag: '00281202', vr: 'OW', value: green },
        { tag: '00281203', vr: 'OW', value: blue },
      ],
    });
    const d = await renderToDisplay(file, 1);
    expect(d.channels).toBe(3);
    expect([...d.data]).toEqual([0, 255, 0, 255, 0, 0, 128, 128, 255]);
  });

  it('converts YBR_FULL to RGB', async () => {
    const file = synth({ rows: 1, columns: 2, samplesPerPixel: 3, photometric: 'YBR_FULL', pixelData: Uint8Array.from([76, 85, 255, 150, 44, 21]) });
    const d = await renderToDisplay(file, 1);
    expect([...d.data].map((v) => Math.round(v / 4))).toEqual([255, 0, 0, 0, 255, 0].map((v) => Math.round(v / 4)));
  });

  it('scales 16-bit RGB to 8 bits', async () => {
    const file = synth({ rows: 1, columns: 1, samplesPerPixel: 3, bitsAllocated: 16, pixelData: u16le([0xffff, 0x8000, 0]) });
    expect([...(await renderToDisplay(file, 1)).data]).toEqual([255, 128, 0]);
  });
});

describe('renderFrame / thumbnail', () => {
  const big = synth({ rows: 40, columns: 80, pixelData: Uint8Array.from({ length: 3200 }, (_, i) => i % 256) });

  it('encodes JPEG and PNG and fits the viewport keeping the aspect ratio', async () => {
    const jpeg = await renderFrame(big, 1);
    expect([...jpeg.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    const png = await renderFrame(big, 1, { format: 'png', viewport: { width: 40, height: 40 } });
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(await sharp(png).metadata()).toMatchObject({ width: 40, height: 20 });
    const thumb = await thumbnail(big, 64);
    expect(await sharp(thumb).metadata()).toMatchObject({ width: 64, height: 32, format: 'jpeg' });
  });

  it('rejects invalid options and frame numbers with typed errors', async () => {
    for (const o of [{ quality: 0 }, { quality: 101 }, { window: { center: 0, width: 0 } }, { viewport: { width: 0, height: 10 } }, { format: 'gif' }, { window: { center: 1, width: 1, function: 'log' } }]) {
      await expect(renderFrame(big, 1, o as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', httpStatus: 400 });
    }
    await expect(renderFrame(big, 2)).rejects.toMatchObject({ name: 'FrameRangeError' });
    await expect(renderFrame(big.subarray(0, 200), 1)).rejects.toBeInstanceOf(PixelDataError);
  });

  it('renders a 512x512 16-bit frame quickly', async () => {
    const px = new Uint8Array(512 * 512 * 2);
    const dv = new DataView(px.buffer);
    for (let i = 0; i < 512 * 512; i++) dv.setInt16(i * 2, ((i * 7) % 3000) - 1000, true);
    const file = synth({ rows: 512, columns: 512, bitsAllocated: 16, pixelRepresentation: 1, pixelData: px });
    await renderFrame(file, 1, { window: { center: 40, width: 400 } });
    const t = performance.now();
    for (let i = 0; i < 5; i++) await renderFrame(file, 1, { window: { center: 40, width: 400 } });
    const ms = (performance.now() - t) / 5;
    console.info(`render 512x512 16-bit -> JPEG: ${ms.toFixed(1)} ms/frame`);
    expect(ms).toBeLessThan(250); // generous for loaded CI; target < 60 ms
  });
});

/** Reads DCMTK's binary PGM/PPM output. */
function readPnm(buf: Buffer): { width: number; height: number; channels: number; data: Uint8Array } {
  const tokens: string[] = [];
  let pos = 0;
  while (tokens.length < 4) {
    while (/\s/.test(String.fromCharCode(buf[pos]!))) pos++;
    if (buf[pos] === 0x23) {
      while (buf[pos] !== 0x0a) pos++;
      continue;
    }
    let t = '';
    while (!/\s/.test(String.fromCharCode(buf[pos]!))) t += String.fromCharCode(buf[pos++]!);
    tokens.push(t);
  }
  pos++;
  const [magic, w, h] = tokens;
  return { width: Number(w), height: Number(h), channels: magic === 'P6' ? 3 : 1, data: buf.subarray(pos) };
}

describe.skipIf(!haveSamples || !haveDcmtk)('renderToDisplay vs dcmj2pnm', () => {
  const dcmj2pnm = (name: string, args: string[]) => readPnm(execFileSync('/usr/bin/dcmj2pnm', [...args, `${SAMPLES}/${name}.dcm`], { maxBuffer: 64 << 20 }));
  const compare = async (name: string, args: string[], opts: Parameters<typeof renderToDisplay>[2], tolerance: number, frame = 1) => {
    const ref = dcmj2pnm(name, [...args, '+F', String(frame)]);
    const ours = await renderToDisplay(sample(name), frame, opts);
    expect([ours.width, ours.height, ours.channels]).toEqual([ref.width, ref.height, ref.channels]);
    let max = 0;
    let over = 0;
    for (let i = 0; i < ours.data.length; i++) {
      const d = Math.abs(ours.data[i]! - ref.data[i]!);
      if (d > max) max = d;
      if (d > tolerance) over++;
    }
    expect(over, `max difference ${max}`).toBe(0);
  };

  it('CT with an explicit window', () => compare('ct_explicit_le_signed16', ['+Ww', '40', '400'], { window: { center: 40, width: 400 } }, 1));
  it('CT JPEG lossless with the same window', () => compare('ct_jpeg_lossless_sv1', ['+Ww', '40', '400'], { window: { center: 40, width: 400 } }, 1));
  it('big endian MR with the file window', () => compare('mr_explicit_be', ['+Wi', '1'], {}, 1));
  it('MONOCHROME1 CR (inverted) with an explicit window', () => compare('cr_mono1_implicit_no_preamble', ['+Ww', '512', '1024'], { window: { center: 512, width: 1024 } }, 1));
  it('MONOCHROME1 DX with its file window', () => compare('dx_mono1', ['+Wi', '1'], {}, 1));
  it('VOI LUT Sequence', () => compare('sc_voi_lut_sequence', ['+Wl', '1'], {}, 1));
  it('PALETTE COLOR ultrasound', () => compare('us_palette_color', [], {}, 1));
  it('RGB planar configuration 1', () => compare('us_rgb_planar_config1', [], {}, 0));
  it('RGB big endian OB', () => compare('us_rgb_explicit_be_small', [], {}, 0));
  it('native YBR_FULL_422', () => compare('sc_ybr_full_422_uncompressed', [], {}, 2));
  it('JPEG baseline YBR_FULL_422 ultrasound', () => compare('us_jpeg_baseline_ybr422', [], {}, 4));
  it('RLE RGB', () => compare('us_rle_rgb', [], {}, 0));
  it('logs render timings of real 512x512 CT frames', async () => {
    for (const name of ['ct_explicit_le_signed16', 'ct_jpeg_lossless_sv1', 'ct_jpegls_near_lossless', 'ct_jpeg2000_lossless']) {
      const file = sample(name);
      await renderFrame(file, 1);
      const t = performance.now();
      for (let i = 0; i < 5; i++) await renderFrame(file, 1, { window: { center: 40, width: 400 } });
      const jpeg = (performance.now() - t) / 5;
      const t2 = performance.now();
      for (let i = 0; i < 5; i++) await renderFrame(file, 1, { format: 'png' });
      console.info(`${name}: jpeg ${jpeg.toFixed(1)} ms, png ${((performance.now() - t2) / 5).toFixed(1)} ms`);
    }
  });
  it('enhanced MR frame 5 with an explicit window', () => compare('mr_enhanced_multiframe_10f', ['+Ww', '500', '1000'], { window: { center: 500, width: 1000 } }, 1, 5));
});
