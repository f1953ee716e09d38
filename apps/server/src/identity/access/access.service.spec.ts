import { ForbiddenException, NotFoundException } from '@nestjs/common';
import { describe, expect, it, vi } from 'vitest';
import type { AuditService } from '../../system/audit/audit.service';
import { AccessService } from './access.service';
import type { Actor } from './actor';
import { BUILTIN_ROLES, PERMISSION_CODES } from './permissions';

function actor(perms: Array<[string, 'all' | 'department']>, departmentId: string | null = 'dep-1'): Actor {
  return {
    userId: 'u1', username: 'u1', displayName: 'U One', roles: ['x'], departmentId, permissions: new Map(perms),
    sessionId: 's1', clientIp: '127.0.0.1', userAgent: 'test',
  };
}

function service() {
  const record = vi.fn().mockResolvedValue(undefined);
  return { svc: new AccessService({ record } as unknown as AuditService), record };
}

describe('AccessService', () => {
  it('allows a permission held with scope all, whatever the department', async () => {
    const { svc, record } = service();
    await expect(svc.require(actor([['user.manage', 'all']]), 'user.manage', { departmentId: 'dep-2' })).resolves.toBeUndefined();
    expect(record).not.toHaveBeenCalled();
  });

  it('refuses and audits a missing permission', async () => {
    const { svc, record } = service();
    await expect(svc.require(actor([['user.read', 'all']]), 'user.manage', { resourceType: 'user', resourceId: 'u9' })).rejects.toBeInstanceOf(ForbiddenException);
    expect(record).toHaveBeenCalledWith(expect.objectContaining({ userId: 'u1' }), expect.objectContaining({ action: 'access.denied', outcome: 'denied', resourceId: 'u9' }));
  });

  it('department scope allows the own department only', async () => {
    const { svc } = service();
    const head = actor([['schedule.manage', 'department']], 'dep-1');
    await expect(svc.require(head, 'schedule.manage', { departmentId: 'dep-1' })).resolves.toBeUndefined();
    await expect(svc.require(head, 'schedule.manage', { departmentId: 'dep-2' })).rejects.toThrow(/own department/);
    await expect(svc.require(head, 'schedule.manage', {})).rejects.toBeInstanceOf(ForbiddenException);
  });

  it('department scope without a department of one\'s own allows nothing', async () => {
    const { svc } = service();
    const floating = actor([['user.read', 'department']], null);
    await expect(svc.require(floating, 'user.read', { departmentId: null })).rejects.toBeInstanceOf(ForbiddenException);
    await expect(svc.scopeOf(floating, 'user.read')).resolves.toEqual({ all: false, departmentId: null });
  });

  it('scopeOf gives list limits and refuses without the permission', async () => {
    const { svc } = service();
    await expect(svc.scopeOf(actor([['audit.read', 'all']]), 'audit.read')).resolves.toEqual({ all: true });
    await expect(svc.scopeOf(actor([['audit.read', 'department']]), 'audit.read')).resolves.toEqual({ all: false, departmentId: 'dep-1' });
    await expect(svc.scopeOf(actor([]), 'audit.read')).rejects.toBeInstanceOf(ForbiddenException);
  });

  it('requireFound: 404 to permission holders, 403 to others, scope check on existing resources', async () => {
    const { svc } = service();
    const head = actor([['user.read', 'department']], 'dep-1');
    await expect(svc.requireFound(head, 'user.read', undefined, () => ({}), 'User')).rejects.toBeInstanceOf(NotFoundException);
    await expect(svc.requireFound(actor([]), 'user.read', undefined, () => ({}), 'User')).rejects.toBeInstanceOf(ForbiddenException);
    const other = { departmentId: 'dep-2' };
    await expect(svc.requireFound(head, 'user.read', other, (u) => u, 'User')).rejects.toBeInstanceOf(ForbiddenException);
    const own = { departmentId: 'dep-1' };
    await expect(svc.requireFound(head, 'user.read', own, (u) => u, 'User')).resolves.toBe(own);
  });
});

describe('built-in roles', () => {
  it('grant only permissions of the catalog, each once', () => {
    for (const role of BUILTIN_ROLES) {
      const codes = role.permissions.map(([p]) => p);
      expect(new Set(codes).size, role.code).toBe(codes.length);
      for (const c of codes) expect(PERMISSION_CODES, `${role.code}: ${c}`).toContain(c);
    }
  });

  it('admin holds every permission; reception cannot sign reports; radiologist can', () => {
    const byCode = Object.fromEntries(BUILTIN_ROLES.map((r) => [r.code, new Set(r.permissions.map(([p]) => p))]));
    expect(byCode.admin.size).toBe(PERMISSION_CODES.length);
    expect(byCode.receptionist.has('report.sign')).toBe(false);
    expect(byCode.radiologist.has('report.sign')).toBe(true);
    expect(byCode.referring_physician.has('study.delete')).toBe(false);
  });
});
