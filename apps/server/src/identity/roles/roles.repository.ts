import { Inject, Injectable } from '@nestjs/common';
import { asc, eq, inArray } from 'drizzle-orm';
import { DB, type Db } from '../../platform/database/database';
import { rolePermissions, roles } from '../identity.schema';
import type { PermissionScope } from '../access/permissions';

export interface RoleRecord {
  code: string;
  name: string;
  description: string;
  builtin: boolean;
  permissions: Array<{ permission: string; scope: PermissionScope }>;
}

@Injectable()
export class RolesRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  async list(): Promise<RoleRecord[]> {
    const [rs, ps] = await Promise.all([
      this.db.select().from(roles).orderBy(asc(roles.code)),
      this.db.select().from(rolePermissions).orderBy(asc(rolePermissions.permission)),
    ]);
    return rs.map((r) => ({
      ...r,
      permissions: ps.filter((p) => p.roleCode === r.code).map((p) => ({ permission: p.permission, scope: p.scope as PermissionScope })),
    }));
  }

  async existing(codes: string[]): Promise<string[]> {
    if (!codes.length) return [];
    const rows = await this.db.select({ code: roles.code }).from(roles).where(inArray(roles.code, codes));
    return rows.map((r) => r.code);
  }

  async get(code: string): Promise<RoleRecord | undefined> {
    return (await this.list()).find((r) => r.code === code);
  }

  async insert(role: { code: string; name: string; description: string; builtin: boolean }): Promise<void> {
    await this.db.insert(roles).values(role);
  }

  async upsertBuiltin(role: { code: string; name: string; description: string }): Promise<boolean> {
    const rows = await this.db.insert(roles).values({ ...role, builtin: true }).onConflictDoNothing().returning({ code: roles.code });
    return rows.length > 0;
  }

  async setPermissions(code: string, perms: Array<{ permission: string; scope: PermissionScope }>): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.delete(rolePermissions).where(eq(rolePermissions.roleCode, code));
      if (perms.length) await tx.insert(rolePermissions).values(perms.map((p) => ({ roleCode: code, ...p })));
    });
  }

  async grant(code: string, permission: string, scope: PermissionScope): Promise<void> {
    await this.db.insert(rolePermissions).values({ roleCode: code, permission, scope }).onConflictDoNothing();
  }
}
