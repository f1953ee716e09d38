import { useCallback, useEffect, useRef, useState } from 'react';
import { Enums, RenderingEngine, type Types, type VolumeViewport } from '@cornerstonejs/core';
import { Contrast, Crosshair, Loader2, Move, RotateCcw, SunMedium, X, ZoomIn, type LucideIcon } from 'lucide-react';
import type { Thunk } from '../studies/dicomweb';
import { formatPersonName } from '../studies/dicomJson';
import { CT_PRESETS, orientationLetters, toRange } from '../../viewer/presets';
import { loadStack, type ViewerSeries, type ViewerStudy } from '../../viewer/studyData';
import { checkVolumeDatasets } from '../../viewer/volumeGeometry';
import { enterStackRendering, enterVolumeRendering } from '../../viewer/cornerstone';
import {
  createMprTools,
  crosshairCenter,
  destroyMprTools,
  ensureMprSetup,
  MPR_PLANES,
  mprViewportId,
  releaseVolume,
  resetMpr,
  setMprInvert,
  setMprPrimaryTool,
  setMprVoi,
  setSlab,
  showVolume,
  streamVolumeFrames,
  volumeIdOf,
  volumeTextureType,
  type MprPlane,
  type MprTool,
  type SlabMode,
} from '../../viewer/mpr';

type Status = { kind: 'loading'; loaded: number; total: number } | { kind: 'ready' } | { kind: 'unsupported'; message: string } | { kind: 'error'; message: string };

interface PaneState {
  /** Position of the plane along its normal (mm) and which axis letter it runs towards. */
  position: string;
  ww: number | null;
  wc: number | null;
  mmPerPx: number;
  markers: { top: string; right: string; bottom: string; left: string };
}

const TOOLS: Array<{ id: MprTool; label: string; icon: LucideIcon }> = [
  { id: 'crosshairs', label: 'Crosshairs (click or drag to move the planes)', icon: Crosshair },
  { id: 'windowLevel', label: 'Window / level', icon: SunMedium },
  { id: 'pan', label: 'Pan', icon: Move },
  { id: 'zoom', label: 'Zoom', icon: ZoomIn },
];

const SLABS = [0, 2, 5, 10, 20, 40, 80];

let engineCounter = 0;

function sub(a: Types.Point3, b: Types.Point3): [number, number, number] {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}

function readPane(vp: VolumeViewport): PaneState {
  const { clientWidth: w, clientHeight: h } = vp.canvas;
  const o = vp.canvasToWorld([0, 0]);
  const right = sub(vp.canvasToWorld([w, 0]), o);
  const down = sub(vp.canvasToWorld([0, h]), o);
  const neg = (v: [number, number, number]): [number, number, number] => [-v[0], -v[1], -v[2]];
  const cam = vp.getCamera();
  const n = cam.viewPlaneNormal ?? [0, 0, 1];
  const f = cam.focalPoint ?? [0, 0, 0];
  // Position along the patient axis the plane is (mostly) perpendicular to, signed like DICOM (L, P, H positive).
  const axis = [0, 1, 2].reduce((best, i) => (Math.abs(n[i]) > Math.abs(n[best]) ? i : best), 0);
  const value = f[axis];
  const letter = ['LR', 'PA', 'HF'][axis][value >= 0 ? 0 : 1];
  const range = vp.getProperties()?.voiRange;
  return {
    position: `${Math.abs(value).toFixed(1)} mm ${letter}`,
    ww: range ? range.upper - range.lower : null,
    wc: range ? (range.upper + range.lower) / 2 : null,
    mmPerPx: h ? (2 * (cam.parallelScale ?? 0)) / h : 0,
    markers: { right: orientationLetters(right), left: orientationLetters(neg(right)), bottom: orientationLetters(down), top: orientationLetters(neg(down)) },
  };
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err && 'message' in err) return String((err as { message: unknown }).message);
  return 'The volume could not be built.';
}

interface Props {
  series: ViewerSeries;
  study: ViewerStudy | undefined;
  thunk: Thunk;
  onClose: () => void;
}

/**
 * Axial, coronal and sagittal reformats of one series side by side, with crosshairs, slab (MIP,
 * MinIP, average), W/L presets and invert. Series that cannot form a volume get a clear message.
 */
export function MprView({ series, study, thunk, onClose }: Props) {
  const refs = useRef<Record<MprPlane, HTMLDivElement | null>>({ axial: null, coronal: null, sagittal: null });
  const [engine, setEngine] = useState<RenderingEngine | null>(null);
  const [status, setStatus] = useState<Status>({ kind: 'loading', loaded: 0, total: 0 });
  const [panes, setPanes] = useState<Partial<Record<MprPlane, PaneState>>>({});
  const [center, setCenter] = useState<Types.Point3 | null>(null);
  const [tool, setTool] = useState<MprTool>('crosshairs');
  const [slab, setSlabMm] = useState(0);
  const [mode, setMode] = useState<SlabMode>('mip');
  const [invert, setInvert] = useState(false);
  const [oblique, setOblique] = useState(false);
  const [activePlane, setActivePlane] = useState<MprPlane>('axial');
  // How the volume texture stores the voxels (mpr.ts: half floats for integer volumes within ±4096).
  const [texture, setTexture] = useState('');
  const volumeId = volumeIdOf(series.studyUid, series.seriesUid);

  const refresh = useCallback((eng: RenderingEngine) => {
    const next: Partial<Record<MprPlane, PaneState>> = {};
    for (const p of MPR_PLANES) {
      const vp = eng.getViewport(mprViewportId(p.plane)) as VolumeViewport | undefined;
      if (vp && vp.getDefaultActor()) next[p.plane] = readPane(vp);
    }
    setPanes(next);
    setCenter(crosshairCenter());
  }, []);

  // Check the geometry, then build the engine, viewports, tools and the volume.
  useEffect(() => {
    let cancelled = false;
    let eng: RenderingEngine | null = null;
    let dispose: (() => void) | null = null;
    let stopStream: (() => void) | null = null;
    let ro: ResizeObserver | null = null;
    let frame = 0;
    const elements = MPR_PLANES.map((p) => refs.current[p.plane]!);
    const update = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => eng && !eng.hasBeenDestroyed && refresh(eng));
    };
    const events = [Enums.Events.IMAGE_RENDERED, Enums.Events.CAMERA_MODIFIED, Enums.Events.VOI_MODIFIED];
    setStatus({ kind: 'loading', loaded: 0, total: 0 });
    (async () => {
      const stack = await loadStack(series, thunk);
      if (cancelled) return;
      const datasets = [...new Set(stack.instanceOf.values())];
      const check = checkVolumeDatasets(datasets);
      if (!check.ok) {
        setStatus({ kind: 'unsupported', message: check.reason });
        return;
      }
      setOblique(check.oblique);
      // Frames not cached yet start arriving while the engine and the volume are built.
      stopStream = streamVolumeFrames(stack.imageIds);
      ensureMprSetup();
      enterVolumeRendering();
      eng = new RenderingEngine(`axial-mpr-${++engineCounter}`);
      eng.setViewports(
        MPR_PLANES.map((p, i) => ({
          viewportId: mprViewportId(p.plane),
          type: Enums.ViewportType.ORTHOGRAPHIC,
          element: elements[i],
          defaultOptions: { orientation: p.orientation, background: [0, 0, 0] as Types.Point3 },
        })),
      );
      createMprTools(eng);
      for (const el of elements) for (const e of events) el.addEventListener(e, update);
      setEngine(eng);
      setStatus({ kind: 'loading', loaded: 0, total: stack.imageIds.length });
      const shown = await showVolume(eng, volumeId, stack.imageIds, (p) => !cancelled && setStatus((s) => (s.kind === 'loading' ? { kind: 'loading', loaded: p.loaded, total: p.total } : s)));
      dispose = shown.dispose;
      if (cancelled) return;
      setMprPrimaryTool('crosshairs');
      const e = eng;
      ro = new ResizeObserver(() => {
        if (!e.hasBeenDestroyed) e.resize(true, true);
      });
      for (const el of elements) ro.observe(el);
      await shown.loaded;
      // User timing for the benchmark's split of an MPR opening: frames in, then planes drawn ('axial:mpr-ready').
      performance.mark('axial:mpr-frames-loaded');
      stopStream();
      if (cancelled) return;
      // A volume without a window in its headers (e.g. the MR phantom) gets one from its data range.
      const vp = e.getViewport(mprViewportId('axial')) as VolumeViewport;
      const range = vp.getProperties()?.voiRange;
      if (!range || !(range.upper - range.lower > 0)) {
        const volume = vp.getImageData()?.voxelManager as { getRange?: () => [number, number] } | undefined;
        const r = volume?.getRange?.();
        if (r && r[1] > r[0]) setMprVoi(e, { lower: r[0], upper: r[1] });
      }
      e.render();
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      if (cancelled) return;
      setTexture(volumeTextureType(volumeId));
      refresh(e);
      performance.mark('axial:mpr-ready');
      setStatus({ kind: 'ready' });
    })().catch((err: unknown) => {
      if (!cancelled) setStatus({ kind: 'error', message: errorText(err) });
    });
    return () => {
      cancelled = true;
      cancelAnimationFrame(frame);
      ro?.disconnect();
      dispose?.();
      stopStream?.();
      for (const el of elements) for (const e of events) el.removeEventListener(e, update);
      setEngine(null);
      destroyMprTools();
      if (eng && !eng.hasBeenDestroyed) eng.destroy();
      releaseVolume(volumeId);
      // The stack viewports come back after this (their panes mount once the MPR view is gone).
      enterStackRendering();
    };
  }, [series, thunk, volumeId, refresh]);

  useEffect(() => {
    if (engine && status.kind !== 'unsupported') setMprPrimaryTool(tool);
  }, [engine, tool, status.kind]);

  useEffect(() => {
    if (engine && status.kind === 'ready') setSlab(engine, slab, mode);
  }, [engine, slab, mode, status.kind]);

  useEffect(() => {
    if (engine && status.kind === 'ready') setMprInvert(engine, invert);
  }, [engine, invert, status.kind]);

  const reset = useCallback(() => {
    if (!engine) return;
    resetMpr();
    setSlab(engine, slab, mode);
    refresh(engine);
  }, [engine, slab, mode, refresh]);

  const preset = useCallback(
    (width: number, centre: number) => {
      if (engine) setMprVoi(engine, toRange(width, centre));
    },
    [engine],
  );

  // Keys: 1-8 CT presets, I invert, Esc reset (the stack viewer's shortcuts have no stack viewport here).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (e.ctrlKey || e.metaKey || e.altKey || t?.closest?.('[role="dialog"]') || (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA'))) return;
      if (/^[1-8]$/.test(e.key)) {
        const p = CT_PRESETS[Number(e.key) - 1];
        preset(p.width, p.center);
      } else if (e.key === 'i' || e.key === 'I') setInvert((v) => !v);
      else if (e.key === 'Escape') reset();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [preset, reset]);

  const isCT = series.modality === 'CT';
  const loading = status.kind === 'loading';
  const centerAttr = center ? center.map((v) => v.toFixed(2)).join(',') : '';

  return (
    <div className="flex h-full w-full flex-col" data-testid="mpr" data-status={status.kind} data-center={centerAttr} data-oblique={oblique ? 'true' : 'false'} data-volume-texture={texture}>
      <div className="flex h-10 shrink-0 items-center gap-1 border-b border-neutral-800 bg-neutral-900 px-2 text-xs" role="toolbar" aria-label="MPR tools">
        <span className="mr-2 font-semibold text-neutral-200">MPR</span>
        <span className="mr-2 min-w-0 max-w-40 truncate text-neutral-400" title={series.description}>
          {series.modality} · {series.description || `Series ${series.seriesNumber}`}
        </span>
        <div className="flex items-center gap-0.5" role="group" aria-label="MPR left mouse button tool">
          {TOOLS.map((t) => (
            <button
              key={t.id}
              type="button"
              title={t.label}
              aria-label={t.label}
              aria-pressed={tool === t.id}
              data-testid={`mpr-tool-${t.id}`}
              onClick={() => setTool(t.id)}
              className={`flex h-8 min-w-8 items-center justify-center rounded px-1.5 text-neutral-300 hover:bg-neutral-700 hover:text-white ${tool === t.id ? 'bg-sky-700/60 text-white ring-1 ring-sky-400' : ''}`}
            >
              <t.icon className="size-4" aria-hidden />
            </button>
          ))}
        </div>
        <div className="mx-2 h-6 w-px bg-neutral-700" />
        <label className="flex items-center gap-1 text-neutral-300">
          Slab
          <select
            aria-label="Slab thickness"
            data-testid="mpr-slab"
            className="h-8 rounded border border-neutral-700 bg-neutral-800 px-1 text-neutral-200"
            value={slab}
            onChange={(e) => {
              setSlabMm(Number(e.target.value));
              e.target.blur();
            }}
          >
            {SLABS.map((s) => (
              <option key={s} value={s}>
                {s === 0 ? 'thin' : `${s} mm`}
              </option>
            ))}
          </select>
        </label>
        <select
          aria-label="Slab projection"
          data-testid="mpr-slab-mode"
          className="h-8 rounded border border-neutral-700 bg-neutral-800 px-1 text-neutral-200"
          value={mode}
          onChange={(e) => {
            setMode(e.target.value as SlabMode);
            e.target.blur();
          }}
        >
          <option value="mip">MIP</option>
          <option value="minip">MinIP</option>
          <option value="average">Average</option>
        </select>
        <div className="mx-2 h-6 w-px bg-neutral-700" />
        <select
          aria-label="MPR window presets"
          data-testid="mpr-wl-preset"
          className="h-8 rounded border border-neutral-700 bg-neutral-800 px-1 text-neutral-200"
          value=""
          onChange={(e) => {
            const p = CT_PRESETS.find((x) => x.id === e.target.value);
            if (p) preset(p.width, p.center);
            e.target.blur();
          }}
        >
          <option value="">W/L presets…</option>
          {CT_PRESETS.map((p, i) => (
            <option key={p.id} value={p.id}>
              {i + 1} · {p.label} ({p.width}/{p.center})
            </option>
          ))}
        </select>
        <button type="button" title="Invert (I)" aria-label="Invert" aria-pressed={invert} onClick={() => setInvert((v) => !v)} className="flex h-8 min-w-8 items-center justify-center rounded text-neutral-300 hover:bg-neutral-700">
          <Contrast className="size-4" aria-hidden />
        </button>
        <button type="button" title="Reset planes and crosshairs (Esc)" aria-label="Reset MPR" data-testid="mpr-reset" onClick={reset} className="flex h-8 min-w-8 items-center justify-center rounded text-neutral-300 hover:bg-neutral-700">
          <RotateCcw className="size-4" aria-hidden />
        </button>
        <div className="flex-1" />
        {loading && status.total > 0 && (
          <span className="flex items-center gap-1 text-neutral-400" data-testid="mpr-progress">
            <Loader2 className="size-3.5 animate-spin" aria-hidden /> {status.loaded}/{status.total} slices
          </span>
        )}
        {oblique && <span className="rounded bg-amber-900/60 px-1.5 py-0.5 text-amber-200" title="The acquisition plane is oblique; the planes shown are true patient axial, coronal and sagittal">oblique</span>}
        <button type="button" onClick={onClose} className="ml-2 flex shrink-0 items-center gap-1 whitespace-nowrap rounded px-2 py-1 text-neutral-300 hover:bg-neutral-700 hover:text-white" data-testid="mpr-close">
          <X className="size-4" aria-hidden /> Back to stack
        </button>
      </div>

      <div className="relative grid min-h-0 flex-1 grid-cols-3 gap-px bg-neutral-800">
        {MPR_PLANES.map((p) => {
          const pane = panes[p.plane];
          return (
            <div
              key={p.plane}
              className={`relative min-h-0 min-w-0 overflow-hidden bg-black ${activePlane === p.plane ? 'ring-2 ring-inset ring-sky-400' : ''}`}
              data-testid={`mpr-${p.plane}`}
              data-mm-per-px={pane ? pane.mmPerPx.toFixed(4) : ''}
              onMouseDownCapture={() => setActivePlane(p.plane)}
            >
              <div
                ref={(el) => {
                  refs.current[p.plane] = el;
                }}
                className="absolute inset-0"
                onContextMenu={(e) => e.preventDefault()}
                data-testid={`mpr-element-${p.plane}`}
              />
              {status.kind !== 'unsupported' && (
                <div className="pointer-events-none absolute inset-0 select-none font-mono text-[11px] leading-tight text-neutral-100 [text-shadow:0_0_3px_#000,0_0_2px_#000]">
                  <div className="absolute left-2 top-2">
                    <div className="font-semibold" style={{ color: p.color }}>
                      {p.label}
                    </div>
                    <div>{formatPersonName(study?.patientName ?? '') || '—'}</div>
                  </div>
                  {pane && (
                    <>
                      <div className="absolute bottom-2 left-2" data-testid={`mpr-position-${p.plane}`}>
                        <div>{pane.position}</div>
                        <div>{slab > 0 ? `${mode === 'mip' ? 'MIP' : mode === 'minip' ? 'MinIP' : 'Average'} ${slab} mm` : 'thin'}</div>
                      </div>
                      <div className="absolute bottom-2 right-2 text-right">
                        {pane.ww !== null && pane.wc !== null ? `W: ${Math.round(pane.ww)} L: ${Math.round(pane.wc)}${isCT ? ' HU' : ''}` : ''}
                      </div>
                      <div className="absolute left-1/2 top-2 -translate-x-1/2 text-sm font-semibold text-amber-200" data-testid={`mpr-marker-top-${p.plane}`}>{pane.markers.top}</div>
                      <div className="absolute bottom-2 left-1/2 -translate-x-1/2 text-sm font-semibold text-amber-200">{pane.markers.bottom}</div>
                      <div className="absolute left-2 top-1/2 -translate-y-1/2 text-sm font-semibold text-amber-200" data-testid={`mpr-marker-left-${p.plane}`}>{pane.markers.left}</div>
                      <div className="absolute right-2 top-1/2 -translate-y-1/2 text-sm font-semibold text-amber-200" data-testid={`mpr-marker-right-${p.plane}`}>{pane.markers.right}</div>
                    </>
                  )}
                </div>
              )}
            </div>
          );
        })}
        {status.kind === 'loading' && status.total === 0 && (
          <div className="pointer-events-none absolute inset-0 flex items-center justify-center gap-2 text-sm text-neutral-300">
            <Loader2 className="size-4 animate-spin" aria-hidden /> Preparing the volume…
          </div>
        )}
        {(status.kind === 'unsupported' || status.kind === 'error') && (
          <div role="alert" data-testid="mpr-message" className="absolute inset-x-8 top-1/2 -translate-y-1/2 rounded bg-neutral-900/95 p-4 text-center text-sm text-neutral-100 ring-1 ring-amber-700">
            <p className="font-semibold text-amber-200">{status.kind === 'unsupported' ? 'This series cannot be shown as MPR' : 'MPR failed'}</p>
            <p className="mt-1">{status.message}</p>
            <button type="button" onClick={onClose} className="mt-3 rounded bg-neutral-700 px-3 py-1 text-xs hover:bg-neutral-600">
              Back to stack
            </button>
          </div>
        )}
      </div>
    </div>
  );
}
