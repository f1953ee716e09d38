import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useStore } from 'react-redux';
import { metaData, RenderingEngine, type StackViewport } from '@cornerstonejs/core';
import { annotation, Enums as ToolEnums, ToolGroupManager, PanTool, StackScrollTool, WindowLevelTool, ZoomTool } from '@cornerstonejs/tools';
import {
  ArrowLeft,
  ArrowLeftRight,
  ArrowUpDown,
  ArrowUpRight,
  Circle,
  CircleQuestionMark,
  Columns2,
  Contrast,
  Crosshair,
  Box,
  Grid2x2,
  Loader2,
  Move,
  RectangleHorizontal,
  RotateCcw,
  RotateCw,
  Rows2,
  Ruler,
  Square,
  SunMedium,
  Triangle,
  ZoomIn,
  TriangleRight,
  PencilLine,
  Diameter,
  Type,
  PanelRight,
  type LucideIcon,
} from 'lucide-react';
import { Dialog } from '../../ui';
import type { RootState } from '../../app/store';
import { renewToken, type Thunk } from '../studies/dicomweb';
import { errorMessage } from '../../app/api';
import { SeriesThumbnail } from '../study/SeriesThumbnail';
import { ensureCornerstone, enterStackRendering, setTokenRenewal, loadFirstImage, MEASUREMENT_TOOL_CONFIG, MEASUREMENT_TOOL_NAMES, PRIMARY_TOOLS, RENDERING_ENGINE_ID, TOOL_GROUP_ID, type PrimaryTool } from '../../viewer/cornerstone';
import { CT_PRESETS, toRange } from '../../viewer/presets';
import { isImageSeries, loadStack, loadStudy, type ViewerSeries, type ViewerStudy } from '../../viewer/studyData';
import { SERIES_DRAG_TYPE, viewportId, ViewportPane } from './ViewportPane';
import { MeasurementsPanel } from './MeasurementsPanel';
import { PriorsPanel } from './PriorsPanel';
import { StudyTabs } from './StudyTabs';
import { TextPromptDialog } from './TextPromptDialog';
import { jumpToImage } from './jump';
import { viewerTabs } from '../../viewer/viewerTabs';
import { formatDA, formatPersonName } from '../studies/dicomJson';
import { MprView } from './MprView';
import { ViewerSettingsButton } from './ViewerSettingsButton';
import { applyCacheLimit } from '../../viewer/viewerSettings';
import { HangingProtocolMenu, priorCandidates, toHpStudy } from './HangingProtocolMenu';
import { availableProtocols, priorToLoad, type ProtocolPlan } from '../../viewer/hangingProtocols';
import { afterFirstImage, holdUntilFirstImage, useAfterFirstImage } from '../../viewer/firstImage';

type LayoutId = '1x1' | '1x2' | '2x1' | '2x2';
const LAYOUTS: Array<{ id: LayoutId; rows: number; cols: number; label: string; icon: LucideIcon }> = [
  { id: '1x1', rows: 1, cols: 1, label: '1×1', icon: Square },
  { id: '1x2', rows: 1, cols: 2, label: '1×2 (side by side)', icon: Columns2 },
  { id: '2x1', rows: 2, cols: 1, label: '2×1 (stacked)', icon: Rows2 },
  { id: '2x2', rows: 2, cols: 2, label: '2×2', icon: Grid2x2 },
];

const TOOL_BUTTONS: Array<{ id: PrimaryTool; label: string; icon: LucideIcon }> = [
  { id: 'windowLevel', label: 'Window / level', icon: SunMedium },
  { id: 'pan', label: 'Pan', icon: Move },
  { id: 'zoom', label: 'Zoom', icon: ZoomIn },
  { id: 'length', label: 'Length', icon: Ruler },
  { id: 'angle', label: 'Angle', icon: Triangle },
  { id: 'ellipse', label: 'Ellipse ROI', icon: Circle },
  { id: 'rectangle', label: 'Rectangle ROI', icon: RectangleHorizontal },
  { id: 'probe', label: 'Probe', icon: Crosshair },
  { id: 'arrow', label: 'Arrow annotation', icon: ArrowUpRight },
  { id: 'cobb', label: 'Cobb angle', icon: TriangleRight },
  { id: 'freehand', label: 'Freehand ROI', icon: PencilLine },
  { id: 'bidirectional', label: 'Bidirectional (long / short axis)', icon: Diameter },
  { id: 'text', label: 'Free text', icon: Type },
];

const SHORTCUTS: Array<[string, string]> = [
  ['Left drag', 'Active tool (window/level by default)'],
  ['Right drag · Ctrl + wheel', 'Zoom'],
  ['Middle drag', 'Pan'],
  ['Wheel · ↑ ↓ ← →', 'Previous / next image'],
  ['1 – 8', 'CT presets: brain, subdural, stroke, lung, mediastinum, abdomen, liver, bone'],
  ['0', "The image's own window"],
  ['I', 'Invert'],
  ['R', 'Rotate 90° clockwise'],
  ['H / V', 'Flip horizontally / vertically'],
  ['Esc', 'Reset the viewport'],
  ['Space', 'Play / pause cine (multi-frame)'],
  ['M', 'MPR of the active series (axial, coronal, sagittal) / back to the stack'],
  ['K', 'Mark / unmark the image as a key image'],
  ['Delete', 'Delete the selected measurement'],
  ['?', 'This help'],
];

const seriesKey = (s: ViewerSeries) => `${s.studyUid}|${s.seriesUid}`;

/** Sets every tool's bindings: fixed right/middle/wheel bindings plus the left button for `primary`. */
function applyBindings(primary: PrimaryTool) {
  const tg = ToolGroupManager.getToolGroup(TOOL_GROUP_ID);
  if (!tg) return;
  const { MouseBindings, KeyboardBindings } = ToolEnums;
  const primaryName = PRIMARY_TOOLS[primary];
  const fixed: Record<string, Array<{ mouseButton: number; modifierKey?: KeyboardBindingsValue }>> = {
    [PanTool.toolName]: [{ mouseButton: MouseBindings.Auxiliary }],
    [ZoomTool.toolName]: [{ mouseButton: MouseBindings.Secondary }, { mouseButton: MouseBindings.Wheel, modifierKey: KeyboardBindings.Ctrl }],
    [StackScrollTool.toolName]: [{ mouseButton: MouseBindings.Wheel }],
    [WindowLevelTool.toolName]: [],
  };
  for (const name of [...Object.keys(fixed), ...MEASUREMENT_TOOL_NAMES]) {
    const bindings = [...(fixed[name] ?? [])];
    if (name === primaryName) bindings.push({ mouseButton: MouseBindings.Primary });
    tg.setToolPassive(name, { removeAllBindings: true });
    if (bindings.length) tg.setToolActive(name, { bindings });
  }
}
/**
 * StackViewport.resetProperties() resets VOI and invert, then re-matches the colour map, which throws in
 * Cornerstone 4.22 when no colour map matches (e.g. a uniform image with a zero-width window). VOI and
 * invert are already reset by then, so the error is harmless.
 */
function resetProps(vp: StackViewport) {
  try {
    vp.resetProperties();
  } catch {
    /* see above */
  }
}

type KeyboardBindingsValue = (typeof ToolEnums.KeyboardBindings)[keyof typeof ToolEnums.KeyboardBindings];

function ToolButton({ label, icon: Icon, active, onClick, testId, children }: { label: string; icon: LucideIcon; active?: boolean; onClick: () => void; testId?: string; children?: ReactNode }) {
  return (
    <button
      type="button"
      title={label}
      aria-label={label}
      aria-pressed={active}
      data-testid={testId}
      onClick={onClick}
      className={`flex h-8 min-w-8 items-center justify-center gap-1 rounded px-1.5 text-neutral-300 transition-colors hover:bg-neutral-700 hover:text-white focus-visible:outline-sky-400 ${active ? 'bg-sky-700/60 text-white ring-1 ring-sky-400' : ''}`}
    >
      <Icon className="size-4" aria-hidden />
      {children}
    </button>
  );
}

/**
 * Starts Cornerstone ahead of the viewer (called by viewer/preloadViewer.ts from the pages that open it, in idle
 * time): core, the image loader and its decode worker, tools. Opening the viewer then reuses it.
 */
export function warmViewer(getToken: () => string | null): Promise<void> {
  return ensureCornerstone(getToken);
}

/** /viewer?StudyInstanceUIDs=a[,b] — the diagnostic stack viewer. */
export default function ViewerPage() {
  const [sp] = useSearchParams();
  const navigate = useNavigate();
  const uidsParam = sp.get('StudyInstanceUIDs') ?? '';
  const uids = useMemo(() => uidsParam.split(',').map((u) => u.trim()).filter(Boolean), [uidsParam]);
  // Priors, saved measurements and thumbnails wait for the first image (viewer/firstImage.ts).
  useMemo(() => holdUntilFirstImage(uidsParam), [uidsParam]);
  const firstImageShown = useAfterFirstImage();
  const store = useStore<RootState>();
  const thunk = useMemo<Thunk>(() => ({ getState: store.getState, dispatch: store.dispatch }), [store]);
  // A frame refused with 401 (the access token expired while reading) is asked again with a refreshed one.
  useEffect(() => setTokenRenewal((refused) => renewToken(thunk, refused)), [thunk]);

  const [engine, setEngine] = useState<RenderingEngine | null>(null);
  const [initError, setInitError] = useState<string | null>(null);
  const [studies, setStudies] = useState<ViewerStudy[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [layout, setLayout] = useState<LayoutId>('1x1');
  const [assigned, setAssigned] = useState<Array<ViewerSeries | null>>([null, null, null, null]);
  const [activeIndex, setActiveIndex] = useState(0);
  const [primary, setPrimary] = useState<PrimaryTool>('windowLevel');
  const [helpOpen, setHelpOpen] = useState(false);
  const [showMeasurements, setShowMeasurements] = useState(true);
  // MPR of one series instead of the grid; hanging protocols offered for the study (first = automatic).
  const [mprSeries, setMprSeries] = useState<ViewerSeries | null>(null);
  const [plans, setPlans] = useState<ProtocolPlan[]>([]);
  const [protocolId, setProtocolId] = useState('');
  const userArranged = useRef(false);

  const grid = LAYOUTS.find((l) => l.id === layout)!;
  const count = grid.rows * grid.cols;

  // Cornerstone + one rendering engine and tool group for the page (destroyed on unmount: StrictMode safe).
  useEffect(() => {
    let cancelled = false;
    let created: RenderingEngine | null = null;
    ensureCornerstone(() => store.getState().session.accessToken)
      .then(() => {
        if (cancelled) return;
        applyCacheLimit();
        enterStackRendering();
        created = new RenderingEngine(RENDERING_ENGINE_ID);
        const tg = ToolGroupManager.createToolGroup(TOOL_GROUP_ID);
        if (tg) {
          for (const name of [WindowLevelTool.toolName, PanTool.toolName, ZoomTool.toolName, StackScrollTool.toolName, ...MEASUREMENT_TOOL_NAMES]) tg.addTool(name, MEASUREMENT_TOOL_CONFIG[name]);
        }
        applyBindings('windowLevel');
        setEngine(created);
      })
      .catch((err: unknown) => !cancelled && setInitError(errorMessage(err, 'The viewer could not start (WebGL2 is required).')));
    return () => {
      cancelled = true;
      setEngine(null);
      annotation.state.removeAllAnnotations();
      ToolGroupManager.destroyToolGroup(TOOL_GROUP_ID);
      created?.destroy();
    };
  }, [store]);

  useEffect(() => {
    if (engine) applyBindings(primary);
  }, [engine, primary]);

  // Studies and their series (QIDO).
  useEffect(() => {
    if (!uids.length) return;
    const ctrl = new AbortController();
    setStudies(null);
    setLoadError(null);
    userArranged.current = false;
    Promise.all(uids.map((u) => loadStudy(u, thunk, ctrl.signal)))
      .then(async (list) => {
        setStudies(list);
        // Hanging protocol: applied at once, then again with the prior when the rules want one (until the user rearranges).
        const hang = (all: ViewerStudy[]) => {
          const next = availableProtocols(toHpStudy(all[0]), all.slice(1).map(toHpStudy));
          setPlans(next);
          if (!userArranged.current && next[0]) applyPlan(next[0], all);
        };
        hang(list);
        await afterFirstImage();
        if (ctrl.signal.aborted) return;
        const candidates = await priorCandidates(list[0].patientId, thunk, ctrl.signal).catch(() => []);
        const priorUid = priorToLoad(toHpStudy(list[0]), candidates);
        if (!priorUid || list.some((st) => st.studyUid === priorUid) || ctrl.signal.aborted) return;
        const prior = await loadStudy(priorUid, thunk, ctrl.signal).catch(() => null);
        if (!prior || ctrl.signal.aborted) return;
        const withPrior = [...list, prior];
        setStudies(withPrior);
        hang(withPrior);
      })
      .catch((err: unknown) => {
        if (!ctrl.signal.aborted) setLoadError(errorMessage(err, 'Could not load the study.'));
      });
    return () => ctrl.abort();
  }, [uids, thunk]);

  const allSeries = useMemo(() => studies?.flatMap((s) => s.series) ?? [], [studies]);

  function applyPlan(plan: ProtocolPlan, list: ViewerStudy[] | null = studies) {
    const byKey = new Map((list ?? []).flatMap((st) => st.series).map((s) => [seriesKey(s), s]));
    const picked = plan.viewports.map((k) => (k ? (byKey.get(k) ?? null) : null));
    // Series metadata requests start now, while Cornerstone may still be starting (loadStack caches them); each
    // viewport's first image is requested once its metadata is in and Cornerstone has started.
    const cornerstone = ensureCornerstone(() => store.getState().session.accessToken);
    for (const s of picked) {
      if (s) void Promise.all([loadStack(s, thunk), cornerstone]).then(([st]) => st.imageIds[0] && loadFirstImage(st.imageIds[0]), () => undefined);
    }
    setLayout(plan.layout);
    setAssigned([0, 1, 2, 3].map((i) => picked[i] ?? null));
    setActiveIndex(0);
    setMprSeries(plan.mpr ? (byKey.get(plan.mpr) ?? null) : null);
    setProtocolId(plan.id);
  }

  const toggleMpr = useCallback(() => {
    userArranged.current = true;
    setProtocolId('custom');
    setMprSeries((cur) => (cur ? null : (assigned[activeIndex] ?? null)));
  }, [assigned, activeIndex]);
  const studyOf = useCallback((s: ViewerSeries | null) => studies?.find((st) => st.studyUid === s?.studyUid), [studies]);

  // Growing the layout fills empty viewports with series not shown yet.
  const changeLayout = (id: LayoutId) => {
    userArranged.current = true;
    setProtocolId('custom');
    setMprSeries(null);
    const l = LAYOUTS.find((x) => x.id === id)!;
    const n = l.rows * l.cols;
    setLayout(id);
    setAssigned((prev) => {
      const next = [...prev];
      const shown = new Set(next.slice(0, n).filter(Boolean).map((s) => seriesKey(s!)));
      const pool = allSeries.filter((s) => isImageSeries(s) && !shown.has(seriesKey(s)));
      for (let i = 0; i < n; i++) if (!next[i]) next[i] = pool.shift() ?? null;
      return next;
    });
    if (activeIndex >= n) setActiveIndex(0);
  };

  const assign = useCallback(
    (index: number, key: string) => {
      const s = allSeries.find((x) => seriesKey(x) === key);
      if (!s) return;
      userArranged.current = true;
      setProtocolId('custom');
      setAssigned((prev) => prev.map((p, i) => (i === index ? s : p)));
      setActiveIndex(index);
    },
    [allSeries],
  );

  const activeViewport = useCallback((): StackViewport | null => {
    if (!engine) return null;
    const vp = engine.getViewport(viewportId(activeIndex)) as StackViewport | undefined;
    return vp && vp.getImageIds().length ? vp : null;
  }, [engine, activeIndex]);

  const act = useCallback(
    (fn: (vp: StackViewport) => void) => {
      const vp = activeViewport();
      if (!vp) return;
      fn(vp);
      vp.render();
    },
    [activeViewport],
  );

  const actions = useMemo(
    () => ({
      preset: (width: number, center: number) => act((vp) => vp.setProperties({ voiRange: toRange(width, center) })),
      ownWindow: () =>
        act((vp) => {
          const voi = metaData.get('voiLutModule', vp.getCurrentImageId()) as { windowWidth?: number | number[]; windowCenter?: number | number[] } | undefined;
          const w = Array.isArray(voi?.windowWidth) ? voi.windowWidth[0] : voi?.windowWidth;
          const c = Array.isArray(voi?.windowCenter) ? voi.windowCenter[0] : voi?.windowCenter;
          const { invert } = vp.getProperties();
          if (w && c !== undefined) vp.setProperties({ voiRange: toRange(w, c) });
          else {
            resetProps(vp);
            vp.setProperties({ invert });
          }
        }),
      invert: () => act((vp) => vp.setProperties({ invert: !vp.getProperties().invert })),
      rotate: () => act((vp) => vp.setViewPresentation({ rotation: ((vp.getViewPresentation().rotation ?? 0) + 90) % 360 })),
      flipH: () => act((vp) => vp.setCamera({ flipHorizontal: !vp.getCamera().flipHorizontal })),
      flipV: () => act((vp) => vp.setCamera({ flipVertical: !vp.getCamera().flipVertical })),
      reset: () =>
        act((vp) => {
          // (The WebGL path's resetCamera also undoes rotation; the CPU path's does not.)
          if (vp.getViewPresentation().rotation) vp.setViewPresentation({ rotation: 0 });
          vp.resetCamera();
          resetProps(vp);
        }),
      scroll: (delta: number) => act((vp) => vp.scroll(delta)),
    }),
    [act],
  );

  // Keyboard shortcuts.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      // Keys typed in dialogs (Esc closes them) or while one is open are not viewer shortcuts. (Cornerstone
      // calls preventDefault on every keydown in a viewport, so defaultPrevented cannot be used here.)
      if (helpOpen || e.ctrlKey || e.metaKey || e.altKey || t?.closest?.('[role="dialog"],[role="alertdialog"]')) return;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable)) {
        if (!(t.tagName === 'INPUT' && (t as HTMLInputElement).type === 'range')) return;
      }
      const k = e.key;
      let handled = true;
      if (k === '?') setHelpOpen(true);
      else if (k === 'i' || k === 'I') actions.invert();
      else if (k === 'r' || k === 'R') actions.rotate();
      else if (k === 'h' || k === 'H') actions.flipH();
      else if (k === 'v' || k === 'V') actions.flipV();
      else if (k === 'Escape') actions.reset();
      else if (k === 'ArrowUp' || k === 'ArrowLeft') actions.scroll(-1);
      else if (k === 'ArrowDown' || k === 'ArrowRight') actions.scroll(1);
      else if (k === '0') actions.ownWindow();
      else if (/^[1-8]$/.test(k)) {
        const p = CT_PRESETS[Number(k) - 1];
        actions.preset(p.width, p.center);
      } else if (k === 'm' || k === 'M') toggleMpr();
      else if (k === ' ') document.querySelector<HTMLButtonElement>(`[data-testid="cine-toggle-${activeIndex}"]`)?.click();
      else handled = false;
      if (handled) e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [actions, helpOpen, activeIndex, toggleMpr]);

  const activeSeries = assigned[activeIndex] ?? null;

  // Priors beside the current study, tabs, and jumping to a measurement's / key image's image.
  const [besideUid, setBesideUid] = useState('');
  useEffect(() => setBesideUid(''), [uids]);
  const openBeside = useCallback(
    (uid: string) => {
      loadStudy(uid, thunk)
        .then((prior) => {
          setStudies((prev) => (prev && !prev.some((st) => st.studyUid === uid) ? [...prev, prior] : prev));
          const current = assigned[activeIndex] ?? assigned.find(Boolean) ?? null;
          const pick = prior.series.find((s) => isImageSeries(s) && s.modality === current?.modality) ?? prior.series.find(isImageSeries) ?? null;
          userArranged.current = true;
          setProtocolId('custom');
          setMprSeries(null);
          setLayout('1x2');
          setAssigned((prev) => [current ?? prev[0], pick, null, null]);
          setBesideUid(uid);
        })
        .catch((err: unknown) => setLoadError(errorMessage(err, 'Could not open the prior.')));
    },
    [thunk, assigned, activeIndex],
  );
  const jump = useCallback(
    (imageId: string) => {
      if (!engine) return;
      const shownIds = Array.from({ length: count }, (_, i) => viewportId(i));
      void jumpToImage(engine, imageId, shownIds, (studyUid, seriesUid) => {
        const s = allSeries.find((x) => x.studyUid === studyUid && x.seriesUid === seriesUid);
        if (!s) return null;
        assign(activeIndex, seriesKey(s));
        return viewportId(activeIndex);
      });
    },
    [engine, count, allSeries, assign, activeIndex],
  );
  const mainStudy = studies?.[0];
  const tabLabel = mainStudy ? `${formatPersonName(mainStudy.patientName) || mainStudy.patientId || 'Study'}${mainStudy.studyDate ? ` · ${formatDA(mainStudy.studyDate)}` : ''}` : '';
  const syncViewportIds = mprSeries ? [] : Array.from({ length: count }, (_, i) => i).filter((i) => assigned[i]).map(viewportId);

  return (
    <div className="fixed inset-0 flex flex-col bg-neutral-950 text-neutral-200 [color-scheme:dark]" data-testid="viewer">
      <StudyTabs current={uidsParam} label={tabLabel} />
      {/* Toolbar */}
      <header className="flex h-11 shrink-0 items-center gap-1 border-b border-neutral-800 bg-neutral-900 px-2" role="toolbar" aria-label="Viewer tools">
        <Link to={uids.length === 1 ? `/studies/${encodeURIComponent(uids[0])}` : '/studies'} className="mr-2 flex items-center gap-1 rounded px-2 py-1 text-xs text-neutral-400 hover:bg-neutral-800 hover:text-white">
          <ArrowLeft className="size-4" aria-hidden /> Back
        </Link>
        <div className="flex items-center gap-0.5" role="group" aria-label="Layout">
          {LAYOUTS.map((l) => (
            <ToolButton key={l.id} label={`Layout ${l.label}`} icon={l.icon} active={layout === l.id} onClick={() => changeLayout(l.id)} testId={`layout-${l.id}`} />
          ))}
        </div>
        <div className="mx-1 h-6 w-px bg-neutral-700" />
        <div className="flex items-center gap-0.5" role="group" aria-label="Left mouse button tool">
          {TOOL_BUTTONS.map((b) => (
            <ToolButton key={b.id} label={b.label} icon={b.icon} active={primary === b.id} onClick={() => setPrimary(b.id)} testId={`tool-${b.id}`} />
          ))}
        </div>
        <div className="mx-1 h-6 w-px bg-neutral-700" />
        <select
          aria-label="Window presets"
          data-testid="wl-preset"
          className="h-8 w-32 rounded border border-neutral-700 bg-neutral-800 px-1 text-xs text-neutral-200"
          value=""
          onChange={(e) => {
            const v = e.target.value;
            if (v === 'own') actions.ownWindow();
            const p = CT_PRESETS.find((x) => x.id === v);
            if (p) actions.preset(p.width, p.center);
            e.target.blur();
          }}
        >
          <option value="">W/L presets…</option>
          <option value="own">0 · Image window</option>
          {CT_PRESETS.map((p, i) => (
            <option key={p.id} value={p.id}>
              {i + 1} · {p.label} ({p.width}/{p.center})
            </option>
          ))}
        </select>
        <ToolButton label="Invert (I)" icon={Contrast} onClick={actions.invert} testId="action-invert" />
        <ToolButton label="Rotate 90° (R)" icon={RotateCw} onClick={actions.rotate} testId="action-rotate" />
        <ToolButton label="Flip horizontal (H)" icon={ArrowLeftRight} onClick={actions.flipH} testId="action-flip-h" />
        <ToolButton label="Flip vertical (V)" icon={ArrowUpDown} onClick={actions.flipV} testId="action-flip-v" />
        <ToolButton label="Reset (Esc)" icon={RotateCcw} onClick={actions.reset} testId="action-reset" />
        <div className="mx-1 h-6 w-px bg-neutral-700" />
        <ToolButton label="MPR: axial, coronal, sagittal (M)" icon={Box} active={!!mprSeries} onClick={toggleMpr} testId="action-mpr">
          <span className="text-xs">MPR</span>
        </ToolButton>
        <HangingProtocolMenu plans={plans} value={protocolId} onChange={(p) => {
          userArranged.current = true;
          applyPlan(p);
        }} />
        <div className="flex-1" />
        <ToolButton label="Measurements and key images panel" icon={PanelRight} active={showMeasurements} onClick={() => setShowMeasurements((v) => !v)} testId="toggle-measurements" />
        <ViewerSettingsButton />
        <ToolButton label="Keyboard shortcuts (?)" icon={CircleQuestionMark} onClick={() => setHelpOpen(true)} testId="action-help" />
      </header>

      <div className="flex min-h-0 flex-1">
        {/* Series panel */}
        <aside className="flex w-52 shrink-0 flex-col overflow-y-auto border-r border-neutral-800 bg-neutral-900/80" aria-label="Series">
          {!uids.length && <p className="p-3 text-xs text-neutral-400">No study selected. Open the viewer from the study list.</p>}
          {loadError && (
            <p role="alert" className="m-2 rounded bg-red-950 p-2 text-xs text-red-200">
              {loadError}
            </p>
          )}
          {uids.length > 0 && !studies && !loadError && (
            <p className="flex items-center gap-2 p-3 text-xs text-neutral-400">
              <Loader2 className="size-4 animate-spin" aria-hidden /> Loading series…
            </p>
          )}
          {studies?.map((st) => (
            <section key={st.studyUid} className="border-b border-neutral-800 pb-2">
              <h2 className="px-3 pb-1 pt-2 text-[11px] font-semibold uppercase tracking-wide text-neutral-400" title={st.studyUid}>
                {st.studyDescription || 'Study'}
              </h2>
              <ul className="flex flex-col gap-1 px-2" data-testid="series-list">
                {st.series.map((s) => {
                  const shownIn = assigned.slice(0, count).findIndex((a) => a && seriesKey(a) === seriesKey(s));
                  const image = isImageSeries(s);
                  return (
                    <li key={s.seriesUid}>
                      <button
                        type="button"
                        draggable={image}
                        disabled={!image}
                        onDragStart={(e) => {
                          e.dataTransfer.setData(SERIES_DRAG_TYPE, seriesKey(s));
                          e.dataTransfer.effectAllowed = 'copy';
                        }}
                        onClick={() => assign(activeIndex, seriesKey(s))}
                        data-testid="series-item"
                        data-series-uid={s.seriesUid}
                        className={`flex w-full flex-col items-center gap-1 rounded p-1.5 text-left text-[11px] hover:bg-neutral-800 disabled:cursor-not-allowed disabled:opacity-50 ${shownIn >= 0 ? 'bg-neutral-800 ring-1 ring-sky-500/70' : ''}`}
                        title={image ? 'Click to show in the active viewport, or drag onto a viewport' : 'No images to display'}
                      >
                        <SeriesThumbnail studyUid={s.studyUid} seriesUid={s.seriesUid} modality={s.modality} size={112} wait={!firstImageShown} />
                        <span className="flex w-full items-center gap-1">
                          <span className="rounded bg-neutral-700 px-1 font-semibold text-neutral-100">{s.modality || '—'}</span>
                          <span className="truncate text-neutral-200">{s.description || `Series ${s.seriesNumber || ''}`}</span>
                        </span>
                        <span className="w-full text-neutral-400">
                          #{s.seriesNumber || '—'} · {s.instanceCount} {s.instanceCount === 1 ? 'image' : 'images'}
                        </span>
                      </button>
                    </li>
                  );
                })}
              </ul>
            </section>
          ))}
          {engine && mainStudy && (
            <PriorsPanel
              patientId={mainStudy.patientId}
              currentStudyUid={mainStudy.studyUid}
              openStudyUids={studies?.map((st) => st.studyUid) ?? []}
              thunk={thunk}
              engine={engine}
              viewportIds={syncViewportIds}
              besideOpen={!!besideUid}
              onOpenBeside={openBeside}
              onOpenInTab={(uid) => navigate(viewerTabs.open(uid))}
            />
          )}
        </aside>

        {/* Viewports */}
        <main className="relative min-w-0 flex-1 bg-black">
          {initError && (
            <p role="alert" className="m-4 rounded bg-red-950 p-3 text-sm text-red-200">
              {initError}
            </p>
          )}
          {engine && mprSeries && <MprView key={seriesKey(mprSeries)} series={mprSeries} study={studyOf(mprSeries)} thunk={thunk} onClose={() => setMprSeries(null)} />}
          {engine && !mprSeries && (
            <div className="grid h-full w-full gap-px bg-neutral-800" style={{ gridTemplateColumns: `repeat(${grid.cols}, minmax(0, 1fr))`, gridTemplateRows: `repeat(${grid.rows}, minmax(0, 1fr))` }} data-testid="viewport-grid" data-layout={layout}>
              {Array.from({ length: count }, (_, i) => (
                <ViewportPane
                  key={i}
                  index={i}
                  engine={engine}
                  series={assigned[i] ?? null}
                  study={studyOf(assigned[i] ?? null)}
                  active={i === activeIndex}
                  thunk={thunk}
                  onActivate={setActiveIndex}
                  onDropSeries={assign}
                />
              ))}
            </div>
          )}
          {!engine && !initError && (
            <p className="flex h-full items-center justify-center gap-2 text-sm text-neutral-400">
              <Loader2 className="size-4 animate-spin" aria-hidden /> Starting the viewer…
            </p>
          )}
        </main>

        {engine && (
          <MeasurementsPanel
            hidden={!showMeasurements}
            engine={engine}
            modality={activeSeries?.modality ?? ''}
            studies={studies}
            thunk={thunk}
            observer={store.getState().session.user?.displayName ?? ''}
            activeViewportId={viewportId(activeIndex)}
            onJump={jump}
          />
        )}
      </div>

      <Dialog open={helpOpen} onOpenChange={setHelpOpen} title="Viewer shortcuts" description="Mouse and keyboard controls of the active viewport.">
        <table className="w-full text-sm">
          <tbody>
            {SHORTCUTS.map(([keys, what]) => (
              <tr key={keys} className="border-b border-border last:border-0">
                <td className="py-1.5 pr-4 font-mono text-xs whitespace-nowrap">{keys}</td>
                <td className="py-1.5">{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Dialog>
      <TextPromptDialog />
    </div>
  );
}
