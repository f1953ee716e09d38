import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { testing, type FixtureElement } from '@axial/dicom';

/** ../shared/dicom-samples beside the repository, when present (CI has it; a bare clone may not). */
export const SAMPLES_DIR = resolve(__dirname, '../../../../shared/dicom-samples');
export const HAVE_SAMPLES = existsSync(join(SAMPLES_DIR, 'manifest.tsv'));

export function sampleFiles(): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (e.endsWith('.dcm')) out.push(p);
    }
  };
  walk(SAMPLES_DIR);
  return out.sort();
}

export interface SyntheticSpec {
  patientName?: string;
  patientId?: string;
  study?: string;
  series?: string;
  sop?: string;
  modality?: string;
  studyDate?: string;
  studyTime?: string;
  accession?: string;
  bodyPart?: string;
  seriesNumber?: number;
  instanceNumber?: number;
  studyDescription?: string;
  charset?: string;
  /** Rows = Columns of an 8-bit image (default 2); its pixel values follow a fixed pattern. */
  matrix?: number;
  /** Shifts the pixel pattern of a `matrix` image, so that images of one series differ. */
  seed?: number;
}

/** The pixel values of a synthetic `matrix` image (see syntheticInstance). */
export function syntheticPixels(matrix: number, seed = 0): Uint8Array {
  return new Uint8Array(matrix * matrix).map((_, i) => (i * 31 + (i >> 9) + seed * 7) & 0xff);
}

let counter = 0;
/** A unique UID under a private test root. */
export function uid(): string {
  counter += 1;
  return `1.2.826.0.1.3680043.9.7433.2.${process.pid}.${Date.now()}.${counter}`;
}

/** A small valid Part 10 image (8-bit 2x2) with the given identifying attributes. */
export function syntheticInstance(s: SyntheticSpec = {}, transferSyntaxUid = '1.2.840.10008.1.2.1'): Uint8Array {
  const extra: FixtureElement[] = [
    { tag: 'PatientName', value: s.patientName ?? 'TEST^PATIENT' },
    { tag: 'PatientID', value: s.patientId ?? 'PID-1' },
    { tag: 'PatientBirthDate', value: '19700101' },
    { tag: 'PatientSex', value: 'O' },
    { tag: 'StudyDate', value: s.studyDate ?? '20260101' },
    { tag: 'StudyTime', value: s.studyTime ?? '101500' },
    { tag: 'AccessionNumber', value: s.accession ?? 'ACC-1' },
    { tag: 'Modality', value: s.modality ?? 'OT' },
    { tag: 'StudyDescription', value: s.studyDescription ?? 'Synthetic study' },
    { tag: 'SeriesNumber', value: String(s.seriesNumber ?? 1) },
    { tag: 'InstanceNumber', value: String(s.instanceNumber ?? 1) },
    ...(s.bodyPart ? [{ tag: 'BodyPartExamined', value: s.bodyPart }] : []),
    ...(s.charset ? [{ tag: 'SpecificCharacterSet', value: s.charset }] : []),
  ];
  let els = testing.minimalImage(extra, { study: s.study ?? uid(), series: s.series ?? uid(), sop: s.sop ?? uid() });
  if (s.matrix) {
    const n = s.matrix;
    const pixels = syntheticPixels(n, s.seed);
    els = els.map((e) => (e.tag === 'Rows' || e.tag === 'Columns' ? { ...e, value: n } : e.tag === 'PixelData' ? { ...e, value: pixels } : e));
  }
  return testing.buildPart10(els, { transferSyntaxUid });
}

export const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A STOW-RS request body: multipart/related; type="application/dicom". */
export function stowBody(parts: Array<Uint8Array | { contentType: string; data: Uint8Array }>): { body: Buffer; contentType: string } {
  const boundary = `test-${Math.random().toString(36).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const { contentType, data } = p instanceof Uint8Array ? { contentType: 'application/dicom', data: p } : p;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Type: ${contentType}\r\n\r\n`), Buffer.from(data), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/related; type="application/dicom"; boundary=${boundary}` };
}

/** Splits a multipart/related response into its part bodies. */
export function parseMultipart(body: Buffer, contentType: string): Array<{ headers: string; data: Buffer }> {
  const boundary = /boundary=("?)([^";]+)\1/.exec(contentType)?.[2];
  if (!boundary) throw new Error(`no boundary in ${contentType}`);
  const out: Array<{ headers: string; data: Buffer }> = [];
  const delim = Buffer.from(`--${boundary}`);
  let pos = body.indexOf(delim);
  while (pos >= 0) {
    const after = pos + delim.length;
    if (body.subarray(after, after + 2).toString() === '--') break;
    const headEnd = body.indexOf('\r\n\r\n', after);
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headEnd);
    out.push({ headers: body.subarray(after + 2, headEnd).toString(), data: body.subarray(headEnd + 4, next) });
    pos = next + 2;
  }
  return out;
}

export function readSample(path: string): Buffer {
  return readFileSync(path);
}
