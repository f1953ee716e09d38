import { ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { AuditService } from '../../system/audit/audit.service';
import type { Actor } from './actor';
import type { Permission, PermissionScope } from './permissions';

/** The resource an action touches, as far as access rules care. */
export interface AccessTarget {
  /** Department the resource belongs to; needed when the actor's permission is department-scoped. */
  departmentId?: string | null;
  resourceType?: string;
  resourceId?: string | null;
  patientId?: string | null;
}

/** What a list query must be limited to for this actor. */
export type AccessScope = { all: true } | { all: false; departmentId: string | null };

/**
 * The one place where access is decided. Every service method that touches a resource calls
 * `require` (or `scopeOf` for lists) before doing anything; denials are audited.
 */
@Injectable()
export class AccessService {
  constructor(private readonly audit: AuditService) {}

  has(actor: Actor, permission: Permission): boolean {
    return actor.permissions.has(permission);
  }

  /** Throws 403 (and audits the denial) unless the actor may do `permission` on `target`. */
  async require(actor: Actor, permission: Permission, target: AccessTarget = {}): Promise<void> {
    const scope = actor.permissions.get(permission);
    if (scope && allows(scope, actor, target)) return;
    await this.audit.record(actor, {
      action: `access.denied`,
      outcome: 'denied',
      resourceType: target.resourceType,
      resourceId: target.resourceId ?? null,
      patientId: target.patientId ?? null,
      details: { permission, scope: scope ?? null },
    });
    throw new ForbiddenException(scope ? `Permission ${permission} is limited to your own department` : `Missing permission ${permission}`);
  }

  /**
   * For an existing-or-not resource: 404 when it does not exist (to anyone holding the permission at some
   * scope; 403 to others), otherwise `require` against the resource's own department.
   */
  async requireFound<T>(actor: Actor, permission: Permission, resource: T | undefined, target: (r: T) => AccessTarget, what: string): Promise<T> {
    if (resource === undefined) {
      await this.scopeOf(actor, permission);
      throw new NotFoundException(`${what} not found`);
    }
    await this.require(actor, permission, target(resource));
    return resource;
  }

  /** For list endpoints: 403 without the permission, else the slice of data the actor may see. */
  async scopeOf(actor: Actor, permission: Permission, resourceType?: string): Promise<AccessScope> {
    const scope = actor.permissions.get(permission);
    if (!scope) {
      await this.require(actor, permission, { resourceType });
    }
    return scope === 'all' ? { all: true } : { all: false, departmentId: actor.departmentId };
  }
}

function allows(scope: PermissionScope, actor: Actor, target: AccessTarget): boolean {
  if (scope === 'all') return true;
  // Department scope: the resource must belong to the actor's own department.
  return !!actor.departmentId && target.departmentId === actor.departmentId;
}
