import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

/** Worker thread: SHA-1 of a finished file, so hashing runs beside the request thread, not on it. */
parentPort?.on('message', (m: { id: number; path: string }) => {
  try {
    const digest = createHash('sha1').update(readFileSync(m.path)).digest('hex');
    parentPort!.postMessage({ id: m.id, digest: `sha1:${digest}` });
  } catch (err) {
    parentPort!.postMessage({ id: m.id, error: (err as Error).message });
  }
});
