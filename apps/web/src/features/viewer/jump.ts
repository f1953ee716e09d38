import type { RenderingEngine, StackViewport } from '@cornerstonejs/core';
import { uidsOfImageId } from '../../viewer/annotationArchive';

/**
 * Shows `imageId` in a viewport: the viewport already holding its series scrolls to it; otherwise
 * `showSeries` puts the series in a viewport (returns that viewport's id, or null) and the image is shown
 * once the stack is loaded there.
 */
export async function jumpToImage(
  engine: RenderingEngine,
  imageId: string,
  viewportIds: string[],
  showSeries: (studyUid: string, seriesUid: string) => string | null,
): Promise<boolean> {
  const find = (id: string) => {
    const vp = engine.getViewport(id) as StackViewport | undefined;
    const idx = vp?.getImageIds?.().indexOf(imageId) ?? -1;
    return vp && idx >= 0 ? { vp, idx } : null;
  };
  for (const id of viewportIds) {
    const hit = find(id);
    if (hit) {
      if (hit.vp.getCurrentImageIdIndex() !== hit.idx) await hit.vp.setImageIdIndex(hit.idx);
      return true;
    }
  }
  const uids = uidsOfImageId(imageId);
  if (!uids) return false;
  const target = showSeries(uids.studyUid, uids.seriesUid);
  if (!target) return false;
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    if (engine.hasBeenDestroyed) return false;
    // Wait for the pane to finish loading the stack (it shows image 1 first).
    const pane = document.querySelector(`[data-testid="viewport-${target.replace(/^vp-/, '')}"]`);
    if (pane && pane.getAttribute('data-status') !== 'ready') continue;
    const hit = find(target);
    if (hit) {
      await hit.vp.setImageIdIndex(hit.idx);
      return true;
    }
  }
  return false;
}
