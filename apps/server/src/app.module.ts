import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE, DiscoveryModule } from '@nestjs/core';
import { ZodValidationPipe } from 'nestjs-zod';
import { IdentityModule } from './identity/identity.module';
import { ImagingModule } from './imaging/imaging.module';
import type { AppConfig } from './platform/config';
import type { DatabaseHandle } from './platform/database/database';
import { PlatformModule } from './platform/database/database.module';
import { ApiExceptionFilter } from './platform/http/errors';
import { HealthController, Readiness } from './platform/http/health.controller';
import { RouteCatalog } from './platform/http/route-catalog';
import { SpaController } from './platform/http/spa.controller';
import { RealtimeModule } from './realtime/realtime.module';
import { AuditModule } from './system/audit/audit.module';
import { SystemModule } from './system/system.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, database: DatabaseHandle): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forRoot(config, database), AuditModule, DiscoveryModule, IdentityModule, RealtimeModule, SystemModule, ImagingModule],
      // SpaController last: its catch-all GET must not shadow module routes.
      controllers: [HealthController, SpaController],
      providers: [
        Readiness,
        RouteCatalog,
        { provide: APP_PIPE, useClass: ZodValidationPipe },
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
      ],
    };
  }
}
