/**
 * Reads a series' pixel data answer (one multipart/related part per frame) off the page's main thread: the network
 * chunks of a 260 MB answer arrive here, and each frame goes to the page as soon as it is complete, its buffer
 * transferred (not copied).
 */
import { boundaryOf } from '../frameFetch';
import { MultipartReader, type StreamPart } from './multipartReader';
import type { StreamMessage, StreamRequest } from './protocol';

const scope = globalThis as unknown as {
  onmessage: ((ev: MessageEvent<StreamRequest>) => void) | null;
  postMessage: (message: StreamMessage, transfer?: Transferable[]) => void;
};
/** Streams being read, by id: stopping one aborts its request. */
const running = new Map<number, AbortController>();

const SCRATCH_BYTES = 64 * 1024;

/** A BYOB reader of the answer's body where the browser offers one (a byte stream), else null. */
function byobReader(body: ReadableStream<Uint8Array>): ReadableStreamBYOBReader | null {
  try {
    return body.getReader({ mode: 'byob' });
  } catch {
    return null;
  }
}

async function stream({ id, url, token, accept }: Extract<StreamRequest, { type: 'start' }>, signal: AbortSignal): Promise<void> {
  const res = await fetch(url, { headers: { Accept: accept, ...(token ? { Authorization: `Bearer ${token}` } : {}) }, credentials: 'same-origin', signal });
  if (!res.ok || !res.body) {
    let message = `Series pixel data request failed (${res.status})`;
    try {
      const body = (await res.json()) as { message?: unknown };
      if (typeof body.message === 'string') message = body.message;
    } catch {
      /* not JSON */
    }
    scope.postMessage({ type: 'error', id, status: res.status, message });
    return;
  }
  const boundary = boundaryOf(res.headers.get('content-type') ?? '');
  if (!boundary) throw new Error('Series pixel data answer is not multipart');
  const reader = new MultipartReader(boundary);
  let frames = 0;
  const send = (parts: StreamPart[]) => {
    for (const part of parts) {
      const location = part.headers['content-location'];
      if (!location) continue;
      frames++;
      scope.postMessage(
        { type: 'frame', id, location: new URL(location, res.url).href, contentType: part.headers['content-type'] ?? 'application/octet-stream', data: part.body },
        [part.body.buffer],
      );
    }
  };
  const byob = byobReader(res.body);
  if (byob) {
    // Frame bodies are read straight into their own buffers, everything else into one reused scratch buffer: no
    // chunk is allocated per read (fresh memory costs ≈ 3 ms per MB on some virtual machines) and nothing is copied.
    let scratch = new ArrayBuffer(SCRATCH_BYTES);
    for (;;) {
      const into = reader.bodyTarget();
      const { done, value } = await byob.read(into ?? new Uint8Array(scratch));
      if (!value) break;
      if (into) send(reader.bodyRead(value));
      else {
        send(reader.push(value));
        scratch = value.buffer as ArrayBuffer;
      }
      if (done) break;
    }
  } else {
    const body = res.body.getReader();
    for (;;) {
      const { done, value } = await body.read();
      if (done) break;
      send(reader.push(value));
    }
  }
  reader.end();
  scope.postMessage({ type: 'done', id, frames });
}

scope.onmessage = (ev) => {
  const m = ev.data;
  if (m.type === 'stop') {
    running.get(m.id)?.abort();
    running.delete(m.id);
    return;
  }
  const abort = new AbortController();
  running.set(m.id, abort);
  stream(m, abort.signal)
    .catch((err: unknown) => {
      if (!abort.signal.aborted) scope.postMessage({ type: 'error', id: m.id, status: 0, message: err instanceof Error ? err.message : String(err) });
    })
    .finally(() => running.delete(m.id));
};
