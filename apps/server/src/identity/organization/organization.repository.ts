import { Inject, Injectable } from '@nestjs/common';
import { and, asc, count, eq, gte, lte, sql, type SQL } from 'drizzle-orm';
import { DB, type Db } from '../../platform/database/database';
import { departments, rooms, scheduleEntries, shiftTemplates, users } from '../identity.schema';

export type DepartmentRow = typeof departments.$inferSelect;
export type ShiftTemplateRow = typeof shiftTemplates.$inferSelect;
export interface RoomRecord extends Omit<typeof rooms.$inferSelect, 'createdAt'> { departmentName: string }
export interface ScheduleRecord {
  id: string; userId: string; userDisplayName: string; roomId: string; roomName: string; departmentId: string;
  shiftTemplateId: string; shiftName: string; startTime: string; endTime: string; date: string;
}

/** Thrown for a unique-constraint violation, so services can answer 409 without knowing the engine. */
export class DuplicateError extends Error {}
/** Thrown for a foreign-key violation (a row still referenced). */
export class InUseError extends Error {}

/** True when a PATCH carries no field to change (drizzle refuses an empty SET). */
export function isEmptyPatch(v: object): boolean {
  return Object.values(v).every((x) => x === undefined);
}

export async function mapDbErrors<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    const code = (err as { code?: string; cause?: { code?: string } }).code ?? (err as { cause?: { code?: string } }).cause?.code;
    if (code === '23505') throw new DuplicateError();
    if (code === '23503' || code === '23001') throw new InUseError(); // foreign_key_violation, restrict_violation
    throw err;
  }
}

@Injectable()
export class DepartmentsRepository {
  constructor(@Inject(DB) private readonly db: Db) {}
  list(): Promise<DepartmentRow[]> {
    return this.db.select().from(departments).orderBy(asc(departments.name));
  }
  async get(id: string): Promise<DepartmentRow | undefined> {
    const [r] = await this.db.select().from(departments).where(eq(departments.id, id));
    return r;
  }
  async insert(v: typeof departments.$inferInsert): Promise<DepartmentRow> {
    const [r] = await mapDbErrors(this.db.insert(departments).values(v).returning());
    return r;
  }
  async update(id: string, v: Partial<typeof departments.$inferInsert>): Promise<DepartmentRow | undefined> {
    if (isEmptyPatch(v)) return this.get(id);
    const [r] = await mapDbErrors(this.db.update(departments).set(v).where(eq(departments.id, id)).returning());
    return r;
  }
  async delete(id: string): Promise<boolean> {
    const rows = await mapDbErrors(this.db.delete(departments).where(eq(departments.id, id)).returning({ id: departments.id }));
    return rows.length > 0;
  }
}

@Injectable()
export class RoomsRepository {
  constructor(@Inject(DB) private readonly db: Db) {}
  async list(f: { departmentId?: string; modality?: string } = {}): Promise<RoomRecord[]> {
    const c: SQL[] = [];
    if (f.departmentId) c.push(eq(rooms.departmentId, f.departmentId));
    if (f.modality) c.push(sql`${f.modality} = ANY(${rooms.modalities})`);
    const rows = await this.db.select({ room: rooms, departmentName: departments.name }).from(rooms)
      .innerJoin(departments, eq(departments.id, rooms.departmentId))
      .where(c.length ? and(...c) : undefined).orderBy(asc(departments.name), asc(rooms.name));
    return rows.map(({ room: { createdAt: _c, ...room }, departmentName }) => ({ ...room, departmentName }));
  }
  async get(id: string): Promise<RoomRecord | undefined> {
    const rows = await this.db.select({ room: rooms, departmentName: departments.name }).from(rooms)
      .innerJoin(departments, eq(departments.id, rooms.departmentId)).where(eq(rooms.id, id));
    return rows.map(({ room: { createdAt: _c, ...room }, departmentName }) => ({ ...room, departmentName }))[0];
  }
  async insert(v: typeof rooms.$inferInsert): Promise<string> {
    const [r] = await mapDbErrors(this.db.insert(rooms).values(v).returning({ id: rooms.id }));
    return r.id;
  }
  async update(id: string, v: Partial<typeof rooms.$inferInsert>): Promise<void> {
    if (isEmptyPatch(v)) return;
    await mapDbErrors(this.db.update(rooms).set(v).where(eq(rooms.id, id)));
  }
  async delete(id: string): Promise<boolean> {
    const rows = await mapDbErrors(this.db.delete(rooms).where(eq(rooms.id, id)).returning({ id: rooms.id }));
    return rows.length > 0;
  }
}

@Injectable()
export class ShiftTemplatesRepository {
  constructor(@Inject(DB) private readonly db: Db) {}
  list(): Promise<ShiftTemplateRow[]> {
    return this.db.select().from(shiftTemplates).orderBy(asc(shiftTemplates.startTime), asc(shiftTemplates.name));
  }
  async get(id: string): Promise<ShiftTemplateRow | undefined> {
    const [r] = await this.db.select().from(shiftTemplates).where(eq(shiftTemplates.id, id));
    return r;
  }
  async insert(v: typeof shiftTemplates.$inferInsert): Promise<ShiftTemplateRow> {
    const [r] = await mapDbErrors(this.db.insert(shiftTemplates).values(v).returning());
    return r;
  }
  async update(id: string, v: Partial<typeof shiftTemplates.$inferInsert>): Promise<ShiftTemplateRow | undefined> {
    if (isEmptyPatch(v)) return this.get(id);
    const [r] = await mapDbErrors(this.db.update(shiftTemplates).set(v).where(eq(shiftTemplates.id, id)).returning());
    return r;
  }
  async delete(id: string): Promise<boolean> {
    const rows = await mapDbErrors(this.db.delete(shiftTemplates).where(eq(shiftTemplates.id, id)).returning({ id: shiftTemplates.id }));
    return rows.length > 0;
  }
}

const SCHEDULE_COLUMNS = {
      id: scheduleEntries.id, userId: scheduleEntries.userId, userDisplayName: users.displayName,
      roomId: scheduleEntries.roomId, roomName: rooms.name, departmentId: rooms.departmentId,
      shiftTemplateId: scheduleEntries.shiftTemplateId, shiftName: shiftTemplates.name,
      startTime: shiftTemplates.startTime, endTime: shiftTemplates.endTime, date: scheduleEntries.date,
};

@Injectable()
export class SchedulesRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  async list(f: { from: string; to: string; departmentId?: string; userId?: string; roomId?: string; limit?: number }): Promise<{ items: ScheduleRecord[]; total: number }> {
    const c: SQL[] = [gte(scheduleEntries.date, f.from), lte(scheduleEntries.date, f.to)];
    if (f.departmentId) c.push(eq(rooms.departmentId, f.departmentId));
    if (f.userId) c.push(eq(scheduleEntries.userId, f.userId));
    if (f.roomId) c.push(eq(scheduleEntries.roomId, f.roomId));
    const where = and(...c);
    const rows = await this.db.select(SCHEDULE_COLUMNS).from(scheduleEntries)
      .innerJoin(users, eq(users.id, scheduleEntries.userId))
      .innerJoin(rooms, eq(rooms.id, scheduleEntries.roomId))
      .innerJoin(shiftTemplates, eq(shiftTemplates.id, scheduleEntries.shiftTemplateId))
      .where(where)
      .orderBy(asc(scheduleEntries.date), asc(shiftTemplates.startTime), asc(rooms.name))
      .limit(f.limit ?? 2000);
    const [{ total }] = await this.db.select({ total: count() }).from(scheduleEntries)
      .innerJoin(rooms, eq(rooms.id, scheduleEntries.roomId)).where(where);
    return { items: rows, total: Number(total) };
  }

  async get(id: string): Promise<ScheduleRecord | undefined> {
    const [r] = await this.db.select(SCHEDULE_COLUMNS).from(scheduleEntries)
      .innerJoin(users, eq(users.id, scheduleEntries.userId))
      .innerJoin(rooms, eq(rooms.id, scheduleEntries.roomId))
      .innerJoin(shiftTemplates, eq(shiftTemplates.id, scheduleEntries.shiftTemplateId))
      .where(eq(scheduleEntries.id, id));
    return r;
  }

  async insert(v: typeof scheduleEntries.$inferInsert): Promise<string> {
    const [r] = await mapDbErrors(this.db.insert(scheduleEntries).values(v).returning({ id: scheduleEntries.id }));
    return r.id;
  }

  async delete(id: string): Promise<void> {
    await this.db.delete(scheduleEntries).where(eq(scheduleEntries.id, id));
  }
}
