/**
 * Can a series be reformatted (MPR)? Pure geometry over the instances' DICOM JSON (no Cornerstone),
 * so the rules are unit-tested and the viewer can say *why* a series is refused instead of showing a
 * distorted or broken volume.
 *
 * A series forms a volume when it has at least MIN_SLICES single-frame greyscale images of one size,
 * one orientation (Image Orientation Patient), with Image Position Patient and Pixel Spacing, stacked
 * along the image normal (no gantry tilt / shear) at distinct positions with a uniform spacing. The
 * orientation may be oblique: the volume keeps the acquisition's direction cosines, so the
 * reformatted planes are placed correctly in patient space.
 */
import type { DicomJsonDataset } from '../features/studies/dicomJson';

export const MIN_SLICES = 3;

export type Vec3 = [number, number, number];

export interface SliceGeometry {
  rows: number;
  columns: number;
  frames: number;
  samplesPerPixel: number;
  modality: string;
  /** Image Position Patient (mm), null when absent. */
  position: Vec3 | null;
  /** Image Orientation Patient: row then column direction cosines, null when absent. */
  orientation: [number, number, number, number, number, number] | null;
  /** Pixel Spacing: [row spacing, column spacing] (mm). */
  pixelSpacing: [number, number] | null;
}

export interface VolumeInfo {
  ok: true;
  /** Slices in volume order (ascending along the normal): indexes into the input. */
  order: number[];
  /** Voxel counts: columns, rows, slices. */
  dimensions: Vec3;
  /** Voxel size (mm): column spacing (along a row), row spacing, slice spacing. */
  spacing: Vec3;
  rowDirection: Vec3;
  columnDirection: Vec3;
  normal: Vec3;
  /** True when the image plane is not (within 1°) one of the patient's axial, coronal or sagittal planes. */
  oblique: boolean;
}

export interface VolumeRefusal {
  ok: false;
  /** One sentence a radiologist can act on. */
  reason: string;
}

export type VolumeCheck = VolumeInfo | VolumeRefusal;

function nums(ds: DicomJsonDataset, tag: string): number[] {
  return (ds[tag]?.Value ?? []).map((v) => Number(v)).filter((v) => Number.isFinite(v));
}

/** The geometry attributes of one instance's DICOM JSON. */
export function sliceGeometry(ds: DicomJsonDataset): SliceGeometry {
  const pos = nums(ds, '00200032');
  const ori = nums(ds, '00200037');
  const ps = nums(ds, '00280030');
  return {
    rows: nums(ds, '00280010')[0] ?? 0,
    columns: nums(ds, '00280011')[0] ?? 0,
    frames: Math.max(1, nums(ds, '00280008')[0] ?? 1),
    samplesPerPixel: nums(ds, '00280002')[0] ?? 1,
    modality: String(ds['00080060']?.Value?.[0] ?? ''),
    position: pos.length === 3 ? [pos[0], pos[1], pos[2]] : null,
    orientation: ori.length === 6 ? [ori[0], ori[1], ori[2], ori[3], ori[4], ori[5]] : null,
    pixelSpacing: ps.length === 2 && ps[0] > 0 && ps[1] > 0 ? [ps[0], ps[1]] : null,
  };
}

const dot = (a: Vec3, b: Vec3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const sub = (a: Vec3, b: Vec3): Vec3 => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const norm = (a: Vec3) => Math.hypot(a[0], a[1], a[2]);
const unit = (a: Vec3): Vec3 => {
  const n = norm(a) || 1;
  // + 0 turns -0 into 0.
  return [a[0] / n + 0, a[1] / n + 0, a[2] / n + 0];
};

const fmt = (v: number) => (Math.round(v * 100) / 100).toString();

/** Is `v` within `degrees` of a patient axis? */
function axisAligned(v: Vec3, degrees: number): boolean {
  const c = Math.cos((degrees * Math.PI) / 180);
  return Math.max(Math.abs(v[0]), Math.abs(v[1]), Math.abs(v[2])) >= c * norm(v);
}

/** Checks whether `slices` (any order) can form a volume; see the module comment for the rules. */
export function checkVolume(slices: readonly SliceGeometry[]): VolumeCheck {
  const refuse = (reason: string): VolumeRefusal => ({ ok: false, reason });
  if (!slices.length) return refuse('This series has no images.');
  const multi = slices.find((s) => s.frames > 1);
  if (multi) {
    if (multi.modality === 'US' || !multi.position) return refuse(`This is a multi-frame ${multi.modality || 'image'} (${multi.frames} frames) without 3D slice geometry: it cannot be reformatted. Use the stack view and cine.`);
    return refuse(`This series is a multi-frame (enhanced) object of ${multi.frames} frames; MPR needs a series of single-frame slices.`);
  }
  if (slices.length < MIN_SLICES) return refuse(`MPR needs at least ${MIN_SLICES} slices; this series has ${slices.length === 1 ? 'a single image' : `${slices.length} images`}.`);
  if (slices.some((s) => s.samplesPerPixel !== 1)) return refuse('Colour images cannot be reformatted.');
  const first = slices[0];
  if (slices.some((s) => !s.position || !s.orientation)) return refuse('Some images have no Image Position / Orientation (Patient): the series has no 3D geometry.');
  if (slices.some((s) => !s.pixelSpacing)) return refuse('Some images have no Pixel Spacing: the voxel size is unknown.');
  if (slices.some((s) => s.rows !== first.rows || s.columns !== first.columns)) return refuse('The images do not all have the same size (rows × columns).');
  const o = first.orientation!;
  const ps = first.pixelSpacing!;
  if (slices.some((s) => s.orientation!.some((v, i) => Math.abs(v - o[i]) > 1e-3))) {
    return refuse('The image orientation changes within the series (several stacks, or a localizer mixed in): it cannot form one volume.');
  }
  if (slices.some((s) => Math.abs(s.pixelSpacing![0] - ps[0]) > 1e-3 || Math.abs(s.pixelSpacing![1] - ps[1]) > 1e-3)) {
    return refuse('The pixel spacing changes within the series.');
  }
  const row = unit([o[0], o[1], o[2]]);
  const col = unit([o[3], o[4], o[5]]);
  if (Math.abs(dot(row, col)) > 1e-2) return refuse('The image orientation is not orthogonal (invalid Image Orientation Patient).');
  const normal = unit(cross(row, col));
  const order = slices.map((_, i) => i).sort((a, b) => dot(slices[a].position!, normal) - dot(slices[b].position!, normal));
  const dist = order.map((i) => dot(slices[i].position!, normal));
  const gaps = dist.slice(1).map((d, i) => d - dist[i]);
  const minGap = Math.min(...gaps);
  if (minGap < 1e-3) return refuse('Two or more images share the same position (several phases, echoes or repeated acquisitions): choose a series with one image per position.');
  const sortedGaps = [...gaps].sort((a, b) => a - b);
  const spacing = sortedGaps[Math.floor(sortedGaps.length / 2)];
  const tolerance = Math.max(0.02, spacing * 0.05);
  const bad = gaps.findIndex((g) => Math.abs(g - spacing) > tolerance);
  if (bad >= 0) {
    return refuse(`The slice spacing is not uniform (${fmt(gaps[bad])} mm between images ${bad + 1} and ${bad + 2}, ${fmt(spacing)} mm elsewhere): a slice is missing or stacks are mixed.`);
  }
  // Each step between neighbours must be along the normal; a sideways offset means a tilted gantry (sheared volume).
  for (let k = 1; k < order.length; k++) {
    const step = sub(slices[order[k]].position!, slices[order[k - 1]].position!);
    const along = dot(step, normal);
    const sideways = norm(sub(step, [normal[0] * along, normal[1] * along, normal[2] * along]));
    if (sideways > Math.max(0.02, 0.05 * along)) {
      return refuse('The slices are shifted sideways from one to the next (gantry tilt): the volume would be sheared, so it is not reformatted.');
    }
  }
  return {
    ok: true,
    order,
    dimensions: [first.columns, first.rows, slices.length],
    spacing: [ps[1], ps[0], spacing],
    rowDirection: row,
    columnDirection: col,
    normal,
    oblique: !(axisAligned(row, 1) && axisAligned(col, 1)),
  };
}

/** checkVolume over instance data sets (DICOM JSON). */
export function checkVolumeDatasets(datasets: readonly DicomJsonDataset[]): VolumeCheck {
  return checkVolume(datasets.map(sliceGeometry));
}
