/**
 * Stack prefetch in display order: after the first image, the images nearest to the one shown are
 * fetched first (next, previous, next + 1, …, ahead before behind), re-planned whenever the user
 * moves in the stack. At most half of the cache limit is planned, so a stack larger than the cache
 * keeps a window of neighbours around the current image and never thrashes the cache.
 * Requests go through Cornerstone's request pool as Prefetch, behind interactive loads.
 */
import { cache, Enums, imageLoader, imageLoadPoolManager } from '@cornerstonejs/core';
import { prefetchOrder } from './prefetchOrder';


let tokens = 0;

/**
 * Calls `fn` once the viewport in `element` has rendered and the browser has painted that frame (or after
 * `fallbackMs`). The stack prefetch starts there: queued earlier, its requests, decodes and copies share the main
 * thread and the two cores with the first image and delay it on screen. Returns a cancel function.
 */
export function afterFirstPaint(element: HTMLElement, fn: () => void, fallbackMs = 1000): () => void {
  let done = false;
  let raf = 0;
  const run = () => {
    if (done) return;
    done = true;
    cancel();
    fn();
  };
  const onRendered = () => {
    element.removeEventListener(Enums.Events.IMAGE_RENDERED, onRendered);
    raf = requestAnimationFrame(() => setTimeout(run, 0));
  };
  const timer = setTimeout(run, fallbackMs);
  const cancel = () => {
    clearTimeout(timer);
    cancelAnimationFrame(raf);
    element.removeEventListener(Enums.Events.IMAGE_RENDERED, onRendered);
  };
  element.addEventListener(Enums.Events.IMAGE_RENDERED, onRendered);
  return () => {
    done = true;
    cancel();
  };
}

/**
 * Starts prefetching `imageIds` for the stack viewport in `element`. `currentIndex` is read at each
 * re-plan. Returns a stop function (pending requests are dropped from the pool).
 */
export function startStackPrefetch(element: HTMLElement, imageIds: string[], currentIndex: () => number): () => void {
  const token = `axial-prefetch-${++tokens}`;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const mine = (r: { additionalDetails?: unknown }) => (r.additionalDetails as { prefetch?: string } | undefined)?.prefetch === token;

  const plan = () => {
    if (stopped) return;
    imageLoadPoolManager.filterRequests((r) => !mine(r));
    const current = Math.max(0, Math.min(imageIds.length - 1, currentIndex()));
    const sample = cache.getImage(imageIds[current]) as { sizeInBytes?: number } | undefined;
    const perImage = sample?.sizeInBytes || 512 * 512 * 2;
    const window = Math.max(2, Math.floor((cache.getMaxCacheSize() * 0.5) / perImage));
    const order = prefetchOrder(current, imageIds.length).slice(0, window);
    for (const i of order) {
      const imageId = imageIds[i];
      if (cache.getImageLoadObject(imageId)) continue; // cached or in flight
      imageLoadPoolManager.addRequest(
        () => imageLoader.loadAndCacheImage(imageId, { requestType: Enums.RequestType.Prefetch, priority: 0 }).then(() => undefined, () => undefined),
        Enums.RequestType.Prefetch,
        { imageId, prefetch: token },
        0,
      );
    }
  };
  const replan = () => {
    clearTimeout(timer);
    timer = setTimeout(plan, 30);
  };
  element.addEventListener(Enums.Events.STACK_NEW_IMAGE, replan);
  plan();
  return () => {
    stopped = true;
    clearTimeout(timer);
    element.removeEventListener(Enums.Events.STACK_NEW_IMAGE, replan);
    imageLoadPoolManager.filterRequests((r) => !mine(r));
  };
}
