import { Logger } from '@nestjs/common';

/** What TableStatistics needs of the archive's repository. */
export interface StatisticsTarget {
  /** Rows the planner believes the instance table holds; negative when its tables were never analyzed. */
  plannedRows(): Promise<number>;
  /** ANALYZE of the archive's tables. */
  analyze(): Promise<void>;
}

/** ANALYZE once this many instances were added since the last one… */
const MIN_ROWS = 1_000;
/** …or this share of the instances known then, whichever is more. */
const SHARE = 0.1;

/**
 * Keeps the query planner's statistics of the archive's tables current as the index grows. Where autovacuum is off
 * or lags behind a bulk load (this machine's PostgreSQL runs with autovacuum off; PGlite has no autovacuum), the
 * planner works from default estimates: a study search by PatientID then read every study row (a hash join over a
 * sequential scan: 6 ms at 2,800 studies, growing with the archive) instead of two index lookups (0.1 ms). ANALYZE
 * samples at most 30,000 rows per table: tens of milliseconds, run after a commit, never on a request's path.
 */
export class TableStatistics {
  private readonly log = new Logger('Statistics');
  /** Instances at the last ANALYZE. */
  private known = 0;
  /** Instances added since. */
  private added = 0;
  private running?: Promise<void>;

  constructor(private readonly target: StatisticsTarget) {}

  /** At start-up: tables never analyzed (a new database, or one restored without statistics) are analyzed now. */
  async start(): Promise<void> {
    const rows = await this.target.plannedRows();
    if (rows < 0) this.run();
    else this.known = rows;
  }

  /** After `n` instances were committed to the index. */
  noteAdded(n: number): void {
    this.added += n;
    if (!this.running && this.added >= Math.max(MIN_ROWS, this.known * SHARE)) this.run();
  }

  /** Resolves when no ANALYZE is running (before the database closes). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private run(): void {
    const added = this.added;
    this.added = 0;
    const started = performance.now();
    this.running = this.target.analyze()
      .then(() => this.target.plannedRows())
      .then((rows) => {
        this.known = Math.max(rows, 0);
        this.log.debug(`Archive tables analyzed in ${(performance.now() - started).toFixed(0)} ms (${this.known} instances)`);
      }, (err: Error) => {
        // Tried again after the next commits: statistics are an optimisation, never a reason to fail an ingest.
        this.added += added;
        this.log.warn(`Could not analyze the archive tables: ${err.message}`);
      })
      .finally(() => {
        this.running = undefined;
      });
  }
}
