import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { AuditService } from '../../system/audit/audit.service';
import { AccessService } from '../access/access.service';
import type { Actor } from '../access/actor';
import { isPermission, PERMISSIONS } from '../access/permissions';
import { PrincipalService } from '../auth/principal.service';
import { text } from '../users/users.dto';
import { RolesRepository } from './roles.repository';

const roleCode = z.string().regex(/^[a-z][a-z0-9_]{1,39}$/, 'Lower-case letters, digits and _, starting with a letter');

export class CreateRoleDto extends createZodDto(z.object({
  code: roleCode,
  name: text(80).pipe(z.string().min(1, 'Required')),
  description: text(500).default(''),
}).strict()) {}

export class SetRolePermissionsDto extends createZodDto(z.object({
  permissions: z.array(z.object({
    permission: z.string().max(64).refine(isPermission, 'Unknown permission'),
    scope: z.enum(['all', 'department']).default('all'),
  }).strict()).max(200),
}).strict()) {}

export class RoleCodeParam extends createZodDto(z.object({ code: roleCode })) {}

@Injectable()
export class RolesService {
  constructor(
    private readonly repo: RolesRepository,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly principals: PrincipalService,
  ) {}

  async list(actor: Actor) {
    await this.access.scopeOf(actor, 'user.read', 'role');
    return this.repo.list();
  }

  async permissions(actor: Actor) {
    await this.access.scopeOf(actor, 'user.read', 'permission');
    return PERMISSIONS.map((p) => ({ ...p }));
  }

  async create(actor: Actor, dto: CreateRoleDto) {
    await this.access.require(actor, 'role.manage', { resourceType: 'role' });
    if (await this.repo.get(dto.code)) throw new ConflictException('A role with this code already exists');
    await this.repo.insert({ ...dto, builtin: false });
    await this.audit.record(actor, { action: 'role.create', outcome: 'success', resourceType: 'role', resourceId: dto.code });
    return (await this.repo.get(dto.code))!;
  }

  async setPermissions(actor: Actor, code: string, dto: SetRolePermissionsDto) {
    await this.access.require(actor, 'role.manage', { resourceType: 'role', resourceId: code });
    const role = await this.repo.get(code);
    if (!role) throw new NotFoundException('Role not found');
    const codes = dto.permissions.map((p) => p.permission);
    if (new Set(codes).size !== codes.length) throw new BadRequestException('A permission is listed twice');
    // Guard against locking everyone out: the admin role keeps role.manage and user.manage.
    if (code === 'admin' && !(codes.includes('role.manage') && codes.includes('user.manage'))) {
      throw new BadRequestException('The admin role must keep role.manage and user.manage');
    }
    await this.repo.setPermissions(code, dto.permissions);
    this.principals.invalidate();
    await this.audit.record(actor, {
      action: 'role.set-permissions', outcome: 'success', resourceType: 'role', resourceId: code,
      details: { before: role.permissions, after: dto.permissions },
    });
    return (await this.repo.get(code))!;
  }
}

