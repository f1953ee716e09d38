/**
 * The viewer's first requests, without Cornerstone: QIDO of the study and its series, and the series-level
 * WADO-RS metadata of the series the hanging protocol will show first. This module is part of the main bundle so
 * that opening /viewer starts these requests at once, while the viewer chunk (≈1.9 MB with Cornerstone) is still
 * being downloaded and evaluated (`startViewerPrefetch`, called by the route's lazy loader); the viewer then
 * picks up the responses already in flight. Early results are used once and dropped after 30 s.
 */
import { dicomweb, readDatasets, type Thunk } from '../features/studies/dicomweb';
import { num, str, T, type DicomJsonDataset } from '../features/studies/dicomJson';
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

const EARLY_TTL_MS = 30_000;
const earlyStudies = new Map<string, { at: number; promise: Promise<ViewerStudy> }>();
const earlyMetadata = new Map<string, { at: number; promise: Promise<DicomJsonDataset[]> }>();

/** An early result for `key` if one was started less than 30 s ago (taken: used once). */
function take<T>(map: Map<string, { at: number; promise: Promise<T> }>, key: string): Promise<T> | null {
  const hit = map.get(key);
  map.delete(key);
  return hit && Date.now() - hit.at < EARLY_TTL_MS ? hit.promise : null;
}

function fetchStudy(studyUid: string, thunk: Thunk, signal?: AbortSignal): Promise<ViewerStudy> {
  return Promise.all([
    dicomweb({ path: 'studies', params: { StudyInstanceUID: studyUid, includefield: 'all' }, signal }, thunk).then(readDatasets),
    dicomweb({ path: `studies/${encodeURIComponent(studyUid)}/series`, params: { includefield: 'all' }, signal }, thunk).then(readDatasets),
  ]).then(([studies, series]) => {
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
  });
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

/**
 * Starts the requests of the viewer at `search` (its `StudyInstanceUIDs`): the first study and its series, then the
 * metadata of the series its automatic hanging protocol shows (priors are not needed for that choice).
 */
export function startViewerPrefetch(search: string, thunk: Thunk): void {
  const uid = new URLSearchParams(search).get('StudyInstanceUIDs')?.split(',')[0]?.trim();
  if (!uid || earlyStudies.has(uid)) return;
  const at = Date.now();
  const study = fetchStudy(uid, thunk);
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
      }
    })
    .catch(() => undefined);
}
