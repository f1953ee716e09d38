import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DicomParseError, parseDicom, toDicomJson, type DicomHeader, type DicomJsonDataset } from '@axial/dicom';
import { APP_CONFIG, type AppConfig } from '../../platform/config';
import { HealthChecks } from '../../platform/http/health-checks';
import { BLOB_STORAGE, FileSystemStorage, type FinishedBlob, type TempBlob } from '../../platform/storage/storage';
import { ArchiveRepository, type NewInstance } from './archive.repository';
import { IngestJournal } from './ingest-journal';
import { indexRowOf } from './index-attributes';
import { TableStatistics } from './table-statistics';

/** Where an object came from: recorded with the instance and in events. */
export interface IngestSource {
  kind: 'stow' | 'upload' | 'dimse' | 'import' | 'demo';
  /** username or calling AE title */
  by?: string;
  /** STOW-RS to /studies/{study}: objects of any other study are refused (PS3.18 §10.5.1). */
  expectedStudyUid?: string;
  /**
   * The sender holds study.annotate, not study.upload: only structured reports, key object selections and
   * presentation states (isAnnotationClass) are taken, and only into studies already archived.
   */
  annotationsOnly?: boolean;
}

/** SR documents (KOS included, PS3.4 Annex O) and presentation states (Annex N): what a reader adds to a study. */
export function isAnnotationClass(sopClassUid: string): boolean {
  return sopClassUid.startsWith('1.2.840.10008.5.1.4.1.1.88.') || sopClassUid.startsWith('1.2.840.10008.5.1.4.1.1.11.');
}

/** A received object, already written to a temp file and fsynced. */
export interface ReceivedObject extends FinishedBlob {
  temp: TempBlob;
}

export type IngestResult =
  | { status: 'stored' | 'duplicate' | 'replaced'; sopClassUid: string; sopInstanceUid: string; studyUid: string; seriesUid: string; patientId: string; warnings: string[] }
  | {
    status: 'rejected'; reason: string; sopClassUid?: string; sopInstanceUid?: string; studyUid?: string; mismatch?: boolean; notAuthorized?: boolean;
    /** Refused for want of storage or because the archive could not write or index it: worth sending again later. */
    outOfResources?: boolean;
  };

export interface InstanceStoredEvent {
  sopInstanceUid: string;
  sopClassUid: string;
  seriesUid: string;
  studyUid: string;
  patientId: string;
  source: IngestSource;
}

/** At most this many instances in one index transaction. */
const INDEX_BATCH_ROWS = 500;

/** A DICOM UID as used in storage paths: digits and dots only, at most 64 characters (PS3.5 §9.1). */
const STORABLE_UID = /^[0-9]+(\.[0-9]+)*$/;

/**
 * The one ingest pipeline: STOW-RS, web upload, DIMSE C-STORE and folder import all end here.
 * parse (header only) → validate → move the fsynced file under its key → one index transaction → event.
 * Nothing is acknowledged before both the file and its index rows are durable; a crash in between leaves
 * a journal entry that start-up recovery uses to delete the unindexed file.
 */
@Injectable()
export class IngestService implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger('Ingest');
  readonly events = new EventEmitter();
  private readonly journal: IngestJournal;
  private readonly indexQueue: Array<{ items: NewInstance[]; resolve: (s: Set<string>) => void; reject: (e: Error) => void }> = [];
  private indexing = false;
  private readonly statistics: TableStatistics;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(BLOB_STORAGE) private readonly storage: FileSystemStorage,
    private readonly repo: ArchiveRepository,
    health: HealthChecks,
  ) {
    this.journal = new IngestJournal(join(config.dataDir, 'ingest.journal'));
    this.statistics = new TableStatistics(repo);
    // GET /health: `storage: 'full'` while objects are refused for want of space (monitoring sees it before senders do).
    health.register('storage', async () => ((await this.freeBytesBelowMinimum()) === undefined ? 'ok' : 'full'));
  }

  async onModuleInit(): Promise<void> {
    await this.storage.init();
    await this.recover();
    this.journal.start();
    await this.statistics.start();
  }

  async onModuleDestroy(): Promise<void> {
    this.journal.stop();
    await this.statistics.idle();
    await this.storage.close();
  }

  /** Start-up recovery: files moved into the archive by a batch whose index transaction never finished are removed. */
  private async recover(): Promise<void> {
    const keys = IngestJournal.unfinished(this.journal.path);
    if (!keys.length) return;
    const indexed = await this.repo.storagePathsExist(keys);
    const orphans = keys.filter((k) => !indexed.has(k));
    for (const k of orphans) await this.storage.delete(k);
    this.log.warn(`Recovery: ${keys.length} file(s) of interrupted ingests checked, ${orphans.length} not indexed and removed`);
  }

  /** Convenience for callers holding bytes (tests, demo import): writes them to a temp file first. */
  async ingestBuffers(buffers: Uint8Array[], source: IngestSource): Promise<IngestResult[]> {
    const received: ReceivedObject[] = [];
    for (const b of buffers) {
      const temp = await this.storage.createTemp();
      await temp.write(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
      received.push({ temp, ...(await temp.finish()) });
    }
    return this.ingest(received, source);
  }

  /** Objects parsed ahead of their ingest (a receiver calls `prepare` as each one arrives). */
  private readonly prepared = new WeakMap<TempBlob, Promise<{ header: DicomHeader; json: DicomJsonDataset }>>();

  /**
   * Parses a received object now, so that its batch's ingest finds it done: a receiver calls this as each
   * object ends, and the parsing happens while the next objects arrive rather than after the last one.
   */
  prepare(obj: ReceivedObject): void {
    if (this.prepared.has(obj.temp)) return;
    const p = this.parse(obj);
    p.catch(() => undefined); // reported by ingest
    this.prepared.set(obj.temp, p);
  }

  async ingest(objects: ReceivedObject[], source: IngestSource): Promise<IngestResult[]> {
    const results: IngestResult[] = new Array(objects.length);
    const accepted: Array<{ idx: number; obj: ReceivedObject; header: DicomHeader; item: NewInstance }> = [];
    // 1. Parse and validate each object on its own: one bad object never fails the batch.
    for (let idx = 0; idx < objects.length; idx++) {
      const obj = objects[idx];
      try {
        const { header, json } = await (this.prepared.get(obj.temp) ?? this.parse(obj));
        if (source.expectedStudyUid && header.studyInstanceUid !== source.expectedStudyUid) {
          throw new RejectError(`Study Instance UID ${header.studyInstanceUid} differs from the study of the request (${source.expectedStudyUid})`,
            { sopInstanceUid: header.sopInstanceUid, sopClassUid: header.sopClassUid, studyUid: header.studyInstanceUid, mismatch: true });
        }
        if (source.annotationsOnly && !isAnnotationClass(header.sopClassUid)) {
          throw new RejectError(`SOP Class ${header.sopClassUid} is not a report, key object selection or presentation state: storing it needs permission study.upload`,
            { sopInstanceUid: header.sopInstanceUid, sopClassUid: header.sopClassUid, studyUid: header.studyInstanceUid, notAuthorized: true });
        }
        const key = `${header.studyInstanceUid}/${header.seriesInstanceUid}/${header.sopInstanceUid}.dcm`;
        accepted.push({
          idx, obj, header,
          // The digest is filled in once the object is written (commit awaits that): see withDigest.
          item: { row: indexRowOf(header, json), storagePath: key, sizeBytes: obj.size, digest: '', source: source.by ? `${source.kind}:${source.by}` : source.kind },
        });
      } catch (err) {
        await obj.temp.discard();
        const reason = err instanceof DicomParseError || err instanceof RejectError ? err.message : `Could not read the object: ${(err as Error).message}`;
        results[idx] = { status: 'rejected', reason, ...(err instanceof RejectError ? err.ids : {}) };
      }
    }
    // Annotations go into archived studies only: a reader adds to what was acquired, never starts a study.
    if (source.annotationsOnly && accepted.length) {
      const known = await this.repo.existingStudies([...new Set(accepted.map((a) => a.header.studyInstanceUid))]);
      for (let i = accepted.length - 1; i >= 0; i--) {
        const a = accepted[i];
        if (known.has(a.header.studyInstanceUid)) continue;
        accepted.splice(i, 1);
        await a.obj.temp.discard();
        results[a.idx] = {
          status: 'rejected', reason: `Study ${a.header.studyInstanceUid} is not in the archive: with permission study.annotate objects are added to archived studies only`,
          sopInstanceUid: a.header.sopInstanceUid, sopClassUid: a.header.sopClassUid, studyUid: a.header.studyInstanceUid, notAuthorized: true,
        };
      }
    }
    // An object whose storage key another ingest of this process is storing right now (the same instance
    // sent twice at once, possibly with other bytes) waits for that ingest to end, so its duplicate check sees
    // the outcome: two renames to one key would otherwise leave the second sender's bytes under the first
    // sender's index row.
    const keys = accepted.map((a) => a.item.storagePath);
    // Checked and claimed with no await in between, so two ingests cannot both find a key free.
    for (let busy = this.busyWith(keys); busy; busy = this.busyWith(keys)) await busy;
    let release!: () => void;
    const storing = new Promise<void>((resolve) => (release = resolve));
    for (const k of keys) this.keysInFlight.set(k, storing);
    // The batch's keys go to the journal (synced) while the duplicate check runs: listing a key that turns out
    // to be a duplicate is harmless (recovery only removes files the index does not know).
    const journaled = accepted.length ? this.journal.begin(keys) : undefined;
    journaled?.catch(() => undefined); // awaited below
    try {
      return await this.store(accepted, results, source, journaled);
    } finally {
      const batch = await journaled?.catch(() => undefined);
      if (batch !== undefined) this.journal.end(batch);
      for (const k of keys) if (this.keysInFlight.get(k) === storing) this.keysInFlight.delete(k);
      release();
    }
  }

  /** The archive file system's free bytes, asked at most once a second (a burst of objects shares one answer). */
  private freeSpace?: { at: number; bytes: Promise<number> };
  private fullLogged = -Infinity;

  /** The free bytes of the archive's file system when below AXIAL_MIN_FREE_MB, else undefined (room, or no check). */
  private async freeBytesBelowMinimum(): Promise<number | undefined> {
    const min = this.config.minFreeMb * 1024 * 1024;
    if (!min) return undefined;
    const now = Date.now();
    if (!this.freeSpace || now - this.freeSpace.at >= 1000) this.freeSpace = { at: now, bytes: this.storage.freeBytes() };
    // A file system that cannot tell its free space is not a reason to refuse objects.
    const bytes = await this.freeSpace.bytes.catch(() => Infinity);
    return bytes < min ? bytes : undefined;
  }

  /** Why nothing more can be stored (free space below AXIAL_MIN_FREE_MB), or undefined when there is room. */
  private async storageFull(): Promise<string | undefined> {
    const bytes = await this.freeBytesBelowMinimum();
    if (bytes === undefined) return undefined;
    const now = Date.now();
    // Logged once a minute at most: every refused batch would otherwise add a line while senders keep sending.
    if (now - this.fullLogged >= 60_000) {
      this.fullLogged = now;
      this.log.error(`Archive storage full: ${Math.floor(bytes / 1048576)} MB free, below AXIAL_MIN_FREE_MB=${this.config.minFreeMb}; objects are refused`);
    }
    return `The archive's storage is full (${Math.floor(bytes / 1048576)} MB free, below the ${this.config.minFreeMb} MB it keeps free): nothing was stored; send again once space has been made`;
  }

  /** Storage keys being stored by an ingest of this process, and the promise that settles when it ends. */
  private readonly keysInFlight = new Map<string, Promise<void>>();

  /** What to wait for before storing these keys: the ingests of this process storing any of them now. */
  private busyWith(keys: string[]): Promise<unknown> | undefined {
    const busy = new Set<Promise<void>>();
    for (const k of keys) {
      const p = this.keysInFlight.get(k);
      if (p) busy.add(p);
    }
    return busy.size ? Promise.all(busy) : undefined;
  }


  private async store(
    accepted: Array<{ idx: number; obj: ReceivedObject; header: DicomHeader; item: NewInstance }>,
    results: IngestResult[], source: IngestSource, journaled: Promise<number> | undefined,
  ): Promise<IngestResult[]> {
    // 2. Duplicates (same SOP Instance UID already archived, or twice in this batch).
    const existing = await this.repo.existingSops(accepted.map((a) => a.header.sopInstanceUid));
    // Too little space left on the archive's file system: whatever would be written is refused before anything goes
    // under a key, so a full disk never leaves half-written objects or a database that cannot commit. An instance the
    // archive already holds is still answered as a duplicate (a sender retrying a study after the disk filled).
    const full = accepted.length ? await this.storageFull() : undefined;
    const refuse = async (a: (typeof accepted)[number], reason: string) => {
      await a.obj.temp.discard();
      results[a.idx] = { status: 'rejected', reason, sopInstanceUid: a.header.sopInstanceUid, sopClassUid: a.header.sopClassUid, studyUid: a.header.studyInstanceUid, outOfResources: true };
    };
    const seen = new Set<string>();
    const fresh: typeof accepted = [];
    for (const a of accepted) {
      const uid = a.header.sopInstanceUid;
      const prior = existing.get(uid);
      if (prior || seen.has(uid)) {
        if (prior && this.config.duplicatePolicy === 'overwrite') {
          if (full) {
            await refuse(a, full);
            continue;
          }
          await this.storage.commit(a.obj.temp, prior.storagePath);
          await this.repo.replaceInstance(prior.id, { ...(await withDigest(a)), storagePath: prior.storagePath });
          results[a.idx] = this.ok('replaced', a.header);
        } else {
          await a.obj.temp.discard();
          results[a.idx] = this.ok('duplicate', a.header, 'An instance with this SOP Instance UID is already archived; the stored copy was kept');
        }
        continue;
      }
      if (full) {
        await refuse(a, full);
        continue;
      }
      seen.add(uid);
      fresh.push(a);
    }
    // 3. Durable files, then one index transaction; the journal covers the gap between the two.
    if (fresh.length) {
      try {
        await journaled;
        await this.storage.commitMany(fresh.map((a) => ({ temp: a.obj.temp, key: a.item.storagePath })));
        const inserted = await this.index(await Promise.all(fresh.map(withDigest)));
        for (const a of fresh) {
          if (inserted.has(a.header.sopInstanceUid)) {
            results[a.idx] = this.ok('stored', a.header);
          } else {
            // Lost a race with a concurrent store of the same instance: that copy is the archived one.
            results[a.idx] = this.ok('duplicate', a.header, 'Stored concurrently by another sender; that copy was kept');
          }
        }
      } catch (err) {
        this.log.error(`Index transaction failed: ${(err as Error).message}`);
        // The system's error code (ENOSPC, EIO…) tells the sender what happened without the server's paths.
        const code = /^E[A-Z]+$/.test(String((err as NodeJS.ErrnoException).code ?? '')) ? (err as NodeJS.ErrnoException).code : undefined;
        const indexed = await this.repo.storagePathsExist(fresh.map((a) => a.item.storagePath)).catch(() => new Set<string>());
        for (const a of fresh) {
          await a.obj.temp.discard(); // when the failure came before its rename
          if (!indexed.has(a.item.storagePath)) await this.storage.delete(a.item.storagePath).catch(() => undefined);
          results[a.idx] = { status: 'rejected', reason: `The archive could not store the object (storage or database error${code ? `: ${code}` : ''}); nothing was kept`, sopInstanceUid: a.header.sopInstanceUid, sopClassUid: a.header.sopClassUid, outOfResources: true };
        }
      }
      for (const a of fresh) {
        const r = results[a.idx];
        if (r.status === 'stored') {
          this.events.emit('instance.stored', {
            sopInstanceUid: a.header.sopInstanceUid, sopClassUid: a.header.sopClassUid, seriesUid: a.header.seriesInstanceUid,
            studyUid: a.header.studyInstanceUid, patientId: a.header.patient.patientId ?? '', source,
          } satisfies InstanceStoredEvent);
        }
      }
    }
    return results;
  }

  /**
   * Group commit of index rows: while one transaction runs, rows of other ingests (concurrent STOW groups,
   * other requests, C-STOREs of other associations) wait and then go together in the next one, so the
   * number of commits (each a WAL flush) follows the database's pace rather than the number of callers.
   * A combined transaction that fails is retried caller by caller, so one caller's bad rows fail only it.
   */
  private index(items: NewInstance[]): Promise<Set<string>> {
    return new Promise((resolve, reject) => {
      this.indexQueue.push({ items, resolve, reject });
      if (!this.indexing) void this.drainIndexQueue();
    });
  }

  private async drainIndexQueue(): Promise<void> {
    this.indexing = true;
    try {
      while (this.indexQueue.length) {
        const take: typeof this.indexQueue = [];
        const uids = new Set<string>();
        let rows = 0;
        for (;;) {
          const next = this.indexQueue[0];
          if (!next || (take.length && rows + next.items.length > INDEX_BATCH_ROWS)) break;
          // The same instance sent by two callers at once: the second waits for the next transaction, where
          // it meets the first one's row and is reported as a duplicate.
          if (take.length && next.items.some((i) => uids.has(i.row.instance.sopInstanceUid))) break;
          for (const i of next.items) uids.add(i.row.instance.sopInstanceUid);
          rows += next.items.length;
          take.push(this.indexQueue.shift()!);
        }
        try {
          const inserted = await this.repo.insertBatch(take.flatMap((t) => t.items));
          for (const t of take) t.resolve(inserted);
          this.statistics.noteAdded(inserted.size);
        } catch (err) {
          if (take.length === 1) {
            take[0].reject(err as Error);
            continue;
          }
          for (const t of take) {
            await this.repo.insertBatch(t.items).then(t.resolve, t.reject);
          }
        }
      }
    } finally {
      this.indexing = false;
    }
  }

  private ok(status: 'stored' | 'duplicate' | 'replaced', h: DicomHeader, warning?: string): IngestResult {
    return {
      status, sopClassUid: h.sopClassUid, sopInstanceUid: h.sopInstanceUid, studyUid: h.studyInstanceUid,
      seriesUid: h.seriesInstanceUid, patientId: h.patient.patientId ?? '', warnings: warning ? [...h.warnings, warning] : h.warnings,
    };
  }

  /**
   * Parses the header from the bytes kept in memory while receiving (checking the pixel data against the
   * object's full size); only when the header does not fit there (an unusually long header, or a deflated
   * data set) is the whole file read.
   */
  private async parseHead(obj: ReceivedObject) {
    const asBytes = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    if (obj.head.length === obj.size) return parseDicom(asBytes(obj.head), { untilPixelData: true });
    try {
      return parseDicom(asBytes(obj.head), { untilPixelData: true, totalSize: obj.size });
    } catch (err) {
      if (!(err instanceof DicomParseError)) throw err;
      await obj.temp.written();
      return parseDicom(asBytes(await readFile(obj.temp.path)), { untilPixelData: true });
    }
  }

  private async parse(obj: ReceivedObject): Promise<{ header: DicomHeader; json: DicomJsonDataset }> {
    if (obj.size === 0) throw new RejectError('Empty object');
    const parsed = await this.parseHead(obj);
    const h = parsed.header;
    const ids = { sopInstanceUid: h.sopInstanceUid, sopClassUid: h.sopClassUid, studyUid: h.studyInstanceUid };
    for (const [name, uid] of [['SOP Instance UID', h.sopInstanceUid], ['Study Instance UID', h.studyInstanceUid], ['Series Instance UID', h.seriesInstanceUid], ['SOP Class UID', h.sopClassUid]] as const) {
      if (!uid || uid.length > 64 || !STORABLE_UID.test(uid)) throw new RejectError(`Invalid ${name} "${(uid ?? '').slice(0, 80)}"`, ids);
    }
    const base = `studies/${h.studyInstanceUid}/series/${h.seriesInstanceUid}/instances/${h.sopInstanceUid}`;
    const json = toDicomJson(parsed, {
      bulkDataUri: (path) => `${base}/bulk/${path.join('/')}`,
      warnings: h.warnings,
    });
    // Parsing stopped before the pixel data: describe it so /metadata points at the frames.
    if (h.pixelData) json[h.pixelData.tag] = { vr: h.pixelData.vr, BulkDataURI: `${base}/bulk/${h.pixelData.tag}` };
    return { header: h, json };
  }
}

/** The index row of a committed object, with its content digest (computed while it was written). */
async function withDigest(a: { obj: ReceivedObject; item: NewInstance }): Promise<NewInstance> {
  a.item.digest = await a.obj.digest;
  return a.item;
}

class RejectError extends Error {
  constructor(message: string, readonly ids: { sopInstanceUid?: string; sopClassUid?: string; studyUid?: string; mismatch?: boolean; notAuthorized?: boolean } = {}) {
    super(message);
  }
}
