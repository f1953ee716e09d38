import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AlignedSlabs } from './aligned-slabs';

/** Worker threads writing objects: each holds an object's file from its first slab to its last, in order. */
const WRITERS = 4;

interface Thread {
  worker: Worker;
  jobs: Map<number, { resolve: (crc: number | undefined) => void; reject: (e: Error) => void; onWritten?: (crc: number) => void }>;
}

type Job =
  | { type: 'write'; file: number; path: string; first: boolean; arena: number; at: number; length: number; offset: number; size?: number }
  | { type: 'discard'; file: number; path: string };

/**
 * Writes objects with O_DIRECT on worker threads (direct-writer-thread.js), from slabs of shared memory. Every job of
 * one object goes to the same thread, which runs them in order; the request thread posts one message per slab and
 * does no file system call of its own for the object. Measured on this 2-core VM: each asynchronous file operation
 * cost the event loop 0.1–0.3 ms (waking a thread-pool thread), four of them per object.
 */
export class DirectWriter {
  private readonly threads: Thread[] = [];
  private nextJob = 1;
  private nextFile = 1;
  private closed = false;

  constructor(private readonly slabs: AlignedSlabs) {
    for (let i = 0; i < WRITERS; i++) this.threads.push(this.start());
    slabs.onArena((index, buffer) => {
      for (const t of this.threads) t.worker.postMessage({ type: 'arena', index, buffer });
    });
  }

  /** An id for a new object: its jobs all go to one thread. */
  newFile(): number {
    return this.nextFile++;
  }

  /**
   * Writes `length` bytes of `slab` (a multiple of the block size) at `offset` of the object's file, creating it
   * when `first`; with `size`, this is the last slab: the file is then cut to `size`, synced and closed, and the
   * promise resolves with the CRC-32 of the object's bytes. Resolves once done (the slab may then be reused). For the
   * last slab, `onWritten` is called with the CRC-32 as soon as every byte is in the file, before the sync ends.
   */
  write(file: number, path: string, slab: Buffer | undefined, length: number, offset: number, first: boolean, size?: number, onWritten?: (crc: number) => void): Promise<number | undefined> {
    const { arena, at } = slab ? this.slabs.locate(slab) : { arena: 0, at: 0 };
    return this.post({ type: 'write', file, path, first, arena, at, length, offset, size }, onWritten);
  }

  /** Closes the object's file if it is open and removes it; resolves when done. */
  async discard(file: number, path: string): Promise<void> {
    await this.post({ type: 'discard', file, path });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }

  private post(job: Job, onWritten?: (crc: number) => void): Promise<number | undefined> {
    if (this.closed) return Promise.reject(new Error('Storage is closed'));
    const thread = this.threads[job.file % WRITERS];
    const id = this.nextJob++;
    return new Promise<number | undefined>((resolve, reject) => {
      thread.jobs.set(id, { resolve, reject, onWritten });
      thread.worker.postMessage({ ...job, id });
    });
  }

  private start(): Thread {
    const worker = new Worker(join(__dirname, 'direct-writer-thread.js'));
    worker.unref();
    this.slabs.sharedArenas().forEach((buffer, index) => worker.postMessage({ type: 'arena', index, buffer }));
    const thread: Thread = { worker, jobs: new Map() };
    worker.on('message', (m: { id: number; error?: string; crc?: number; written?: boolean }) => {
      const job = thread.jobs.get(m.id);
      if (!job) return;
      // An object's last job tells when its bytes are written, then (another message) when they are synced.
      if (m.written) return job.onWritten?.(m.crc!);
      thread.jobs.delete(m.id);
      if (m.error) job.reject(new Error(m.error));
      else job.resolve(m.crc);
    });
    // A thread that dies fails the objects it was writing (their files are then removed by discard or recovery)
    // and is replaced, with the arenas known so far.
    const fail = (err: Error) => {
      for (const job of thread.jobs.values()) job.reject(err);
      thread.jobs.clear();
      const i = this.threads.indexOf(thread);
      if (this.closed || i < 0) return; // closing, or already replaced ('error' is followed by 'exit')
      this.threads[i] = this.start();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`Direct writer thread exited (${code})`)));
    return thread;
  }
}
