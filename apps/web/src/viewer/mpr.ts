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
  metaData,
  setVolumesForViewports,
  volumeLoader,
  type RenderingEngine,
  type Types,
  type VolumeViewport,
} from '@cornerstonejs/core';
import vtkOpenGLTexture from '@kitware/vtk.js/Rendering/OpenGL/Texture';
import HalfFloat from '@kitware/vtk.js/Common/Core/HalfFloat';
import { uploadRuns } from './uploadRuns';
import { currentToken } from './cornerstone';
import { seriesPixelDataUrl, streamSeriesFrames } from './seriesFrames';
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
  tuneVolumeTextureUploads();
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

type AnyTypedArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array;
interface TextureModel {
  classHierarchy: string[];
  openGLDataType: number;
  context: WebGL2RenderingContext | null;
  width: number;
  height: number;
  components: number;
  volumeId?: string | null;
  enableUseHalfFloat?: boolean;
  canUseHalfFloat?: boolean;
}

/**
 * Volumes whose texture holds half floats (16 bits per voxel) instead of 32-bit floats.
 *
 * Without EXT_texture_norm16 (SwiftShader, several mobile and ANGLE configurations) vtk.js stores a 16-bit integer
 * volume as a 32-bit float texture, and filling it is the bulk of opening an MPR in a software renderer (≈8 ms per
 * 512² slice, ≈4 s for 500 slices). A half float represents every integer exactly up to ±2048 and every even one up to
 * ±4096, so a volume whose rescaled values stay within ±4096 (CT in HU: −1024…3071) is drawn with an error of at most
 * 1 (HU) above 2048; one grey level of the display is ≥ 2 HU at any window width ≥ 512, so the planes look the same.
 * Only the texture is affected: measurements, ROI statistics and probes read the volume's own voxel data (its
 * voxelManager / the cached images), not the texture. Cornerstone 4.22's `rendering.preferSizeOverAccuracy` does not
 * reach the streaming volume texture (its volume mapper calls enableUseHalfFloat(false) before every rebuild), so the
 * choice is made here, per volume, from the series' metadata (`halfFloatFits`).
 */
const halfFloatVolumes = new Set<string>();
/** Per volume, the GL type its slices were last uploaded as ('half-float', 'float', …), for the MPR view's data attribute and tests. */
const uploadedAs = new Map<string, string>();
export function volumeTextureType(volumeId: string): string {
  return uploadedAs.get(volumeId) ?? '';
}
const HALF_FLOAT_EXACT_ENOUGH = 4096;

/** Whether every image of the series stays within ±limit after the modality LUT (integer rescale), from BitsStored / PixelRepresentation / rescale. */
export function rescaledRangeFits(imageIds: string[], limit = HALF_FLOAT_EXACT_ENOUGH): boolean {
  if (!imageIds.length) return false;
  for (const imageId of imageIds) {
    const px = metaData.get('imagePixelModule', imageId) as { bitsStored?: number; pixelRepresentation?: number; samplesPerPixel?: number } | undefined;
    const lut = (metaData.get('modalityLutModule', imageId) as { rescaleSlope?: number; rescaleIntercept?: number } | undefined) ?? {};
    const bits = Number(px?.bitsStored);
    if (!px || !Number.isInteger(bits) || bits < 1 || bits > 16 || (px.samplesPerPixel ?? 1) !== 1) return false;
    const slope = lut.rescaleSlope === undefined ? 1 : Number(lut.rescaleSlope);
    const intercept = lut.rescaleIntercept === undefined ? 0 : Number(lut.rescaleIntercept);
    if (!Number.isInteger(slope) || !Number.isInteger(intercept)) return false;
    const signed = Number(px.pixelRepresentation) === 1;
    const lo = signed ? -(2 ** (bits - 1)) : 0;
    const hi = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
    if (Math.max(Math.abs(slope * lo + intercept), Math.abs(slope * hi + intercept)) > limit) return false;
  }
  return true;
}

/** Int16 / Uint16 value → half-float bits, for every 16-bit pattern (built once, 128 KB each). */
let halfOfInt16: Uint16Array | null = null;
let halfOfUint16: Uint16Array | null = null;
function halfLut(signed: boolean): Uint16Array {
  if (signed) {
    if (!halfOfInt16) {
      halfOfInt16 = new Uint16Array(65536);
      for (let i = 0; i < 65536; i++) halfOfInt16[i] = HalfFloat.toHalf(i < 32768 ? i : i - 65536);
    }
    return halfOfInt16;
  }
  if (!halfOfUint16) {
    halfOfUint16 = new Uint16Array(65536);
    for (let i = 0; i < 65536; i++) halfOfUint16[i] = HalfFloat.toHalf(i);
  }
  return halfOfUint16;
}
/** Writes the half floats of a 16-bit integer slice into `out` (same length) by table lookup. */
function toHalfFloats(src: Int16Array | Uint16Array, out: Uint16Array): Uint16Array {
  const lut = halfLut(src instanceof Int16Array);
  const view = src instanceof Int16Array ? new Uint16Array(src.buffer, src.byteOffset, src.length) : src;
  for (let i = 0; i < out.length; i++) out[i] = lut[view[i]];
  return out;
}
type UpdateForGL = (dataType: string, data: Array<AnyTypedArray | null>, depth?: boolean, extents?: unknown[]) => Array<AnyTypedArray | null>;

/**
 * Slices of a half-float volume staged, as their frames arrive, in a pixel-unpack buffer of the MPR's WebGL context:
 * the conversion and the copy to the GPU process happen while the series streams in (when the GPU process has
 * nothing else to do), and the first render copies the staged slices into the texture with one call per run.
 * Cold MPR of the bench CT, 5 alternating pairs twice: medians 2.25 / 2.14 s with staging against 2.45 / 2.41 s
 * without (the frames take ≈0.2 s longer to come in, the first render ≈0.5 s less).
 */
interface StagedVolume {
  gl: WebGL2RenderingContext;
  pbo: WebGLBuffer;
  /** 1 where the slice's half floats are in the buffer. */
  filled: Uint8Array;
  sliceValues: number;
}
const staged = new Map<string, StagedVolume>();

interface GlWindow {
  getContext?: () => WebGL2RenderingContext | null;
  initialize?: () => void;
}
/** The WebGL context an engine renders `viewportId` with (created now if the engine has not rendered yet), or null. */
function engineContext(engine: RenderingEngine, viewportId: string): WebGL2RenderingContext | null {
  try {
    // RenderingEngine is a facade over its implementation (context pool or tiled).
    const e = ((engine as unknown as { _implementation?: unknown })._implementation ?? engine) as {
      contextPool?: { getContextIndexForViewport: (id: string) => number | undefined; getContextByIndex: (i: number) => { context: { getOpenGLRenderWindow: () => GlWindow } } | null };
      offscreenMultiRenderWindow?: { getOpenGLRenderWindow: () => GlWindow };
    };
    let win: GlWindow | undefined;
    if (e.contextPool) {
      const i = e.contextPool.getContextIndexForViewport(viewportId);
      win = i === undefined ? undefined : e.contextPool.getContextByIndex(i)?.context.getOpenGLRenderWindow();
    } else win = e.offscreenMultiRenderWindow?.getOpenGLRenderWindow();
    if (!win?.getContext) return null;
    if (!win.getContext()) win.initialize?.();
    const gl = win.getContext();
    return gl && typeof (gl as WebGL2RenderingContext).texSubImage3D === 'function' ? gl : null;
  } catch {
    return null;
  }
}

/**
 * Starts staging the slices of a half-float volume as their frames arrive (see StagedVolume). Returns a function
 * that stops listening (the buffer stays for the first render, which uses and deletes it).
 */
function stageVolume(engine: RenderingEngine, volumeId: string, imageIds: string[], dims: [number, number, number]): () => void {
  const gl = engineContext(engine, mprViewportId('axial'));
  const [w, h, depth] = dims;
  if (!gl || depth !== imageIds.length) return () => undefined;
  const sliceValues = w * h;
  const pbo = gl.createBuffer();
  if (!pbo) return () => undefined;
  gl.bindBuffer(gl.PIXEL_UNPACK_BUFFER, pbo);
  gl.bufferData(gl.PIXEL_UNPACK_BUFFER, sliceValues * 2 * depth, gl.STREAM_DRAW);
  gl.bindBuffer(gl.PIXEL_UNPACK_BUFFER, null);
  const st: StagedVolume = { gl, pbo, filled: new Uint8Array(depth), sliceValues };
  staged.set(volumeId, st);
  const index = new Map(imageIds.map((id, z) => [id, z]));
  const scratch = new Uint16Array(sliceValues);
  const stage = (imageId: string) => {
    const z = index.get(imageId);
    if (z === undefined || st.filled[z] || staged.get(volumeId) !== st || gl.isContextLost()) return;
    const image = cache.getImage(imageId) as { voxelManager?: { getScalarData: () => Scalars } } | undefined;
    const src = image?.voxelManager?.getScalarData();
    // Only what the texture would take as it is: 16-bit integers of the slice's size.
    if (!(src instanceof Int16Array || src instanceof Uint16Array) || src.length !== sliceValues) return;
    gl.bindBuffer(gl.PIXEL_UNPACK_BUFFER, pbo);
    gl.bufferSubData(gl.PIXEL_UNPACK_BUFFER, z * sliceValues * 2, toHalfFloats(src, scratch));
    gl.bindBuffer(gl.PIXEL_UNPACK_BUFFER, null);
    st.filled[z] = 1;
  };
  // The volume says that frames came in, not which: the slices not staged yet are looked up in the cache.
  let waiting = imageIds.map((_, z) => z);
  const stageCached = () => {
    waiting = waiting.filter((z) => {
      if (!cache.getImage(imageIds[z])) return true;
      stage(imageIds[z]);
      return false;
    });
  };
  stageCached();
  const onModified = (evt: Event) => {
    if ((evt as CustomEvent<{ volumeId?: string }>).detail?.volumeId === volumeId) stageCached();
  };
  eventTarget.addEventListener(Enums.Events.IMAGE_VOLUME_MODIFIED, onModified);
  return () => eventTarget.removeEventListener(Enums.Events.IMAGE_VOLUME_MODIFIED, onModified);
}

function dropStaged(volumeId: string): void {
  const st = staged.get(volumeId);
  if (!st) return;
  staged.delete(volumeId);
  if (!st.gl.isContextLost()) st.gl.deleteBuffer(st.pbo);
}

/**
 * How the streaming volume texture (Cornerstone's vtkStreamingOpenGLTexture) is filled, changed in four ways, all
 * measured in headless Chromium on SwiftShader (ANGLE/Vulkan), where filling the texture is the bulk of opening an MPR:
 * - Half floats for the integer volumes chosen in showVolume (see halfFloatVolumes): the volume mapper turns them off
 *   before each rebuild of the texture; they are turned back on for those volumes.
 * - Slice conversion into one reused buffer. vtk.js converts each slice into a fresh array (`new Float32Array(slice)`,
 *   or `toHalf` per voxel): 1 MB of new memory per 512² slice; a half-float table lookup into one reused array is ~10×
 *   faster, and a reused Float32 buffer uploads the same values without the allocations.
 * - Runs of consecutive slices in one upload. Cornerstone uploads every new slice with its own texSubImage3D. Here
 *   500 such calls of 512² half floats take 0.9–1.2 s until the GPU is done, against 0.42–0.52 s for the same bytes
 *   staged in a pixel-unpack buffer and copied by one texSubImage3D (and 1.1 s again when that copy is split in two:
 *   a copy that covers the whole texture spares ANGLE the zero-fill of a new texture). So a run of at least
 *   UPLOAD_RUN_MIN updated slices goes through one buffer and one copy; a run may include slices already in the
 *   texture (re-sent from the cached image, the same values) but never a slice whose image is not cached, which
 *   would overwrite what the texture holds.
 * - No second upload when the mapper sets the texture's filters (see below).
 * vtk.js freezes its objects once built, so the methods are replaced while the texture is being built
 * (vtkOpenGLTexture.extend; Cornerstone's own update3DFromRaw and modified, defined after that, are caught by
 * setters). Anything else (norm16, whole 3D uploads, extents, other textures, dynamic volumes) goes to vtk.js /
 * Cornerstone unchanged.
 */
const UPLOAD_RUN_MIN = 16;

interface StreamingVolume {
  imageIds: string[];
  dataType: string;
  isDynamicVolume?: () => boolean;
}
type Scalars = AnyTypedArray;

function tuneVolumeTextureUploads(): void {
  const texture = vtkOpenGLTexture as unknown as { extend: (publicAPI: Record<string, unknown>, model: TextureModel, initialValues?: unknown) => void };
  const extend = texture.extend;
  texture.extend = (publicAPI, model, initialValues) => {
    extend(publicAPI, model, initialValues);
    const original = publicAPI.updateArrayDataTypeForGL as UpdateForGL;
    const streaming = () => model.classHierarchy.includes('vtkStreamingOpenGLTexture');
    const enableUseHalfFloat = publicAPI.enableUseHalfFloat as (use: boolean) => void;
    publicAPI.enableUseHalfFloat = (use: boolean) => {
      const half = streaming() && !!model.volumeId && halfFloatVolumes.has(model.volumeId);
      enableUseHalfFloat(use || half);
      if (half) model.canUseHalfFloat = true;
    };
    let scratch: Float32Array | null = null;
    let scratchHalf: Uint16Array | null = null;
    const updateForGL = ((dataType, data, depth = false, extents = []) => {
      const src = data.length === 1 ? data[0] : null;
      const n = model.width * model.height * model.components;
      if (depth || extents.length || !src || src.length !== n || !model.context || !streaming()) return original(dataType, data, depth, extents);
      const gl = model.context;
      if (model.volumeId) uploadedAs.set(model.volumeId, model.openGLDataType === gl.HALF_FLOAT ? 'half-float' : model.openGLDataType === gl.FLOAT ? 'float' : String(model.openGLDataType));
      if (model.openGLDataType === gl.HALF_FLOAT && (src instanceof Int16Array || src instanceof Uint16Array)) {
        if (!scratchHalf || scratchHalf.length !== n) scratchHalf = new Uint16Array(n);
        return [toHalfFloats(src, scratchHalf)];
      }
      if (src instanceof Float32Array || model.openGLDataType !== model.context.FLOAT) return original(dataType, data, depth, extents);
      if (!scratch || scratch.length !== n) scratch = new Float32Array(n);
      scratch.set(src);
      return [scratch];
    }) satisfies UpdateForGL;
    publicAPI.updateArrayDataTypeForGL = updateForGL;

    // Cornerstone's per-slice update, caught when vtkStreamingOpenGLTexture assigns it.
    let perSlice: (() => unknown) | null = null;
    const inRuns = (): unknown => {
      const m = model as TextureModel & { updatedFrames?: Array<boolean | null>; target?: number; format?: number; depth?: number; _openGLRenderWindow?: { activateTexture: (t: unknown) => void } };
      const volume = m.volumeId ? (cache.getVolume(m.volumeId) as unknown as StreamingVolume | undefined) : undefined;
      const gl = m.context;
      const frames = m.updatedFrames ?? [];
      const depth = m.depth ?? 0;
      if (!volume || volume.isDynamicVolume?.() || !gl || !m.target || !m.format || m.components !== 1 || depth !== volume.imageIds.length || !frames.length) return perSlice?.();
      const scalarsOf = (z: number): Scalars | null => {
        const image = cache.getImage(volume.imageIds[z]) as { voxelManager?: { getScalarData: () => Scalars } } | undefined;
        return image?.voxelManager?.getScalarData() ?? null;
      };
      const runs = uploadRuns(frames, (z) => !!cache.getImage(volume.imageIds[z]), depth).filter(([a, b]) => b - a + 1 >= UPLOAD_RUN_MIN);
      const st = m.volumeId ? staged.get(m.volumeId) : undefined;
      if (st) {
        // The staged slices, when they are what this texture takes (its context, half floats, slice size).
        const usable = st.gl === gl && m.openGLDataType === gl.HALF_FLOAT && st.sliceValues === m.width * m.height && st.filled.length === depth;
        const stagedRuns = usable ? uploadRuns(frames, (z) => st.filled[z] === 1, depth) : [];
        if (stagedRuns.length) {
          m._openGLRenderWindow?.activateTexture(publicAPI);
          (publicAPI.createTexture as () => void)();
          (publicAPI.bind as () => void)();
          gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
          gl.bindBuffer(gl.PIXEL_UNPACK_BUFFER, st.pbo);
          try {
            for (const [first, last] of stagedRuns) {
              gl.texSubImage3D(m.target, 0, 0, 0, first, m.width, m.height, last - first + 1, m.format, m.openGLDataType, first * st.sliceValues * 2);
              for (let z = first; z <= last; z++) frames[z] = null;
            }
          } finally {
            gl.bindBuffer(gl.PIXEL_UNPACK_BUFFER, null);
          }
          (publicAPI.deactivate as () => void)();
        }
        // Used once: slices that change later go the ordinary way.
        dropStaged(m.volumeId!);
        if (stagedRuns.length) return inRuns();
      }
      if (runs.length) {
        m._openGLRenderWindow?.activateTexture(publicAPI);
        (publicAPI.createTexture as () => void)();
        (publicAPI.bind as () => void)();
        gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
        const n = m.width * m.height;
        const pbo = gl.createBuffer();
        gl.bindBuffer(gl.PIXEL_UNPACK_BUFFER, pbo);
        try {
          for (const [first, last] of runs) {
            let offset = 0;
            for (let z = first; z <= last; z++) {
              let data = scalarsOf(z)!;
              if (data.constructor.name !== volume.dataType) data = convertScalars(data, volume.dataType);
              const [pix] = updateForGL(volume.dataType, [data]);
              if (!pix || pix.length !== n) throw new Error(`slice ${z}: ${pix?.length ?? 0} values, expected ${n}`);
              // The buffer is sized on the first slice, when the bytes per value are known.
              if (z === first) gl.bufferData(gl.PIXEL_UNPACK_BUFFER, pix.byteLength * (last - first + 1), gl.STREAM_DRAW);
              gl.bufferSubData(gl.PIXEL_UNPACK_BUFFER, offset, pix);
              offset += pix.byteLength;
              frames[z] = null;
            }
            gl.texSubImage3D(m.target, 0, 0, 0, first, m.width, m.height, last - first + 1, m.format, m.openGLDataType, 0);
          }
        } finally {
          gl.bindBuffer(gl.PIXEL_UNPACK_BUFFER, null);
          gl.deleteBuffer(pbo);
        }
        (publicAPI.deactivate as () => void)();
      }
      // What is left (short runs, slices not cached) goes through Cornerstone's per-slice path.
      return perSlice?.();
    };
    // A new filter or wrap mode only needs the texture's parameters sent again (vtk.js does that when the texture's
    // time stamp moves), but the setters call modified(), which Cornerstone's texture takes as "every slice changed".
    // The volume mapper sets the filters on its first render, so every volume was uploaded twice. Those setters move
    // the time stamp only.
    const stampOnly = publicAPI.modified as () => void;
    let modified = stampOnly;
    let parametersOnly = false;
    intercept(
      publicAPI,
      'modified',
      () => (parametersOnly ? stampOnly : modified),
      (fn) => (modified = fn as () => void),
    );
    for (const name of ['setMinificationFilter', 'setMagnificationFilter', 'setWrapS', 'setWrapT', 'setWrapR']) {
      const set = publicAPI[name] as (value: unknown) => boolean;
      publicAPI[name] = (value: unknown) => {
        parametersOnly = true;
        try {
          return set(value);
        } finally {
          parametersOnly = false;
        }
      };
    }
    intercept(
      publicAPI,
      'update3DFromRaw',
      () => (perSlice ? inRuns : undefined),
      (fn) => (perSlice = fn as () => unknown),
    );
  };
}

/** Makes `obj[name]` an accessor, so that a method assigned later (by a subclass of a vtk.js object, before it is frozen) is kept by `keep` and what callers get is `give`'s answer. */
function intercept(obj: Record<string, unknown>, name: string, give: () => unknown, keep: (assigned: unknown) => void): void {
  Object.defineProperty(obj, name, { configurable: true, enumerable: true, get: give, set: keep });
}

const SCALAR_TYPES: Record<string, new (n: number) => Scalars> = { Int8Array, Uint8Array, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array };
/** A slice in the volume's own data type (Cornerstone's convertDataType). */
function convertScalars(data: Scalars, dataType: string): Scalars {
  const Ctor = SCALAR_TYPES[dataType];
  if (!Ctor) throw new Error(`volume data type ${dataType} not supported`);
  const out = new Ctor(data.length);
  out.set(data);
  return out;
}

/** A volume missing at least this many frames (and half of them) gets them with one series request. */
const STREAM_MIN_FRAMES = 16;

/**
 * Starts a series stream (seriesFrames/) for the frames of `imageIds` that are not cached yet, when
 * they are most of the volume: opening an MPR right away. A volume mostly cached by the stack asks for the rest one
 * by one (the series answer would bring every frame again). Call it as soon as the MPR's series is known, before
 * the engine and the volume are built (they hold the page for a while), and stop it when the MPR closes.
 */
export function streamVolumeFrames(imageIds: string[]): () => void {
  // Not cached yet: also the frames whose single requests still wait in the retrieval pool (they take the stream's).
  const missing = imageIds.filter((id) => id.startsWith('wadors:') && !cache.getImage(id)).map((id) => id.slice('wadors:'.length));
  const series = missing.length ? seriesPixelDataUrl(missing[0]) : null;
  if (!series || missing.length < STREAM_MIN_FRAMES || missing.length * 2 < imageIds.length || missing.some((u) => seriesPixelDataUrl(u) !== series)) return () => undefined;
  return streamSeriesFrames(series, missing, currentToken());
}

/** Shortest interval of the progressive renders while a volume streams in (ms). */
const PROGRESS_RENDER_MS = 1000;
/**
 * Longest wait for the frames of a volume that is mostly still to come before its planes are first drawn (ms).
 * Measured on the 512×512×500 CT of `npm run bench:viewer` (cold MPR, median of 5 alternating pairs): 4.2 s with the
 * first render after the frames against 5.2 s with the first render at once and progress renders.
 */
const FIRST_RENDER_WAIT_MS = 5000;
/** Interval of the slice count shown while a volume streams in (ms). */
const PROGRESS_TEXT_MS = 150;

export interface VolumeProgress {
  loaded: number;
  total: number;
}

/**
 * Creates (or reuses) the streaming volume for `imageIds`, shows it in the three viewports and starts
 * streaming (frames already cached as stack images are reused). Resolves once the viewports show the
 * volume; `loaded` resolves when every frame is in it. `onProgress` is called as frames arrive.
 */
export async function showVolume(
  engine: RenderingEngine,
  volumeId: string,
  imageIds: string[],
  onProgress: (p: VolumeProgress) => void,
): Promise<{ loaded: Promise<void>; dispose: () => void }> {
  const volume = (await volumeLoader.createAndCacheVolume(volumeId, { imageIds })) as Types.IImageVolume & {
    load: (cb?: (e: unknown) => void) => void;
    loadStatus?: { loaded: boolean };
  };
  const dataType = (volume as { dataType?: string }).dataType;
  if ((dataType === 'Int16Array' || dataType === 'Uint16Array') && (volume as { numberOfComponents?: number }).numberOfComponents !== 3 && rescaledRangeFits(imageIds)) {
    halfFloatVolumes.add(volumeId);
  }
  const total = imageIds.length;
  let done: () => void = () => undefined;
  const loaded = new Promise<void>((resolve) => (done = resolve));
  // Cornerstone re-renders the planes every 2 % of the frames (50 renders of three planes for a volume); each render
  // also uploads the new slices. Progress is shown at most every PROGRESS_RENDER_MS (longer when a render is slow)
  // instead, then once when complete.
  (volume as { autoRenderOnLoad?: boolean }).autoRenderOnLoad = false;
  let lastRender = performance.now();
  let interval = PROGRESS_RENDER_MS;
  let lastProgress = 0;
  let renderTimer: ReturnType<typeof setTimeout> | undefined;
  /** Progress renders start once the viewports show the volume. */
  let shown = false;
  const progressRender = () => {
    renderTimer = undefined;
    if (engine.hasBeenDestroyed) return;
    engine.render();
    lastRender = performance.now();
    // The render runs in the next animation frame; a callback queued after it in the same frame sees its cost. A
    // render that holds the page for long (software WebGL: 0.2–0.4 s for three planes, each one uploading the new
    // slices) is repeated less often, so that the frames keep arriving: at most a sixth of the time goes to it.
    requestAnimationFrame((frameStart) => {
      lastRender = performance.now();
      interval = Math.max(PROGRESS_RENDER_MS, 6 * (lastRender - frameStart));
    });
  };
  const onModified = (evt: Event) => {
    const d = (evt as CustomEvent<{ volumeId?: string; framesProcessed?: number }>).detail;
    if (d?.volumeId !== volumeId) return;
    // The count on screen moves at most every PROGRESS_TEXT_MS: one page update per frame is 500 for a CT.
    const now = performance.now();
    if (now - lastProgress >= PROGRESS_TEXT_MS) {
      lastProgress = now;
      onProgress({ loaded: d.framesProcessed ?? 0, total });
    }
    if (shown && !renderTimer && (d.framesProcessed ?? 0) < total) renderTimer = setTimeout(progressRender, Math.max(0, lastRender + interval - performance.now()));
  };
  const onCompleted = (evt: Event) => {
    if ((evt as CustomEvent<{ volumeId?: string }>).detail?.volumeId === volumeId) done();
  };
  let stopStaging: () => void = () => undefined;
  const dispose = () => {
    // A staged buffer stays for the first render, which takes and deletes it (or releaseVolume does).
    stopStaging();
    clearTimeout(renderTimer);
    eventTarget.removeEventListener(Enums.Events.IMAGE_VOLUME_MODIFIED, onModified);
    eventTarget.removeEventListener(Enums.Events.IMAGE_VOLUME_LOADING_COMPLETED, onCompleted);
  };
  eventTarget.addEventListener(Enums.Events.IMAGE_VOLUME_MODIFIED, onModified);
  eventTarget.addEventListener(Enums.Events.IMAGE_VOLUME_LOADING_COMPLETED, onCompleted);
  const mostlyMissing = imageIds.filter((id) => !cache.getImage(id)).length * 2 > total;
  volume.load();
  if (volume.loadStatus?.loaded) done();
  if (mostlyMissing && halfFloatVolumes.has(volumeId)) {
    const dims = (volume as { dimensions?: [number, number, number] }).dimensions;
    if (dims) stopStaging = stageVolume(engine, volumeId, imageIds, dims);
  }
  if (mostlyMissing) {
    // The planes are first drawn when the frames are in (or after FIRST_RENDER_WAIT_MS on a slow link, then with
    // progress renders): each render of a volume still arriving holds the page while it uploads the new slices, and
    // the first one also builds the whole texture, so drawing while the frames stream in made them arrive later.
    let waited: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([loaded, new Promise<void>((resolve) => (waited = setTimeout(resolve, FIRST_RENDER_WAIT_MS)))]);
    clearTimeout(waited);
    if (engine.hasBeenDestroyed) {
      dispose();
      return { loaded, dispose };
    }
  }
  await setVolumesForViewports(engine, [{ volumeId }], MPR_PLANES.map((p) => mprViewportId(p.plane)));
  shown = true;
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
  dropStaged(volumeId);
  halfFloatVolumes.delete(volumeId);
  uploadedAs.delete(volumeId);
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
