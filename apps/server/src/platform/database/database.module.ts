import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config';
import { HealthChecks } from '../http/health-checks';
import { DB, type DatabaseHandle } from './database';

export const DATABASE = Symbol('DATABASE');

/** The opened, migrated database, the configuration and the health checks registry, available everywhere. */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(config: AppConfig, database: DatabaseHandle): DynamicModule {
    return {
      module: PlatformModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: DATABASE, useValue: database },
        { provide: DB, useValue: database.db },
        HealthChecks,
      ],
      exports: [APP_CONFIG, DATABASE, DB, HealthChecks],
    };
  }
}
