/**
 * The viewer's code (the lazily loaded viewer chunk with Cornerstone3D) is fetched, evaluated and started while the
 * user is still on a page the viewer is opened from (study list, study page), in the browser's idle time (typically
 * while that page waits for its own data). Opening the viewer then only waits for its images. The router's lazy route uses the same
 * `loadViewerModule()` promise, so the chunk is requested once.
 */
import { useEffect } from 'react';
import { useStore } from 'react-redux';
import type { RootState } from '../app/store';

type ViewerModule = typeof import('../features/viewer/ViewerPage');
let viewerModule: Promise<ViewerModule> | null = null;

/** The viewer page module (one request; retried after a failure). */
export function loadViewerModule(): Promise<ViewerModule> {
  if (!viewerModule) {
    viewerModule = import('../features/viewer/ViewerPage');
    viewerModule.catch(() => (viewerModule = null));
  }
  return viewerModule;
}

let started = false;

/**
 * Loads the viewer chunk and starts Cornerstone (codecs' workers, tools) when the browser is idle. Once per page
 * load; a failure is silent (the route loads the chunk again when the viewer is opened).
 */
export function preloadViewerWhenIdle(getToken: () => string | null): void {
  if (started || typeof window === 'undefined') return;
  started = true;
  const run = () => {
    loadViewerModule()
      .then((m) => m.warmViewer(getToken))
      .catch(() => (started = false));
  };
  const w = window as Window & { requestIdleCallback?: (cb: () => void, opts?: { timeout: number }) => number };
  if (w.requestIdleCallback) w.requestIdleCallback(run, { timeout: 1500 });
  else setTimeout(run, 200);
}

/** Preloads the viewer in idle time from a page that opens it. */
export function usePreloadViewer(): void {
  const store = useStore<RootState>();
  useEffect(() => preloadViewerWhenIdle(() => store.getState().session.accessToken), [store]);
}
