import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { applyPatches, convertInPlace, IMAGE_LOADER_PATCHES } from './imageLoaderPatches';

const loaderDir = dirname(fileURLToPath(import.meta.resolve('@cornerstonejs/dicom-image-loader')));

describe('image loader patches', () => {
  for (const p of IMAGE_LOADER_PATCHES) {
    it(`apply to the installed ${p.file}`, () => {
      const file = join(loaderDir, p.file);
      const patched = applyPatches(file, readFileSync(file, 'utf8'));
      expect(patched).toContain(p.replace);
      expect(patched).not.toContain(p.find);
    });
  }

  it('fail loudly when the text to replace is gone, and leave other files alone', () => {
    const [p] = IMAGE_LOADER_PATCHES;
    expect(() => applyPatches(`/x/dist/esm/${p.file}`, 'other code')).toThrow(/not found exactly once/);
    expect(applyPatches('/x/dist/esm/other.js', p.find)).toBe(p.find);
  });

  it('keep an array of the wanted type and convert any other (the patched setPixelDataType)', () => {
    const patch = IMAGE_LOADER_PATCHES.find((p) => p.file.endsWith('setPixelDataType.js'))!;
    const source = readFileSync(join(loaderDir, patch.file), 'utf8');
    const body = applyPatches(join(loaderDir, patch.file), source)
      .replace(/^import .*$/m, '')
      .replace('export default setPixelDataType;', 'return setPixelDataType;');
    const pick = (min: number, max: number) => (Number.isInteger(min) && Number.isInteger(max) ? (min < 0 ? Int16Array : Uint16Array) : Float32Array);
    const setPixelDataType = new Function('getPixelDataTypeFromMinMax', body)(pick) as (f: { smallestPixelValue: number; largestPixelValue: number; pixelData: ArrayLike<number> }) => void;
    const pixels = new Int16Array([-1000, 0, 3000]);
    const same = { smallestPixelValue: -1000, largestPixelValue: 3000, pixelData: pixels };
    setPixelDataType(same);
    expect(same.pixelData).toBe(pixels);
    const other = { smallestPixelValue: 0, largestPixelValue: 200, pixelData: new Float32Array([0, 100, 200]) };
    setPixelDataType(other);
    expect(other.pixelData).toBeInstanceOf(Uint16Array);
    expect([...other.pixelData]).toEqual([0, 100, 200]);
  });
});

describe('convertInPlace (injected into the decode worker)', () => {
  it('converts a frame that owns its buffer in that buffer, values as TypedArray.set gives them', () => {
    const src = new Uint16Array([0, 1000, 4095, 40000]);
    const out = convertInPlace(src, Int16Array) as Int16Array;
    expect(out).toBeInstanceOf(Int16Array);
    expect(out.buffer).toBe(src.buffer);
    const expected = new Int16Array(4);
    expected.set(new Uint16Array([0, 1000, 4095, 40000]));
    expect([...out]).toEqual([...expected]);
  });

  it('converts by value where bits change: into clamped bytes, between floats and integers', () => {
    const bytes = new Int8Array([-5, 0, 7, 127]);
    const clamped = convertInPlace(bytes, Uint8ClampedArray) as Uint8ClampedArray;
    expect([...clamped]).toEqual([...new Uint8ClampedArray(new Int8Array([-5, 0, 7, 127]))]);
    const ints = new Int32Array([-3, 5, 1 << 30]);
    const floats = convertInPlace(ints, Float32Array) as Float32Array;
    expect([...floats]).toEqual([-3, 5, 2 ** 30]);
    const signed = convertInPlace(new Uint32Array([1, 0xffffffff]), Int32Array) as Int32Array;
    expect([...signed]).toEqual([1, -1]);
  });

  it('keeps a frame already of the type, and refuses views into a larger buffer or another element size', () => {
    const own = new Int16Array([1, 2]);
    expect(convertInPlace(own, Int16Array)).toBe(own);
    expect(convertInPlace(new Int16Array(new ArrayBuffer(8), 2, 2), Uint16Array)).toBeNull();
    expect(convertInPlace(new Uint8Array(4), Int16Array)).toBeNull();
  });

  it('is valid as injected source (no free variables)', () => {
    const injected = new Function(`return (${convertInPlace.toString()});`)() as typeof convertInPlace;
    const src = new Float32Array([1.5, -2, 70000]);
    const out = injected(src, Int32Array) as Int32Array;
    expect([...out]).toEqual([1, -2, 70000]);
    expect(out.buffer).toBe(src.buffer);
    const same = injected(new Uint16Array([40000, 7]), Int16Array) as Int16Array;
    expect([...same]).toEqual([-25536, 7]);
  });
});
