/** Test-only helpers: small synthetic images built with @axial/dicom's fixture builder. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { testing } from '@axial/dicom';
import { NativeCodecs } from 'dcmjs-codecs';

type El = Parameters<typeof testing.buildPart10>[0][number];

/** ../shared/dicom-samples beside the repository, when present (CI has it; a bare clone may not). */
export const SAMPLES = join(__dirname, '../../../../../../shared/dicom-samples');
export const haveSamples = existsSync(`${SAMPLES}/manifest.tsv`);
export const haveDcmtk = existsSync('/usr/bin/dcmj2pnm');
export const sample = (name: string): Uint8Array => readFileSync(`${SAMPLES}/${name}.dcm`);

let codecs: Promise<void> | undefined;
/** The codec WebAssembly in the test's own thread, for encoding test images (the server decodes on worker threads). */
export function ensureCodecs(): Promise<void> {
  if (NativeCodecs.isInitialized()) return Promise.resolve();
  codecs ??= NativeCodecs.initializeAsync({ logCodecsInfo: false, logCodecsTrace: false });
  return codecs;
}

export interface SynthOptions {
  rows?: number;
  columns?: number;
  frames?: number;
  bitsAllocated?: number;
  bitsStored?: number;
  pixelRepresentation?: number;
  samplesPerPixel?: number;
  photometric?: string;
  planarConfiguration?: number;
  transferSyntaxUid?: string;
  /** Raw Pixel Data value (native), or an encapsulated element. */
  pixelData?: Uint8Array | El;
  pixelVr?: string;
  pixelTag?: string;
  extra?: El[];
}

export function synth(o: SynthOptions = {}): Uint8Array {
  const rows = o.rows ?? 2;
  const columns = o.columns ?? 2;
  const bits = o.bitsAllocated ?? 8;
  const spp = o.samplesPerPixel ?? 1;
  const els: El[] = [
    { tag: 'SOPClassUID', value: '1.2.840.10008.5.1.4.1.1.7' },
    { tag: 'SOPInstanceUID', value: '1.2.3.4.5.6.3' },
    { tag: 'StudyInstanceUID', value: '1.2.3.4.5.6.1' },
    { tag: 'SeriesInstanceUID', value: '1.2.3.4.5.6.2' },
    { tag: 'SamplesPerPixel', value: spp },
    { tag: 'PhotometricInterpretation', value: o.photometric ?? (spp === 3 ? 'RGB' : 'MONOCHROME2') },
    ...(spp > 1 ? [{ tag: 'PlanarConfiguration', value: o.planarConfiguration ?? 0 }] : []),
    ...((o.frames ?? 1) > 1 ? [{ tag: 'NumberOfFrames', value: String(o.frames) }] : []),
    { tag: 'Rows', value: rows },
    { tag: 'Columns', value: columns },
    ...(o.pixelTag && o.pixelTag !== '7FE00010'
      ? []
      : [
          { tag: 'BitsAllocated', value: bits },
          { tag: 'BitsStored', value: o.bitsStored ?? bits },
          { tag: 'HighBit', value: (o.bitsStored ?? bits) - 1 },
          { tag: 'PixelRepresentation', value: o.pixelRepresentation ?? 0 },
        ]),
    ...(o.extra ?? []),
  ];
  const pd = o.pixelData ?? new Uint8Array(Math.ceil((rows * columns * spp * bits * (o.frames ?? 1)) / 8));
  els.push(pd instanceof Uint8Array ? { tag: o.pixelTag ?? '7FE00010', vr: o.pixelVr ?? (bits > 8 ? 'OW' : 'OB'), value: pd } : pd);
  const sorted = els.sort((a, b) => (tagOf(a.tag) < tagOf(b.tag) ? -1 : 1));
  return testing.buildPart10(sorted, { transferSyntaxUid: o.transferSyntaxUid ?? '1.2.840.10008.1.2.1' });
}

const KEY: Record<string, string> = {
  SOPClassUID: '00080016', SOPInstanceUID: '00080018', StudyInstanceUID: '0020000D', SeriesInstanceUID: '0020000E',
  SamplesPerPixel: '00280002', PhotometricInterpretation: '00280004', PlanarConfiguration: '00280006', NumberOfFrames: '00280008',
  Rows: '00280010', Columns: '00280011', BitsAllocated: '00280100', BitsStored: '00280101', HighBit: '00280102', PixelRepresentation: '00280103',
  WindowCenter: '00281050', WindowWidth: '00281051', RescaleIntercept: '00281052', RescaleSlope: '00281053', VOILUTFunction: '00281056',
};
function tagOf(t: string): string {
  return KEY[t] ?? t.toUpperCase();
}

export const encapsulated = testing.encapsulatedPixelData;

export function u16le(values: number[]): Uint8Array {
  const b = new Uint8Array(values.length * 2);
  const dv = new DataView(b.buffer);
  values.forEach((v, i) => dv.setUint16(i * 2, v & 0xffff, true));
  return b;
}
