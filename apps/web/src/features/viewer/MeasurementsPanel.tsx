import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { eventTarget, type RenderingEngine, type StackViewport } from '@cornerstonejs/core';
import { annotation, Enums as ToolEnums, type Types as ToolTypes } from '@cornerstonejs/tools';
import { useBlocker } from 'react-router';
import { CheckCircle2, Loader2, Save, Star, Trash } from 'lucide-react';
import { Dialog } from '../../ui';
import { MEASUREMENT_TOOL_NAMES } from '../../viewer/cornerstone';
import { loadStudyArchive, saveStudyArchive, uidsOfImageId } from '../../viewer/annotationArchive';
import { keyImages } from '../../viewer/keyImages';
import type { ViewerStudy } from '../../viewer/studyData';
import type { Thunk } from '../studies/dicomweb';
import { afterFirstImage } from '../../viewer/firstImage';

interface Row {
  uid: string;
  tool: string;
  text: string;
  note?: string;
  imageId: string;
  where: string;
}

const LABELS: Record<string, string> = {
  Length: 'Length',
  Angle: 'Angle',
  CobbAngle: 'Cobb angle',
  EllipticalROI: 'Ellipse',
  RectangleROI: 'Rectangle',
  PlanarFreehandROI: 'Freehand ROI',
  Probe: 'Probe',
  Bidirectional: 'Bidirectional',
  ArrowAnnotate: 'Arrow',
  Label: 'Text',
};

const fmt = (n: unknown, digits = 1) => (typeof n === 'number' && Number.isFinite(n) ? n.toFixed(digits) : '—');

type Stats = Record<string, unknown>;

/** "Se 2 · Im 14" for an image of an open viewport's stack (positions from the viewports). */
function whereOf(imageId: string, engine: RenderingEngine): string {
  for (const vp of engine.getViewports() as StackViewport[]) {
    const ids = vp.getImageIds?.() ?? [];
    const i = ids.indexOf(imageId);
    if (i >= 0) return `Im ${i + 1}/${ids.length}`;
  }
  const f = /\/frames\/(\d+)$/.exec(imageId);
  return f && f[1] !== '1' ? `Fr ${f[1]}` : '';
}

function describe(a: ToolTypes.Annotation, engine: RenderingEngine): Row {
  const tool = a.metadata?.toolName ?? '';
  const data = a.data as { cachedStats?: Record<string, Stats>; text?: string; label?: string };
  const stats: Stats = Object.values(data.cachedStats ?? {})[0] ?? {};
  const imageId = a.metadata?.referencedImageId ?? '';
  const row: Row = { uid: a.annotationUID ?? '', tool: LABELS[tool] ?? tool, text: '', imageId, where: whereOf(imageId, engine) };
  const roi = () => {
    const mu = String(stats.modalityUnit ?? '');
    row.text = `mean ${fmt(stats.mean)} ${mu} · sd ${fmt(stats.stdDev)}\nmin ${fmt(stats.min, 0)} · max ${fmt(stats.max, 0)} · area ${fmt(stats.area)} ${String(stats.areaUnit ?? '')}`;
    if (String(stats.areaUnit ?? '').startsWith('px')) row.note = 'Area in pixels: the image has no Pixel Spacing';
  };
  switch (tool) {
    case 'Length': {
      const unit = String(stats.unit ?? '');
      row.text = `${fmt(stats.length, unit === 'mm' ? 1 : 0)} ${unit}`;
      if (unit && unit !== 'mm') row.note = 'Pixel units: the image has no Pixel Spacing';
      break;
    }
    case 'Angle':
    case 'CobbAngle':
      row.text = typeof stats.angle === 'number' ? `${stats.angle.toFixed(1)}°` : String(stats.angle ?? '—');
      break;
    case 'EllipticalROI':
    case 'RectangleROI':
    case 'PlanarFreehandROI':
      roi();
      break;
    case 'Bidirectional': {
      const unit = String(stats.unit ?? '');
      row.text = `${fmt(stats.length)} × ${fmt(stats.width)} ${unit}`;
      break;
    }
    case 'Probe':
      row.text = `${fmt(stats.value)} ${String(stats.modalityUnit ?? '')}`;
      break;
    case 'ArrowAnnotate':
    case 'Label':
      row.text = data.text || data.label || '(no text)';
      break;
  }
  return row;
}

interface Props {
  engine: RenderingEngine;
  modality: string;
  studies: ViewerStudy[] | null;
  thunk: Thunk;
  /** Person saving (display name) — the SR / KOS observer. */
  observer: string;
  /** The active viewport's id (key-image marking applies to its current image). */
  activeViewportId: string;
  /** Shows an image (the measurement's or key image's). */
  onJump: (imageId: string) => void;
  /** Hidden from the layout (the panel stays mounted so that what is unsaved is still known and guarded). */
  hidden?: boolean;
}

type Status = { kind: 'idle' } | { kind: 'busy'; text: string } | { kind: 'ok'; text: string } | { kind: 'error'; text: string };

/**
 * Lists the measurements of the open studies (Cornerstone annotation state): select / jump / delete; marks
 * key images; restores both from the archive when a study opens and saves them (DICOM SR + KOS via STOW-RS).
 */
export function MeasurementsPanel({ engine, modality, studies, thunk, observer, activeViewportId, onJump, hidden = false }: Props) {
  const [rows, setRows] = useState<Row[]>([]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [dirty, setDirty] = useState<Set<string>>(new Set());
  const [status, setStatus] = useState<Status>({ kind: 'idle' });
  const [restoredNote, setRestoredNote] = useState<string>('');
  const keyVersion = useSyncExternalStore(keyImages.subscribe, keyImages.getVersion);
  const [currentImageId, setCurrentImageId] = useState('');
  const restoring = useRef(0);

  // Rows, selection and the studies with unsaved changes, from the annotation events.
  useEffect(() => {
    let timer = 0;
    const refresh = () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(() => {
        const all = annotation.state.getAllAnnotations().filter((a) => MEASUREMENT_TOOL_NAMES.includes(a.metadata?.toolName ?? ''));
        setRows(all.map((a) => describe(a, engine)));
        setSelected(new Set(annotation.selection.getAnnotationsSelected() ?? []));
      }, 100);
    };
    const changed = (evt: Event) => {
      refresh();
      const detail = (evt as CustomEvent<{ annotation?: ToolTypes.Annotation; changeType?: string }>).detail;
      if (restoring.current > 0 || detail?.changeType === ToolEnums.ChangeTypes.StatsUpdated) return;
      const study = uidsOfImageId(detail?.annotation?.metadata?.referencedImageId ?? '')?.studyUid;
      if (study && MEASUREMENT_TOOL_NAMES.includes(detail?.annotation?.metadata?.toolName ?? '')) setDirty((d) => (d.has(study) ? d : new Set(d).add(study)));
    };
    const events = [ToolEnums.Events.ANNOTATION_COMPLETED, ToolEnums.Events.ANNOTATION_MODIFIED, ToolEnums.Events.ANNOTATION_REMOVED];
    for (const e of events) eventTarget.addEventListener(e, changed);
    eventTarget.addEventListener(ToolEnums.Events.ANNOTATION_ADDED, refresh);
    eventTarget.addEventListener(ToolEnums.Events.ANNOTATION_SELECTION_CHANGE, refresh);
    refresh();
    return () => {
      window.clearTimeout(timer);
      for (const e of events) eventTarget.removeEventListener(e, changed);
      eventTarget.removeEventListener(ToolEnums.Events.ANNOTATION_ADDED, refresh);
      eventTarget.removeEventListener(ToolEnums.Events.ANNOTATION_SELECTION_CHANGE, refresh);
    };
  }, [engine]);

  // Restore what the archive holds for each open study (once per viewer session and study).
  useEffect(() => {
    if (!studies?.length) return;
    let cancelled = false;
    restoring.current++;
    afterFirstImage()
      .then(() => (cancelled ? [] : Promise.all(studies.map((st) => loadStudyArchive(st, thunk, engine)))))
      .then((infos) => {
        if (cancelled) return;
        const parts = infos.flatMap((i) => {
          const out: string[] = [];
          if (i.restoredFrom) out.push(`${i.restoredFrom.measurements} measurement${i.restoredFrom.measurements === 1 ? '' : 's'} from the saved report${i.restoredFrom.observer ? ` of ${i.restoredFrom.observer}` : ''}`);
          if (i.keyImagesRestored) out.push(`${i.keyImagesRestored} key image${i.keyImagesRestored === 1 ? '' : 's'}`);
          return out;
        });
        setRestoredNote(parts.length ? `Loaded ${parts.join(' and ')}.` : '');
        engine.render();
      })
      .catch((err: unknown) => !cancelled && setStatus({ kind: 'error', text: `Saved measurements could not be loaded: ${err instanceof Error ? err.message : String((err as { message?: unknown })?.message ?? err)}` }))
      // Restoring adds annotations (ANNOTATION_ADDED) and their first render recomputes statistics
      // (StatsUpdated): neither counts as a change; a deletion right after opening does.
      .finally(() => restoring.current--);
    return () => {
      cancelled = true;
    };
  }, [studies, thunk, engine]);

  // The active viewport's current image (for the key-image toggle).
  useEffect(() => {
    const update = () => {
      const vp = engine.getViewport(activeViewportId) as StackViewport | undefined;
      setCurrentImageId(vp?.getCurrentImageId?.() ?? '');
    };
    update();
    const events = ['CORNERSTONE_STACK_NEW_IMAGE', 'CORNERSTONE_IMAGE_RENDERED'];
    const el = (engine.getViewport(activeViewportId) as StackViewport | undefined)?.element;
    for (const e of events) el?.addEventListener(e, update);
    const t = window.setInterval(update, 500);
    return () => {
      window.clearInterval(t);
      for (const e of events) el?.removeEventListener(e, update);
    };
  }, [engine, activeViewportId]);

  const remove = useCallback(
    (uids: string[]) => {
      for (const uid of uids) annotation.state.removeAnnotation(uid);
      engine.render();
      setRows((r) => r.filter((x) => !uids.includes(x.uid)));
    },
    [engine],
  );

  // Delete / Backspace removes the selected measurements.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.isContentEditable || t.closest?.('[role="dialog"]'))) return;
      if (e.key === 'k' || e.key === 'K') {
        if (!e.ctrlKey && !e.metaKey && !e.altKey) document.querySelector<HTMLButtonElement>('[data-testid="key-image-toggle"]')?.click();
        return;
      }
      if (e.key !== 'Delete' && e.key !== 'Backspace') return;
      const uids = annotation.selection.getAnnotationsSelected() ?? [];
      if (uids.length) {
        remove(uids);
        e.preventDefault();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [remove]);

  const select = (r: Row) => {
    annotation.selection.setAnnotationSelected(r.uid, true, false);
    setSelected(new Set([r.uid]));
    onJump(r.imageId);
    engine.render();
  };

  const keyList = keyImages.all();
  void keyVersion;
  const isKey = currentImageId ? keyImages.has(currentImageId) : false;
  const changedStudies = [...new Set([...dirty, ...keyImages.changedStudies()])];

  // Leaving with unsaved measurements or key images asks first: closing or reloading the tab through the browser's
  // own prompt, leaving the viewer inside the app through a dialog that can also save.
  const unsaved = changedStudies.length > 0;
  useEffect(() => {
    if (!unsaved) return;
    const warn = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [unsaved]);
  const blocker = useBlocker(({ currentLocation, nextLocation }) => unsaved && currentLocation.pathname !== nextLocation.pathname);

  /** Saves every changed study; true when all of them were saved. */
  const save = async (): Promise<boolean> => {
    setStatus({ kind: 'busy', text: 'Saving to the archive…' });
    try {
      let m = 0;
      let k = 0;
      let cleared = false;
      for (const studyUid of changedStudies) {
        const r = await saveStudyArchive(studyUid, thunk, observer, { measurements: dirty.has(studyUid), keyImages: keyImages.isChanged(studyUid) });
        m += r.measurements;
        k += r.keyImages;
        cleared ||= !!r.cleared;
        setDirty((d) => {
          const n = new Set(d);
          n.delete(studyUid);
          return n;
        });
      }
      const parts = [m ? `${m} measurement${m === 1 ? '' : 's'} (structured report)` : '', k ? `${k} key image${k === 1 ? '' : 's'} (key object selection)` : ''].filter(Boolean);
      if (cleared && !m) parts.unshift('the deletion of all measurements (empty structured report)');
      setStatus(parts.length ? { kind: 'ok', text: `Saved ${parts.join(' and ')} to the archive.` } : { kind: 'ok', text: 'Nothing to save.' });
      return true;
    } catch (err) {
      setStatus({ kind: 'error', text: `Not saved: ${err instanceof Error ? err.message : String((err as { message?: unknown })?.message ?? err)}` });
      return false;
    }
  };
  const saveAndLeave = async () => {
    if (await save()) blocker.proceed?.();
    else blocker.reset?.();
  };

  return (
    <aside className={`${hidden ? 'hidden' : 'flex'} w-64 shrink-0 flex-col overflow-y-auto border-l border-neutral-800 bg-neutral-900/80 text-xs`} aria-label="Measurements" data-testid="measurements-panel">
      <Dialog
        open={blocker.state === 'blocked'}
        onOpenChange={(open) => !open && blocker.reset?.()}
        title="Unsaved measurements"
        size="sm"
        footer={
          <>
            <button type="button" className="rounded px-3 py-1.5 text-sm hover:bg-sunken" onClick={() => blocker.reset?.()} data-testid="unsaved-stay">
              Stay
            </button>
            <button type="button" className="rounded px-3 py-1.5 text-sm text-red-700 hover:bg-sunken" onClick={() => blocker.proceed?.()} data-testid="unsaved-discard">
              Leave without saving
            </button>
            <button type="button" className="rounded bg-brand-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-brand-700" onClick={() => void saveAndLeave()} data-testid="unsaved-save">
              Save and leave
            </button>
          </>
        }
      >
        <p className="text-sm text-ink">
          {changedStudies.length === 1 ? 'A study has' : `${changedStudies.length} studies have`} measurements or key images that are not saved in the archive yet. They are lost
          if you leave the viewer without saving.
        </p>
      </Dialog>
      <div className="flex items-center gap-1 px-3 pb-1 pt-2">
        <h2 className="flex-1 text-[11px] font-semibold uppercase tracking-wide text-neutral-400">Measurements</h2>
        <button
          type="button"
          onClick={() => void save()}
          disabled={!changedStudies.length || status.kind === 'busy'}
          className="flex items-center gap-1 rounded bg-sky-700 px-2 py-1 font-medium text-white hover:bg-sky-600 disabled:cursor-not-allowed disabled:bg-neutral-700 disabled:text-neutral-400"
          title={changedStudies.length ? 'Save measurements (DICOM SR) and key images (KOS) in the study' : 'No unsaved changes'}
          data-testid="measurements-save"
        >
          {status.kind === 'busy' ? <Loader2 className="size-3.5 animate-spin" aria-hidden /> : <Save className="size-3.5" aria-hidden />}
          Save
        </button>
      </div>
      {changedStudies.length > 0 && status.kind !== 'busy' && <p className="px-3 text-amber-300" data-testid="measurements-unsaved">Unsaved changes</p>}
      {status.kind === 'ok' && (
        <p role="status" className="mx-2 my-1 flex items-start gap-1 rounded bg-emerald-950 p-2 text-emerald-200" data-testid="measurements-status">
          <CheckCircle2 className="mt-px size-3.5 shrink-0" aria-hidden /> {status.text}
        </p>
      )}
      {status.kind === 'error' && (
        <p role="alert" className="mx-2 my-1 rounded bg-red-950 p-2 text-red-200" data-testid="measurements-status">
          {status.text}
        </p>
      )}
      {restoredNote && <p className="px-3 py-1 text-neutral-400" data-testid="measurements-restored">{restoredNote}</p>}
      {rows.length === 0 ? (
        <p className="px-3 py-2 text-neutral-500">
          None yet. Pick a measurement tool in the toolbar and draw with the left button
          {modality === 'CT' ? ' (ROI statistics in HU).' : '.'}
        </p>
      ) : (
        <ul className="flex flex-col gap-1 px-2 pb-2" data-testid="measurement-list">
          {rows.map((r, i) => (
            <li
              key={r.uid}
              className={`group flex cursor-pointer items-start gap-2 rounded px-2 py-1.5 hover:bg-neutral-700/70 ${selected.has(r.uid) ? 'bg-sky-900/60 ring-1 ring-sky-500' : 'bg-neutral-800/70'}`}
              data-testid="measurement-row"
              data-tool={r.tool}
              data-selected={selected.has(r.uid) ? 'true' : 'false'}
              onClick={() => select(r)}
            >
              <span className="mt-px text-neutral-500 tabular-nums">{i + 1}</span>
              <span className="min-w-0 flex-1">
                <span className="block font-semibold text-neutral-100">{r.tool}</span>
                <span className="block whitespace-pre-line break-words font-mono text-neutral-200" data-testid="measurement-value">{r.text}</span>
                {r.note && <span className="block text-amber-300">{r.note}</span>}
                {r.where && <span className="block text-[10px] text-neutral-500">{r.where}</span>}
              </span>
              <button
                type="button"
                onClick={(e) => {
                  e.stopPropagation();
                  remove([r.uid]);
                }}
                className="rounded p-1 text-neutral-400 hover:bg-neutral-700 hover:text-white"
                aria-label={`Delete ${r.tool} measurement ${i + 1}`}
              >
                <Trash className="size-3.5" aria-hidden />
              </button>
            </li>
          ))}
        </ul>
      )}

      <div className="mt-2 flex items-center gap-1 border-t border-neutral-800 px-3 pb-1 pt-2">
        <h2 className="flex-1 text-[11px] font-semibold uppercase tracking-wide text-neutral-400">Key images</h2>
        <button
          type="button"
          disabled={!currentImageId}
          onClick={() => {
            keyImages.toggle(currentImageId);
            engine.render();
          }}
          aria-pressed={isKey}
          className={`flex items-center gap-1 rounded px-2 py-1 hover:bg-neutral-700 disabled:opacity-50 ${isKey ? 'bg-amber-600/30 text-amber-200 ring-1 ring-amber-400' : 'text-neutral-200'}`}
          title="Mark / unmark the active viewport's image as a key image (K)"
          data-testid="key-image-toggle"
        >
          <Star className={`size-3.5 ${isKey ? 'fill-amber-300' : ''}`} aria-hidden /> {isKey ? 'Key image' : 'Mark key image'}
        </button>
      </div>
      {keyList.length === 0 ? (
        <p className="px-3 pb-2 text-neutral-500">None marked. Press K on an image.</p>
      ) : (
        <ul className="flex flex-col gap-1 px-2 pb-2" data-testid="key-image-list">
          {keyList.map((id) => {
            const u = uidsOfImageId(id);
            return (
              <li key={id}>
                <button type="button" onClick={() => onJump(id)} className={`flex w-full items-center gap-2 rounded px-2 py-1 text-left hover:bg-neutral-700 ${id === currentImageId ? 'bg-neutral-700' : 'bg-neutral-800/70'}`} data-testid="key-image-row">
                  <Star className="size-3 fill-amber-300 text-amber-300" aria-hidden />
                  <span className="truncate">{whereOf(id, engine) || `Image …${u?.sopInstanceUid.slice(-6) ?? ''}`}</span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </aside>
  );
}
