import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { WorkerPool, WorkerTimeoutError } from './worker-pool';

const dir = mkdtempSync(join(tmpdir(), 'axial-pool-'));
const script = join(dir, 'stub-worker.js');
// A stand-in for a decoder: doubles x, spins for ever on `spin`, dies on `die`, fails on `fail`, reports its thread.
writeFileSync(script, `
const { parentPort, threadId } = require('node:worker_threads');
parentPort.on('message', (m) => {
  if (m.spin) for (;;) {}
  if (m.die) process.exit(3);
  if (m.fail) return parentPort.postMessage({ error: 'bad input' });
  if (m.wait) return setTimeout(() => parentPort.postMessage({ result: { x: m.x * 2, thread: threadId } }), m.wait);
  parentPort.postMessage({ result: { x: m.x * 2, thread: threadId } });
});
`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type In = { x?: number; spin?: boolean; die?: boolean; fail?: boolean; wait?: number };
type Out = { x: number; thread: number };

describe('WorkerPool', () => {
  let pool: WorkerPool<In, Out>;
  afterEach(async () => pool.close());

  it('runs jobs on at most `size` threads, in parallel, each answer to its own job', async () => {
    pool = new WorkerPool<In, Out>(script, { size: 2, timeoutMs: 5000 });
    const out = await Promise.all([1, 2, 3, 4, 5].map((x) => pool.run({ x, wait: 20 })));
    expect(out.map((o) => o.x)).toEqual([2, 4, 6, 8, 10]);
    expect(new Set(out.map((o) => o.thread)).size).toBe(2);
    expect(pool.size).toBe(2);
  });

  it('stops a job that runs past the time limit, replaces its thread, and goes on with the next jobs', async () => {
    pool = new WorkerPool<In, Out>(script, { size: 1, timeoutMs: 300 });
    const first = await pool.run({ x: 1 });
    const stuck = pool.run({ spin: true });
    const queued = pool.run({ x: 21 });
    await expect(stuck).rejects.toBeInstanceOf(WorkerTimeoutError);
    const after = await queued;
    expect(after.x).toBe(42);
    expect(after.thread).not.toBe(first.thread);
    expect(pool.size).toBe(1);
  });

  it('fails the job of a thread that dies and replaces the thread; a reported error keeps it', async () => {
    pool = new WorkerPool<In, Out>(script, { size: 1, timeoutMs: 5000 });
    const first = await pool.run({ x: 1 });
    await expect(pool.run({ die: true })).rejects.toThrow(/exited \(3\)/);
    const second = await pool.run({ x: 2 });
    expect(second.thread).not.toBe(first.thread);
    await expect(pool.run({ fail: true })).rejects.toThrow('bad input');
    expect((await pool.run({ x: 3 })).thread).toBe(second.thread);
  });

  it('refuses new jobs and fails waiting ones once closed', async () => {
    pool = new WorkerPool<In, Out>(script, { size: 1, timeoutMs: 5000 });
    const running = pool.run({ x: 1, wait: 200 });
    const waiting = pool.run({ x: 2 }).catch((e: Error) => e);
    running.catch(() => undefined);
    await pool.close();
    expect(await waiting).toBeInstanceOf(Error);
    expect(String(await waiting)).toMatch(/closed/);
    await expect(pool.run({ x: 3 })).rejects.toThrow(/closed/);
  });
});
