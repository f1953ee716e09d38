import { boolean, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/** Remote DICOM application entities Axial talks to (and, with the whitelist on, the only ones it accepts). */
export const dicomNodes = pgTable('dicom_node', {
  id: uuid('id').primaryKey().defaultRandom(),
  aeTitle: text('ae_title').notNull(),
  host: text('host').notNull(),
  port: integer('port').notNull(),
  description: text('description').notNull().default(''),
  /** May send objects to Axial (C-STORE SCU → Axial). */
  allowStore: boolean('allow_store').notNull().default(true),
  /** May query Axial (C-FIND). */
  allowQuery: boolean('allow_query').notNull().default(true),
  /** May retrieve from Axial (C-MOVE / C-GET). */
  allowRetrieve: boolean('allow_retrieve').notNull().default(true),
  /** May be named as the destination of a C-MOVE. */
  isMoveDestination: boolean('is_move_destination').notNull().default(true),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [uniqueIndex('dicom_node_ae_uq').on(t.aeTitle)]);

/** Long DIMSE operations started from the API (C-STORE SCU export, C-MOVE retrieve), persisted so they survive a restart. */
export const dicomJobs = pgTable('dicom_job', {
  id: uuid('id').primaryKey().defaultRandom(),
  type: text('type').notNull(), // 'store' | 'retrieve'
  status: text('status').notNull().default('queued'), // queued | running | done | failed
  nodeId: uuid('node_id'),
  nodeAeTitle: text('node_ae_title').notNull().default(''),
  /** The request (study/series UIDs) as JSON text. */
  params: text('params').notNull().default('{}'),
  total: integer('total').notNull().default(0),
  completed: integer('completed').notNull().default(0),
  failed: integer('failed').notNull().default(0),
  warnings: integer('warnings').notNull().default(0),
  error: text('error'),
  /** Per-instance results (store) or the final DIMSE status (retrieve), JSON text. */
  result: text('result'),
  createdBy: text('created_by').notNull().default(''),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  startedAt: timestamp('started_at', { withTimezone: true }),
  finishedAt: timestamp('finished_at', { withTimezone: true }),
}, (t) => [index('dicom_job_created_idx').on(t.createdAt), index('dicom_job_status_idx').on(t.status)]);
