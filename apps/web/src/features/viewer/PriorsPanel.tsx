import { useEffect, useState } from 'react';
import type { RenderingEngine } from '@cornerstonejs/core';
import { Columns2, ExternalLink, History, Link2, Loader2 } from 'lucide-react';
import { dicomweb, readDatasets, type Thunk } from '../studies/dicomweb';
import { formatDA, num, str, strs, T } from '../studies/dicomJson';
import { applySync, destroySync, type SyncState } from '../../viewer/sync';
import { afterFirstImage } from '../../viewer/firstImage';

export interface PriorStudy {
  studyUid: string;
  date: string;
  description: string;
  modalities: string[];
  instances: number | null;
}

/** The patient's other studies (QIDO by Patient ID), newest first. */
export async function findPriors(patientId: string, exclude: string[], thunk: Thunk, signal?: AbortSignal): Promise<PriorStudy[]> {
  if (!patientId) return [];
  const res = await dicomweb({ path: 'studies', params: { PatientID: patientId, includefield: 'StudyDescription,ModalitiesInStudy,NumberOfStudyRelatedInstances', limit: '100' }, signal }, thunk);
  const list = await readDatasets(res);
  return list
    .map((d) => ({
      studyUid: str(d, T.StudyInstanceUID),
      date: str(d, T.StudyDate),
      description: str(d, T.StudyDescription),
      modalities: strs(d, T.ModalitiesInStudy),
      instances: num(d, T.NumberOfStudyRelatedInstances) ?? null,
    }))
    .filter((s) => s.studyUid && !exclude.includes(s.studyUid))
    .sort((a, b) => b.date.localeCompare(a.date));
}

interface Props {
  patientId: string;
  /** The study being read (not listed). */
  currentStudyUid: string;
  /** Studies open in this viewer (marked in the list). */
  openStudyUids: string[];
  thunk: Thunk;
  engine: RenderingEngine;
  /** Viewports of the grid that show a series (synchronised together). */
  viewportIds: string[];
  onOpenBeside: (studyUid: string) => void;
  onOpenInTab: (studyUid: string) => void;
  /** Set when a prior is open beside the current study: synchronisation switches on. */
  besideOpen: boolean;
}

/** Lists the patient's other studies; opens one beside the current study (or in a tab); sync toggles. */
export function PriorsPanel({ patientId, currentStudyUid, openStudyUids, thunk, engine, viewportIds, onOpenBeside, onOpenInTab, besideOpen }: Props) {
  const [priors, setPriors] = useState<PriorStudy[] | null>(null);
  const [error, setError] = useState('');
  const [sync, setSync] = useState<SyncState>({ slice: false, voi: false });

  useEffect(() => {
    const ctrl = new AbortController();
    setPriors(null);
    setError('');
    afterFirstImage()
      .then(() => findPriors(patientId, [currentStudyUid], thunk, ctrl.signal))
      .then((list) => !ctrl.signal.aborted && setPriors(list))
      .catch((err: unknown) => !ctrl.signal.aborted && setError(err instanceof Error ? err.message : 'Could not list the priors.'));
    return () => ctrl.abort();
  }, [patientId, currentStudyUid, thunk]);

  // A prior opened beside: scrolling and W/L follow each other (until switched off).
  useEffect(() => {
    setSync({ slice: besideOpen, voi: besideOpen });
  }, [besideOpen]);

  const vpKey = viewportIds.join(',');
  useEffect(() => {
    if (!sync.slice && !sync.voi) {
      destroySync();
      return;
    }
    // Let freshly assigned stacks show their first image before registering positions.
    const t = window.setTimeout(() => void applySync(engine.id, vpKey ? vpKey.split(',') : [], sync), 100);
    return () => window.clearTimeout(t);
  }, [engine, vpKey, sync]);
  useEffect(() => () => destroySync(), []);

  return (
    <section className="border-t border-neutral-800 pb-2" aria-label="Priors" data-testid="priors-panel">
      <h2 className="flex items-center gap-1 px-3 pb-1 pt-2 text-[11px] font-semibold uppercase tracking-wide text-neutral-400">
        <History className="size-3.5" aria-hidden /> Priors
      </h2>
      {!priors && !error && (
        <p className="flex items-center gap-2 px-3 text-[11px] text-neutral-500">
          <Loader2 className="size-3 animate-spin" aria-hidden /> Searching…
        </p>
      )}
      {error && <p className="px-3 text-[11px] text-red-300">{error}</p>}
      {priors && priors.length === 0 && <p className="px-3 text-[11px] text-neutral-500">No other studies of this patient.</p>}
      {priors && priors.length > 0 && (
        <ul className="flex flex-col gap-1 px-2" data-testid="prior-list">
          {priors.map((p) => (
            <li key={p.studyUid} className="rounded bg-neutral-800/70 p-1.5 text-[11px]" data-testid="prior-item" data-study-uid={p.studyUid}>
              <div className="flex items-center gap-1">
                <span className="font-semibold text-neutral-100">{p.date ? formatDA(p.date) : 'No date'}</span>
                <span className="rounded bg-neutral-700 px-1 text-neutral-200">{p.modalities.join('/') || '—'}</span>
                {openStudyUids.includes(p.studyUid) && <span className="ml-auto rounded bg-sky-800 px-1 text-sky-100">open</span>}
              </div>
              <div className="truncate text-neutral-300" title={p.description}>
                {p.description || 'Study'}
                {p.instances !== null ? ` · ${p.instances} img` : ''}
              </div>
              <div className="mt-1 flex gap-1">
                <button type="button" onClick={() => onOpenBeside(p.studyUid)} className="flex items-center gap-1 rounded bg-neutral-700 px-1.5 py-0.5 hover:bg-sky-700" data-testid="prior-open-beside" title="Show beside the current study, synchronised">
                  <Columns2 className="size-3" aria-hidden /> Beside
                </button>
                <button type="button" onClick={() => onOpenInTab(p.studyUid)} className="flex items-center gap-1 rounded bg-neutral-700 px-1.5 py-0.5 hover:bg-sky-700" data-testid="prior-open-tab" title="Open in its own tab">
                  <ExternalLink className="size-3" aria-hidden /> Tab
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      <div className="mt-2 flex flex-col gap-1 px-3 text-[11px] text-neutral-300">
        <span className="flex items-center gap-1 text-neutral-400">
          <Link2 className="size-3" aria-hidden /> Synchronise viewports
        </span>
        <label className="flex items-center gap-2">
          <input type="checkbox" checked={sync.slice} onChange={(e) => {
              setSync((s) => ({ ...s, slice: e.target.checked }));
              e.target.blur(); // keys go back to the viewer
            }} data-testid="sync-scroll" className="accent-sky-500" />
          Scrolling (image position)
        </label>
        <label className="flex items-center gap-2">
          <input type="checkbox" checked={sync.voi} onChange={(e) => {
              setSync((s) => ({ ...s, voi: e.target.checked }));
              e.target.blur();
            }} data-testid="sync-wl" className="accent-sky-500" />
          Window / level
        </label>
      </div>
    </section>
  );
}
