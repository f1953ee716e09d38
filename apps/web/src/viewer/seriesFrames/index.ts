/**
 * Frames of a whole series in one request (WADO-RS series pixel data, PS3.18 §10.4.1.1.6), read by a worker and
 * handed to the image loader as they arrive.
 *
 * Building a 500-slice volume frame by frame costs a request per frame: on the server an authorisation, an index
 * query and an answer each; on the page, the network chunks of every answer handled on the main thread, which the
 * MPR also needs for its renders. `streamSeriesFrames` asks for the series once instead. The frames it is
 * expected to bring are registered first, so the image loader (frameLoader.ts) takes a frame from the stream
 * rather than requesting it, whoever asks for it (the volume or the stack prefetch). A frame the answer does not
 * bring (the stream failed, was stopped, or the server does not offer the resource) is requested on its own, as
 * before.
 */
import type { FetchedFrame } from '../frameFetch';
import { FRAME_ACCEPT } from '../frameFetch';
import type { StreamMessage, StreamRequest } from './protocol';

interface Pending {
  promise: Promise<FetchedFrame>;
  resolve: (f: FetchedFrame) => void;
  reject: (e: Error) => void;
  settled: boolean;
  /** Handed to the image loader (kept in the map until it settles). */
  taken: boolean;
  stream: number;
}

const pending = new Map<string, Pending>();
/** How long frames that arrived but were not (yet) asked for are kept after the stream ends (ms). */
const KEEP_UNCLAIMED_MS = 30_000;
let streams = 0;

/** What a stream does with the worker's messages about it. */
const handlers = new Map<number, (m: StreamMessage) => void>();
let worker: Worker | null = null;
/**
 * The series-frames worker, started once per page. Call it when the viewer starts: a worker started when the MPR
 * opens waits for the page's main thread, which building the MPR holds for seconds in a software renderer, and
 * the stream would start only after that.
 */
export function startSeriesFramesWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(new URL('./seriesFramesWorker.ts', import.meta.url), { type: 'module', name: 'axial-series-frames' });
  w.onmessage = (ev: MessageEvent<StreamMessage>) => handlers.get(ev.data.id)?.(ev.data);
  w.onerror = (ev) => {
    console.warn(`Series pixel data worker failed: ${ev.message}`);
    worker = null;
    w.terminate();
    for (const [id, handle] of [...handlers]) handle({ type: 'error', id, status: 0, message: 'series pixel data worker failed' });
  };
  worker = w;
  return w;
}

/** The frame at `url` if a series stream is bringing (or has brought) it; taken: used once. */
export function takeStreamedFrame(url: string): Promise<FetchedFrame> | null {
  const p = pending.get(url);
  if (!p || p.taken) return null;
  p.taken = true;
  if (p.settled) pending.delete(url);
  return p.promise;
}

/** The series pixel data URL of a frame URL (`…/series/{series}/instances/{sop}/frames/{n}`), or null. */
export function seriesPixelDataUrl(frameUrl: string): string | null {
  const m = /^(.*\/studies\/[^/]+\/series\/[^/]+)\/instances\/[^/]+\/frames\/\d+$/.exec(frameUrl);
  return m ? `${m[1]}/pixeldata` : null;
}

/**
 * Streams the frames at `frameUrls` (all of one series) with one series pixel data request. Returns a function that
 * stops the stream; frames not delivered by then are requested one by one by whoever needs them.
 */
export function streamSeriesFrames(seriesUrl: string, frameUrls: string[], token: string | null): () => void {
  const id = ++streams;
  for (const url of frameUrls) {
    if (pending.has(url)) continue;
    let resolve!: (f: FetchedFrame) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<FetchedFrame>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // A frame nobody takes must not be an unhandled rejection.
    promise.catch(() => undefined);
    pending.set(url, { promise, resolve, reject, settled: false, taken: false, stream: id });
  }
  const w = startSeriesFramesWorker();
  let finished = false;
  const mine = () => [...pending].filter(([, p]) => p.stream === id);
  // Frames of this stream still to come: failed, so that their requests go to the server one by one; frames that came
  // but were not taken are dropped later (or now, when stopped).
  const finish = (reason: string, dropDelivered: boolean) => {
    if (finished) return;
    finished = true;
    handlers.delete(id);
    w.postMessage({ type: 'stop', id } satisfies StreamRequest);
    for (const [url, p] of mine()) {
      if (!p.settled) {
        pending.delete(url);
        p.reject(new Error(reason));
      }
    }
    const drop = () => {
      for (const [url] of mine()) pending.delete(url);
    };
    if (dropDelivered) drop();
    else setTimeout(drop, KEEP_UNCLAIMED_MS);
  };
  handlers.set(id, (m) => {
    if (m.type === 'frame') {
      const p = pending.get(m.location);
      if (p && p.stream === id && !p.settled) {
        p.settled = true;
        if (p.taken) pending.delete(m.location);
        p.resolve({ contentType: m.contentType, pixelData: m.data });
      }
    } else if (m.type === 'done') {
      finish('frame not in the series pixel data answer', false);
    } else {
      // Not fatal (the frames are requested one by one), but worth knowing: the console says why.
      console.warn(`Series pixel data stream failed (${m.status || 'no answer'}): ${m.message}; frames requested one by one`);
      finish(m.message, false);
    }
  });
  w.postMessage({ type: 'start', id, url: seriesUrl, token, accept: FRAME_ACCEPT } satisfies StreamRequest);
  return () => finish('series stream stopped', true);
}
