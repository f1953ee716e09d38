import { Inject, Injectable } from '@nestjs/common';
import { and, asc, count, eq, ilike, inArray, or, sql, type SQL } from 'drizzle-orm';
import { DB, type Db } from '../../platform/database/database';
import { departments, rolePermissions, userRoles, users } from '../identity.schema';
import { withImplied, type PermissionScope } from '../access/permissions';

export type UserRow = typeof users.$inferSelect;

export interface UserRecord extends Omit<UserRow, 'passwordHash'> {
  departmentName: string | null;
  roles: string[];
}

export interface UserListFilter {
  q?: string;
  role?: string;
  departmentId?: string;
  active?: boolean;
  limit: number;
  offset: number;
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (m) => `\\${m}`);

/** SQL for staff accounts and their roles. */
@Injectable()
export class UsersRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  async findRowByUsername(username: string): Promise<UserRow | undefined> {
    const [row] = await this.db.select().from(users).where(sql`lower(${users.username}) = lower(${username})`).limit(1);
    return row;
  }

  async findRow(id: string): Promise<UserRow | undefined> {
    const [row] = await this.db.select().from(users).where(eq(users.id, id)).limit(1);
    return row;
  }

  async get(id: string): Promise<UserRecord | undefined> {
    const { items } = await this.list({ limit: 1, offset: 0 }, eq(users.id, id));
    return items[0];
  }

  async list(f: UserListFilter, extra?: SQL): Promise<{ items: UserRecord[]; total: number }> {
    const c: SQL[] = [];
    if (extra) c.push(extra);
    if (f.q) {
      const q = `%${likeEscape(f.q)}%`;
      c.push(or(ilike(users.username, q), ilike(users.displayName, q), ilike(users.email, q))!);
    }
    if (f.departmentId) c.push(eq(users.departmentId, f.departmentId));
    if (f.active !== undefined) c.push(eq(users.active, f.active));
    if (f.role) c.push(inArray(users.id, this.db.select({ id: userRoles.userId }).from(userRoles).where(eq(userRoles.roleCode, f.role))));
    const where = c.length ? and(...c) : undefined;
    const rows = await this.db
      .select({ user: users, departmentName: departments.name })
      .from(users)
      .leftJoin(departments, eq(departments.id, users.departmentId))
      .where(where)
      .orderBy(asc(users.displayName), asc(users.id))
      .limit(f.limit)
      .offset(f.offset);
    const [{ total }] = await this.db.select({ total: count() }).from(users).where(where);
    const roleRows = rows.length
      ? await this.db.select().from(userRoles).where(inArray(userRoles.userId, rows.map((r) => r.user.id)))
      : [];
    const items = rows.map(({ user, departmentName }) => {
      const { passwordHash: _omit, ...rest } = user;
      return {
        ...rest,
        departmentName,
        roles: roleRows.filter((r) => r.userId === user.id).map((r) => r.roleCode).sort(),
      };
    });
    return { items, total: Number(total) };
  }

  async rolesOf(userId: string): Promise<string[]> {
    const rows = await this.db.select({ code: userRoles.roleCode }).from(userRoles).where(eq(userRoles.userId, userId));
    return rows.map((r) => r.code).sort();
  }

  /** Widest scope of each permission over a set of roles ('all' beats 'department'). */
  async permissionsOf(roleCodes: string[]): Promise<Map<string, PermissionScope>> {
    const map = new Map<string, PermissionScope>();
    if (!roleCodes.length) return map;
    const rows = await this.db.select().from(rolePermissions).where(inArray(rolePermissions.roleCode, roleCodes));
    for (const r of rows) {
      const scope = r.scope as PermissionScope;
      if (map.get(r.permission) !== 'all') map.set(r.permission, scope);
    }
    // With what they imply (study.upload → study.annotate): every caller (sign-in answer, request actor) sees the same set.
    return withImplied(map);
  }

  async insert(values: typeof users.$inferInsert, roleCodes: string[]): Promise<string> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.insert(users).values(values).returning({ id: users.id });
      if (roleCodes.length) await tx.insert(userRoles).values(roleCodes.map((roleCode) => ({ userId: row.id, roleCode })));
      return row.id;
    });
  }

  async update(id: string, values: Partial<typeof users.$inferInsert>, roleCodes?: string[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.update(users).set({ ...values, updatedAt: new Date() }).where(eq(users.id, id)); // updatedAt keeps SET non-empty
      if (roleCodes) {
        await tx.delete(userRoles).where(eq(userRoles.userId, id));
        if (roleCodes.length) await tx.insert(userRoles).values(roleCodes.map((roleCode) => ({ userId: id, roleCode })));
      }
    });
  }

  async bumpTokenVersion(id: string, extra: Partial<typeof users.$inferInsert> = {}): Promise<void> {
    await this.db.update(users).set({ ...extra, tokenVersion: sql`${users.tokenVersion} + 1`, updatedAt: new Date() }).where(eq(users.id, id));
  }

  async idsInDepartment(departmentId: string | null): Promise<string[]> {
    if (!departmentId) return [];
    const rows = await this.db.select({ id: users.id }).from(users).where(eq(users.departmentId, departmentId));
    return rows.map((r) => r.id);
  }

  async activeIdsWithRole(roleCode: string): Promise<string[]> {
    const rows = await this.db.select({ id: users.id }).from(users)
      .innerJoin(userRoles, eq(userRoles.userId, users.id))
      .where(and(eq(userRoles.roleCode, roleCode), eq(users.active, true)));
    return rows.map((r) => r.id);
  }

  async activeIdsInDepartment(departmentId: string): Promise<string[]> {
    const rows = await this.db.select({ id: users.id }).from(users).where(and(eq(users.departmentId, departmentId), eq(users.active, true)));
    return rows.map((r) => r.id);
  }

  async count(): Promise<number> {
    const [{ n }] = await this.db.select({ n: count() }).from(users);
    return Number(n);
  }
}
