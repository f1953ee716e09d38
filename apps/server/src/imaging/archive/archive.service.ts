import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { sql, type SQL } from 'drizzle-orm';
import type { Query } from '@axial/dicom';
import { AccessService } from '../../identity/access/access.service';
import type { Actor } from '../../identity/access/actor';
import { DB, type Db } from '../../platform/database/database';
import { BLOB_STORAGE, type BlobStorage } from '../../platform/storage/storage';
import { AuditService } from '../../system/audit/audit.service';
import { APP_CONFIG, type AppConfig } from '../../platform/config';
import { ArchiveQueryService, BULK_URI_KEY, type SearchLevel, type SearchScope } from './archive-query.service';
import { ArchiveRepository, pgArray, type StoredInstanceRef } from './archive.repository';
import { MetadataCache } from './metadata-cache';
import { IngestService, type IngestResult, type IngestSource, type ReceivedObject } from './ingest.service';

export interface StoreSession {
  /** Optional: parse an object as soon as it is received, before `add` takes it with others. */
  prepare(object: ReceivedObject): void;
  add(objects: ReceivedObject[]): Promise<IngestResult[]>;
  finish(): Promise<void>;
}

export interface ArchiveScope {
  studyUid: string;
  seriesUid?: string;
  sopInstanceUid?: string;
}

/**
 * The archive's service API: every method checks access (study.read / study.upload / study.delete) and
 * audits access to patient data. DICOMweb, DIMSE, the web app and imports go through here.
 */
@Injectable()
export class ArchiveService {
  /** One audit event per user, study and kind of access within this window (a viewer fetches hundreds of frames). */
  private static readonly AUDIT_WINDOW_MS = 5 * 60_000;
  private readonly recentAudit = new Map<string, number>();

  constructor(
    @Inject(DB) private readonly db: Db,
    @Inject(BLOB_STORAGE) private readonly storage: BlobStorage,
    private readonly repo: ArchiveRepository,
    private readonly queries: ArchiveQueryService,
    private readonly ingestion: IngestService,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.metadataCache = new MetadataCache(config.metadataCacheMb * 1024 * 1024);
  }

  private readonly metadataCache: MetadataCache;

  /**
   * A store session: objects can be added in several batches while more are still arriving (STOW-RS
   * ingests parts while it receives the next ones); `finish` writes one audit event per study.
   */
  async beginStore(actor: Actor, kind: IngestSource['kind'], expectedStudyUid?: string): Promise<StoreSession> {
    // Without study.upload, study.annotate lets a reader add measurements, key images and presentation states to
    // studies already archived (the viewer saves them by STOW-RS), and nothing else.
    const annotationsOnly = kind === 'stow' && !this.access.has(actor, 'study.upload') && this.access.has(actor, 'study.annotate');
    await this.access.require(actor, annotationsOnly ? 'study.annotate' : 'study.upload', { resourceType: 'study' });
    const byStudy = new Map<string, { patientId: string; stored: number; duplicates: number }>();
    let rejected = 0;
    return {
      prepare: (object) => this.ingestion.prepare(object),
      add: async (objects) => {
        const results = await this.ingestion.ingest(objects, { kind, by: actor.username, expectedStudyUid, annotationsOnly });
        for (const r of results) {
          if (r.status === 'rejected') { rejected++; continue; }
          const e = byStudy.get(r.studyUid) ?? { patientId: r.patientId, stored: 0, duplicates: 0 };
          if (r.status === 'duplicate') e.duplicates++; else e.stored++;
          byStudy.set(r.studyUid, e);
        }
        return results;
      },
      finish: async () => {
        // The audit events are written after the answer, not before it: their commit (a WAL flush) would
        // otherwise sit on every store's latency. AuditService.record never throws and logs a failed write.
        void (async () => {
          for (const [studyUid, e] of byStudy) {
            await this.audit.record(actor, { action: 'study.store', outcome: 'success', resourceType: 'study', resourceId: studyUid, patientId: e.patientId, details: { via: kind, stored: e.stored, duplicates: e.duplicates } });
          }
          if (rejected) await this.audit.record(actor, { action: 'study.store', outcome: 'failure', resourceType: 'study', details: { via: kind, rejected } });
        })();
      },
    };
  }

  /** One-shot store of already received objects. */
  async store(actor: Actor, objects: ReceivedObject[], kind: IngestSource['kind']): Promise<IngestResult[]> {
    let session: StoreSession;
    try {
      session = await this.beginStore(actor, kind);
    } catch (err) {
      await Promise.all(objects.map((o) => o.temp.discard()));
      throw err;
    }
    const results = await session.add(objects);
    await session.finish();
    return results;
  }

  async search(actor: Actor, level: SearchLevel, query: Query, scope: SearchScope, base: string) {
    await this.access.require(actor, 'study.read', { resourceType: 'study' });
    const result = await this.queries.searchText(level, query, scope, base);
    // Searching discloses patient data: audited (one event per search, with what was asked and how many
    // answered). Not awaited: the write (a commit, hence an fsync) must not sit on every query's latency;
    // AuditService.record never throws and logs a failed write loudly.
    void this.audit.record(actor, {
      action: 'study.query', outcome: 'success', resourceType: level, resourceId: scope.seriesUid ?? scope.studyUid ?? null,
      details: { keys: query.keys.map((k) => k.name), results: result.count, total: result.total },
    });
    return result;
  }

  /** The stored instances under a scope, in series/instance order; 404 when there are none. */
  async instances(actor: Actor, scope: ArchiveScope, action = 'study.retrieve'): Promise<StoredInstanceRef[]> {
    await this.access.require(actor, 'study.read', { resourceType: 'study', resourceId: scope.studyUid });
    const refs = await this.repo.refs(whereScope(scope));
    if (!refs.length) throw new NotFoundException(notFoundText(scope));
    await this.auditAccess(actor, action, scope.studyUid, refs[0].patientId);
    return refs;
  }

  /**
   * Stored metadata (DICOM JSON) of every instance in scope as one JSON array text: no file is parsed. The array is
   * assembled by the database (string_agg, BulkDataURIs made absolute with replace): for a 500-instance series that
   * is one 860 KB value instead of 500 rows joined and rewritten on the event loop (≈11 ms of its CPU). Answers are
   * kept in a size-bounded memory cache, valid while the scope's instances are unchanged (metadata-cache.ts).
   */
  async metadata(actor: Actor, scope: ArchiveScope, base: string): Promise<string> {
    await this.access.require(actor, 'study.read', { resourceType: 'study', resourceId: scope.studyUid });
    const key = [base, scope.studyUid, scope.seriesUid ?? '', scope.sopInstanceUid ?? ''].join('\u0000');
    const [stampRow] = (await this.db.execute(sql`
      select ${METADATA_STAMP} as stamp
        from instance i join series se on se.id = i.series_fk join study st on st.id = se.study_fk
       where ${whereScope(scope)}`) as unknown as { rows: Array<{ stamp: string }> }).rows;
    const stamp = stampRow?.stamp ?? '';
    if (stamp.startsWith('0:')) throw new NotFoundException(notFoundText(scope));
    let entry = this.metadataCache.get(key, stamp);
    if (!entry) {
      const res = (await this.db.execute(sql`
        select '[' || string_agg(replace(i.json, ${BULK_URI_KEY}, ${BULK_URI_KEY + base + '/'}), ','
                                 order by se.series_number nulls last, se.id, i.instance_number nulls last, i.id) || ']' as json,
               max(p.patient_id) as patient_id,
               ${METADATA_STAMP} as stamp
          from instance i join series se on se.id = i.series_fk join study st on st.id = se.study_fk
          join dicom_patient p on p.id = st.patient_fk
         where ${whereScope(scope)}`)) as unknown as { rows: Array<{ json: string | null; patient_id: string | null; stamp: string }> };
      const row = res.rows[0];
      if (!row?.json) throw new NotFoundException(notFoundText(scope));
      // Stamped with what the text was built from (rows stored meanwhile make it stale at the next request).
      entry = { stamp: row.stamp, json: row.json, patientId: row.patient_id ?? '' };
      this.metadataCache.set(key, entry);
    }
    await this.auditAccess(actor, 'study.metadata', scope.studyUid, entry.patientId);
    return entry.json;
  }

  readFile(ref: StoredInstanceRef): Promise<Buffer> {
    return this.storage.read(ref.storagePath, ref.sizeBytes);
  }

  /** Reads the stored file of `ref` into `target` (at least `ref.sizeBytes + 1` long); resolves with the byte count. */
  readFileInto(ref: StoredInstanceRef, target: Buffer): Promise<number> {
    return this.storage.readInto(ref.storagePath, target);
  }

  streamFile(ref: StoredInstanceRef) {
    return this.storage.stream(ref.storagePath);
  }

  /** Deletes a study, series or instance: index rows first (in one transaction), then the files. */
  async delete(actor: Actor, scope: ArchiveScope): Promise<{ instances: number }> {
    await this.access.require(actor, 'study.delete', { resourceType: 'study', resourceId: scope.studyUid });
    const refs = await this.repo.refs(whereScope(scope));
    if (!refs.length) throw new NotFoundException(notFoundText(scope));
    await this.db.transaction(async (tx) => {
      const rowsOf = async <T>(q: SQL) => ((await tx.execute(q)) as unknown as { rows: T[] }).rows;
      const [study] = await rowsOf<{ id: number; patient_fk: number }>(sql`select id, patient_fk from study where study_uid = ${scope.studyUid}`);
      const touched = await rowsOf<{ series_fk: number }>(sql`delete from instance where id = ANY(${pgArray(refs.map((r) => String(r.id)))}::bigint[]) returning series_fk`);
      const seriesIds = [...new Set(touched.map((r) => String(r.series_fk)))];
      // Emptied series, then an emptied study, then a patient left without studies.
      await tx.execute(sql`delete from series se where se.id = ANY(${pgArray(seriesIds)}::bigint[]) and not exists (select 1 from instance i where i.series_fk = se.id)`);
      await tx.execute(sql`delete from study st where st.id = ${study.id} and not exists (select 1 from series se where se.study_fk = st.id)`);
      await tx.execute(sql`delete from dicom_patient p where p.id = ${study.patient_fk} and not exists (select 1 from study st where st.patient_fk = p.id)`);
      await this.repo.refreshCounters(tx as unknown as Db, seriesIds.map(Number), [Number(study.id)]);
    });
    // Files go after the commit: a crash here leaves unreferenced files, never index rows without files.
    for (const r of refs) await this.storage.delete(r.storagePath).catch(() => undefined);
    const level = scope.sopInstanceUid ? 'instance' : scope.seriesUid ? 'series' : 'study';
    await this.audit.record(actor, {
      action: `${level}.delete`, outcome: 'success', resourceType: level,
      resourceId: scope.sopInstanceUid ?? scope.seriesUid ?? scope.studyUid, patientId: refs[0].patientId,
      details: { studyUid: scope.studyUid, instances: refs.length },
    });
    return { instances: refs.length };
  }

  private async auditAccess(actor: Actor, action: string, studyUid: string, patientId: string): Promise<void> {
    const key = `${actor.userId}|${action}|${studyUid}`;
    const now = Date.now();
    const last = this.recentAudit.get(key);
    if (last && now - last < ArchiveService.AUDIT_WINDOW_MS) return;
    this.recentAudit.set(key, now);
    if (this.recentAudit.size > 50_000) {
      for (const [k, t] of this.recentAudit) if (now - t > ArchiveService.AUDIT_WINDOW_MS) this.recentAudit.delete(k);
    }
    await this.audit.record(actor, { action, outcome: 'success', resourceType: 'study', resourceId: studyUid, patientId });
  }
}

/** What a metadata answer was built from: the instances in scope, their newest id and newest write (MetadataCache). */
const METADATA_STAMP = sql.raw(`count(*) || ':' || coalesce(max(i.id), 0) || ':' || coalesce(max(i.created_at)::text, '')`);

function whereScope(s: ArchiveScope): SQL {
  const parts: SQL[] = [sql`st.study_uid = ${s.studyUid}`];
  if (s.seriesUid) parts.push(sql`se.series_uid = ${s.seriesUid}`);
  if (s.sopInstanceUid) parts.push(sql`i.sop_instance_uid = ${s.sopInstanceUid}`);
  return sql.join(parts, sql` and `);
}

function notFoundText(s: ArchiveScope): string {
  if (s.sopInstanceUid) return `Instance ${s.sopInstanceUid} not found in series ${s.seriesUid} of study ${s.studyUid}`;
  if (s.seriesUid) return `Series ${s.seriesUid} not found in study ${s.studyUid}`;
  return `Study ${s.studyUid} not found`;
}
