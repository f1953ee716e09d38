/**
 * Study / series data for the viewer, all through Axial's DICOMweb with the user's token:
 * QIDO studies + series (with instance counts) for the series panel, and series-level WADO-RS
 * metadata (one request per series) registered with the image loader's wadors metaDataManager so
 * every frame gets a `wadors:` image id.
 */
import type { Thunk } from '../features/studies/dicomweb';
import { wadors } from './cornerstone';
import { registerInstances } from './instanceRegistry';
import { str, type DicomJsonDataset, type DicomJsonElement } from '../features/studies/dicomJson';
import { displayOrder, frameUrl, loadSeriesMetadata, numbers, type ViewerSeries } from './viewerData';

export type { ViewerSeries, ViewerStudy } from './viewerData';
export { isImageSeries, loadStudy } from './viewerData';

/** What the overlay needs about one displayed series. */
export interface StackInfo {
  imageIds: string[];
  /** Per image id: its instance data set (DICOM JSON). */
  instanceOf: Map<string, DicomJsonDataset>;
  multiFrame: boolean;
  /** Frame time from the data set (ms), for cine defaults. */
  frameTimeMs: number | null;
  hasOrientation: boolean;
}

const stackCache = new Map<string, Promise<StackInfo>>();

/** Palette colour LUT data come as InlineBinary (OW); the loader only reads `Value` arrays. */
function inlineToValues(el: DicomJsonElement | undefined, bits: number): void {
  if (!el || el.Value || !el.InlineBinary) return;
  const bin = atob(el.InlineBinary);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const out: number[] = [];
  if (bits === 8 && el.vr === 'OB') {
    for (const b of bytes) out.push(b);
  } else {
    const dv = new DataView(bytes.buffer);
    for (let i = 0; i + 1 < bytes.length; i += 2) out.push(dv.getUint16(i, true));
  }
  el.Value = out;
}

export function loadStack(series: ViewerSeries, thunk: Thunk): Promise<StackInfo> {
  const key = `${series.studyUid}/${series.seriesUid}`;
  let p = stackCache.get(key);
  if (!p) {
    p = buildStack(series, thunk);
    p.catch(() => stackCache.delete(key));
    stackCache.set(key, p);
  }
  return p;
}

async function buildStack(series: ViewerSeries, thunk: Thunk): Promise<StackInfo> {
  const all = await loadSeriesMetadata(series.studyUid, series.seriesUid, thunk);
  const datasets = displayOrder([...all]);
  const imageIds: string[] = [];
  const instanceOf = new Map<string, DicomJsonDataset>();
  let multiFrame = false;
  let frameTimeMs: number | null = null;
  for (const ds of datasets) {
    const bits = numbers(ds, '00281101')[2] ?? 16;
    for (const tag of ['00281201', '00281202', '00281203']) inlineToValues(ds[tag], bits);
    const sop = str(ds, '00080018');
    const frames = Math.max(1, numbers(ds, '00280008')[0] || 1);
    if (frames > 1) multiFrame = true;
    const ft = numbers(ds, '00181063')[0];
    if (ft && !frameTimeMs) frameTimeMs = ft;
    for (let f = 1; f <= frames; f++) {
      const imageId = `wadors:${frameUrl(series.studyUid, series.seriesUid, sop, f)}`;
      // The loader keeps frame 1's data set for a multi-frame instance and derives the others from it.
      if (f === 1) wadors.metaDataManager.add(imageId, ds as never);
      imageIds.push(imageId);
      instanceOf.set(imageId, ds);
    }
  }
  // Instance attributes for the SR / KOS writers (naturalized lazily, on first save).
  registerInstances(instanceOf as never);
  return {
    imageIds,
    instanceOf,
    multiFrame,
    frameTimeMs,
    hasOrientation: datasets.some((d) => numbers(d, '00200037').length === 6),
  };
}
