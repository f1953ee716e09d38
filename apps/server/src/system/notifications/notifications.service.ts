import { BadRequestException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { and, count, desc, eq, isNull, type SQL } from 'drizzle-orm';
import { AccessService } from '../../identity/access/access.service';
import type { Actor } from '../../identity/access/actor';
import { StaffDirectory } from '../../identity/staff-directory';
import { DB, type Db } from '../../platform/database/database';
import { RealtimePublisher } from '../../realtime/realtime.publisher';
import { AuditService } from '../audit/audit.service';
import { notifications } from '../system.schema';

export type NotificationLevel = 'info' | 'warning' | 'critical';
export interface NotificationInput { title: string; body?: string; level?: NotificationLevel; link?: string | null }
export type NotificationTarget = { userId: string } | { role: string } | { departmentId: string };

export interface NotificationView {
  id: string; title: string; body: string; level: string; link: string | null; readAt: string | null; createdAt: string;
}

@Injectable()
export class NotificationsRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  async insertMany(userIds: string[], n: NotificationInput) {
    if (!userIds.length) return [];
    return this.db.insert(notifications).values(userIds.map((userId) => ({
      userId, title: n.title, body: n.body ?? '', level: n.level ?? 'info', link: n.link ?? null,
    }))).returning();
  }

  async listOf(userId: string, unreadOnly: boolean, limit: number, offset: number) {
    const where = and(eq(notifications.userId, userId), unreadOnly ? isNull(notifications.readAt) : undefined);
    const unreadWhere = and(eq(notifications.userId, userId), isNull(notifications.readAt));
    const [items, [{ total }], [{ unread }]] = await Promise.all([
      this.db.select().from(notifications).where(where).orderBy(desc(notifications.createdAt)).limit(limit).offset(offset),
      this.db.select({ total: count() }).from(notifications).where(where),
      this.db.select({ unread: count() }).from(notifications).where(unreadWhere),
    ]);
    return { items, total: Number(total), unread: Number(unread) };
  }

  async markRead(userId: string, id?: string): Promise<number> {
    const c: SQL[] = [eq(notifications.userId, userId), isNull(notifications.readAt)];
    if (id) c.push(eq(notifications.id, id));
    const rows = await this.db.update(notifications).set({ readAt: new Date() }).where(and(...c)).returning({ id: notifications.id });
    return rows.length;
  }

  async exists(userId: string, id: string): Promise<boolean> {
    const [r] = await this.db.select({ id: notifications.id }).from(notifications).where(and(eq(notifications.id, id), eq(notifications.userId, userId)));
    return !!r;
  }
}

export function mapNotification(n: typeof notifications.$inferSelect): NotificationView {
  return {
    id: n.id, title: n.title, body: n.body, level: n.level, link: n.link,
    readAt: n.readAt ? n.readAt.toISOString() : null, createdAt: n.createdAt.toISOString(),
  };
}

/**
 * Persists a notification for each recipient, then pushes it live over the realtime gateway.
 * Other modules (critical results, job completion…) call `notify` with a system origin.
 */
@Injectable()
export class NotificationService {
  constructor(
    private readonly repo: NotificationsRepository,
    private readonly staff: StaffDirectory,
    private readonly realtime: RealtimePublisher,
    private readonly access: AccessService,
    private readonly audit: AuditService,
  ) {}

  /** For other services: no access check (the caller decided), recipients resolved to active users. */
  async notify(target: NotificationTarget, input: NotificationInput): Promise<number> {
    const userIds = await this.recipients(target);
    const rows = await this.repo.insertMany(userIds, input);
    for (const row of rows) this.realtime.toUser(row.userId, 'notification', mapNotification(row));
    return rows.length;
  }

  /** A person sending a notification from the UI/API. Department-scoped senders reach only their department. */
  async send(actor: Actor, target: NotificationTarget, input: NotificationInput): Promise<{ recipients: number }> {
    // Department-scoped senders (department heads) may only address their own department.
    const departmentId = 'departmentId' in target ? target.departmentId : null;
    await this.access.require(actor, 'notification.send', { resourceType: 'notification', departmentId });
    const recipients = await this.notify(target, input);
    if (!recipients) throw new BadRequestException('No active recipient matches this target');
    await this.audit.record(actor, { action: 'notification.send', outcome: 'success', resourceType: 'notification', details: { target, recipients, title: input.title } });
    return { recipients };
  }

  async listMine(actor: Actor, unreadOnly: boolean, limit: number, offset: number) {
    const { items, total, unread } = await this.repo.listOf(actor.userId, unreadOnly, limit, offset);
    return { items: items.map(mapNotification), total, unread };
  }

  async markRead(actor: Actor, id: string) {
    if (!(await this.repo.exists(actor.userId, id))) throw new NotFoundException('Notification not found');
    await this.repo.markRead(actor.userId, id);
    this.realtime.toUser(actor.userId, 'notification.read', { id });
  }

  async markAllRead(actor: Actor) {
    const n = await this.repo.markRead(actor.userId);
    this.realtime.toUser(actor.userId, 'notification.read', { all: true });
    return { updated: n };
  }

  private async recipients(target: NotificationTarget): Promise<string[]> {
    if ('userId' in target) return (await this.staff.isActiveUser(target.userId)) ? [target.userId] : [];
    if ('role' in target) return this.staff.activeUserIdsWithRole(target.role);
    return this.staff.activeUserIdsInDepartment(target.departmentId);
  }
}
