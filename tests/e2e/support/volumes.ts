/**
 * Synthetic image series built in code (packages/dicom testing builder) for the viewer's MPR and
 * hanging-protocol tests, and a STOW-RS helper. Every volume has a known shape at a known place in
 * patient coordinates (LPS, mm), so tests can check where the reformatted planes show it.
 */
import { testing, tagOf } from '../../../packages/dicom/src/index';
import type { FixtureElement } from '../../../packages/dicom/src/testing/builder';
import type { AxialServer } from './server';

export type Vec3 = [number, number, number];

const EXPLICIT_LE = '1.2.840.10008.1.2.1';

export interface SeriesSpec {
  studyUid: string;
  seriesUid: string;
  patientId: string;
  patientName: string;
  studyDate: string;
  modality: string;
  seriesNumber: number;
  description: string;
  studyDescription?: string;
}

export interface SliceSpec {
  rows: number;
  columns: number;
  /** Pixel Spacing: row spacing, column spacing (mm). */
  pixelSpacing: [number, number];
  position?: Vec3;
  orientation?: [number, number, number, number, number, number];
  /** 16-bit signed pixels, row-major. */
  pixels: Int16Array;
  window?: [number, number];
  instanceNumber: number;
}

const sortByTag = (els: FixtureElement[]) => els.sort((a, b) => (tagOf(a.tag)! < tagOf(b.tag)! ? -1 : 1));

/** One single-frame 16-bit signed greyscale image (CT / MR / CR / DX image storage). */
export function image(series: SeriesSpec, slice: SliceSpec): Uint8Array {
  const sopClass = { CT: '1.2.840.10008.5.1.4.1.1.2', MR: '1.2.840.10008.5.1.4.1.1.4', CR: '1.2.840.10008.5.1.4.1.1.1', DX: '1.2.840.10008.5.1.4.1.1.1.1' }[series.modality] ?? '1.2.840.10008.5.1.4.1.1.7';
  const sop = `${series.seriesUid}.${slice.instanceNumber}`;
  const els: FixtureElement[] = [
    { tag: 'SpecificCharacterSet', value: 'ISO_IR 100' },
    { tag: 'SOPClassUID', value: sopClass },
    { tag: 'SOPInstanceUID', value: sop },
    { tag: 'StudyDate', value: series.studyDate },
    { tag: 'StudyTime', value: '101500' },
    { tag: 'AccessionNumber', value: series.studyUid.slice(-12) },
    { tag: 'Modality', value: series.modality },
    { tag: 'StudyDescription', value: series.studyDescription ?? `E2E ${series.modality}` },
    { tag: 'SeriesDescription', value: series.description },
    { tag: 'PatientName', value: series.patientName },
    { tag: 'PatientID', value: series.patientId },
    { tag: 'PatientBirthDate', value: '19700101' },
    { tag: 'PatientSex', value: 'O' },
    { tag: 'StudyInstanceUID', value: series.studyUid },
    { tag: 'SeriesInstanceUID', value: series.seriesUid },
    { tag: 'StudyID', value: '1' },
    { tag: 'SeriesNumber', value: String(series.seriesNumber) },
    { tag: 'InstanceNumber', value: String(slice.instanceNumber) },
    { tag: 'SamplesPerPixel', value: 1 },
    { tag: 'PhotometricInterpretation', value: 'MONOCHROME2' },
    { tag: 'Rows', value: slice.rows },
    { tag: 'Columns', value: slice.columns },
    { tag: 'PixelSpacing', value: slice.pixelSpacing.join('\\') },
    { tag: 'BitsAllocated', value: 16 },
    { tag: 'BitsStored', value: 16 },
    { tag: 'HighBit', value: 15 },
    { tag: 'PixelRepresentation', value: 1 },
    { tag: 'PixelData', vr: 'OW', value: new Uint8Array(slice.pixels.buffer, slice.pixels.byteOffset, slice.pixels.byteLength) },
  ];
  if (slice.position && slice.orientation) {
    els.push(
      { tag: 'FrameOfReferenceUID', value: `${series.studyUid}.9` },
      { tag: 'ImagePositionPatient', value: slice.position.map(ds).join('\\') },
      { tag: 'ImageOrientationPatient', value: slice.orientation.map(ds).join('\\') },
      { tag: 'SliceThickness', value: '1' },
    );
  }
  if (slice.window) els.push({ tag: 'WindowCenter', value: String(slice.window[1]) }, { tag: 'WindowWidth', value: String(slice.window[0]) });
  if (series.modality === 'CT') els.push({ tag: 'RescaleIntercept', value: '0' }, { tag: 'RescaleSlope', value: '1' });
  return testing.buildPart10(sortByTag(els), { transferSyntaxUid: EXPLICIT_LE });
}

/** A DS value (≤ 16 characters). */
function ds(v: number): string {
  const s = Number(v.toFixed(6)).toString();
  return s.length <= 16 ? s : v.toPrecision(10);
}

const dot = (a: Vec3, b: Vec3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];

export interface VolumeSpec {
  /** Image size (square) and slice count. */
  size: number;
  slices: number;
  /** In-plane pixel size and slice spacing (mm). */
  spacing: number;
  /** Row and column direction cosines of the acquisition (orthonormal). */
  row: Vec3;
  col: Vec3;
  /** World point (mm) at the volume centre. */
  centre: Vec3;
  /** Voxel value at a world point. */
  value: (p: Vec3) => number;
  window: [number, number];
  /** Optional distortion of slice k's position (e.g. a missing slice). */
  positionOf?: (k: number, regular: Vec3) => Vec3;
}

/** A stack of slices sampling `value` at each voxel centre in patient coordinates. */
export function volumeSeries(series: SeriesSpec, v: VolumeSpec): Uint8Array[] {
  const normal = cross(v.row, v.col);
  const half = (v.size - 1) / 2;
  const halfZ = (v.slices - 1) / 2;
  const files: Uint8Array[] = [];
  for (let k = 0; k < v.slices; k++) {
    // Position of pixel (0, 0) of slice k, so that the middle voxel lands on `centre`.
    let origin: Vec3 = [0, 1, 2].map((i) => v.centre[i] - half * v.spacing * (v.row[i] + v.col[i]) + (k - halfZ) * v.spacing * normal[i]) as Vec3;
    if (v.positionOf) origin = v.positionOf(k, origin);
    const pixels = new Int16Array(v.size * v.size);
    for (let r = 0; r < v.size; r++) {
      for (let c = 0; c < v.size; c++) {
        const p: Vec3 = [0, 1, 2].map((i) => origin[i] + c * v.spacing * v.row[i] + r * v.spacing * v.col[i]) as Vec3;
        pixels[r * v.size + c] = v.value(p);
      }
    }
    files.push(
      image(series, {
        rows: v.size,
        columns: v.size,
        pixelSpacing: [v.spacing, v.spacing],
        position: origin,
        orientation: [...v.row, ...v.col],
        pixels,
        window: v.window,
        instanceNumber: k + 1,
      }),
    );
  }
  return files;
}

/** Rotation of `v` by `deg` degrees about axis 0 (x), 1 (y) or 2 (z). */
export function rotate(v: Vec3, axis: 0 | 1 | 2, deg: number): Vec3 {
  const a = (deg * Math.PI) / 180;
  const [c, s] = [Math.cos(a), Math.sin(a)];
  const [i, j] = axis === 0 ? [1, 2] : axis === 1 ? [2, 0] : [0, 1];
  const out: Vec3 = [...v];
  out[i] = c * v[i] - s * v[j];
  out[j] = s * v[i] + c * v[j];
  return out;
}

export const distance = (a: Vec3, b: Vec3) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

/** Distance from p to the segment a-b. */
export function distanceToSegment(p: Vec3, a: Vec3, b: Vec3): number {
  const ab: Vec3 = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
  const ap: Vec3 = [p[0] - a[0], p[1] - a[1], p[2] - a[2]];
  const t = Math.max(0, Math.min(1, dot(ap, ab) / dot(ab, ab)));
  return distance(p, [a[0] + t * ab[0], a[1] + t * ab[1], a[2] + t * ab[2]]);
}

/** STOW-RS of Part 10 files (one request); throws unless every instance is stored. */
export async function stow(server: AxialServer, token: string, files: Uint8Array[]): Promise<void> {
  const boundary = `e2e${Math.random().toString(36).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const f of files) chunks.push(Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), Buffer.from(f), Buffer.from('\r\n'));
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  const res = await fetch(`${server.url}/dicom-web/studies`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}`, accept: 'application/dicom+json' },
    body: Buffer.concat(chunks),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`STOW ${res.status}: ${text.slice(0, 500)}`);
}
