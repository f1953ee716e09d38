import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * Content digests computed on a worker thread. Hashing is the largest CPU cost of receiving an image
 * (SHA-1 ≈ 1 ms per 512×512 CT here); on the request thread it would cap ingest throughput.
 * Falls back to the calling thread when the compiled worker is not available (tests run from source).
 */
export class DigestPool {
  private worker?: Worker;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (d: string) => void; reject: (e: Error) => void }>();

  constructor() {
    const file = join(__dirname, 'digest-worker.js');
    if (!existsSync(file)) return;
    this.worker = new Worker(file);
    this.worker.unref();
    this.worker.on('message', (m: { id: number; digest?: string; error?: string }) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.digest) w.resolve(m.digest);
      else w.reject(new Error(m.error ?? 'digest failed'));
    });
    this.worker.on('error', (err) => {
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
      this.worker = undefined;
    });
  }

  async digestOf(path: string): Promise<string> {
    if (!this.worker) return `sha1:${createHash('sha1').update(await readFile(path)).digest('hex')}`;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker!.postMessage({ id, path });
    });
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = undefined;
  }
}
