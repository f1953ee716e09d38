import { BadRequestException, ConflictException, Injectable } from '@nestjs/common';
import { AuditService } from '../../system/audit/audit.service';
import { AccessService } from '../access/access.service';
import type { Actor } from '../access/actor';
import { AuthService } from '../auth/auth.service';
import { generatePassword, hashPassword } from '../auth/password';
import { PrincipalService } from '../auth/principal.service';
import { DepartmentsRepository } from '../organization/organization.repository';
import { RolesRepository } from '../roles/roles.repository';
import type { CreateUserDto, ListUsersQuery, UpdateUserDto } from './users.dto';
import { mapUser, type UserView } from './user.view';
import { UsersRepository } from './users.repository';

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly roles: RolesRepository,
    private readonly departments: DepartmentsRepository,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly auth: AuthService,
    private readonly principals: PrincipalService,
  ) {}

  async list(actor: Actor, q: ListUsersQuery): Promise<{ items: UserView[]; total: number }> {
    const scope = await this.access.scopeOf(actor, 'user.read', 'user');
    const filter = { ...q };
    if (!scope.all) {
      if (q.departmentId && q.departmentId !== scope.departmentId) return { items: [], total: 0 };
      if (!scope.departmentId) return { items: [], total: 0 };
      filter.departmentId = scope.departmentId;
    }
    const { items, total } = await this.users.list(filter);
    return { items: items.map((u) => mapUser(u)), total };
  }

  async get(actor: Actor, id: string): Promise<UserView> {
    const u = await this.access.requireFound(actor, 'user.read', await this.users.get(id),
      (x) => ({ departmentId: x.departmentId, resourceType: 'user', resourceId: id }), 'User');
    return mapUser(u);
  }

  async create(actor: Actor, dto: CreateUserDto): Promise<UserView> {
    await this.access.require(actor, 'user.manage', { resourceType: 'user' });
    await this.checkRefs(dto.roles, dto.departmentId);
    if (await this.users.findRowByUsername(dto.username)) {
      throw new ConflictException({ message: 'Username already taken', details: [{ path: 'username', message: 'Already taken' }] });
    }
    const id = await this.users.insert({
      username: dto.username,
      displayName: dto.displayName,
      email: dto.email ?? null,
      phone: dto.phone ?? null,
      passwordHash: await hashPassword(dto.password),
      departmentId: dto.departmentId ?? null,
      mustChangePassword: dto.mustChangePassword,
    }, dto.roles);
    await this.audit.record(actor, { action: 'user.create', outcome: 'success', resourceType: 'user', resourceId: id, details: { username: dto.username, roles: dto.roles } });
    return mapUser((await this.users.get(id))!);
  }

  async update(actor: Actor, id: string, dto: UpdateUserDto): Promise<UserView> {
    const before = await this.access.requireFound(actor, 'user.manage', await this.users.get(id),
      (x) => ({ departmentId: x.departmentId, resourceType: 'user', resourceId: id }), 'User');
    await this.checkRefs(dto.roles ?? [], dto.departmentId);
    if (dto.roles && before.roles.includes('admin') && !dto.roles.includes('admin')) await this.keepOneAdmin(id);
    await this.users.update(id, {
      displayName: dto.displayName,
      email: dto.email,
      phone: dto.phone,
      departmentId: dto.departmentId,
    }, dto.roles);
    this.principals.invalidate(id);
    await this.audit.record(actor, { action: 'user.update', outcome: 'success', resourceType: 'user', resourceId: id, details: { fields: Object.keys(dto), roles: dto.roles } });
    return mapUser((await this.users.get(id))!);
  }

  async setActive(actor: Actor, id: string, active: boolean): Promise<UserView> {
    const before = await this.access.requireFound(actor, 'user.manage', await this.users.get(id),
      (x) => ({ departmentId: x.departmentId, resourceType: 'user', resourceId: id }), 'User');
    if (!active && id === actor.userId) throw new BadRequestException('You cannot deactivate your own account');
    if (!active && before.roles.includes('admin')) await this.keepOneAdmin(id);
    await this.users.update(id, { active });
    if (!active) await this.auth.endAllSessions(id);
    await this.audit.record(actor, { action: active ? 'user.activate' : 'user.deactivate', outcome: 'success', resourceType: 'user', resourceId: id });
    return mapUser((await this.users.get(id))!);
  }

  /** Sets a new password (given, or generated and returned once); the user must change it at next sign-in. */
  async resetPassword(actor: Actor, id: string, newPassword?: string): Promise<{ temporaryPassword?: string }> {
    const before = await this.access.requireFound(actor, 'user.manage', await this.users.get(id),
      (x) => ({ departmentId: x.departmentId, resourceType: 'user', resourceId: id }), 'User');
    const pw = newPassword ?? generatePassword();
    await this.users.update(id, { passwordHash: await hashPassword(pw), mustChangePassword: true });
    await this.auth.endAllSessions(id);
    await this.audit.record(actor, { action: 'user.reset-password', outcome: 'success', resourceType: 'user', resourceId: id, details: { generated: !newPassword } });
    return newPassword ? {} : { temporaryPassword: pw };
  }

  private async checkRefs(roleCodes: string[], departmentId: string | null | undefined): Promise<void> {
    const found = await this.roles.existing(roleCodes);
    const unknown = roleCodes.filter((r) => !found.includes(r));
    if (unknown.length) throw new BadRequestException({ message: `Unknown role: ${unknown.join(', ')}`, details: [{ path: 'roles', message: `Unknown role: ${unknown.join(', ')}` }] });
    if (departmentId && !(await this.departments.get(departmentId))) {
      throw new BadRequestException({ message: 'Unknown department', details: [{ path: 'departmentId', message: 'Unknown department' }] });
    }
  }

  /** The system must keep at least one active administrator. */
  private async keepOneAdmin(excludingId: string): Promise<void> {
    const admins = (await this.users.activeIdsWithRole('admin')).filter((u) => u !== excludingId);
    if (!admins.length) throw new ConflictException('At least one active administrator must remain');
  }
}
