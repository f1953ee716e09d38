/**
 * Measurements and key images of the open studies, kept in the archive:
 * - load: the study's SR series (QIDO Modality=SR) and KO series; the newest TID 1500 report and the newest
 *   "Of Interest" KOS (read from WADO-RS metadata, i.e. DICOM JSON) are turned back into annotations and
 *   key-image marks on the images of the study (their series' metadata is loaded for the image ids);
 * - save: all measurements of a study as one new SR instance, the key images as one new KOS instance,
 *   STOW-RS to /dicom-web/studies/{study}, in the study's "Axial measurements" / "Axial key images" series.
 * The newest document is the current state: a save always writes everything, so deleting works too.
 */
import { metaData } from '@cornerstonejs/core';
import { annotation as csAnnotation } from '@cornerstonejs/tools';
import type { NaturalDataset } from 'dcmjs';
import { currentToken, dicomweb, dicomwebUrl, readDatasets, renewToken, type Thunk } from '../features/studies/dicomweb';
import { contentType, multipartBody, newBoundary, parseStowResponse } from '../features/upload/stow';
import type { DicomJsonDataset } from '../features/studies/dicomJson';
import { loadStack, type ViewerStudy } from './studyData';
import type { SrAnnotation } from './sr';
import type { KeyImageRef } from './kos';
import { anyImageOfStudy, frameOfImageId, registerInstances, sopFrameMap } from './instanceRegistry';
import { keyImages } from './keyImages';

// dcmjs and the SR adapters are loaded only when a study has documents or something is saved.
const srModule = () => import('./sr');
const kosModule = () => import('./kos');

// Kept here (not imported from sr / kos) so that listing does not load them.
export const SR_SERIES_DESCRIPTION = 'Axial measurements';
export const KOS_SERIES_DESCRIPTION = 'Axial key images';
export const SR_TOOL_NAMES = ['Length', 'Angle', 'CobbAngle', 'EllipticalROI', 'RectangleROI', 'PlanarFreehandROI', 'Probe', 'Bidirectional', 'ArrowAnnotate', 'Label'];
const SR_CLASSES = ['1.2.840.10008.5.1.4.1.1.88.22', '1.2.840.10008.5.1.4.1.1.88.33', '1.2.840.10008.5.1.4.1.1.88.34'];

/** Study / series / instance UIDs of a wadors image id. */
export function uidsOfImageId(imageId: string): { studyUid: string; seriesUid: string; sopInstanceUid: string; frame: number } | null {
  const m = /\/studies\/([^/]+)\/series\/([^/]+)\/instances\/([^/]+)\/frames\/(\d+)/.exec(imageId);
  if (!m) return null;
  return { studyUid: decodeURIComponent(m[1]), seriesUid: decodeURIComponent(m[2]), sopInstanceUid: decodeURIComponent(m[3]), frame: Number(m[4]) };
}

export interface StudyArchiveInfo {
  srSeriesUid?: string;
  srInstances: number;
  kosSeriesUid?: string;
  kosInstances: number;
  /** The report the measurements were restored from. */
  restoredFrom?: { sopInstanceUid: string; observer: string; date: string; measurements: number };
  keyImagesRestored: number;
}

const info = new Map<string, StudyArchiveInfo>();
const loads = new Map<string, Promise<StudyArchiveInfo>>();
let session: object | null = null;

/** Forgets what was loaded (a new viewer session: the annotation state was cleared). */
function ensureSession(owner: object): void {
  if (session !== owner) {
    session = owner;
    info.clear();
    loads.clear();
    keyImages.clear();
  }
}

export function archiveInfo(studyUid: string): StudyArchiveInfo | undefined {
  return info.get(studyUid);
}

const str = (ds: DicomJsonDataset | NaturalDataset, tag: string, keyword: string): string => {
  const el = (ds as DicomJsonDataset)[tag];
  if (el?.Value?.length) return String(el.Value[0] ?? '');
  const v = (ds as NaturalDataset)[keyword];
  return v === undefined || v === null ? '' : String(v);
};

/** Newest first: Content Date + Time, then Instance Number. */
function newest<T extends DicomJsonDataset>(list: T[]): T[] {
  const k = (d: DicomJsonDataset) => `${str(d, '00080023', 'ContentDate')}${str(d, '00080033', 'ContentTime').padEnd(13, '0')}`;
  return [...list].sort((a, b) => k(b).localeCompare(k(a)) || Number(str(b, '00200013', '')) - Number(str(a, '00200013', '')));
}

async function seriesOf(studyUid: string, modality: string, thunk: Thunk): Promise<DicomJsonDataset[]> {
  const res = await dicomweb({ path: `studies/${encodeURIComponent(studyUid)}/series`, params: { Modality: modality } }, thunk);
  return readDatasets(res);
}

async function seriesMetadata(studyUid: string, seriesUid: string, thunk: Thunk): Promise<DicomJsonDataset[]> {
  const res = await dicomweb({ path: `studies/${encodeURIComponent(studyUid)}/series/${encodeURIComponent(seriesUid)}/metadata` }, thunk);
  return readDatasets(res);
}

function referencedSeries(ds: NaturalDataset): Set<string> {
  const arr = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  const out = new Set<string>();
  // An empty sequence may come back from DICOM JSON as [null].
  for (const st of arr(ds.CurrentRequestedProcedureEvidenceSequence as Array<{ ReferencedSeriesSequence?: unknown } | null> | undefined)) {
    for (const se of arr(st?.ReferencedSeriesSequence as Array<{ SeriesInstanceUID?: string } | null> | undefined)) if (se?.SeriesInstanceUID) out.add(se.SeriesInstanceUID);
  }
  return out;
}

/** Loads the image ids of the study's series (all, or those in `only`) so references can be resolved. */
async function imageIdsOf(study: ViewerStudy, thunk: Thunk, only?: Set<string>): Promise<string[]> {
  const ids: string[] = [];
  for (const s of study.series) {
    if (only && only.size && !only.has(s.seriesUid)) continue;
    if (/^(SR|KO|PR|SEG|DOC|RTSTRUCT)$/i.test(s.modality)) continue;
    try {
      const stack = await loadStack(s, thunk);
      registerInstances(stack.instanceOf as never);
      ids.push(...stack.imageIds);
    } catch {
      /* a series that cannot be loaded cannot carry restored measurements */
    }
  }
  return ids;
}

/**
 * Restores the study's stored measurements and key images once per viewer session (`owner`: an object that
 * lives as long as the viewer's annotation state, e.g. its rendering engine).
 */
export function loadStudyArchive(study: ViewerStudy, thunk: Thunk, owner: object): Promise<StudyArchiveInfo> {
  ensureSession(owner);
  let p = loads.get(study.studyUid);
  if (!p) {
    p = doLoad(study, thunk);
    p.catch(() => loads.delete(study.studyUid));
    loads.set(study.studyUid, p);
  }
  return p;
}

async function doLoad(study: ViewerStudy, thunk: Thunk): Promise<StudyArchiveInfo> {
  const result: StudyArchiveInfo = { srInstances: 0, kosInstances: 0, keyImagesRestored: 0 };
  const [srSeries, koSeries] = await Promise.all([seriesOf(study.studyUid, 'SR', thunk), seriesOf(study.studyUid, 'KO', thunk)]);
  const ours = (list: DicomJsonDataset[], description: string) => list.find((s) => str(s, '0008103E', 'SeriesDescription') === description);
  result.srSeriesUid = ours(srSeries, SR_SERIES_DESCRIPTION) ? str(ours(srSeries, SR_SERIES_DESCRIPTION)!, '0020000E', 'SeriesInstanceUID') : undefined;
  result.kosSeriesUid = ours(koSeries, KOS_SERIES_DESCRIPTION) ? str(ours(koSeries, KOS_SERIES_DESCRIPTION)!, '0020000E', 'SeriesInstanceUID') : undefined;

  const srDocs = (await Promise.all(srSeries.map((s) => seriesMetadata(study.studyUid, str(s, '0020000E', ''), thunk).catch(() => [])))).flat();
  const koDocs = (await Promise.all(koSeries.map((s) => seriesMetadata(study.studyUid, str(s, '0020000E', ''), thunk).catch(() => [])))).flat();
  result.srInstances = srDocs.filter((d) => str(d, '0020000E', '') === result.srSeriesUid).length;
  result.kosInstances = koDocs.filter((d) => str(d, '0020000E', '') === result.kosSeriesUid).length;

  if (!srDocs.length && !koDocs.length) {
    info.set(study.studyUid, result);
    return result;
  }
  const { isMeasurementReport, jsonToDataset, reportToAnnotations } = await srModule();
  const { keyImagesOf } = await kosModule();
  const report = newest(srDocs.filter((d) => SR_CLASSES.includes(str(d, '00080016', ''))))
    .map((d) => jsonToDataset(d as Record<string, unknown>))
    .find(isMeasurementReport);
  const kos = newest(koDocs)
    .map((d) => jsonToDataset(d as Record<string, unknown>))
    .find((d) => {
      const t = d.ConceptNameCodeSequence as { CodeValue?: string } | Array<{ CodeValue?: string }> | undefined;
      return (Array.isArray(t) ? t[0] : t)?.CodeValue === '113000';
    });

  if (report || kos) {
    const wanted = new Set<string>([...(report ? referencedSeries(report) : []), ...(kos ? referencedSeries(kos) : [])]);
    const ids = await imageIdsOf(study, thunk, wanted);
    if (report) {
      const restored = reportToAnnotations(report, sopFrameMap(ids));
      for (const a of restored) csAnnotation.state.addAnnotation(a as never, undefined as never);
      const observer = findObserver(report);
      result.restoredFrom = { sopInstanceUid: String(report.SOPInstanceUID ?? ''), observer, date: `${report.ContentDate ?? ''}`, measurements: restored.length };
    }
    if (kos) {
      const bySop = new Map<string, string[]>();
      for (const id of ids) {
        const u = uidsOfImageId(id);
        if (u) bySop.set(u.sopInstanceUid, [...(bySop.get(u.sopInstanceUid) ?? []), id]);
      }
      const marked: string[] = [];
      for (const k of keyImagesOf(kos)) {
        const candidates = bySop.get(k.sopInstanceUid) ?? [];
        const id = k.frame ? candidates.find((c) => frameOfImageId(c) === k.frame) : candidates[0];
        if (id) marked.push(id);
      }
      keyImages.restore(study.studyUid, marked);
      result.keyImagesRestored = marked.length;
    }
  }
  info.set(study.studyUid, result);
  return result;
}

function findObserver(ds: NaturalDataset): string {
  type Item = { ValueType?: string; PersonName?: unknown; ContentSequence?: Item | Item[] };
  const arr = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  const pn = arr(ds.ContentSequence as Item | Item[]).find((i) => i.ValueType === 'PNAME')?.PersonName;
  const v = Array.isArray(pn) ? pn[0] : pn;
  const name = typeof v === 'object' && v ? (v as { Alphabetic?: string }).Alphabetic ?? '' : String(v ?? '');
  return name.replace(/\^/g, ' ').trim();
}

// ---------------------------------------------------------------------------------------------------
// Save

async function stowToStudy(studyUid: string, file: ArrayBuffer, thunk: Thunk): Promise<void> {
  const boundary = newBoundary();
  const body = multipartBody([new Blob([file], { type: 'application/dicom' })], boundary);
  const url = dicomwebUrl(`studies/${encodeURIComponent(studyUid)}`);
  const send = (token: string | null) =>
    fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': contentType(boundary), Accept: 'application/dicom+json, application/json;q=0.9', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body,
      credentials: 'same-origin',
    });
  const token = currentToken(thunk);
  let res = await send(token);
  if (res.status === 401 && token) {
    const fresh = await renewToken(thunk, token);
    if (fresh) res = await send(fresh);
  }
  const parsed = parseStowResponse(res.status, await res.text());
  const part = parsed.parts.get(0) ?? parsed.unindexed[0];
  if (res.status === 403) throw new Error('You are not allowed to store measurements or key images in the archive (permission study.annotate).');
  if (!part || (part.status !== 'stored' && part.status !== 'replaced')) {
    throw new Error(part?.message || parsed.error || `The archive refused the document (HTTP ${res.status}).`);
  }
}

export interface SaveResult {
  studyUid: string;
  measurements: number;
  /** An empty report was written: every stored measurement was deleted. */
  cleared?: boolean;
  keyImages: number;
  srSopInstanceUid?: string;
  kosSopInstanceUid?: string;
}

/** All measurements of the study now in the annotation state (tools the SR can hold). */
export function studyAnnotations(studyUid: string): SrAnnotation[] {
  return (csAnnotation.state.getAllAnnotations() as unknown as SrAnnotation[]).filter(
    (a) => (SR_TOOL_NAMES as readonly string[]).includes(a.metadata?.toolName) && uidsOfImageId(a.metadata?.referencedImageId ?? '')?.studyUid === studyUid,
  );
}

/**
 * Writes the study's measurements (SR) and/or key images (KOS) as new instances. `what` says which
 * changed; a document with nothing in it is not written (the archive keeps the previous one).
 */
export async function saveStudyArchive(studyUid: string, thunk: Thunk, observer: string, what: { measurements: boolean; keyImages: boolean }): Promise<SaveResult> {
  const { annotationsToReport, datasetToPart10, ensureInstanceProvider } = await srModule();
  const { buildKeyObjectSelection } = await kosModule();
  const { DicomMetaDictionary } = (await import('dcmjs')).default.data;
  ensureInstanceProvider();
  const state = info.get(studyUid) ?? { srInstances: 0, kosInstances: 0, keyImagesRestored: 0 };
  const result: SaveResult = { studyUid, measurements: 0, keyImages: 0 };
  // The display name as the PN's family-name component (its parts' order is not known).
  const pn = observer.replace(/\^/g, ' ').trim();
  if (what.measurements) {
    const list = studyAnnotations(studyUid);
    // No measurement left: an empty report supersedes the stored one (if there is none, nothing to write).
    const emptyReportImageId = !list.length && (state.srInstances > 0 || state.restoredFrom) ? anyImageOfStudy(studyUid) : undefined;
    if (list.length || emptyReportImageId) {
      const seriesInstanceUid = state.srSeriesUid ?? DicomMetaDictionary.uid();
      const ds = annotationsToReport(list, { observer: pn, seriesInstanceUid, instanceNumber: state.srInstances + 1, emptyReportImageId });
      await stowToStudy(studyUid, datasetToPart10(ds), thunk);
      state.srSeriesUid = seriesInstanceUid;
      state.srInstances += 1;
      result.measurements = list.length;
      result.cleared = !list.length;
      result.srSopInstanceUid = String(ds.SOPInstanceUID);
    }
  }
  if (what.keyImages) {
    const ids = keyImages.of(studyUid);
    // A KOS must reference at least one image: un-marking every key image cannot be stored as a document.
    if (!ids.length) throw new Error('No key images are marked: a key object selection needs at least one image (the stored one stays).');
    const refs: KeyImageRef[] = [];
    let study: Record<string, unknown> = {};
    for (const id of ids) {
      const u = uidsOfImageId(id);
      if (!u) continue;
      const inst = metaData.get('instance', id) as Record<string, unknown> | undefined;
      if (inst && !Object.keys(study).length) study = inst;
      const multiFrame = Number(inst?.NumberOfFrames ?? 1) > 1;
      refs.push({ studyUid: u.studyUid, seriesUid: u.seriesUid, sopInstanceUid: u.sopInstanceUid, sopClassUid: String(inst?.SOPClassUID ?? ''), ...(multiFrame ? { frame: u.frame } : {}) });
    }
    const seriesInstanceUid = state.kosSeriesUid ?? DicomMetaDictionary.uid();
    const ds = buildKeyObjectSelection(refs, study, { observer: pn, seriesInstanceUid, instanceNumber: state.kosInstances + 1 });
    await stowToStudy(studyUid, datasetToPart10(ds), thunk);
    state.kosSeriesUid = seriesInstanceUid;
    state.kosInstances += 1;
    result.keyImages = refs.length;
    result.kosSopInstanceUid = String(ds.SOPInstanceUID);
    keyImages.markSaved(studyUid);
  }
  info.set(studyUid, state);
  return result;
}
