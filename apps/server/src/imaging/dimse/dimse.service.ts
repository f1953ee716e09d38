import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { readFileSync } from 'node:fs';
import { sql, type SQL } from 'drizzle-orm';
import { Dataset } from 'dcmjs-dimse';
import {
  matches, parseFindIdentifier, QueryError, SopClass, toSql, type DicomJsonDataset, type Query,
} from '@axial/dicom';
import { APP_CONFIG, type AppConfig } from '../../platform/config';
import { DATABASE } from '../../platform/database/database.module';
import type { DatabaseHandle } from '../../platform/database/database';
import { BLOB_STORAGE, type FileSystemStorage } from '../../platform/storage/storage';
import { AuditService } from '../../system/audit/audit.service';
import { ArchiveQueryService, PATIENT_COLUMNS } from '../archive/archive-query.service';
import { ArchiveRepository, pgArray, type StoredInstanceRef } from '../archive/archive.repository';
import { IngestService } from '../archive/ingest.service';
import { checkDimseConfig } from './dimse.config';
import { DicomNodesService, type DicomNode } from './dicom-nodes.service';
import { splitPart10 } from './part10';
import {
  listenDicom, type AssociationInfo, type DicomJson, type DicomListener, type DimseHandler, type DimseStatus, type OutgoingStore,
  type RetrieveResult, type StoreInput, type SubOperationCounts,
} from './scp';
import * as scu from './scu';

const S = { Success: 0x0000, Pending: 0xff00, NotAuthorized: 0x0124, OutOfResources: 0xa700, UnableToProcess: 0xc000,
  IdentifierMismatch: 0xa900, MoveDestinationUnknown: 0xa801, SubOpsFailed: 0xa702, SubOpsWarning: 0xb000, ProcessingFailure: 0x0110 } as const;


const FIND_MODELS: Record<string, 'patient' | 'study'> = {
  [SopClass.PatientRootQueryRetrieveFind]: 'patient', [SopClass.StudyRootQueryRetrieveFind]: 'study',
  [SopClass.PatientRootQueryRetrieveMove]: 'patient', [SopClass.StudyRootQueryRetrieveMove]: 'study',
  [SopClass.PatientRootQueryRetrieveGet]: 'patient', [SopClass.StudyRootQueryRetrieveGet]: 'study',
};

/**
 * Axial as a DICOM node: the SCP (in the same process as the API) and the SCU operations used by the API.
 * Stores go through the one IngestService; queries through the archive index; every store, query and retrieval
 * is audited with the calling AE title as the user ("AE:<title>").
 */
@Injectable()
export class DimseService implements OnApplicationBootstrap, OnModuleDestroy, DimseHandler {
  private readonly logger = new Logger('DIMSE');
  private listener?: DicomListener;
  private ingest!: IngestService;
  private queries!: ArchiveQueryService;
  private repo!: ArchiveRepository;
  private storage!: FileSystemStorage;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(DATABASE) private readonly db: DatabaseHandle,
    private readonly moduleRef: ModuleRef,
    private readonly nodes: DicomNodesService,
    private readonly audit: AuditService,
  ) {}

  get aet(): string {
    return this.config.dicom.aet;
  }

  /** The bound TCP port (useful with DICOM_PORT=0); undefined when the SCP is not listening. */
  get port(): number | undefined {
    return this.listener?.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    checkDimseConfig(this.config.dicom);
    this.ingest = this.moduleRef.get(IngestService, { strict: false });
    this.queries = this.moduleRef.get(ArchiveQueryService, { strict: false });
    this.repo = this.moduleRef.get(ArchiveRepository, { strict: false });
    this.storage = this.moduleRef.get(BLOB_STORAGE, { strict: false });
    const { log: dimseLog } = await import('dcmjs-dimse');
    dimseLog.setLevel(this.config.logLevel === 'debug' ? 'info' : 'silent');
    const c = this.config.dicom;
    try {
      this.listener = await listenDicom({
        handler: this, aet: c.aet, host: c.host, port: c.port, idleTimeoutMs: c.idleTimeoutSeconds * 1000,
        createTemp: () => this.storage.createTemp(),
      });
      this.logger.log(`DICOM SCP ${c.aet} listening on ${c.host}:${this.listener.port}${c.whitelist ? ' (calling AE whitelist on)' : ''}`);
    } catch (err) {
      // The web API stays up: a busy DICOM port must not take the whole server down.
      this.logger.error(`DICOM SCP could not listen on ${c.host}:${c.port}: ${(err as Error).message}`);
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.listener?.close();
    // Associations cut by the shutdown are audited before the database closes.
    for (const info of [...this.storedByAssociation.keys()]) this.flushStoreAudit(info);
    await Promise.allSettled([...this.auditWrites]);
    this.listener = undefined;
  }

  // ---------------------------------------------------------------- policy

  private async policy(callingAe: string): Promise<DicomNode | undefined> {
    return this.nodes.byAeTitle(callingAe);
  }

  /** A calling AE's rights are read once per association (as its identity is), not once per message. */
  private readonly policies = new WeakMap<AssociationInfo, Promise<DicomNode | undefined>>();

  private async allowed(info: AssociationInfo, what: 'allowStore' | 'allowQuery' | 'allowRetrieve'): Promise<boolean> {
    let p = this.policies.get(info);
    if (!p) {
      p = this.policy(info.callingAe);
      p.catch(() => this.policies.delete(info));
      this.policies.set(info, p);
    }
    const node = await p;
    if (node) return node[what];
    return !this.config.dicom.whitelist;
  }

  private subject(info: AssociationInfo) {
    return { username: `AE:${info.callingAe}`, clientIp: info.remoteAddress || null };
  }

  log(level: 'debug' | 'warn' | 'error', message: string): void {
    if (level === 'error') this.logger.error(message);
    else if (level === 'warn') this.logger.warn(message);
    else this.logger.debug(message);
  }

  // ---------------------------------------------------------------- SCP handlers

  async acceptAssociation(info: AssociationInfo): Promise<{ ok: true } | { ok: false; reason: 'calling-ae' | 'called-ae' }> {
    if (info.calledAe !== this.aet) return { ok: false, reason: 'called-ae' };
    if (this.config.dicom.whitelist && !(await this.policy(info.callingAe))) return { ok: false, reason: 'calling-ae' };
    return { ok: true };
  }

  async echo(): Promise<DimseStatus> {
    return { status: S.Success };
  }

  async store(info: AssociationInfo, input: StoreInput): Promise<DimseStatus> {
    const blob = input.blob;
    if (blob instanceof Error) {
      this.logger.error(`C-STORE from ${info.callingAe}: could not write the object: ${blob.message}`);
      return { status: S.OutOfResources, comment: 'Out of resources: could not write the object' };
    }
    if (!(await this.allowed(info, 'allowStore'))) {
      await blob.discard();
      return { status: S.NotAuthorized, comment: `AE ${info.callingAe} may not store here` };
    }
    try {
      const finished = await blob.finish();
      const [r] = await this.ingest.ingest([{ temp: blob as never, ...finished }], { kind: 'dimse', by: info.callingAe });
      if (r.status === 'rejected') {
        await this.audit.record(this.subject(info), { action: 'study.store', outcome: 'failure', resourceType: 'instance', resourceId: input.sopInstanceUid, details: { via: 'dimse', reason: r.reason } });
        return { status: r.outOfResources ? S.OutOfResources : S.UnableToProcess, comment: r.reason };
      }
      this.storedOn(info, r);
      return { status: S.Success };
    } catch (err) {
      await blob.discard().catch(() => undefined);
      this.logger.error(`C-STORE from ${info.callingAe}: ${(err as Error).message}`);
      return { status: S.OutOfResources, comment: 'Processing failure while storing' };
    }
  }

  /**
   * Stores are audited per association and study (what was stored, by which AE, how many instances and
   * duplicates), as STOW-RS is per request and study: one event per study when the association closes, or
   * every minute on a long association, rather than a database commit on every C-STORE's path.
   */
  private readonly storedByAssociation = new Map<AssociationInfo, { since: number; studies: Map<string, { patientId: string; stored: number; duplicates: number }> }>();

  private storedOn(info: AssociationInfo, r: { status: string; studyUid: string; patientId: string }): void {
    let a = this.storedByAssociation.get(info);
    if (!a) this.storedByAssociation.set(info, (a = { since: Date.now(), studies: new Map() }));
    const e = a.studies.get(r.studyUid) ?? { patientId: r.patientId, stored: 0, duplicates: 0 };
    if (r.status === 'duplicate') e.duplicates++;
    else e.stored++;
    a.studies.set(r.studyUid, e);
    if (Date.now() - a.since > 60_000) this.flushStoreAudit(info);
  }

  private readonly auditWrites = new Set<Promise<unknown>>();

  private flushStoreAudit(info: AssociationInfo): void {
    const a = this.storedByAssociation.get(info);
    if (!a) return;
    this.storedByAssociation.delete(info);
    for (const [studyUid, e] of a.studies) {
      const w = this.audit.record(this.subject(info), {
        action: 'study.store', outcome: 'success', resourceType: 'study', resourceId: studyUid, patientId: e.patientId,
        details: { via: 'dimse', callingAe: info.callingAe, stored: e.stored, duplicates: e.duplicates },
      });
      this.auditWrites.add(w);
      void w.finally(() => this.auditWrites.delete(w));
    }
  }

  associationClosed(info: AssociationInfo): void {
    this.flushStoreAudit(info);
  }

  async find(info: AssociationInfo, q: { sopClassUid: string; identifier: DicomJson }, emit: (ds: DicomJson) => Promise<boolean>): Promise<DimseStatus> {
    if (!(await this.allowed(info, 'allowQuery'))) return { status: S.NotAuthorized, comment: `AE ${info.callingAe} may not query` };
    const model = FIND_MODELS[q.sopClassUid];
    let query: Query;
    try {
      query = parseFindIdentifier(q.identifier as DicomJsonDataset);
    } catch (err) {
      if (err instanceof QueryError) return { status: S.IdentifierMismatch, comment: err.message };
      throw err;
    }
    if (query.level === 'WORKLIST' || (model === 'study' && query.level === 'PATIENT')) {
      return { status: S.IdentifierMismatch, comment: `Level ${query.level} is not part of this information model` };
    }
    let items: DicomJsonDataset[];
    try {
      items = query.level === 'PATIENT'
        ? await this.searchPatients(query)
        : (await this.queries.search(query.level === 'STUDY' ? 'study' : query.level === 'SERIES' ? 'series' : 'instance', query, {}, '')).items;
    } catch (err) {
      if (err instanceof QueryError) return { status: S.UnableToProcess, comment: err.message };
      this.logger.error(`C-FIND: ${(err as Error).message}`);
      return { status: S.UnableToProcess, comment: 'Unable to process the query' };
    }
    const requested = Object.keys(q.identifier).filter((t) => !t.startsWith('0000') && !t.startsWith('0002'));
    let sent = 0;
    for (const item of items) {
      const out: DicomJson = { '00080005': { vr: 'CS', Value: ['ISO_IR 192'] }, '00080052': { vr: 'CS', Value: [query.level] } };
      for (const tag of requested) {
        if (tag === '00080005' || tag === '00080052') continue;
        if (tag === '00080054') { out[tag] = { vr: 'AE', Value: [this.aet] }; continue; }
        const v = item[tag] as { vr: string; Value?: unknown[]; BulkDataURI?: string; InlineBinary?: string } | undefined;
        out[tag] = v && v.Value && !v.BulkDataURI && !v.InlineBinary ? { vr: v.vr, Value: v.Value } : { vr: q.identifier[tag]?.vr ?? 'UN' };
      }
      if (!(await emit(out))) break;
      sent++;
    }
    await this.audit.record(this.subject(info), {
      action: 'study.query', outcome: 'success', resourceType: query.level.toLowerCase(),
      patientId: singleValue(query, 'PatientID') ?? null,
      details: { via: 'dimse', model, keys: query.keys.filter((k) => k.kind !== 'universal').map((k) => k.name), results: sent },
    });
    return { status: S.Success };
  }

  private async searchPatients(query: Query): Promise<DicomJsonDataset[]> {
    const frag = toSql({ keys: query.keys, fuzzyMatching: false }, PATIENT_COLUMNS);
    const rows = await this.db.raw<{ pj: string; n_studies: string | number; n_series: string | number; n_instances: string | number }>(
      `select p.json as pj,
              (select count(*) from study st where st.patient_fk = p.id) as n_studies,
              (select coalesce(sum(st.num_series), 0) from study st where st.patient_fk = p.id) as n_series,
              (select coalesce(sum(st.num_instances), 0) from study st where st.patient_fk = p.id) as n_instances
         from dicom_patient p where ${frag.text} order by p.name_norm, p.id limit 5000`, frag.params);
    const out: DicomJsonDataset[] = [];
    for (const r of rows) {
      const ds: DicomJsonDataset = JSON.parse(r.pj);
      ds['00201200'] = { vr: 'IS', Value: [Number(r.n_studies)] };
      ds['00201202'] = { vr: 'IS', Value: [Number(r.n_series)] };
      ds['00201204'] = { vr: 'IS', Value: [Number(r.n_instances)] };
      if (frag.unmapped.length && !matches({ keys: frag.unmapped, fuzzyMatching: false }, ds)) continue;
      out.push(ds);
    }
    return out;
  }

  /** The stored instances a C-MOVE / C-GET identifier designates (PS3.4 §C.4.2.2.1: unique keys at and above the level). */
  private async resolveRetrieve(q: { sopClassUid: string; identifier: DicomJson }): Promise<{ refs: StoredInstanceRef[] } | { error: DimseStatus }> {
    let query: Query;
    try {
      query = parseFindIdentifier(q.identifier as DicomJsonDataset);
    } catch (err) {
      return { error: { status: S.IdentifierMismatch, comment: (err as Error).message } };
    }
    const model = FIND_MODELS[q.sopClassUid];
    const parts: SQL[] = [];
    const add = (keyword: string, column: string) => {
      const values = uidValues(query, keyword);
      if (values) parts.push(sql`${sql.raw(column)} = ANY(${pgArray(values)}::text[])`);
      return values;
    };
    const patient = add('PatientID', 'p.patient_id');
    const study = add('StudyInstanceUID', 'st.study_uid');
    const series = add('SeriesInstanceUID', 'se.series_uid');
    const sop = add('SOPInstanceUID', 'i.sop_instance_uid');
    const unique = { PATIENT: patient, STUDY: study, SERIES: series, IMAGE: sop, WORKLIST: undefined }[query.level];
    if (!unique || (model === 'study' && query.level === 'PATIENT')) {
      return { error: { status: S.IdentifierMismatch, comment: `A ${query.level}-level retrieve needs its unique key` } };
    }
    return { refs: await this.repo.refs(sql.join(parts, sql` and `)) };
  }

  private outgoing(ref: StoredInstanceRef): OutgoingStore {
    const path = this.storage.pathOf(ref.storagePath);
    let split: { datasetOffset: number; transferSyntaxUid?: string } | undefined;
    return {
      sopClassUid: ref.sopClassUid,
      sopInstanceUid: ref.sopInstanceUid,
      transferSyntaxUid: ref.transferSyntaxUid,
      dataset: () => {
        const file = readFileSync(path);
        split ??= splitPart10(file);
        return file.subarray(split.datasetOffset);
      },
      naturalized: () => (Dataset.fromFile(path) as unknown as InstanceType<typeof Dataset>).getElements() as Record<string, unknown>,
    };
  }

  async move(info: AssociationInfo, q: { sopClassUid: string; identifier: DicomJson; destination: string; messageId: number }, progress: (c: SubOperationCounts) => void, cancelled: () => boolean): Promise<RetrieveResult> {
    const none = { remaining: 0, completed: 0, failed: 0, warnings: 0 };
    if (!(await this.allowed(info, 'allowRetrieve'))) return { status: S.NotAuthorized, comment: `AE ${info.callingAe} may not retrieve`, counts: none, failedSopInstanceUids: [] };
    const dest = await this.nodes.byAeTitle(q.destination);
    if (!dest || !dest.isMoveDestination) {
      return { status: S.MoveDestinationUnknown, comment: `Move destination ${q.destination} unknown`, counts: none, failedSopInstanceUids: [] };
    }
    const resolved = await this.resolveRetrieve(q);
    if ('error' in resolved) return { ...resolved.error, counts: none, failedSopInstanceUids: [] };
    const refs = resolved.refs;
    const counts: SubOperationCounts = { remaining: refs.length, completed: 0, failed: 0, warnings: 0 };
    const failed: string[] = [];
    if (refs.length) {
      const items = refs.map((r) => this.outgoing(r));
      try {
        await scu.store(this.aet, dest, items, {
          moveOriginator: { aet: info.callingAe, messageId: q.messageId },
          onResult: (o) => {
            counts.remaining--;
            this.count(counts, failed, o.sopInstanceUid, o.status);
            if (!cancelled() && counts.remaining > 0) progress({ ...counts });
          },
          // C-CANCEL (or the requester gone): no further sub-operation is started.
          cancelled,
        });
      } catch (err) {
        this.logger.warn(`C-MOVE to ${dest.aeTitle}: ${(err as Error).message}`);
        for (const r of refs) if (!failed.includes(r.sopInstanceUid) && counts.completed + counts.warnings + counts.failed < refs.length) { failed.push(r.sopInstanceUid); counts.failed++; }
        counts.remaining = 0;
      }
    }
    await this.auditRetrieve(info, refs, { via: 'dimse', operation: 'C-MOVE', destination: dest.aeTitle, ...counts });
    return this.retrieveResult(counts, failed);
  }

  async get(info: AssociationInfo, q: { sopClassUid: string; identifier: DicomJson }, send: (s: OutgoingStore) => Promise<number>, progress: (c: SubOperationCounts) => void, cancelled: () => boolean): Promise<RetrieveResult> {
    const none = { remaining: 0, completed: 0, failed: 0, warnings: 0 };
    if (!(await this.allowed(info, 'allowRetrieve'))) return { status: S.NotAuthorized, comment: `AE ${info.callingAe} may not retrieve`, counts: none, failedSopInstanceUids: [] };
    const resolved = await this.resolveRetrieve(q);
    if ('error' in resolved) return { ...resolved.error, counts: none, failedSopInstanceUids: [] };
    const refs = resolved.refs;
    const counts: SubOperationCounts = { remaining: refs.length, completed: 0, failed: 0, warnings: 0 };
    const failed: string[] = [];
    for (const r of refs) {
      if (cancelled()) break;
      const status = await send(this.outgoing(r));
      counts.remaining--;
      this.count(counts, failed, r.sopInstanceUid, status);
      if (counts.remaining > 0) progress({ ...counts });
    }
    await this.auditRetrieve(info, refs, { via: 'dimse', operation: 'C-GET', ...counts });
    return this.retrieveResult(counts, failed);
  }

  private count(c: SubOperationCounts, failed: string[], uid: string, status: number): void {
    if (status === 0) c.completed++;
    else if (status === 0x0001 || (status >= 0xb000 && status <= 0xbfff)) c.warnings++;
    else {
      c.failed++;
      failed.push(uid);
    }
  }

  private retrieveResult(c: SubOperationCounts, failed: string[]): RetrieveResult {
    const status = c.failed === 0 && c.warnings === 0 ? S.Success : c.completed + c.warnings === 0 && c.failed > 0 ? S.SubOpsFailed : S.SubOpsWarning;
    return { status, counts: { ...c }, failedSopInstanceUids: failed, ...(c.failed ? { comment: `${c.failed} sub-operation(s) failed` } : {}) };
  }

  private async auditRetrieve(info: AssociationInfo, refs: StoredInstanceRef[], details: Record<string, unknown>): Promise<void> {
    const studies = new Map<string, string>();
    for (const r of refs) studies.set(r.studyUid, r.patientId);
    if (!studies.size) await this.audit.record(this.subject(info), { action: 'study.retrieve', outcome: 'failure', resourceType: 'study', details: { ...details, reason: 'nothing matched' } });
    for (const [studyUid, patientId] of studies) {
      await this.audit.record(this.subject(info), { action: 'study.retrieve', outcome: (details.failed as number) > 0 ? 'failure' : 'success', resourceType: 'study', resourceId: studyUid, patientId, details });
    }
  }

  async commit(info: AssociationInfo, q: { transactionUid: string; refs: Array<{ sopClassUid: string; sopInstanceUid: string }> }, report: (eventTypeId: number, ds: DicomJson) => Promise<boolean>): Promise<DimseStatus> {
    const existing = await this.repo.existingSops(q.refs.map((r) => r.sopInstanceUid));
    const ok = q.refs.filter((r) => existing.get(r.sopInstanceUid)?.sopClassUid === r.sopClassUid);
    const bad = q.refs.filter((r) => !ok.includes(r));
    const item = (r: { sopClassUid: string; sopInstanceUid: string }, reason?: number) => ({
      '00081150': { vr: 'UI', Value: [r.sopClassUid] }, '00081155': { vr: 'UI', Value: [r.sopInstanceUid] },
      ...(reason !== undefined ? { '00081197': { vr: 'US', Value: [reason] } } : {}),
    });
    const ds: DicomJson = {
      '00081195': { vr: 'UI', Value: [q.transactionUid] },
      '00080054': { vr: 'AE', Value: [this.aet] },
      ...(ok.length ? { '00081199': { vr: 'SQ', Value: ok.map((r) => item(r)) } } : {}),
      ...(bad.length ? { '00081198': { vr: 'SQ', Value: bad.map((r) => item(r, 0x0112)) } } : {}),
    };
    const eventType = bad.length ? 2 : 1;
    let delivered = await report(eventType, ds);
    let association: 'same' | 'new' | undefined = delivered ? 'same' : undefined;
    if (!delivered) {
      // The requester released the association: report on a new one (PS3.4 §J.3.3), if it is a registered node.
      const node = await this.nodes.byAeTitle(info.callingAe);
      if (node) {
        delivered = await scu.eventReport(this.aet, node, eventType, ds).then((status) => status === S.Success, (err: Error) => {
          this.logger.warn(`Storage commitment report to ${node.aeTitle}: ${err.message}`);
          return false;
        });
        if (delivered) association = 'new';
      }
    }
    await this.audit.record(this.subject(info), { action: 'storage.commitment', outcome: bad.length ? 'failure' : 'success', resourceType: 'transaction', resourceId: q.transactionUid, details: { committed: ok.length, failed: bad.length, delivered, association } });
    return { status: S.Success };
  }

  // ---------------------------------------------------------------- SCU operations for the API

  echoNode(node: DicomNode) {
    return scu.echo(this.aet, node);
  }

  async storeToNode(node: DicomNode, refs: StoredInstanceRef[], onResult: (o: scu.StoreOutcome) => void) {
    return scu.store(this.aet, node, refs.map((r) => this.outgoing(r)), { onResult });
  }

  findOnNode(node: DicomNode, keys: Record<string, string>) {
    return scu.findStudies(this.aet, node, keys);
  }

  retrieveFromNode(node: DicomNode, studyUid: string, onPending: (o: scu.MoveOutcome & { remaining: number }) => void) {
    return scu.moveStudy(this.aet, node, this.aet, studyUid, onPending);
  }

  refsOf(studyUid: string, seriesUid?: string) {
    return this.repo.refs(seriesUid ? sql`st.study_uid = ${studyUid} and se.series_uid = ${seriesUid}` : sql`st.study_uid = ${studyUid}`);
  }
}

function uidValues(query: Query, keyword: string): string[] | undefined {
  const k = query.keys.find((x) => x.keyword === keyword && x.path.length === 1);
  if (!k) return undefined;
  if (k.kind === 'single') return [String(k.value)];
  if (k.kind === 'uidList') return k.values;
  return undefined;
}

function singleValue(query: Query, keyword: string): string | undefined {
  const k = query.keys.find((x) => x.keyword === keyword && x.path.length === 1);
  return k?.kind === 'single' ? String(k.value) : undefined;
}
