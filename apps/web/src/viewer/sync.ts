/**
 * Synchronised scrolling (by image position) and window/level between the viewports of the grid, for
 * reading a study beside its prior: Cornerstone3D's image-slice and VOI synchronizers.
 *
 * Studies of different dates have different frames of reference, so the slice synchronizer needs a
 * registration between each pair of viewports. Cornerstone's own computation (calculateViewportsSpatialRegistration)
 * does not find the image plane of a stack viewport in 4.22, so it is computed here: a translation that
 * maps the source's current image position onto the target's current one, i.e. the images shown when
 * synchronisation is switched on are taken as corresponding (as in most PACS: line up, then lock).
 */
import { getRenderingEngine, metaData, utilities, type StackViewport } from '@cornerstonejs/core';
import { SynchronizerManager, synchronizers } from '@cornerstonejs/tools';

export const SLICE_SYNC_ID = 'axial-slice-sync';
export const VOI_SYNC_ID = 'axial-voi-sync';

export interface SyncState {
  slice: boolean;
  voi: boolean;
}

function position(vp: StackViewport): number[] | null {
  const id = vp.getCurrentImageId?.();
  const plane = id ? (metaData.get('imagePlaneModule', id) as { imagePositionPatient?: number[] } | undefined) : undefined;
  return plane?.imagePositionPatient?.length === 3 ? plane.imagePositionPatient.map(Number) : null;
}

/** Column-major 4×4 translation (gl-matrix layout). */
export function translation(t: number[]): number[] {
  return [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, t[0], t[1], t[2], 1];
}

/** Registers every pair of the viewports by their current image positions. */
export function registerByCurrentImages(engineId: string, viewportIds: string[]): void {
  const engine = getRenderingEngine(engineId);
  if (!engine) return;
  const vps = viewportIds.map((id) => engine.getViewport(id) as StackViewport | undefined).filter((v): v is StackViewport => !!v && (v.getImageIds?.().length ?? 0) > 0);
  for (const a of vps) {
    for (const b of vps) {
      if (a === b) continue;
      const pa = position(a);
      const pb = position(b);
      if (!pa || !pb) continue;
      // Key "a_b": a's position minus b's (Cornerstone's convention, read back inverted for b -> a).
      utilities.spatialRegistrationMetadataProvider.add([a.id, b.id], translation([pa[0] - pb[0], pa[1] - pb[1], pa[2] - pb[2]]) as never);
    }
  }
}

let generation = 0;

function hasImage(engineId: string, viewportId: string): boolean {
  const vp = getRenderingEngine(engineId)?.getViewport(viewportId) as StackViewport | undefined;
  return !!vp && !!vp.getCurrentImageId?.() && !!position(vp);
}

/**
 * (Re)builds both synchronizers over `viewportIds` as `state` says (off: destroyed). Waits (up to 15 s) until
 * every viewport shows an image, so that the registration uses the images actually displayed.
 */
export async function applySync(engineId: string, viewportIds: string[], state: SyncState): Promise<void> {
  const mine = ++generation;
  SynchronizerManager.destroySynchronizer(SLICE_SYNC_ID);
  SynchronizerManager.destroySynchronizer(VOI_SYNC_ID);
  if (viewportIds.length < 2 || (!state.slice && !state.voi)) return;
  const deadline = Date.now() + 15_000;
  while (!viewportIds.every((id) => hasImage(engineId, id))) {
    if (Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 100));
    if (mine !== generation) return;
  }
  if (state.slice) {
    registerByCurrentImages(engineId, viewportIds);
    const s = synchronizers.createImageSliceSynchronizer(SLICE_SYNC_ID);
    for (const viewportId of viewportIds) s.add({ renderingEngineId: engineId, viewportId });
  }
  if (state.voi) {
    const v = synchronizers.createVOISynchronizer(VOI_SYNC_ID, { syncInvertState: true, syncColormap: false });
    for (const viewportId of viewportIds) v.add({ renderingEngineId: engineId, viewportId });
  }
}

export function destroySync(): void {
  generation++;
  SynchronizerManager.destroySynchronizer(SLICE_SYNC_ID);
  SynchronizerManager.destroySynchronizer(VOI_SYNC_ID);
}
