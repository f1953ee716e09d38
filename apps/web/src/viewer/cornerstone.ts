/**
 * Cornerstone3D bootstrap for the viewer route (this module is only reached through the lazily
 * loaded viewer page, so the rest of the app never downloads Cornerstone).
 *
 * - `ensureCornerstone(getToken)` initialises core, the DICOM image loader (decode workers: cores - 1, 1 to 4) and
 *   tools exactly once, and makes every frame request carry the user's current bearer token.
 * - Tool names and the shared tool group id live here too.
 */
import { Enums, eventTarget, imageLoader, init as coreInit, metaData, setUseCPURendering, type Types } from '@cornerstonejs/core';
import { useTransferringDecodeWorkers } from './decode';
import { registerFrameLoader } from './frameLoader';
import { startSeriesFramesWorker } from './seriesFrames';
import { askText, changeText } from './textPrompt';
import dicomImageLoader, { init as dicomImageLoaderInit } from '@cornerstonejs/dicom-image-loader';
import {
  addTool,
  AngleTool,
  ArrowAnnotateTool,
  BidirectionalTool,
  CobbAngleTool,
  EllipticalROITool,
  LabelTool,
  PlanarFreehandROITool,
  init as toolsInit,
  LengthTool,
  PanTool,
  ProbeTool,
  RectangleROITool,
  StackScrollTool,
  WindowLevelTool,
  ZoomTool,
} from '@cornerstonejs/tools';

export const RENDERING_ENGINE_ID = 'axial-viewer';
export const TOOL_GROUP_ID = 'axial-stack';

/** Tools the left mouse button can be given from the toolbar. */
export const PRIMARY_TOOLS = {
  windowLevel: WindowLevelTool.toolName,
  pan: PanTool.toolName,
  zoom: ZoomTool.toolName,
  length: LengthTool.toolName,
  angle: AngleTool.toolName,
  ellipse: EllipticalROITool.toolName,
  rectangle: RectangleROITool.toolName,
  probe: ProbeTool.toolName,
  arrow: ArrowAnnotateTool.toolName,
  cobb: CobbAngleTool.toolName,
  freehand: PlanarFreehandROITool.toolName,
  bidirectional: BidirectionalTool.toolName,
  text: LabelTool.toolName,
} as const;
export type PrimaryTool = keyof typeof PRIMARY_TOOLS;

export const MEASUREMENT_TOOL_NAMES: string[] = [
  LengthTool.toolName,
  AngleTool.toolName,
  EllipticalROITool.toolName,
  RectangleROITool.toolName,
  ProbeTool.toolName,
  ArrowAnnotateTool.toolName,
  CobbAngleTool.toolName,
  PlanarFreehandROITool.toolName,
  BidirectionalTool.toolName,
  LabelTool.toolName,
];

/**
 * Tool configuration given when a tool group adds a measurement tool: arrow and free-text annotations ask
 * for their text in the viewer's own dialog (textPrompt) instead of window.prompt.
 */
export const MEASUREMENT_TOOL_CONFIG: Record<string, Record<string, unknown>> = {
  [ArrowAnnotateTool.toolName]: { getTextCallback: askText, changeTextCallback: changeText },
  [LabelTool.toolName]: { getTextCallback: askText, changeTextCallback: changeText },
};

/**
 * A uniform grey-scale image without a window (e.g. the empty end slices of a phantom) gets the window
 * W=1 from the loader, which is the zero-width VOI range [v, v] (DICOM linear function). If that is the first image of a viewport, Cornerstone 4.22 builds
 * the viewport's transfer function from the zero-width range and every later image of the stack renders
 * wrong (inverted or flat). Give such images the range [v, v + 1] instead (W=2, C=v+1: they show black).
 * IMAGE_LOADED fires before the viewport receives the image.
 */
function widenDegenerateWindow(evt: Event): void {
  const image = (evt as CustomEvent<{ image?: Types.IImage }>).detail?.image;
  if (!image || image.color) return;
  const width = Array.isArray(image.windowWidth) ? image.windowWidth[0] : image.windowWidth;
  if (!(typeof width === 'number' && width > 1)) {
    const value = Number.isFinite(image.minPixelValue) ? image.minPixelValue : 0;
    image.windowWidth = 2;
    image.windowCenter = value + 1;
  }
}

let tokenGetter: () => string | null = () => null;
let tokenRenewer: ((refused: string | null) => Promise<string | null>) | null = null;
/**
 * How the image loader gets a new token after a frame request was refused with 401 (an access token that expired
 * during a long reading session): the app's session refresh, set by the viewer page.
 */
export function setTokenRenewal(renew: (refused: string | null) => Promise<string | null>): void {
  tokenRenewer = renew;
}
/** The bearer token the viewer's requests carry now. */
export function currentToken(): string | null {
  return tokenGetter();
}
let ready: Promise<void> | null = null;

const RENDERING_KEY = 'axial.viewer.stackRendering';
let stacksOnCpu = false;

/**
 * The WebGL renderer is a software rasteriser (SwiftShader, llvmpipe, …): headless or GPU-less browsers, remote
 * desktops without GPU. Read once from WEBGL_debug_renderer_info (the masked RENDERER string says nothing).
 */
export function isSoftwareWebGL(): boolean {
  try {
    const gl = document.createElement('canvas').getContext('webgl2');
    if (!gl) return true;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return /swiftshader|llvmpipe|softpipe|lavapipe|software|basic render/i.test(renderer);
  } catch {
    return false;
  }
}

/**
 * Where stack viewports render. With a software WebGL, Cornerstone's CPU path (a LUT over the image's own pixels
 * into a canvas, then one scaled drawImage) is several times faster than drawing the image as a texture in
 * SwiftShader and reading the offscreen WebGL canvas back (≈75 ms per image at 1150×950). MPR / volume viewports
 * always need WebGL. `localStorage['axial.viewer.stackRendering'] = 'gpu' | 'cpu'` overrides the detection.
 */
function chooseStackRendering(): boolean {
  let forced: string | null = null;
  try {
    forced = window.localStorage.getItem(RENDERING_KEY);
  } catch {
    /* no storage */
  }
  if (forced === 'gpu' || forced === 'cpu') return forced === 'cpu';
  return isSoftwareWebGL();
}

/**
 * Cornerstone reads its CPU-rendering flag when a rendering engine or a viewport is created, so the flag is set
 * for stacks before the stack engine and its viewports are made, and cleared while a volume (MPR) engine is made.
 * The stack grid and the MPR view are never shown at once.
 */
export function enterStackRendering(): void {
  setUseCPURendering(stacksOnCpu, false);
}
export function enterVolumeRendering(): void {
  setUseCPURendering(false, false);
}
export function stacksRenderOnCpu(): boolean {
  return stacksOnCpu;
}

export function ensureCornerstone(getToken: () => string | null): Promise<void> {
  tokenGetter = getToken;
  if (!ready) {
    ready = (async () => {
      stacksOnCpu = chooseStackRendering();
      // Volume engines put all their viewports on context 0 (the MPR planes share it and the volume texture), so
      // with stacks on the CPU one context per engine is enough; Cornerstone's default pool creates 7 per engine.
      await coreInit(stacksOnCpu ? ({ rendering: { webGlContextCount: 1 } } as Parameters<typeof coreInit>[0]) : undefined);
      enterStackRendering();
      // Decoding (JPEG 2000, JPEG-LS, …) in parallel on a workstation's cores, leaving one for the page and
      // rendering; at most 4 (each worker holds its own WASM codecs). A 2-core machine keeps one worker.
      const decodeWorkers = Math.max(1, Math.min(4, (navigator.hardwareConcurrency || 2) - 1));
      dicomImageLoaderInit({
        maxWebWorkers: decodeWorkers,
        // Called for every request of the stock loaders (frames go through frameLoader.ts): the token is read at send
        // time, so refreshed tokens are used.
        beforeSend: (): Record<string, string> => {
          const token = tokenGetter();
          return token ? { Authorization: `Bearer ${token}` } : {};
        },
      });
      // The same decoders in workers that take and give frames by transfer (decode/transfers.ts).
      useTransferringDecodeWorkers(decodeWorkers);
      // Ready for an MPR's series stream (seriesFrames/) before the MPR is opened.
      startSeriesFramesWorker();
      // Frames through Axial's own `wadors:` loader (the first frame may already be in flight; frameLoader.ts).
      registerFrameLoader(
        () => tokenGetter(),
        (refused) => (tokenRenewer ? tokenRenewer(refused) : Promise.resolve(null)),
      );
      eventTarget.addEventListener(Enums.Events.IMAGE_LOADED, widenDegenerateWindow);
      toolsInit();
      for (const tool of [
        WindowLevelTool,
        PanTool,
        ZoomTool,
        StackScrollTool,
        LengthTool,
        AngleTool,
        EllipticalROITool,
        RectangleROITool,
        ProbeTool,
        ArrowAnnotateTool,
        CobbAngleTool,
        PlanarFreehandROITool,
        BidirectionalTool,
        LabelTool,
      ]) {
        addTool(tool);
      }
    })().catch((err: unknown) => {
      ready = null;
      throw err;
    });
  }
  return ready;
}

/**
 * Requests a stack's first image as soon as its image id is known and Cornerstone is started, without waiting for
 * the viewport to be created and given its stack: the viewport's own request then finds the image in the cache (or
 * in flight). The options are the ones the stack viewport itself uses on its CPU / WebGL path.
 */
export function loadFirstImage(imageId: string): void {
  const requestType = Enums.RequestType.Interaction;
  const options = stacksOnCpu
    ? { useRGBA: true, requestType }
    : { useRGBA: false, transferSyntaxUID: (metaData.get('transferSyntax', imageId) as { transferSyntaxUID?: string } | undefined)?.transferSyntaxUID, priority: 5, requestType };
  imageLoader.loadAndCacheImage(imageId, options as Parameters<typeof imageLoader.loadAndCacheImage>[1]).catch(() => undefined);
}

export const wadors = dicomImageLoader.wadors;
