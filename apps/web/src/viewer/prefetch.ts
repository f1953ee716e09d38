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
/** The longest the prefetch waits for an idle moment after the first image (ms). */
const IDLE_WAIT_MS = 150;
/** Prefetch requests queued per task. */
const BATCH = 16;

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
  // Two animation frames (the frame that draws the image and the one after it, with the viewport's overlay and
  // status set by React from the same render), then the browser's next idle moment (at most IDLE_WAIT_MS later):
  // the first image and what React shows with it are on screen before the prefetch and the gated requests start.
  const w = window as Window & { requestIdleCallback?: (cb: () => void, opts?: { timeout: number }) => number };
  const whenIdle = () => (w.requestIdleCallback ? w.requestIdleCallback(run, { timeout: IDLE_WAIT_MS }) : setTimeout(run, 0));
  const onRendered = () => {
    element.removeEventListener(Enums.Events.IMAGE_RENDERED, onRendered);
    raf = requestAnimationFrame(() => (raf = requestAnimationFrame(whenIdle)));
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
  let batchTimer: ReturnType<typeof setTimeout> | undefined;
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
    // The pool sends every prefetch request at once (up to 1000): ≈1.7 ms of main thread per XHR, ≈350 ms for 200 in
    // one task right after the first image, which held back the next frame (overlay, first interactions). The
    // requests are queued BATCH per task instead; the browser runs 6 per host anyway.
    clearTimeout(batchTimer);
    let next = 0;
    const queue = () => {
      if (stopped) return;
      const end = Math.min(order.length, next + BATCH);
      for (; next < end; next++) {
        const imageId = imageIds[order[next]];
        if (cache.getImageLoadObject(imageId)) continue; // cached or in flight
        imageLoadPoolManager.addRequest(
          () => imageLoader.loadAndCacheImage(imageId, { requestType: Enums.RequestType.Prefetch, priority: 0 }).then(() => undefined, () => undefined),
          Enums.RequestType.Prefetch,
          { imageId, prefetch: token },
          0,
        );
      }
      if (next < order.length) batchTimer = setTimeout(queue, 0);
    };
    queue();
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
    clearTimeout(batchTimer);
    element.removeEventListener(Enums.Events.STACK_NEW_IMAGE, replan);
    imageLoadPoolManager.filterRequests((r) => !mine(r));
  };
}
