import { describe, expect, it } from 'vitest';
import { checkVolume, checkVolumeDatasets, sliceGeometry, type SliceGeometry, type Vec3 } from './volumeGeometry';

/** `n` slices of a 64×48 image with orientation `o`, stacked along its normal from `origin` every `gap` mm. */
function stack(n: number, o: [number, number, number, number, number, number] = [1, 0, 0, 0, 1, 0], gap = 2.5, origin: Vec3 = [-10, 20, 5]): SliceGeometry[] {
  const r: Vec3 = [o[0], o[1], o[2]];
  const c: Vec3 = [o[3], o[4], o[5]];
  const nrm: Vec3 = [r[1] * c[2] - r[2] * c[1], r[2] * c[0] - r[0] * c[2], r[0] * c[1] - r[1] * c[0]];
  return Array.from({ length: n }, (_, k) => ({
    rows: 48,
    columns: 64,
    frames: 1,
    samplesPerPixel: 1,
    modality: 'CT',
    position: [origin[0] + nrm[0] * gap * k, origin[1] + nrm[1] * gap * k, origin[2] + nrm[2] * gap * k],
    orientation: o,
    pixelSpacing: [0.8, 0.6],
  }));
}

describe('checkVolume', () => {
  it('accepts an axial stack given in any order and sorts it along the normal', () => {
    const slices = stack(5);
    const shuffled = [slices[3], slices[0], slices[4], slices[2], slices[1]];
    const v = checkVolume(shuffled);
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect(v.order).toEqual([1, 4, 3, 0, 2]);
    expect(v.dimensions).toEqual([64, 48, 5]);
    expect(v.spacing[0]).toBeCloseTo(0.6);
    expect(v.spacing[1]).toBeCloseTo(0.8);
    expect(v.spacing[2]).toBeCloseTo(2.5);
    expect(v.normal).toEqual([0, 0, 1]);
    expect(v.oblique).toBe(false);
  });

  it('accepts an oblique acquisition and reports it as oblique, with the acquisition normal', () => {
    const a = (30 * Math.PI) / 180;
    const b = 0.3;
    const o: [number, number, number, number, number, number] = [Math.cos(a), Math.sin(a), 0, -Math.sin(a) * Math.cos(b), Math.cos(a) * Math.cos(b), -Math.sin(b)];
    const v = checkVolume(stack(10, o, 1.25));
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect(v.oblique).toBe(true);
    expect(v.spacing[2]).toBeCloseTo(1.25);
    const c: Vec3 = [o[3], o[4], o[5]];
    expect(Math.abs(v.normal[0] * c[0] + v.normal[1] * c[1] + v.normal[2] * c[2])).toBeLessThan(1e-9);
    // Sagittal and coronal acquisitions are not oblique.
    expect((checkVolume(stack(4, [0, 1, 0, 0, 0, -1])) as { oblique: boolean }).oblique).toBe(false);
    expect((checkVolume(stack(4, [1, 0, 0, 0, 0, -1])) as { oblique: boolean }).oblique).toBe(false);
  });

  it('refuses what cannot form a volume, saying why', () => {
    const reason = (s: SliceGeometry[]) => {
      const v = checkVolume(s);
      return v.ok ? 'ok' : v.reason;
    };
    expect(reason([])).toMatch(/no images/);
    expect(reason(stack(1))).toMatch(/at least 3 slices.*single image/);
    expect(reason(stack(2))).toMatch(/2 images/);
    // Multi-frame US (cine) has no slice geometry.
    expect(reason([{ ...stack(1)[0], frames: 34, modality: 'US', position: null, orientation: null }])).toMatch(/multi-frame US \(34 frames\).*cannot be reformatted/);
    expect(reason([{ ...stack(1)[0], frames: 10, modality: 'MR' }])).toMatch(/multi-frame \(enhanced\)/);
    // A missing slice: non-uniform spacing.
    const gap = stack(6);
    gap.splice(3, 1);
    expect(reason(gap)).toMatch(/spacing is not uniform \(5 mm between images 3 and 4, 2\.5 mm elsewhere\)/);
    // Two images at one position (e.g. two echoes).
    const dup = stack(4);
    dup.push({ ...dup[2] });
    expect(reason(dup)).toMatch(/same position/);
    // A localizer with another orientation mixed in.
    expect(reason([...stack(4), stack(1, [0, 1, 0, 0, 0, -1])[0]])).toMatch(/orientation changes/);
    // Different sizes, colour, no geometry, no pixel spacing.
    expect(reason([...stack(3), { ...stack(4)[3], rows: 50 }])).toMatch(/same size/);
    expect(reason(stack(3).map((s) => ({ ...s, samplesPerPixel: 3 })))).toMatch(/Colour/);
    expect(reason(stack(3).map((s, i) => (i === 1 ? { ...s, position: null } : s)))).toMatch(/no Image Position/);
    expect(reason(stack(3).map((s) => ({ ...s, pixelSpacing: null })))).toMatch(/Pixel Spacing/);
    // Gantry tilt: each slice shifted along y by 0.5 mm while stepping 2.5 mm in z.
    expect(reason(stack(5).map((s, k) => ({ ...s, position: [s.position![0], s.position![1] + 0.5 * k, s.position![2]] as Vec3 })))).toMatch(/gantry tilt/);
  });

  it('reads the geometry from DICOM JSON', () => {
    const ds = (z: number) => ({
      '00080060': { vr: 'CS', Value: ['MR'] },
      '00280010': { vr: 'US', Value: [128] },
      '00280011': { vr: 'US', Value: [128] },
      '00280002': { vr: 'US', Value: [1] },
      '00200032': { vr: 'DS', Value: [-63, 0, z] },
      '00200037': { vr: 'DS', Value: [0, -1, 0, 1, 0, 0] },
      '00280030': { vr: 'DS', Value: [1, 1] },
    });
    expect(sliceGeometry(ds(4))).toEqual({ rows: 128, columns: 128, frames: 1, samplesPerPixel: 1, modality: 'MR', position: [-63, 0, 4], orientation: [0, -1, 0, 1, 0, 0], pixelSpacing: [1, 1] });
    const v = checkVolumeDatasets([ds(2), ds(0), ds(1)]);
    expect(v).toMatchObject({ ok: true, order: [1, 2, 0], dimensions: [128, 128, 3], normal: [0, 0, 1] });
  });
});
