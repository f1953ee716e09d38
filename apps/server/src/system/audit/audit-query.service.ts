import { Injectable } from '@nestjs/common';
import { AccessService } from '../../identity/access/access.service';
import type { Actor } from '../../identity/access/actor';
import { StaffDirectory } from '../../identity/staff-directory';
import { AuditService, type AuditFilter } from './audit.service';

/** Reading the audit trail: department-scoped readers see only events by staff of their department. */
@Injectable()
export class AuditQueryService {
  constructor(private readonly audit: AuditService, private readonly access: AccessService, private readonly staff: StaffDirectory) {}

  async find(actor: Actor, q: Omit<AuditFilter, 'userIds'>) {
    const scope = await this.access.scopeOf(actor, 'audit.read', 'audit-event');
    const userIds = scope.all ? undefined : await this.staff.userIdsInDepartment(scope.departmentId);
    return this.audit.find({ ...q, userIds });
  }
}

