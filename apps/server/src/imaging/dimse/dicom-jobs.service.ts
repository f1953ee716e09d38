import { BeforeApplicationShutdown, Inject, Injectable, Logger, NotFoundException, OnModuleInit } from '@nestjs/common';
import { desc, eq, inArray, sql } from 'drizzle-orm';
import { DB, type Db } from '../../platform/database/database';
import { dicomJobs } from './dimse.schema';

export type DicomJob = typeof dicomJobs.$inferSelect;
export type JobType = 'store' | 'retrieve';

export interface JobContext {
  progress(p: { total?: number; completed?: number; failed?: number; warnings?: number }): Promise<void>;
}

/**
 * Background DIMSE jobs persisted in dicom_job. They run in this process; a job found queued or running at
 * start-up was interrupted by a restart and is marked failed (with that reason) instead of silently vanishing.
 */
@Injectable()
export class DicomJobsService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly log = new Logger('DicomJobs');
  private readonly running = new Set<Promise<void>>();
  private readonly runningIds = new Set<string>();
  private stopping = false;

  constructor(@Inject(DB) private readonly db: Db) {}

  async onModuleInit(): Promise<void> {
    const interrupted = await this.db.update(dicomJobs)
      .set({ status: 'failed', error: 'Interrupted: the server stopped while the job was queued or running', finishedAt: sql`now()` })
      .where(inArray(dicomJobs.status, ['queued', 'running'])).returning({ id: dicomJobs.id });
    if (interrupted.length) this.log.warn(`${interrupted.length} DICOM job(s) interrupted by a restart marked failed`);
  }

  list(limit = 100): Promise<DicomJob[]> {
    return this.db.select().from(dicomJobs).orderBy(desc(dicomJobs.createdAt)).limit(limit);
  }

  async get(id: string): Promise<DicomJob> {
    const [j] = await this.db.select().from(dicomJobs).where(eq(dicomJobs.id, id));
    if (!j) throw new NotFoundException(`Job ${id} not found`);
    return j;
  }

  /** Creates the job row and runs `work` in the background; its return value is stored as the result. */
  async start(type: JobType, node: { id: string; aeTitle: string }, params: unknown, createdBy: string, work: (ctx: JobContext) => Promise<{ result: unknown; error?: string }>): Promise<DicomJob> {
    const [job] = await this.db.insert(dicomJobs).values({ type, nodeId: node.id, nodeAeTitle: node.aeTitle, params: JSON.stringify(params), createdBy }).returning();
    // Progress writes are chained: a throttled update still in flight must never land after a later one
    // (on PostgreSQL two pooled connections may commit in either order).
    let writes: Promise<unknown> = Promise.resolve();
    const ctx: JobContext = {
      progress: (p) => {
        const w = writes.then(() => this.db.update(dicomJobs).set(p).where(eq(dicomJobs.id, job.id)));
        writes = w.catch(() => undefined);
        return w.then(() => undefined);
      },
    };
    this.runningIds.add(job.id);
    const p = (async () => {
      try {
        await this.db.update(dicomJobs).set({ status: 'running', startedAt: sql`now()` }).where(eq(dicomJobs.id, job.id));
        const out = await work(ctx);
        await writes;
        await this.db.update(dicomJobs).set({ status: out.error ? 'failed' : 'done', error: out.error ?? null, result: JSON.stringify(out.result), finishedAt: sql`now()` }).where(eq(dicomJobs.id, job.id));
      } catch (err) {
        if (this.stopping) return; // already recorded as interrupted by the shutdown
        await this.db.update(dicomJobs).set({ status: 'failed', error: (err as Error).message, finishedAt: sql`now()` }).where(eq(dicomJobs.id, job.id))
          .catch((e: Error) => this.log.error(`Job ${job.id}: ${e.message}`));
      }
    })();
    this.running.add(p);
    void p.finally(() => {
      this.running.delete(p);
      this.runningIds.delete(job.id);
    });
    return job;
  }

  /** Waits for running jobs (shutdown). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  /**
   * Shutdown: jobs get a few seconds to finish; those still running are recorded as interrupted now, while the
   * database is still open (the start-up check catches the ones a crash leaves behind).
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.running.size) return;
    await Promise.race([this.drain(), new Promise((r) => setTimeout(r, 5000).unref())]);
    const ids = [...this.runningIds];
    this.stopping = true;
    if (!ids.length) return;
    await this.db.update(dicomJobs)
      .set({ status: 'failed', error: 'Interrupted: the server stopped while the job was running', finishedAt: sql`now()` })
      .where(inArray(dicomJobs.id, ids))
      .catch((e: Error) => this.log.error(`Recording interrupted jobs: ${e.message}`));
  }
}
