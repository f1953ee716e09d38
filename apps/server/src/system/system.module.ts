import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module';
import { RealtimeModule } from '../realtime/realtime.module';
import { AuditQueryService } from './audit/audit-query.service';
import { AuditController } from './audit/audit.controller';
import { NotificationsController } from './notifications/notifications.controller';
import { NotificationService, NotificationsRepository } from './notifications/notifications.service';

/** System: audit trail reading/export, notifications (later: settings, analytics, AI jobs). */
@Module({
  imports: [IdentityModule, RealtimeModule],
  controllers: [AuditController, NotificationsController],
  providers: [AuditQueryService, NotificationService, NotificationsRepository],
  exports: [NotificationService],
})
export class SystemModule {}
