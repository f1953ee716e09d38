import { bigint, bigserial, index, integer, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/**
 * Tables owned by the imaging module: the archive's index of the DICOM information model
 * (PS3.3 Annex A / PS3.4 C.6: Patient ▸ Study ▸ Series ▸ Instance). Text attributes are stored as
 * decoded Unicode, with an upper-cased `_norm` twin for case-insensitive PN matching (PS3.4 C.2.2.2.1).
 * Dates are DICOM DA strings (YYYYMMDD) and times TM strings: both sort and range-compare as text.
 */
export const dicomPatients = pgTable('dicom_patient', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  patientId: text('patient_id').notNull().default(''),
  issuer: text('issuer').notNull().default(''),
  name: text('name').notNull().default(''),
  nameNorm: text('name_norm').notNull().default(''),
  /** Phonetic-ish form for QIDO `fuzzymatching=true` (see @axial/dicom fuzzyPN). */
  nameFuzzy: text('name_fuzzy').notNull().default(''),
  birthDate: text('birth_date').notNull().default(''),
  sex: text('sex').notNull().default(''),
  /** Patient-level attributes as DICOM JSON (PS3.18 Annex F), for QIDO/C-FIND responses. */
  json: text('json').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  uniqueIndex('dicom_patient_pid_uq').on(t.patientId, t.issuer),
  index('dicom_patient_name_idx').on(t.nameNorm),
]);

export const studies = pgTable('study', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  studyUid: text('study_uid').notNull(),
  patientFk: bigint('patient_fk', { mode: 'number' }).notNull().references(() => dicomPatients.id, { onDelete: 'cascade' }),
  studyDate: text('study_date').notNull().default(''),
  studyTime: text('study_time').notNull().default(''),
  accessionNumber: text('accession_number').notNull().default(''),
  studyId: text('study_id').notNull().default(''),
  description: text('description').notNull().default(''),
  referringPhysician: text('referring_physician').notNull().default(''),
  referringPhysicianNorm: text('referring_physician_norm').notNull().default(''),
  institutionName: text('institution_name').notNull().default(''),
  modalities: text('modalities').array().notNull(),
  sopClasses: text('sop_classes').array().notNull(),
  bodyParts: text('body_parts').array().notNull(),
  numSeries: integer('num_series').notNull().default(0),
  numInstances: integer('num_instances').notNull().default(0),
  sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull().default(0),
  json: text('json').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  uniqueIndex('study_uid_uq').on(t.studyUid),
  index('study_patient_idx').on(t.patientFk),
  index('study_date_idx').on(t.studyDate, t.studyTime),
  index('study_accession_idx').on(t.accessionNumber),
  index('study_created_idx').on(t.createdAt),
]);

export const series = pgTable('series', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  seriesUid: text('series_uid').notNull(),
  studyFk: bigint('study_fk', { mode: 'number' }).notNull().references(() => studies.id, { onDelete: 'cascade' }),
  modality: text('modality').notNull().default(''),
  seriesNumber: integer('series_number'),
  description: text('description').notNull().default(''),
  bodyPart: text('body_part').notNull().default(''),
  seriesDate: text('series_date').notNull().default(''),
  seriesTime: text('series_time').notNull().default(''),
  ppsStartDate: text('pps_start_date').notNull().default(''),
  ppsStartTime: text('pps_start_time').notNull().default(''),
  numInstances: integer('num_instances').notNull().default(0),
  json: text('json').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  uniqueIndex('series_uid_uq').on(t.seriesUid),
  index('series_study_idx').on(t.studyFk),
  index('series_modality_idx').on(t.modality),
]);

export const instances = pgTable('instance', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  sopInstanceUid: text('sop_instance_uid').notNull(),
  seriesFk: bigint('series_fk', { mode: 'number' }).notNull().references(() => series.id, { onDelete: 'cascade' }),
  sopClassUid: text('sop_class_uid').notNull(),
  instanceNumber: integer('instance_number'),
  transferSyntaxUid: text('transfer_syntax_uid').notNull(),
  numberOfFrames: integer('number_of_frames'),
  rows: integer('rows'),
  columns: integer('columns'),
  /** Path of the stored Part 10 file, relative to the storage root. */
  storagePath: text('storage_path').notNull(),
  sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
  /** Content digest of the stored file, '<algorithm>:<hex>': CRC-32 computed while receiving (integrity against corruption, not security). */
  digest: text('digest').notNull(),
  /** Full instance metadata as DICOM JSON text, bulk data replaced by relative BulkDataURIs. */
  json: text('json').notNull(),
  source: text('source').notNull().default(''),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  uniqueIndex('instance_uid_uq').on(t.sopInstanceUid),
  index('instance_series_idx').on(t.seriesFk, t.instanceNumber),
]);
