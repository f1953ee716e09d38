/**
 * The viewer's first requests, without Cornerstone: the study and its series (through the app's query cache), the
 * series-level WADO-RS metadata of the series the hanging protocol will show first, and that series' first frame.
 * This module is part of the main bundle so that opening /viewer starts these requests at once, while the viewer
 * chunk (≈1.9 MB with Cornerstone) is still being loaded and started (`startViewerPrefetch`, called by the /viewer
 * route's loader at every navigation); the viewer then picks up the responses already in flight. Early results are
 * used once and dropped after 30 s.
 */
import { currentToken, dicomweb, readDatasets, renewToken, studyQueries, type Thunk } from '../features/studies/dicomweb';
import { num, str, T, type DicomJsonDataset } from '../features/studies/dicomJson';
import { fetchFrame, type FetchedFrame } from './frameFetch';
import { availableProtocols, type HpStudy } from './hangingProtocols';

export interface ViewerSeries {
  studyUid: string;
  seriesUid: string;
  modality: string;
  description: string;
  seriesNumber: string;
  instanceCount: number;
}

export interface ViewerStudy {
  studyUid: string;
  patientName: string;
  patientId: string;
  studyDate: string;
  studyDescription: string;
  series: ViewerSeries[];
}

/** Modalities that never carry displayable pixel data. */
const NON_IMAGE = /^(SR|KO|PR|DOC|REG|RWV|AU|ECG|HD|PLAN|RTPLAN|RTSTRUCT|RTRECORD)$/i;

export function isImageSeries(s: ViewerSeries): boolean {
  return !NON_IMAGE.test(s.modality);
}

export const seriesKeyOf = (s: ViewerSeries) => `${s.studyUid}|${s.seriesUid}`;

export function toHpStudy(st: ViewerStudy): HpStudy {
  return {
    studyUid: st.studyUid,
    studyDate: st.studyDate,
    series: st.series.map((s) => ({ key: seriesKeyOf(s), modality: s.modality, description: s.description, seriesNumber: s.seriesNumber, instanceCount: s.instanceCount })),
  };
}

export function numbers(ds: DicomJsonDataset, tag: string): number[] {
  return (ds[tag]?.Value ?? []).map((v) => Number(v));
}

/**
 * The instances of a series that have pixels, in display order: along the normal of the image plane when every
 * instance has a position and an orientation, else by Instance Number.
 */
export function displayOrder(list: DicomJsonDataset[]): DicomJsonDataset[] {
  const images = list.filter((d) => d['7FE00010'] && numbers(d, '00280010')[0] > 0);
  const withPos = images.every((d) => numbers(d, '00200032').length === 3 && numbers(d, '00200037').length === 6);
  if (withPos && images.length > 1) {
    const o = numbers(images[0], '00200037');
    const n = [o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]];
    const dist = (d: DicomJsonDataset) => {
      const p = numbers(d, '00200032');
      return p[0] * n[0] + p[1] * n[1] + p[2] * n[2];
    };
    return images.sort((a, b) => dist(a) - dist(b));
  }
  const inst = (d: DicomJsonDataset) => Number(d['00200013']?.Value?.[0] ?? 0);
  return images.sort((a, b) => inst(a) - inst(b));
}

/** The WADO-RS URL of one frame (1-based), as the viewer's `wadors:` image ids carry it. */
export function frameUrl(studyUid: string, seriesUid: string, sopInstanceUid: string, frame: number): string {
  return `${window.location.origin}/dicom-web/studies/${encodeURIComponent(studyUid)}/series/${encodeURIComponent(seriesUid)}/instances/${encodeURIComponent(sopInstanceUid)}/frames/${frame}`;
}

const EARLY_TTL_MS = 30_000;
const earlyStudies = new Map<string, { at: number; promise: Promise<ViewerStudy> }>();
const earlyMetadata = new Map<string, { at: number; promise: Promise<DicomJsonDataset[]> }>();
const earlyFrames = new Map<string, { at: number; promise: Promise<FetchedFrame> }>();

/** An early result for `key` if one was started less than 30 s ago (taken: used once). */
function take<T>(map: Map<string, { at: number; promise: Promise<T> }>, key: string): Promise<T> | null {
  const hit = map.get(key);
  map.delete(key);
  return hit && Date.now() - hit.at < EARLY_TTL_MS ? hit.promise : null;
}

function toViewerStudy(studyUid: string, studies: DicomJsonDataset[], series: DicomJsonDataset[]): ViewerStudy {
  const st = studies[0];
  return {
    studyUid,
    patientName: str(st, T.PatientName) || str(series[0], T.PatientName),
    patientId: str(st, T.PatientID),
    studyDate: str(st, T.StudyDate),
    studyDescription: str(st, T.StudyDescription),
    series: series
      .map((s) => ({
        studyUid,
        seriesUid: str(s, T.SeriesInstanceUID),
        modality: str(s, T.Modality),
        description: str(s, T.SeriesDescription),
        seriesNumber: str(s, T.SeriesNumber),
        instanceCount: num(s, T.NumberOfSeriesRelatedInstances) ?? 0,
      }))
      .filter((s) => s.seriesUid)
      .sort((a, b) => (Number(a.seriesNumber) || 0) - (Number(b.seriesNumber) || 0)),
  };
}

function fetchStudy(studyUid: string, thunk: Thunk, signal?: AbortSignal): Promise<ViewerStudy> {
  return Promise.all([
    dicomweb({ path: 'studies', params: { StudyInstanceUID: studyUid, includefield: 'all' }, signal }, thunk).then(readDatasets),
    dicomweb({ path: `studies/${encodeURIComponent(studyUid)}/series`, params: { includefield: 'all' }, signal }, thunk).then(readDatasets),
  ]).then(([studies, series]) => toViewerStudy(studyUid, studies, series));
}

/**
 * The study and its series through the app's query cache (the same two QIDO queries as the study page's): opening
 * the viewer from the study page reuses the answers it read less than EARLY_TTL_MS ago, or joins its requests still
 * in flight, and starts with the series metadata request instead of two more QIDO round trips.
 */
function cachedStudy(studyUid: string, thunk: Thunk): Promise<ViewerStudy> {
  return studyQueries(thunk, studyUid, EARLY_TTL_MS / 1000).then(({ study, series }) => toViewerStudy(studyUid, study ? [study] : [], series));
}

export function loadStudy(studyUid: string, thunk: Thunk, signal?: AbortSignal): Promise<ViewerStudy> {
  return take(earlyStudies, studyUid) ?? fetchStudy(studyUid, thunk, signal);
}

function fetchSeriesMetadata(studyUid: string, seriesUid: string, thunk: Thunk): Promise<DicomJsonDataset[]> {
  return dicomweb({ path: `studies/${encodeURIComponent(studyUid)}/series/${encodeURIComponent(seriesUid)}/metadata` }, thunk).then(readDatasets);
}

/** Series-level metadata (one request for all instances of the series). */
export function loadSeriesMetadata(studyUid: string, seriesUid: string, thunk: Thunk): Promise<DicomJsonDataset[]> {
  return take(earlyMetadata, `${studyUid}|${seriesUid}`) ?? fetchSeriesMetadata(studyUid, seriesUid, thunk);
}

/** The first frame of a series requested by `startViewerPrefetch`, if any (taken: used once). */
export function takeEarlyFrame(url: string): Promise<FetchedFrame> | null {
  return take(earlyFrames, url);
}

/**
 * Starts the requests of the viewer at `search` (its `StudyInstanceUIDs`): the first study and its series, then the
 * metadata of the series its automatic hanging protocol shows (priors are not needed for that choice).
 */
export function startViewerPrefetch(search: string, thunk: Thunk): void {
  const uid = new URLSearchParams(search).get('StudyInstanceUIDs')?.split(',')[0]?.trim();
  if (!uid || earlyStudies.has(uid)) return;
  const at = Date.now();
  const study = cachedStudy(uid, thunk);
  study.catch(() => earlyStudies.delete(uid));
  earlyStudies.set(uid, { at, promise: study });
  void study
    .then((st) => {
      const plan = availableProtocols(toHpStudy(st))[0];
      for (const key of new Set([...(plan?.viewports ?? []), plan?.mpr ?? null])) {
        const s = key ? st.series.find((x) => seriesKeyOf(x) === key) : undefined;
        if (!s || earlyMetadata.has(key!)) continue;
        const promise = fetchSeriesMetadata(s.studyUid, s.seriesUid, thunk);
        promise.catch(() => earlyMetadata.delete(key!));
        earlyMetadata.set(key!, { at: Date.now(), promise });
        // The series' first image in display order, without waiting for the viewer and Cornerstone to start.
        if (key === plan?.viewports[0]) void promise.then((all) => startFirstFrame(s, all, thunk), () => undefined);
      }
    })
    .catch(() => undefined);
}

function startFirstFrame(s: ViewerSeries, all: DicomJsonDataset[], thunk: Thunk): void {
  const first = displayOrder([...all])[0];
  const sop = first ? str(first, '00080018') : '';
  if (!sop) return;
  const url = frameUrl(s.studyUid, s.seriesUid, sop, 1);
  if (earlyFrames.has(url)) return;
  const promise = fetchFrame(url, () => currentToken(thunk), (refused) => renewToken(thunk, refused));
  promise.catch(() => earlyFrames.delete(url));
  earlyFrames.set(url, { at: Date.now(), promise });
}
