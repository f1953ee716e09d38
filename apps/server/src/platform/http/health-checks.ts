import { Injectable } from '@nestjs/common';

/** What a module reports about one part it runs: `ok`, or a word saying what is wrong (never a secret or a path). */
export type HealthCheck = () => Promise<string>;

/**
 * Parts of the system reported by GET /health beside the database: each module registers its own (the archive its
 * storage), so the health endpoint needs no knowledge of them.
 */
@Injectable()
export class HealthChecks {
  private readonly checks = new Map<string, HealthCheck>();

  register(name: string, check: HealthCheck): void {
    this.checks.set(name, check);
  }

  /** Every registered part's state; a check that throws reports `unknown`. */
  async states(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const [name, check] of this.checks) out[name] = await check().catch(() => 'unknown');
    return out;
  }
}
