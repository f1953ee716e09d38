import { Worker, type TransferListItem } from 'node:worker_threads';

/** A job that ran past the pool's time limit: its thread was stopped. */
export class WorkerTimeoutError extends Error {}

interface Job {
  input: unknown;
  transfer: TransferListItem[];
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

/**
 * Worker threads running one job at a time each, started when needed up to `size`, with a time limit per job. A job
 * that runs past it has its thread terminated (the only way to stop WebAssembly stuck in a loop) and replaced, and
 * fails with WorkerTimeoutError; a thread that dies fails its job and is replaced too. Jobs wait in order when every
 * thread is busy; the limit counts from the moment a thread takes the job.
 *
 * The script answers each message with one message: `{ result }` or `{ error }` (a string).
 */
export class WorkerPool<In, Out> {
  private readonly idle: Worker[] = [];
  private readonly threads = new Set<Worker>();
  private readonly queue: Job[] = [];
  private closed = false;

  constructor(
    private readonly script: string,
    private readonly options: { size: number; timeoutMs: number },
  ) {}

  run(input: In, transfer: TransferListItem[] = []): Promise<Out> {
    if (this.closed) return Promise.reject(new Error('Worker pool is closed'));
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ input, transfer, resolve: resolve as (v: unknown) => void, reject });
      this.pump();
    });
  }

  /** Threads alive now (for tests and health). */
  get size(): number {
    return this.threads.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('Worker pool is closed'));
    const all = [...this.threads];
    this.threads.clear();
    this.idle.length = 0;
    await Promise.all(all.map((w) => w.terminate()));
  }

  private pump(): void {
    while (this.queue.length && !this.closed) {
      let worker = this.idle.pop();
      if (!worker) {
        if (this.threads.size >= Math.max(1, this.options.size)) return;
        worker = new Worker(this.script);
        // Idle threads never keep the process alive; a running job does, through its timer.
        worker.unref();
        this.threads.add(worker);
      }
      this.start(worker, this.queue.shift()!);
    }
  }

  private start(worker: Worker, job: Job): void {
    let done = false;
    const finish = (err: Error | undefined, result: unknown, retire: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      if (retire) {
        this.threads.delete(worker);
        void worker.terminate();
      } else if (this.threads.has(worker)) {
        this.idle.push(worker);
      }
      if (err) job.reject(err);
      else job.resolve(result);
      this.pump();
    };
    const onMessage = (m: { result?: unknown; error?: string }) => finish(m.error !== undefined ? new Error(m.error) : undefined, m.result, false);
    const onError = (err: Error) => finish(err, undefined, true);
    const onExit = (code: number) => finish(new Error(`Worker thread exited (${code})`), undefined, true);
    const timer = setTimeout(
      () => finish(new WorkerTimeoutError(`Stopped after ${Math.round(this.options.timeoutMs / 100) / 10} s`), undefined, true),
      this.options.timeoutMs,
    );
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage(job.input, job.transfer);
  }
}
