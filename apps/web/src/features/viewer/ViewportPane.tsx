import { useEffect, useRef, useState, type DragEvent } from 'react';
import { Enums, eventTarget, metaData, type RenderingEngine, type StackViewport, type Types } from '@cornerstonejs/core';
import { ToolGroupManager, utilities as toolUtils } from '@cornerstonejs/tools';
import { Loader2, Pause, Play } from 'lucide-react';
import { stacksRenderOnCpu, TOOL_GROUP_ID } from '../../viewer/cornerstone';
import { orientationLetters } from '../../viewer/presets';
import { loadStack, type StackInfo, type ViewerSeries, type ViewerStudy } from '../../viewer/studyData';
import type { Thunk } from '../studies/dicomweb';
import { formatDA, formatPersonName, str } from '../studies/dicomJson';
import { afterFirstPaint, startStackPrefetch } from '../../viewer/prefetch';
import { KeyImageBadge } from './KeyImageBadge';
import { firstImageShown } from '../../viewer/firstImage';

export const SERIES_DRAG_TYPE = 'application/x-axial-series';

export function viewportId(index: number): string {
  return `vp-${index}`;
}

interface OverlayState {
  index: number;
  total: number;
  ww: number | null;
  wc: number | null;
  zoom: number;
  markers: { top: string; right: string; bottom: string; left: string } | null;
}

interface Props {
  index: number;
  engine: RenderingEngine;
  series: ViewerSeries | null;
  study: ViewerStudy | undefined;
  active: boolean;
  thunk: Thunk;
  onActivate: (index: number) => void;
  onDropSeries: (index: number, seriesKey: string) => void;
}

interface VtkImageDataLike {
  getPointData?: () => { getScalars?: () => { dataChange?: () => void } | null } | null;
}

function sub(a: Types.Point3, b: Types.Point3): [number, number, number] {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}

/**
 * A CPU-rendered stack reports its zoom as the absolute scale (canvas pixels per image pixel, undefined before the
 * first image); the overlay shows it relative to the image fitted in the viewport, as the WebGL path does (1 = fit).
 */
function cpuRelativeZoom(vp: StackViewport): number {
  const scale = vp.getZoom() as number | undefined;
  const image = vp.getCornerstoneImage?.();
  if (!scale || !image) return 1;
  const quarterTurn = Math.abs((vp.getViewPresentation().rotation ?? 0) % 180) === 90;
  const w = quarterTurn ? image.rows : image.columns;
  const h = quarterTurn ? image.columns : image.rows;
  const row = image.rowPixelSpacing || 1;
  const col = image.columnPixelSpacing || 1;
  const fit = Math.min(vp.canvas.width / w / (row < col ? col / row : 1), vp.canvas.height / h / (row < col ? 1 : row / col));
  return fit > 0 ? scale / fit : 1;
}

function readOverlay(vp: StackViewport, stack: StackInfo | null): OverlayState {
  const ids = vp.getImageIds();
  const props = vp.getProperties();
  const range = props.voiRange;
  let markers: OverlayState['markers'] = null;
  if (stack?.hasOrientation && vp.getCurrentImageId()) {
    const { clientWidth: w, clientHeight: h } = vp.canvas;
    // (A CPU-rendered stack has no world coordinates before its first image is drawn.)
    const o = vp.canvasToWorld([0, 0]);
    const r = vp.canvasToWorld([w, 0]);
    const d = vp.canvasToWorld([0, h]);
    if (o && r && d) {
      const right = sub(r, o);
      const down = sub(d, o);
      const neg = (v: [number, number, number]): [number, number, number] => [-v[0], -v[1], -v[2]];
      markers = { right: orientationLetters(right), left: orientationLetters(neg(right)), bottom: orientationLetters(down), top: orientationLetters(neg(down)) };
    }
  }
  let zoom = 1;
  try {
    zoom = stacksRenderOnCpu() ? cpuRelativeZoom(vp) : vp.getZoom();
    if (!Number.isFinite(zoom)) zoom = 1;
  } catch {
    /* not rendered yet */
  }
  return {
    index: vp.getCurrentImageIdIndex(),
    total: ids.length,
    ww: range ? range.upper - range.lower : null,
    wc: range ? (range.upper + range.lower) / 2 : null,
    zoom,
    markers,
  };
}

/** One stack viewport: its canvas element, the corner overlay, the scroll slider and cine controls. */
export function ViewportPane({ index, engine, series, study, active, thunk, onActivate, onDropSeries }: Props) {
  const elRef = useRef<HTMLDivElement>(null);
  const [stack, setStack] = useState<StackInfo | null>(null);
  const [status, setStatus] = useState<{ kind: 'idle' | 'loading' | 'ready' } | { kind: 'error'; message: string }>({ kind: 'idle' });
  const [overlay, setOverlay] = useState<OverlayState | null>(null);
  const [dropping, setDropping] = useState(false);
  const [playing, setPlaying] = useState(false);
  const [fps, setFps] = useState(15);
  const id = viewportId(index);
  const stackRef = useRef<StackInfo | null>(null);
  stackRef.current = stack;

  // Enable the element on the engine and in the tool group for the pane's lifetime.
  useEffect(() => {
    const element = elRef.current;
    if (!element) return;
    engine.enableElement({ viewportId: id, element, type: Enums.ViewportType.STACK, defaultOptions: { background: [0, 0, 0] } });
    ToolGroupManager.getToolGroup(TOOL_GROUP_ID)?.addViewport(id, engine.id);
    let frame = 0;
    const update = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        const vp = engine.getViewport(id) as StackViewport | undefined;
        if (vp && vp.getImageIds().length) setOverlay(readOverlay(vp, stackRef.current));
      });
    };
    // Cornerstone 4.22 copies each new image into the reused vtkImageData in place and only calls
    // modified(), so vtk.js keeps the scalar range cached from the first image and scales the texture
    // with it (a uniform first slice, e.g. the MR phantom's, then renders later slices inverted or
    // flat). Invalidate the range synchronously, before the next render.
    const invalidateRange = () => {
      if (stacksRenderOnCpu()) return; // no vtk.js image data on the CPU path
      const vp = engine.getViewport(id) as StackViewport | undefined;
      const actor = vp?.getDefaultActor()?.actor as unknown as { getMapper?: () => { getInputData?: () => VtkImageDataLike } } | undefined;
      actor?.getMapper?.()?.getInputData?.()?.getPointData?.()?.getScalars?.()?.dataChange?.();
    };
    element.addEventListener(Enums.Events.STACK_NEW_IMAGE, invalidateRange);
    const events = [Enums.Events.IMAGE_RENDERED, Enums.Events.VOI_MODIFIED, Enums.Events.CAMERA_MODIFIED, Enums.Events.STACK_NEW_IMAGE];
    for (const e of events) element.addEventListener(e, update);
    // Re-fit on size changes (layout switches, window resizes): keeping the old camera would leave the
    // image zoomed and cropped in a narrower viewport.
    const ro = new ResizeObserver(() => engine.resize(true, false));
    ro.observe(element);
    return () => {
      cancelAnimationFrame(frame);
      ro.disconnect();
      for (const e of events) element.removeEventListener(e, update);
      element.removeEventListener(Enums.Events.STACK_NEW_IMAGE, invalidateRange);
      try {
        toolUtils.cine.stopClip(element);
      } catch {
        /* no clip */
      }
      ToolGroupManager.getToolGroup(TOOL_GROUP_ID)?.removeViewports(engine.id, id);
      if (!engine.hasBeenDestroyed) engine.disableElement(id);
    };
  }, [engine, id]);

  // Load the assigned series.
  useEffect(() => {
    if (!series) {
      setStack(null);
      setStatus({ kind: 'idle' });
      return;
    }
    let cancelled = false;
    let stopPrefetch: (() => void) | null = null;
    setStatus({ kind: 'loading' });
    setOverlay(null);
    setPlaying(false);
    const element = elRef.current;
    if (element) {
      try {
        toolUtils.cine.stopClip(element);
      } catch {
        /* no clip */
      }
    }
    loadStack(series, thunk)
      .then(async (s) => {
        if (cancelled) return;
        if (!s.imageIds.length) {
          firstImageShown();
          setStatus({ kind: 'error', message: 'This series has no images to display.' });
          return;
        }
        setStack(s);
        if (s.frameTimeMs) setFps(Math.max(1, Math.min(60, Math.round(1000 / s.frameTimeMs))));
        const vp = engine.getViewport(id) as StackViewport;
        await vp.setStack(s.imageIds, 0);
        if (cancelled) return;
        vp.resetCamera();
        // Then the rest of the stack, nearest images first (within the cache limit), and the viewer's other requests
        // (viewer/firstImage.ts), once the first image is on screen.
        if (element) {
          const cancelWait = afterFirstPaint(element, () => {
            firstImageShown();
            if (!cancelled && s.imageIds.length > 1) stopPrefetch = startStackPrefetch(element, s.imageIds, () => vp.getCurrentImageIdIndex());
          });
          stopPrefetch = cancelWait;
        }
        vp.render();
        setStatus({ kind: 'ready' });
      })
      .catch((err: unknown) => {
        if (cancelled) return;
        firstImageShown();
        const message = err instanceof Error ? err.message : typeof err === 'object' && err && 'message' in err ? String((err as { message: unknown }).message) : 'Could not load the series.';
        setStatus({ kind: 'error', message });
      });
    return () => {
      cancelled = true;
      stopPrefetch?.();
    };
  }, [engine, id, series, thunk]);

  // Frame load failures for this stack.
  useEffect(() => {
    if (!stack) return;
    const ids = new Set(stack.imageIds);
    const onFail = (evt: Event) => {
      const detail = (evt as CustomEvent<{ imageId?: string; error?: { message?: string } }>).detail;
      if (detail?.imageId && ids.has(detail.imageId)) {
        setStatus({ kind: 'error', message: `Image could not be decoded${detail.error?.message ? `: ${detail.error.message}` : ''}` });
      }
    };
    eventTarget.addEventListener(Enums.Events.IMAGE_LOAD_FAILED, onFail);
    return () => eventTarget.removeEventListener(Enums.Events.IMAGE_LOAD_FAILED, onFail);
  }, [stack]);

  const toggleCine = () => {
    const element = elRef.current;
    if (!element) return;
    if (playing) {
      toolUtils.cine.stopClip(element);
      setPlaying(false);
    } else {
      toolUtils.cine.playClip(element, { framesPerSecond: fps, loop: true });
      setPlaying(true);
    }
  };

  const changeFps = (value: number) => {
    setFps(value);
    const element = elRef.current;
    if (playing && element) {
      toolUtils.cine.stopClip(element);
      toolUtils.cine.playClip(element, { framesPerSecond: value, loop: true });
    }
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDropping(false);
    const key = e.dataTransfer.getData(SERIES_DRAG_TYPE);
    if (key) onDropSeries(index, key);
  };

  const current = stack && overlay ? stack.imageIds[overlay.index] : undefined;
  const ds = current ? stack?.instanceOf.get(current) : undefined;
  const isCT = series?.modality === 'CT';
  const frameCount = current && ds ? Number(ds['00280008']?.Value?.[0] ?? 1) : 1;
  const pixelSpacing = current ? (metaData.get('imagePlaneModule', current) as { rowPixelSpacing?: number } | undefined)?.rowPixelSpacing : undefined;

  return (
    <div
      className={`relative min-h-0 min-w-0 overflow-hidden bg-black ${active ? 'ring-2 ring-inset ring-sky-400' : 'ring-1 ring-inset ring-neutral-800'} ${dropping ? 'outline-2 outline-dashed outline-amber-400' : ''}`}
      data-testid={`viewport-${index}`}
      data-active={active ? 'true' : 'false'}
      data-status={status.kind}
      data-image-index={overlay?.index ?? ''}
      data-series-uid={series?.seriesUid ?? ''}
      onMouseDownCapture={() => onActivate(index)}
      onWheelCapture={() => onActivate(index)}
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes(SERIES_DRAG_TYPE)) {
          e.preventDefault();
          e.dataTransfer.dropEffect = 'copy';
          setDropping(true);
        }
      }}
      onDragLeave={() => setDropping(false)}
      onDrop={onDrop}
    >
      <div ref={elRef} className="absolute inset-0" onContextMenu={(e) => e.preventDefault()} data-testid={`viewport-element-${index}`} />

      {/* Corner overlays: pointer-events-none so tools get every mouse event. */}
      {series && overlay && (
        <div className="pointer-events-none absolute inset-0 select-none font-mono text-[11px] leading-tight text-neutral-100 [text-shadow:0_0_3px_#000,0_0_2px_#000]" data-testid={`viewport-overlay-${index}`}>
          <div className="absolute left-2 top-2">
            <div className="font-semibold">{formatPersonName(study?.patientName ?? '') || '—'}</div>
            <div>ID: {study?.patientId || '—'}</div>
          </div>
          <div className="absolute right-8 top-2 text-right">
            <div>{study?.studyDate ? formatDA(study.studyDate) : ''}</div>
            <div>{study?.studyDescription || ''}</div>
          </div>
          <div className="absolute bottom-2 left-2">
            <div>
              Se: {series.seriesNumber || '—'} {series.description ? `· ${series.description}` : ''}
            </div>
            <div data-testid={`viewport-slice-${index}`}>
              {stack?.multiFrame && frameCount > 1 ? 'Fr' : 'Im'}: {overlay.index + 1}/{overlay.total}
              {ds ? ` · #${str(ds, '00200013') || '—'}` : ''}
            </div>
          </div>
          <div className="absolute bottom-2 right-8 text-right">
            <div data-testid={`viewport-wl-${index}`}>
              {overlay.ww !== null && overlay.wc !== null ? `W: ${Math.round(overlay.ww)} L: ${Math.round(overlay.wc)}${isCT ? ' HU' : ''}` : ''}
            </div>
            <div>Zoom: {overlay.zoom.toFixed(2)}×{pixelSpacing ? '' : ' · px units'}</div>
          </div>
          {overlay.markers && (
            <>
              <div className="absolute left-1/2 top-2 -translate-x-1/2 text-sm font-semibold text-amber-200">{overlay.markers.top}</div>
              <div className="absolute bottom-2 left-1/2 -translate-x-1/2 text-sm font-semibold text-amber-200">{overlay.markers.bottom}</div>
              <div className="absolute left-2 top-1/2 -translate-y-1/2 text-sm font-semibold text-amber-200" data-testid={`viewport-marker-left-${index}`}>{overlay.markers.left}</div>
              <div className="absolute right-8 top-1/2 -translate-y-1/2 text-sm font-semibold text-amber-200" data-testid={`viewport-marker-right-${index}`}>{overlay.markers.right}</div>
            </>
          )}
        </div>
      )}

      <KeyImageBadge imageId={current} index={index} />

      {/* Scroll slider (vertical, right edge). */}
      {overlay && overlay.total > 1 && (
        <input
          type="range"
          aria-label={`Image in viewport ${index + 1}`}
          min={0}
          max={overlay.total - 1}
          value={overlay.index}
          onChange={(e) => {
            const vp = engine.getViewport(id) as StackViewport;
            void vp.setImageIdIndex(Number(e.target.value));
          }}
          className="absolute right-1 top-8 bottom-8 w-4 cursor-pointer accent-sky-400 [direction:ltr] [writing-mode:vertical-lr]"
          data-testid={`viewport-slider-${index}`}
        />
      )}

      {stack?.multiFrame && overlay && overlay.total > 1 && (
        <div className="absolute bottom-9 left-1/2 flex -translate-x-1/2 items-center gap-2 rounded bg-neutral-900/85 px-2 py-1 text-xs text-neutral-200 ring-1 ring-neutral-700">
          <button type="button" onClick={toggleCine} className="rounded p-1 hover:bg-neutral-700" aria-label={playing ? 'Pause cine' : 'Play cine'} data-testid={`cine-toggle-${index}`}>
            {playing ? <Pause className="size-4" aria-hidden /> : <Play className="size-4" aria-hidden />}
          </button>
          <label className="flex items-center gap-1">
            <span>fps</span>
            <input type="range" min={1} max={60} value={fps} onChange={(e) => changeFps(Number(e.target.value))} className="w-20 accent-sky-400" aria-label="Frames per second" />
            <span className="w-5 text-right tabular-nums">{fps}</span>
          </label>
        </div>
      )}

      {!series && (
        <div className="pointer-events-none absolute inset-0 flex items-center justify-center text-xs text-neutral-500">
          Drag a series here or click one in the series panel
        </div>
      )}
      {status.kind === 'loading' && (
        <div className="pointer-events-none absolute inset-0 flex items-center justify-center gap-2 text-sm text-neutral-300">
          <Loader2 className="size-4 animate-spin" aria-hidden /> Loading images…
        </div>
      )}
      {status.kind === 'error' && (
        <div role="alert" className="absolute inset-x-4 top-1/2 -translate-y-1/2 rounded bg-red-950/90 p-3 text-center text-sm text-red-200 ring-1 ring-red-800">
          {status.message}
        </div>
      )}
    </div>
  );
}
