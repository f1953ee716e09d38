/**
 * MPR with Cornerstone3D volume viewports: one streaming image volume per series (built from the
 * same wadors image ids as the stack, so frames already in the cache are reused and the rest stream
 * over Axial's DICOMweb), three orthographic viewports (axial, coronal, sagittal) in their own
 * rendering engine, and a tool group with crosshairs (reference lines that move together), window /
 * level, pan, zoom and slice scrolling. The volume keeps the acquisition's direction cosines, so an
 * oblique acquisition is reformatted into true patient-space planes.
 */
import {
  cache,
  cornerstoneStreamingImageVolumeLoader,
  Enums,
  eventTarget,
  setVolumesForViewports,
  volumeLoader,
  type RenderingEngine,
  type Types,
  type VolumeViewport,
} from '@cornerstonejs/core';
import { addTool, CrosshairsTool, Enums as ToolEnums, PanTool, StackScrollTool, ToolGroupManager, WindowLevelTool, ZoomTool } from '@cornerstonejs/tools';

export type MprPlane = 'axial' | 'coronal' | 'sagittal';
export type SlabMode = 'mip' | 'minip' | 'average';
export type MprTool = 'crosshairs' | 'windowLevel' | 'pan' | 'zoom';

export const MPR_PLANES: Array<{ plane: MprPlane; label: string; orientation: Enums.OrientationAxis; color: string }> = [
  { plane: 'axial', label: 'Axial', orientation: Enums.OrientationAxis.AXIAL, color: 'rgb(230, 60, 60)' },
  { plane: 'coronal', label: 'Coronal', orientation: Enums.OrientationAxis.CORONAL, color: 'rgb(60, 200, 90)' },
  { plane: 'sagittal', label: 'Sagittal', orientation: Enums.OrientationAxis.SAGITTAL, color: 'rgb(230, 210, 60)' },
];

export const MPR_TOOL_GROUP_ID = 'axial-mpr';
export const mprViewportId = (plane: MprPlane) => `mpr-${plane}`;

const TOOL_NAMES: Record<MprTool, string> = {
  crosshairs: CrosshairsTool.toolName,
  windowLevel: WindowLevelTool.toolName,
  pan: PanTool.toolName,
  zoom: ZoomTool.toolName,
};

const BLEND: Record<SlabMode, Enums.BlendModes> = {
  mip: Enums.BlendModes.MAXIMUM_INTENSITY_BLEND,
  minip: Enums.BlendModes.MINIMUM_INTENSITY_BLEND,
  average: Enums.BlendModes.AVERAGE_INTENSITY_BLEND,
};

let registered = false;
/** Registers the crosshairs tool and the streaming volume loader once (ensureCornerstone registers the rest). */
export function ensureMprSetup(): void {
  if (registered) return;
  registered = true;
  addTool(CrosshairsTool);
  volumeLoader.registerVolumeLoader('cornerstoneStreamingImageVolume', cornerstoneStreamingImageVolumeLoader as unknown as Types.VolumeLoaderFn);
}

export function volumeIdOf(studyUid: string, seriesUid: string): string {
  return `cornerstoneStreamingImageVolume:${studyUid}/${seriesUid}`;
}

const colourOf = (viewportId: string) => MPR_PLANES.find((p) => mprViewportId(p.plane) === viewportId)?.color ?? 'rgb(200, 200, 200)';

/** The MPR tool group over the three viewports of `engine` (created fresh; destroy with destroyMprTools). */
export function createMprTools(engine: RenderingEngine): void {
  ToolGroupManager.destroyToolGroup(MPR_TOOL_GROUP_ID);
  const tg = ToolGroupManager.createToolGroup(MPR_TOOL_GROUP_ID);
  if (!tg) return;
  for (const p of MPR_PLANES) tg.addViewport(mprViewportId(p.plane), engine.id);
  tg.addTool(WindowLevelTool.toolName);
  tg.addTool(PanTool.toolName);
  tg.addTool(ZoomTool.toolName);
  tg.addTool(StackScrollTool.toolName);
  tg.addTool(CrosshairsTool.toolName, {
    getReferenceLineColor: colourOf,
    getReferenceLineControllable: () => true,
    getReferenceLineDraggableRotatable: () => true,
    // Slab thickness is set for all three planes from the toolbar, not per line.
    getReferenceLineSlabThicknessControlsOn: () => false,
  });
}

/** Left button = `primary`; right = zoom, middle = pan, wheel = scroll through the planes. Crosshairs stay drawn. */
export function setMprPrimaryTool(primary: MprTool): void {
  const tg = ToolGroupManager.getToolGroup(MPR_TOOL_GROUP_ID);
  if (!tg) return;
  const { MouseBindings } = ToolEnums;
  const fixed: Record<string, Array<{ mouseButton: number }>> = {
    [PanTool.toolName]: [{ mouseButton: MouseBindings.Auxiliary }],
    [ZoomTool.toolName]: [{ mouseButton: MouseBindings.Secondary }],
    [StackScrollTool.toolName]: [{ mouseButton: MouseBindings.Wheel }],
    [WindowLevelTool.toolName]: [],
    [CrosshairsTool.toolName]: [],
  };
  for (const [name, base] of Object.entries(fixed)) {
    const bindings = [...base];
    if (name === TOOL_NAMES[primary]) bindings.push({ mouseButton: MouseBindings.Primary });
    if (bindings.length) tg.setToolActive(name, { bindings });
    else tg.setToolPassive(name, { removeAllBindings: true });
  }
}

export function destroyMprTools(): void {
  ToolGroupManager.destroyToolGroup(MPR_TOOL_GROUP_ID);
}

/** The crosshairs centre (world, mm), or null before the tool has one. */
export function crosshairCenter(): Types.Point3 | null {
  const tool = ToolGroupManager.getToolGroup(MPR_TOOL_GROUP_ID)?.getToolInstance(CrosshairsTool.toolName) as CrosshairsTool | undefined;
  return tool?.toolCenter ? ([...tool.toolCenter] as Types.Point3) : null;
}

/** Puts the crosshairs (and the three planes) back to the volume centre with the default cameras. */
export function resetMpr(): void {
  const tool = ToolGroupManager.getToolGroup(MPR_TOOL_GROUP_ID)?.getToolInstance(CrosshairsTool.toolName) as CrosshairsTool | undefined;
  tool?.resetCrosshairs?.();
}

export interface VolumeProgress {
  loaded: number;
  total: number;
}

/**
 * Creates (or reuses) the streaming volume for `imageIds`, shows it in the three viewports and starts
 * streaming (frames already cached as stack images are reused). Resolves once the viewports show the
 * volume; `loaded` resolves when every frame is in it. `onProgress` is called as frames arrive.
 */
export async function showVolume(engine: RenderingEngine, volumeId: string, imageIds: string[], onProgress: (p: VolumeProgress) => void): Promise<{ loaded: Promise<void>; dispose: () => void }> {
  const volume = (await volumeLoader.createAndCacheVolume(volumeId, { imageIds })) as Types.IImageVolume & {
    load: (cb?: (e: unknown) => void) => void;
    loadStatus?: { loaded: boolean };
  };
  const total = imageIds.length;
  let done: () => void = () => undefined;
  const loaded = new Promise<void>((resolve) => (done = resolve));
  const onModified = (evt: Event) => {
    const d = (evt as CustomEvent<{ volumeId?: string; framesProcessed?: number }>).detail;
    if (d?.volumeId === volumeId) onProgress({ loaded: d.framesProcessed ?? 0, total });
  };
  const onCompleted = (evt: Event) => {
    if ((evt as CustomEvent<{ volumeId?: string }>).detail?.volumeId === volumeId) done();
  };
  const dispose = () => {
    eventTarget.removeEventListener(Enums.Events.IMAGE_VOLUME_MODIFIED, onModified);
    eventTarget.removeEventListener(Enums.Events.IMAGE_VOLUME_LOADING_COMPLETED, onCompleted);
  };
  eventTarget.addEventListener(Enums.Events.IMAGE_VOLUME_MODIFIED, onModified);
  eventTarget.addEventListener(Enums.Events.IMAGE_VOLUME_LOADING_COMPLETED, onCompleted);
  volume.load();
  if (volume.loadStatus?.loaded) done();
  await setVolumesForViewports(engine, [{ volumeId }], MPR_PLANES.map((p) => mprViewportId(p.plane)));
  engine.render();
  return {
    loaded: loaded.then(() => {
      dispose();
      onProgress({ loaded: total, total });
    }),
    dispose,
  };
}

/** Drops the volume from the cache (its frames stay cached as images for the stack view). */
export function releaseVolume(volumeId: string): void {
  try {
    const v = cache.getVolume(volumeId) as (Types.IImageVolume & { cancelLoading?: () => void }) | undefined;
    v?.cancelLoading?.();
    cache.removeVolumeLoadObject(volumeId);
  } catch {
    /* already gone */
  }
}

/** Slab thickness (mm) and projection for every plane; 0 mm = the thin plane (normal rendering). */
export function setSlab(engine: RenderingEngine, thicknessMm: number, mode: SlabMode): void {
  for (const p of MPR_PLANES) {
    const vp = engine.getViewport(mprViewportId(p.plane)) as VolumeViewport | undefined;
    if (!vp) continue;
    if (thicknessMm > 0) {
      vp.setBlendMode(BLEND[mode]);
      vp.setSlabThickness(thicknessMm);
    } else {
      vp.setBlendMode(Enums.BlendModes.COMPOSITE);
      vp.resetSlabThickness();
    }
  }
  engine.render();
}

export function setMprVoi(engine: RenderingEngine, range: { lower: number; upper: number }): void {
  for (const p of MPR_PLANES) (engine.getViewport(mprViewportId(p.plane)) as VolumeViewport | undefined)?.setProperties({ voiRange: range });
  engine.render();
}

export function setMprInvert(engine: RenderingEngine, invert: boolean): void {
  for (const p of MPR_PLANES) (engine.getViewport(mprViewportId(p.plane)) as VolumeViewport | undefined)?.setProperties({ invert });
  engine.render();
}
