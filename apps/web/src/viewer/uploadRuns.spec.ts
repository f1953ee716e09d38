import { describe, expect, it } from 'vitest';
import { uploadRuns } from './uploadRuns';

const flags = (depth: number, on: number[]) => Array.from({ length: depth }, (_, z) => on.includes(z));
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

describe('volume texture upload runs', () => {
  it('uploads a fully updated, fully cached volume as one run', () => {
    expect(uploadRuns(flags(500, range(0, 499)), () => true, 500)).toEqual([[0, 499]]);
  });

  it('returns nothing when no slice is updated', () => {
    expect(uploadRuns(flags(10, []), () => true, 10)).toEqual([]);
    expect(uploadRuns([], () => true, 10)).toEqual([]);
  });

  it('joins stretches across a short gap of cached slices and splits at a long one', () => {
    const updated = flags(40, [...range(0, 9), ...range(13, 20), ...range(30, 35)]);
    // 10..12 (3 slices) are re-sent; 21..29 (9 slices) exceed the gap of 8.
    expect(uploadRuns(updated, () => true, 40, 8)).toEqual([
      [0, 20],
      [30, 35],
    ]);
  });

  it('never crosses a slice whose image is not cached, updated or not', () => {
    const updated = flags(20, range(0, 19));
    const cached = (z: number) => z !== 7 && z !== 12;
    expect(uploadRuns(updated, cached, 20)).toEqual([
      [0, 6],
      [8, 11],
      [13, 19],
    ]);
  });

  it('ends every run on an updated slice', () => {
    const updated = flags(30, [2, 3, 4]);
    expect(uploadRuns(updated, () => true, 30)).toEqual([[2, 4]]);
  });
});
