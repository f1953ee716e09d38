import { Inject, Injectable } from '@nestjs/common';
import { sql } from 'drizzle-orm';
import { DB, type Db } from '../../platform/database/database';
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
}

export interface NewInstance {
  row: IndexRow;
  storagePath: string;
  sizeBytes: number;
  digest: string;
  source: string;
}

/**
 * SQL of the archive index. Writes go in one transaction per batch: patients, studies and series are
 * upserted once per distinct key (in key order, so concurrent batches lock in the same order), instances
 * inserted, then the denormalised counters of the touched series and studies recomputed.
 */
@Injectable()
export class ArchiveRepository {
  constructor(@Inject(DB) private readonly db: Db) {}

  async existingSops(uids: string[]): Promise<Map<string, StoredInstanceRef>> {
    if (!uids.length) return new Map();
    const rows = await this.refs(sql`i.sop_instance_uid = ANY(${pgArray(uids)}::text[])`);
    return new Map(rows.map((r) => [r.sopInstanceUid, r]));
  }

  async refs(where: ReturnType<typeof sql>): Promise<StoredInstanceRef[]> {
    const res = await this.db.execute(sql`
      select i.id, i.sop_instance_uid as "sopInstanceUid", i.sop_class_uid as "sopClassUid", se.series_uid as "seriesUid",
             st.study_uid as "studyUid", i.storage_path as "storagePath", i.transfer_syntax_uid as "transferSyntaxUid",
             i.digest, p.patient_id as "patientId"
        from instance i join series se on se.id = i.series_fk join study st on st.id = se.study_fk join dicom_patient p on p.id = st.patient_fk
       where ${where}
       order by se.series_number nulls last, se.id, i.instance_number nulls last, i.id`);
    return (res as unknown as { rows: StoredInstanceRef[] }).rows.map((r) => ({ ...r, id: Number(r.id) }));
  }

  /** Inserts new instances; returns the SOP Instance UIDs that were actually inserted (a concurrent duplicate is skipped). */
  async insertBatch(items: NewInstance[]): Promise<Set<string>> {
    const inserted = new Set<string>();
    if (!items.length) return inserted;
    await this.db.transaction(async (tx) => {
      const exec = async <T>(q: ReturnType<typeof sql>) => (await tx.execute(q)) as unknown as { rows: T[] };
      const patientIds = new Map<string, number>();
      const byPatient = uniqueBy(items, (i) => `${i.row.patient.patientId}\u0000${i.row.patient.issuer}`);
      for (const [key, it] of byPatient) {
        const p = it.row.patient;
        const r = await exec<{ id: number }>(sql`
          insert into dicom_patient (patient_id, issuer, name, name_norm, name_fuzzy, birth_date, sex, json)
          values (${p.patientId}, ${p.issuer}, ${p.name}, ${p.nameNorm}, ${p.nameFuzzy}, ${p.birthDate}, ${p.sex}, ${p.json})
          on conflict (patient_id, issuer) do update set
            name = excluded.name, name_norm = excluded.name_norm, name_fuzzy = excluded.name_fuzzy,
            birth_date = excluded.birth_date, sex = excluded.sex, json = excluded.json
          returning id`);
        patientIds.set(key, Number(r.rows[0].id));
      }
      const studyIds = new Map<string, number>();
      for (const [uid, it] of uniqueBy(items, (i) => i.row.study.studyUid)) {
        const s = it.row.study;
        const pk = patientIds.get(`${it.row.patient.patientId}\u0000${it.row.patient.issuer}`)!;
        const r = await exec<{ id: number }>(sql`
          insert into study (study_uid, patient_fk, study_date, study_time, accession_number, study_id, description,
                             referring_physician, referring_physician_norm, institution_name, modalities, sop_classes, body_parts, json)
          values (${uid}, ${pk}, ${s.studyDate}, ${s.studyTime}, ${s.accessionNumber}, ${s.studyId}, ${s.description},
                  ${s.referringPhysician}, ${s.referringPhysicianNorm}, ${s.institutionName}, '{}', '{}', '{}', ${s.json})
          on conflict (study_uid) do update set updated_at = now()
          returning id`);
        studyIds.set(uid, Number(r.rows[0].id));
      }
      const seriesIds = new Map<string, number>();
      for (const [uid, it] of uniqueBy(items, (i) => i.row.series.seriesUid)) {
        const s = it.row.series;
        const r = await exec<{ id: number }>(sql`
          insert into series (series_uid, study_fk, modality, series_number, description, body_part, series_date, series_time,
                              pps_start_date, pps_start_time, json)
          values (${uid}, ${studyIds.get(it.row.study.studyUid)!}, ${s.modality}, ${s.seriesNumber}, ${s.description}, ${s.bodyPart},
                  ${s.seriesDate}, ${s.seriesTime}, ${s.ppsStartDate}, ${s.ppsStartTime}, ${s.json})
          on conflict (series_uid) do update set modality = series.modality
          returning id`);
        seriesIds.set(uid, Number(r.rows[0].id));
      }
      const rows = items.map((it) => ({ it, seriesFk: seriesIds.get(it.row.series.seriesUid)! }));
      // Instances and the denormalised counters of their series and studies in one statement (one round trip):
      // the counters grow by what was inserted (O(new instances), not O(study size), so a 2000-image study
      // ingests as fast at its end as at its start); the per-study lists come from the (few) series rows.
      const res = await exec<{ sop_instance_uid: string }>(sql`
        with ins as (
          insert into instance (sop_instance_uid, series_fk, sop_class_uid, instance_number, transfer_syntax_uid, number_of_frames,
                                rows, columns, storage_path, size_bytes, digest, json, source)
          select * from unnest(
            ${pgArray(rows.map((r) => r.it.row.instance.sopInstanceUid))}::text[],
            ${pgArray(rows.map((r) => String(r.seriesFk)))}::bigint[],
            ${pgArray(rows.map((r) => r.it.row.instance.sopClassUid))}::text[],
            ${pgArray(rows.map((r) => nullableInt(r.it.row.instance.instanceNumber)))}::int[],
            ${pgArray(rows.map((r) => r.it.row.instance.transferSyntaxUid))}::text[],
            ${pgArray(rows.map((r) => nullableInt(r.it.row.instance.numberOfFrames)))}::int[],
            ${pgArray(rows.map((r) => nullableInt(r.it.row.instance.rows)))}::int[],
            ${pgArray(rows.map((r) => nullableInt(r.it.row.instance.columns)))}::int[],
            ${pgArray(rows.map((r) => r.it.storagePath))}::text[],
            ${pgArray(rows.map((r) => String(r.it.sizeBytes)))}::bigint[],
            ${pgArray(rows.map((r) => r.it.digest))}::text[],
            ${pgArray(rows.map((r) => r.it.row.instance.json))}::text[],
            ${pgArray(rows.map((r) => r.it.source))}::text[])
          on conflict (sop_instance_uid) do nothing
          returning sop_instance_uid, series_fk, size_bytes, sop_class_uid),
        per_series as (select series_fk, count(*)::int as n from ins group by series_fk),
        series_counts as (
          update series se set num_instances = se.num_instances + d.n from per_series d where se.id = d.series_fk returning se.id),
        per_study as (
          select se.study_fk, count(*)::int as n, sum(i.size_bytes)::bigint as bytes, array_agg(distinct i.sop_class_uid) as classes
            from ins i join series se on se.id = i.series_fk group by se.study_fk),
        study_counts as (
          update study st set
            num_instances = st.num_instances + d.n,
            size_bytes = st.size_bytes + d.bytes,
            num_series = (select count(*) from series x where x.study_fk = st.id),
            modalities = array(select distinct x.modality from series x where x.study_fk = st.id and x.modality <> '' order by 1),
            body_parts = array(select distinct x.body_part from series x where x.study_fk = st.id and x.body_part <> '' order by 1),
            sop_classes = array(select distinct c from unnest(st.sop_classes || d.classes) c order by 1),
            updated_at = now()
            from per_study d where st.id = d.study_fk returning st.id)
        select sop_instance_uid from ins`);
      for (const r of res.rows) inserted.add(r.sop_instance_uid);
    });
    return inserted;
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

  async storagePathsExist(paths: string[]): Promise<Set<string>> {
    if (!paths.length) return new Set();
    const res = (await this.db.execute(sql`select storage_path from instance where storage_path = ANY(${pgArray(paths)}::text[])`)) as unknown as { rows: Array<{ storage_path: string }> };
    return new Set(res.rows.map((r) => r.storage_path));
  }
}

function uniqueBy<T>(items: T[], key: (t: T) => string): Array<[string, T]> {
  const m = new Map<string, T>();
  for (const it of items) if (!m.has(key(it))) m.set(key(it), it);
  return [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
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
