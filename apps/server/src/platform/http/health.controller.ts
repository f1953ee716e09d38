import { Controller, Get, Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public } from '../../identity/access/access.decorators';
import type { DatabaseHandle } from '../database/database';
import { DATABASE } from '../database/database.module';
import { HealthChecks } from './health-checks';

/** Ready once migrations and first-start work are done; not ready again while shutting down. */
@Injectable()
export class Readiness {
  ready = false;
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly readiness: Readiness, @Inject(DATABASE) private readonly db: DatabaseHandle, private readonly checks: HealthChecks) {}

  @Public()
  @Get()
  async health() {
    if (!this.readiness.ready) throw new ServiceUnavailableException('Starting up or shutting down');
    try {
      await this.db.ping();
    } catch {
      throw new ServiceUnavailableException('Database unavailable');
    }
    // The other parts' states (e.g. `storage: 'full'`) are reported, not failed: a full archive still serves reads.
    return { status: 'ok', database: this.db.engine, ...(await this.checks.states()) };
  }
}
