import { sql } from 'drizzle-orm';
import {
  boolean, date, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid,
} from 'drizzle-orm/pg-core';

/** Tables owned by the identity module. Other modules reach them only through identity services. */

export const departments = pgTable('department', {
  id: uuid('id').primaryKey().defaultRandom(),
  code: text('code').notNull(),
  name: text('name').notNull(),
  description: text('description').notNull().default(''),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [uniqueIndex('department_code_uq').on(t.code)]);

export const users = pgTable('app_user', {
  id: uuid('id').primaryKey().defaultRandom(),
  username: text('username').notNull(),
  displayName: text('display_name').notNull(),
  email: text('email'),
  phone: text('phone'),
  passwordHash: text('password_hash').notNull(),
  active: boolean('active').notNull().default(true),
  mustChangePassword: boolean('must_change_password').notNull().default(false),
  departmentId: uuid('department_id').references(() => departments.id, { onDelete: 'set null' }),
  /** Bumped by "log out everywhere", deactivation and password resets: access tokens carry it. */
  tokenVersion: integer('token_version').notNull().default(0),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  lastLoginAt: timestamp('last_login_at', { withTimezone: true }),
}, (t) => [uniqueIndex('app_user_username_uq').on(sql`lower(${t.username})`)]);

export const roles = pgTable('role', {
  code: text('code').primaryKey(),
  name: text('name').notNull(),
  description: text('description').notNull().default(''),
  builtin: boolean('builtin').notNull().default(false),
});

export const rolePermissions = pgTable('role_permission', {
  roleCode: text('role_code').notNull().references(() => roles.code, { onDelete: 'cascade' }),
  permission: text('permission').notNull(),
  /** 'all' or 'department' (the holder may act only on resources of their own department). */
  scope: text('scope').notNull().default('all'),
}, (t) => [primaryKey({ columns: [t.roleCode, t.permission] })]);

export const userRoles = pgTable('user_role', {
  userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  roleCode: text('role_code').notNull().references(() => roles.code, { onDelete: 'cascade' }),
}, (t) => [primaryKey({ columns: [t.userId, t.roleCode] })]);

/**
 * Refresh tokens: only a SHA-256 of the token is stored. Each login starts a family; each refresh
 * marks the presented token used and issues the next one. Presenting a used token revokes the family.
 */
export const refreshTokens = pgTable('refresh_token', {
  id: uuid('id').primaryKey().defaultRandom(),
  familyId: uuid('family_id').notNull(),
  userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  tokenHash: text('token_hash').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true }),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
  clientIp: text('client_ip'),
  userAgent: text('user_agent'),
}, (t) => [
  uniqueIndex('refresh_token_hash_uq').on(t.tokenHash),
  index('refresh_token_family_idx').on(t.familyId),
  index('refresh_token_user_idx').on(t.userId),
]);

export const rooms = pgTable('room', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  departmentId: uuid('department_id').notNull().references(() => departments.id, { onDelete: 'restrict' }),
  modalities: text('modalities').array().notNull().default(sql`'{}'::text[]`),
  active: boolean('active').notNull().default(true),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [uniqueIndex('room_department_name_uq').on(t.departmentId, t.name)]);

export const shiftTemplates = pgTable('shift_template', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  startTime: text('start_time').notNull(),
  endTime: text('end_time').notNull(),
  /** ISO weekdays 1 (Monday) … 7 (Sunday) on which the shift applies. */
  days: integer('days').array().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [uniqueIndex('shift_template_name_uq').on(t.name)]);

export const scheduleEntries = pgTable('schedule_entry', {
  id: uuid('id').primaryKey().defaultRandom(),
  userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
  roomId: uuid('room_id').notNull().references(() => rooms.id, { onDelete: 'cascade' }),
  shiftTemplateId: uuid('shift_template_id').notNull().references(() => shiftTemplates.id, { onDelete: 'restrict' }),
  date: date('date', { mode: 'string' }).notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  uniqueIndex('schedule_user_date_shift_uq').on(t.userId, t.date, t.shiftTemplateId),
  index('schedule_date_idx').on(t.date),
  index('schedule_room_date_idx').on(t.roomId, t.date),
]);

/** Permissions whose defaults were already given to the built-in roles (so admin edits are not undone at start-up). */
export const seededPermissions = pgTable('seeded_permission', {
  permission: text('permission').primaryKey(),
  seededAt: timestamp('seeded_at', { withTimezone: true }).notNull().defaultNow(),
});
