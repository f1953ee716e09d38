import { Inject, Injectable } from '@nestjs/common';
import { sql } from 'drizzle-orm';
import { DB, type Db, type DatabaseHandle } from '../../platform/database/database';
import { DATABASE } from '../../platform/database/database.module';
import type { IndexRow } from './index-attributes';

export interface StoredInstanceRef {
  id: number;
  sopInstanceUid: string;
  sopClassUid: string;
  seriesUid: string;
  studyUid: string;
  storagePath: string;
  transferSyntaxUid: string;
  digest: string;
  patientId: string;
  /** Size of the stored file in bytes, as indexed. */
  sizeBytes: number;
}

export interface NewInstance {
  row: IndexRow;
  storagePath: string;
  sizeBytes: number;
  digest: string;
  source: string;
}

/**
 * SQL of the archive index. A batch of new instances is written by one statement (see insertBatch).
 */
@Injectable()
export class ArchiveRepository {
  constructor(@Inject(DB) private readonly db: Db, @Inject(DATABASE) private readonly database: DatabaseHandle) {}

  /**
   * The archived instances among these SOP Instance UIDs (the duplicate check of every ingest): one table and its
   * unique index, no join to plan (the four-table join of `refs` cost ≈1.5 ms of planning per C-STORE).
   */
  async existingSops(uids: string[]): Promise<Map<string, { id: number; sopClassUid: string; storagePath: string }>> {
    if (!uids.length) return new Map();
    const res = await this.db.execute(sql`
      select id, sop_instance_uid as "sopInstanceUid", sop_class_uid as "sopClassUid", storage_path as "storagePath" from instance
       where sop_instance_uid = ANY(${pgArray(uids)}::text[])`);
    const rows = (res as unknown as { rows: Array<{ id: string | number; sopInstanceUid: string; sopClassUid: string; storagePath: string }> }).rows;
    return new Map(rows.map((r) => [r.sopInstanceUid, { id: Number(r.id), sopClassUid: r.sopClassUid, storagePath: r.storagePath }]));
  }

  /** Which of these Study Instance UIDs are archived. */
  async existingStudies(uids: string[]): Promise<Set<string>> {
    if (!uids.length) return new Set();
    const res = await this.db.execute(sql`select study_uid as "studyUid" from study where study_uid = ANY(${pgArray(uids)}::text[])`);
    return new Set((res as unknown as { rows: Array<{ studyUid: string }> }).rows.map((r) => r.studyUid));
  }

  async refs(where: ReturnType<typeof sql>): Promise<StoredInstanceRef[]> {
    const res = await this.db.execute(sql`
      select i.id, i.sop_instance_uid as "sopInstanceUid", i.sop_class_uid as "sopClassUid", se.series_uid as "seriesUid",
             st.study_uid as "studyUid", i.storage_path as "storagePath", i.transfer_syntax_uid as "transferSyntaxUid",
             i.digest, p.patient_id as "patientId", i.size_bytes as "sizeBytes"
        from instance i join series se on se.id = i.series_fk join study st on st.id = se.study_fk join dicom_patient p on p.id = st.patient_fk
       where ${where}
       order by se.series_number nulls last, se.id, i.instance_number nulls last, i.id`);
    return (res as unknown as { rows: StoredInstanceRef[] }).rows.map((r) => ({ ...r, id: Number(r.id), sizeBytes: Number(r.sizeBytes) }));
  }

  /**
   * Inserts new instances; returns the SOP Instance UIDs that were actually inserted (a concurrent duplicate
   * is skipped).
   *
   * One statement, so one round trip and one commit: patients are upserted, studies and series inserted when
   * new, instances inserted, and the denormalised counters of existing series and studies grown by what was
   * inserted (O(new instances), not O(study size), so a 2000-image study ingests as fast at its end as at its
   * start). Rows inserted by one part of a statement are invisible to the others (they share one snapshot),
   * so a new study or series is inserted with its counters already computed from the batch, and an existing
   * one is updated; no row is written twice. When the statement did not insert everything (a duplicate met
   * in the table, or a study/series inserted by another process after the statement's snapshot, which it
   * can then neither insert nor see), the missing rows are retried once and the touched counters recomputed.
   */
  async insertBatch(items: NewInstance[]): Promise<Set<string>> {
    const inserted = new Set<string>();
    if (!items.length) return inserted;
    const first = await this.insertStatement(items);
    first.inserted.forEach((u) => inserted.add(u));
    if (inserted.size === items.length && !first.misfiled) return inserted;
    // Fewer rows than asked: items whose series could not be resolved go again (the new statement's snapshot
    // sees the rows committed meanwhile); duplicates are simply not inserted. Then the counters of everything
    // touched are recomputed, since those of new studies and series assumed the whole batch.
    const retry = items.filter((i) => !inserted.has(i.row.instance.sopInstanceUid) && first.unresolvedSeries.has(i.row.series.seriesUid));
    const again = retry.length ? await this.insertStatement(retry) : undefined;
    again?.inserted.forEach((u) => inserted.add(u));
    await this.refreshCounters(this.db, [...first.seriesIds, ...(again?.seriesIds ?? [])], [...first.studyIds, ...(again?.studyIds ?? [])]);
    return inserted;
  }

  private async insertStatement(items: NewInstance[]): Promise<{ inserted: string[]; seriesIds: number[]; studyIds: number[]; unresolvedSeries: Set<string>; misfiled: boolean }> {
    const rows = [...items].sort((a, b) => cmp(a.row.instance.sopInstanceUid, b.row.instance.sopInstanceUid));
    // Distinct keys in key order, so that concurrent statements lock rows in the same order.
    const patients = uniqueBy(rows, (i) => `${i.row.patient.patientId}\u0000${i.row.patient.issuer}`).map(([, i]) => i.row.patient);
    const studies = uniqueBy(rows, (i) => i.row.study.studyUid).map(([, i]) => i.row);
    const series = uniqueBy(rows, (i) => i.row.series.seriesUid).map(([, i]) => i.row);
    const params = [
      ...PATIENT_INPUT.map(([, , f]) => pgArray(patients.map(f))),
      ...STUDY_INPUT.map(([, , f]) => pgArray(studies.map(f))),
      ...SERIES_INPUT.map(([, , f]) => pgArray(series.map(f))),
      ...INSTANCE_INPUT.map(([, , f]) => pgArray(rows.map(f))),
    ];
    // A named (prepared) statement on PostgreSQL: planning this statement costs about as much as running it.
    const res = { rows: await this.database.raw<{ k: string; v: string }>(INSERT_BATCH_SQL, params, 'archive_insert_batch') };
    const out = { inserted: [] as string[], seriesIds: [] as number[], studyIds: [] as number[], unresolvedSeries: new Set<string>(), misfiled: false };
    for (const r of res.rows) {
      if (r.k === 'i') out.inserted.push(r.v);
      else if (r.k === 'se') out.seriesIds.push(Number(r.v));
      else if (r.k === 'st') out.studyIds.push(Number(r.v));
      else if (r.k === 'u') out.unresolvedSeries.add(r.v);
      else if (r.k === 'm') out.misfiled = true;
    }
    return out;
  }

  /** Overwrite policy: the stored copy of an instance is replaced (same storage key), its metadata updated. */
  async replaceInstance(existingId: number, it: NewInstance): Promise<void> {
    const i = it.row.instance;
    await this.db.execute(sql`
      update instance set sop_class_uid = ${i.sopClassUid}, instance_number = ${i.instanceNumber}, transfer_syntax_uid = ${i.transferSyntaxUid},
             number_of_frames = ${i.numberOfFrames}, rows = ${i.rows}, columns = ${i.columns}, size_bytes = ${it.sizeBytes},
             digest = ${it.digest}, json = ${i.json}, source = ${it.source}, created_at = now()
       where id = ${existingId}`);
  }

  /** Full recomputation (after deletions). */
  async refreshCounters(db: Db, seriesIds: number[], studyIds: number[]): Promise<void> {
    if (seriesIds.length) {
      await db.execute(sql`
        update series se set num_instances = (select count(*) from instance i where i.series_fk = se.id)
         where se.id = ANY(${pgArray(seriesIds.map(String))}::bigint[])`);
    }
    if (studyIds.length) {
      await db.execute(sql`
        update study st set
          num_series = (select count(*) from series se where se.study_fk = st.id),
          num_instances = (select coalesce(sum(se.num_instances), 0) from series se where se.study_fk = st.id),
          size_bytes = (select coalesce(sum(i.size_bytes), 0) from instance i join series se on se.id = i.series_fk where se.study_fk = st.id),
          modalities = array(select distinct se.modality from series se where se.study_fk = st.id and se.modality <> '' order by 1),
          body_parts = array(select distinct se.body_part from series se where se.study_fk = st.id and se.body_part <> '' order by 1),
          sop_classes = array(select distinct i.sop_class_uid from instance i join series se on se.id = i.series_fk where se.study_fk = st.id order by 1),
          updated_at = now()
         where st.id = ANY(${pgArray(studyIds.map(String))}::bigint[])`);
    }
  }

  /** Rows the planner believes the instance table holds (-1: never analyzed), for TableStatistics. */
  async plannedRows(): Promise<number> {
    const rows = await this.database.raw<{ n: number | string }>(`select reltuples as n from pg_class where oid = 'instance'::regclass`, []);
    return Number(rows[0]?.n ?? -1);
  }

  /** Fresh planner statistics for the archive's tables (see TableStatistics). */
  async analyze(): Promise<void> {
    await this.database.raw('analyze dicom_patient, study, series, instance', []);
  }

  async storagePathsExist(paths: string[]): Promise<Set<string>> {
    if (!paths.length) return new Set();
    const res = (await this.db.execute(sql`select storage_path from instance where storage_path = ANY(${pgArray(paths)}::text[])`)) as unknown as { rows: Array<{ storage_path: string }> };
    return new Set(res.rows.map((r) => r.storage_path));
  }
}

type Input<T> = Array<[column: string, type: string, value: (t: T) => string | null]>;
const PATIENT_INPUT: Input<IndexRow['patient']> = [
  ['patient_id', 'text', (p) => p.patientId], ['issuer', 'text', (p) => p.issuer], ['name', 'text', (p) => p.name],
  ['name_norm', 'text', (p) => p.nameNorm], ['name_fuzzy', 'text', (p) => p.nameFuzzy], ['birth_date', 'text', (p) => p.birthDate],
  ['sex', 'text', (p) => p.sex], ['json', 'text', (p) => p.json],
];
const STUDY_INPUT: Input<IndexRow> = [
  ['study_uid', 'text', (r) => r.study.studyUid], ['patient_id', 'text', (r) => r.patient.patientId], ['issuer', 'text', (r) => r.patient.issuer],
  ['study_date', 'text', (r) => r.study.studyDate], ['study_time', 'text', (r) => r.study.studyTime], ['accession_number', 'text', (r) => r.study.accessionNumber],
  ['study_id', 'text', (r) => r.study.studyId], ['description', 'text', (r) => r.study.description], ['referring_physician', 'text', (r) => r.study.referringPhysician],
  ['referring_physician_norm', 'text', (r) => r.study.referringPhysicianNorm], ['institution_name', 'text', (r) => r.study.institutionName], ['json', 'text', (r) => r.study.json],
];
const SERIES_INPUT: Input<IndexRow> = [
  ['series_uid', 'text', (r) => r.series.seriesUid], ['study_uid', 'text', (r) => r.study.studyUid], ['modality', 'text', (r) => r.series.modality],
  ['series_number', 'int', (r) => nullableInt(r.series.seriesNumber)], ['description', 'text', (r) => r.series.description], ['body_part', 'text', (r) => r.series.bodyPart],
  ['series_date', 'text', (r) => r.series.seriesDate], ['series_time', 'text', (r) => r.series.seriesTime], ['pps_start_date', 'text', (r) => r.series.ppsStartDate],
  ['pps_start_time', 'text', (r) => r.series.ppsStartTime], ['json', 'text', (r) => r.series.json],
];
const INSTANCE_INPUT: Input<NewInstance> = [
  ['sop_instance_uid', 'text', (r) => r.row.instance.sopInstanceUid], ['series_uid', 'text', (r) => r.row.series.seriesUid], ['study_uid', 'text', (r) => r.row.study.studyUid],
  ['sop_class_uid', 'text', (r) => r.row.instance.sopClassUid], ['instance_number', 'int', (r) => nullableInt(r.row.instance.instanceNumber)],
  ['transfer_syntax_uid', 'text', (r) => r.row.instance.transferSyntaxUid], ['number_of_frames', 'int', (r) => nullableInt(r.row.instance.numberOfFrames)],
  ['rows', 'int', (r) => nullableInt(r.row.instance.rows)], ['columns', 'int', (r) => nullableInt(r.row.instance.columns)],
  ['storage_path', 'text', (r) => r.storagePath], ['size_bytes', 'bigint', (r) => String(r.sizeBytes)], ['digest', 'text', (r) => r.digest],
  ['json', 'text', (r) => r.row.instance.json], ['source', 'text', (r) => r.source],
];

/** `name as (select * from unnest($k::type[], …) as t(columns…))`: one array parameter per column, whatever the batch size. */
function inputCte(name: string, input: Input<never>, firstParam: number): string {
  const arrays = input.map(([, type], k) => `$${firstParam + k}::${type}[]`).join(', ');
  return `${name} as (select * from unnest(${arrays}) as t(${input.map(([column]) => column).join(', ')}))`;
}

const INPUTS: Array<[string, Input<never>]> = [['pin', PATIENT_INPUT as Input<never>], ['sin', STUDY_INPUT as Input<never>], ['sein', SERIES_INPUT as Input<never>], ['iin', INSTANCE_INPUT as Input<never>]];
let nextParam = 1;
const INPUT_CTES = INPUTS.map(([name, input]) => {
  const cte = inputCte(name, input, nextParam);
  nextParam += input.length;
  return cte;
});

const INSERT_BATCH_SQL = `
      with
      ${INPUT_CTES.join(',\n      ')},
      p as (
        insert into dicom_patient (patient_id, issuer, name, name_norm, name_fuzzy, birth_date, sex, json)
        select patient_id, issuer, name, name_norm, name_fuzzy, birth_date, sex, json from pin
        on conflict (patient_id, issuer) do update set
          name = excluded.name, name_norm = excluded.name_norm, name_fuzzy = excluded.name_fuzzy,
          birth_date = excluded.birth_date, sex = excluded.sex, json = excluded.json
        returning id, patient_id, issuer),
      st_new as (
        insert into study (study_uid, patient_fk, study_date, study_time, accession_number, study_id, description, referring_physician,
                           referring_physician_norm, institution_name, json, num_series, num_instances, size_bytes, modalities, body_parts, sop_classes)
        select s.study_uid, p.id, s.study_date, s.study_time, s.accession_number, s.study_id, s.description, s.referring_physician,
               s.referring_physician_norm, s.institution_name, s.json,
               (select count(*) from sein x where x.study_uid = s.study_uid),
               (select count(*) from iin i where i.study_uid = s.study_uid),
               (select coalesce(sum(i.size_bytes), 0) from iin i where i.study_uid = s.study_uid),
               array(select distinct x.modality from sein x where x.study_uid = s.study_uid and x.modality <> '' order by 1),
               array(select distinct x.body_part from sein x where x.study_uid = s.study_uid and x.body_part <> '' order by 1),
               array(select distinct i.sop_class_uid from iin i where i.study_uid = s.study_uid order by 1)
          from sin s join p on p.patient_id = s.patient_id and p.issuer = s.issuer
        on conflict (study_uid) do nothing
        returning id, study_uid),
      st as (
        select id, study_uid, true as is_new from st_new
        union all
        select x.id, x.study_uid, false from study x join sin s on s.study_uid = x.study_uid),
      se_new as (
        insert into series (series_uid, study_fk, modality, series_number, description, body_part, series_date, series_time,
                            pps_start_date, pps_start_time, json, num_instances)
        select x.series_uid, st.id, x.modality, x.series_number, x.description, x.body_part, x.series_date, x.series_time,
               x.pps_start_date, x.pps_start_time, x.json, (select count(*) from iin i where i.series_uid = x.series_uid)
          from sein x join st on st.study_uid = x.study_uid
        on conflict (series_uid) do nothing
        returning id, series_uid, study_fk, modality, body_part),
      se as (
        select id, series_uid, study_fk, true as is_new from se_new
        union all
        select y.id, y.series_uid, y.study_fk, false from series y join sein x on x.series_uid = y.series_uid),
      ins as (
        insert into instance (sop_instance_uid, series_fk, sop_class_uid, instance_number, transfer_syntax_uid, number_of_frames,
                              rows, columns, storage_path, size_bytes, digest, json, source)
        select i.sop_instance_uid, se.id, i.sop_class_uid, i.instance_number, i.transfer_syntax_uid, i.number_of_frames,
               i.rows, i.columns, i.storage_path, i.size_bytes, i.digest, i.json, i.source
          from iin i join se on se.series_uid = i.series_uid
        on conflict (sop_instance_uid) do nothing
        returning sop_instance_uid, series_fk, size_bytes, sop_class_uid),
      series_counts as (
        update series y set num_instances = y.num_instances + d.n
          from (select i.series_fk, count(*)::int as n from ins i join se on se.id = i.series_fk and not se.is_new group by 1) d
         where y.id = d.series_fk
        returning y.id),
      study_counts as (
        update study x set
          num_instances = x.num_instances + d.n,
          size_bytes = x.size_bytes + d.bytes,
          num_series = x.num_series + coalesce(ns.n, 0),
          modalities = array(select distinct m from unnest(x.modalities || coalesce(ns.modalities, '{}')) m where m <> '' order by 1),
          body_parts = array(select distinct b from unnest(x.body_parts || coalesce(ns.body_parts, '{}')) b where b <> '' order by 1),
          sop_classes = array(select distinct c from unnest(x.sop_classes || d.classes) c order by 1),
          updated_at = now()
          from (select se.study_fk, count(*)::int as n, sum(i.size_bytes)::bigint as bytes, array_agg(distinct i.sop_class_uid) as classes
                  from ins i join se on se.id = i.series_fk join st on st.id = se.study_fk and not st.is_new group by 1) d
          left join (select study_fk, count(*)::int as n, array_agg(distinct modality) as modalities, array_agg(distinct body_part) as body_parts
                       from se_new group by 1) ns on ns.study_fk = d.study_fk
         where x.id = d.study_fk
        returning x.id)
      -- (the two updates above run whatever reads them: data-modifying CTEs always run to completion)
      select 'i' as k, sop_instance_uid as v from ins
      union all select 'se', id::text from se
      union all select 'st', id::text from st
      union all select 'st', study_fk::text from se
      -- a series not resolved: inserted by another process after this statement's snapshot
      union all select 'u', x.series_uid from sein x where not exists (select 1 from se where se.series_uid = x.series_uid)
      -- a series already archived under another study than this object says (inconsistent senders)
      union all select 'm', x.series_uid from sein x join se on se.series_uid = x.series_uid join st on st.study_uid = x.study_uid where se.study_fk <> st.id`;

function uniqueBy<T>(items: T[], key: (t: T) => string): Array<[string, T]> {
  const m = new Map<string, T>();
  for (const it of items) if (!m.has(key(it))) m.set(key(it), it);
  return [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function nullableInt(n: number | null): string | null {
  return n === null || n === undefined || !Number.isFinite(n) ? null : String(Math.trunc(n));
}

/**
 * A PostgreSQL array literal for one parameter ('{"a","b",NULL}'), so a batch is one parameter per column
 * whatever its size, on both drivers.
 */
export function pgArray(values: Array<string | null>): string {
  return `{${values.map((v) => (v === null ? 'NULL' : `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`)).join(',')}}`;
}
