import { Global, Module } from '@nestjs/common';
import { AuditService } from './audit.service';

/** The audit writer, available to every module (every service records what it does). */
@Global()
@Module({ providers: [AuditService], exports: [AuditService] })
export class AuditModule {}
