import { bigserial, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** Tables owned by the system module. */

/** Append-only (a trigger refuses UPDATE and DELETE, see migration 0001). */
export const auditEvents = pgTable('audit_event', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  userId: uuid('user_id'),
  username: text('username'),
  role: text('role'),
  action: text('action').notNull(),
  resourceType: text('resource_type'),
  resourceId: text('resource_id'),
  patientId: text('patient_id'),
  outcome: text('outcome').notNull(),
  clientIp: text('client_ip'),
  userAgent: text('user_agent'),
  details: jsonb('details'),
}, (t) => [
  index('audit_event_at_idx').on(t.at),
  index('audit_event_user_idx').on(t.userId, t.at),
  index('audit_event_patient_idx').on(t.patientId, t.at),
  index('audit_event_resource_idx').on(t.resourceType, t.resourceId),
]);

export const notifications = pgTable('notification', {
  id: uuid('id').primaryKey().defaultRandom(),
  userId: uuid('user_id').notNull(),
  title: text('title').notNull(),
  body: text('body').notNull().default(''),
  level: text('level').notNull().default('info'),
  link: text('link'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  readAt: timestamp('read_at', { withTimezone: true }),
}, (t) => [index('notification_user_idx').on(t.userId, t.createdAt)]);

export const settings = pgTable('system_setting', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
