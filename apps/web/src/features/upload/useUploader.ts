import { useCallback, useEffect, useRef, useState } from 'react';
import { useStore } from 'react-redux';
import type { Thunk } from '../studies/dicomweb';
import { invalidateStudies } from '../studies/dicomweb';
import type { CandidateFile } from './collect';
import { stow, StowAborted, type PartResult } from './stow';

export type ItemStatus = 'queued' | 'uploading' | 'stored' | 'duplicate' | 'replaced' | 'rejected' | 'error';

export interface UploadItem {
  id: number;
  path: string;
  size: number;
  blob: Blob;
  status: ItemStatus;
  message?: string;
  sopInstanceUid?: string;
  studyUid?: string;
}

/** Batches: at most this many files, or this many bytes (a larger single file goes alone). */
export const BATCH_MAX_FILES = 10;
export const BATCH_MAX_BYTES = 20 * 1024 * 1024;
/** Requests in flight at once. */
const CONCURRENCY = 2;

export interface UploadSnapshot {
  items: UploadItem[];
  running: boolean;
  /** 0..100 for the current run (null before the first run). */
  progress: number | null;
  studyUids: string[];
  counts: Record<ItemStatus, number>;
}

function countItems(list: readonly UploadItem[]): Record<ItemStatus, number> {
  const c: Record<ItemStatus, number> = { queued: 0, uploading: 0, stored: 0, duplicate: 0, replaced: 0, rejected: 0, error: 0 };
  for (const i of list) c[i.status]++;
  return c;
}

/**
 * Upload queue. Files are sent in batches over a small pool of requests; every batch outcome is
 * mapped back to its files by part index. A failed request (network, 5xx, …) marks only its own files
 * `error` and the queue carries on; `retryFailed()` requeues just those.
 */
export function useUploader() {
  const store = useStore();
  const items = useRef<UploadItem[]>([]);
  const studies = useRef(new Set<string>());
  const run = useRef({ running: false, totalBytes: 0, doneBytes: 0, inflight: new Map<number, number>(), started: false });
  const abort = useRef<AbortController | null>(null);
  const nextId = useRef(1);
  const nextBatchId = useRef(1);
  const [snapshot, setSnapshot] = useState<UploadSnapshot>({ items: [], running: false, progress: null, studyUids: [], counts: countItems([]) });
  const frame = useRef<number | null>(null);
  /** After a 413, batches are cut down to this many files for the rest of the run. */
  const splitNext = useRef<number | null>(null);

  const publish = useCallback(() => {
    if (frame.current !== null) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = null;
      const r = run.current;
      let progress: number | null = null;
      if (r.started) {
        if (!r.running) progress = 100;
        else {
          let inflight = 0;
          for (const b of r.inflight.values()) inflight += b;
          const raw = r.totalBytes > 0 ? ((r.doneBytes + inflight) / r.totalBytes) * 100 : 0;
          progress = Math.min(99, Math.floor(raw));
        }
      }
      setSnapshot({ items: [...items.current], running: r.running, progress, studyUids: [...studies.current], counts: countItems(items.current) });
    });
  }, []);

  useEffect(() => () => {
    if (frame.current !== null) cancelAnimationFrame(frame.current);
    abort.current?.abort();
  }, []);

  const takeBatch = (): UploadItem[] | null => {
    const batch: UploadItem[] = [];
    let bytes = 0;
    for (const it of items.current) {
      if (it.status !== 'queued') continue;
      if (batch.length > 0 && (batch.length >= BATCH_MAX_FILES || bytes + it.size > BATCH_MAX_BYTES)) break;
      batch.push(it);
      bytes += it.size;
      if (batch.length >= BATCH_MAX_FILES) break;
    }
    if (!batch.length) return null;
    for (const it of batch) it.status = 'uploading';
    return batch;
  };

  const apply = (it: UploadItem, r: PartResult) => {
    it.status = r.status;
    it.message = r.message;
    it.sopInstanceUid = r.sopInstanceUid;
    it.studyUid = r.studyUid;
    if (r.studyUid && r.status !== 'rejected') studies.current.add(r.studyUid);
  };

  const sendBatch = async (batch: UploadItem[], thunk: Thunk, signal: AbortSignal) => {
    const id = nextBatchId.current++;
    const bytes = batch.reduce((n, i) => n + i.size, 0);
    const r = run.current;
    r.inflight.set(id, 0);
    const fail = (message: string) => {
      for (const it of batch) {
        it.status = 'error';
        it.message = message;
      }
    };
    try {
      const res = await stow(batch.map((i) => i.blob), thunk, (f) => {
        r.inflight.set(id, f * bytes * 0.97);
        publish();
      }, signal);
      if (res.status === 413 && batch.length > 1 && res.parts.size === 0) {
        // Too large for the server in one request: split it and try again.
        for (const it of batch) it.status = 'queued';
        splitNext.current = Math.max(1, Math.floor(batch.length / 2));
        return;
      }
      for (const [index, result] of res.parts) {
        const it = batch[index];
        if (it) apply(it, result);
      }
      // Results without an index can still be placed when they are the only unknowns.
      const unresolved = batch.filter((it) => it.status === 'uploading');
      if (res.unindexed.length && res.unindexed.length === unresolved.length && unresolved.length === 1) apply(unresolved[0]!, res.unindexed[0]!);
      for (const it of batch) {
        if (it.status !== 'uploading') continue;
        if (res.status === 413) {
          it.status = 'rejected';
          it.message = res.error ?? 'The file is too large for the server';
        } else {
          it.status = 'error';
          it.message = res.error ?? `The server did not report a result for this file (HTTP ${res.status})`;
        }
      }
    } catch (err) {
      if (err instanceof StowAborted) fail('Cancelled before it was stored');
      else fail(err instanceof Error ? err.message : 'Upload failed');
    } finally {
      r.inflight.delete(id);
      r.doneBytes += bytes;
      publish();
    }
  };

  const takeNext = (): UploadItem[] | null => {
    const batch = takeBatch();
    if (batch && splitNext.current !== null && batch.length > splitNext.current) {
      const keep = batch.slice(0, splitNext.current);
      for (const it of batch.slice(splitNext.current)) it.status = 'queued';
      return keep;
    }
    return batch;
  };

  const pump = useCallback(async () => {
    const r = run.current;
    if (r.running) return;
    r.running = true;
    const ctrl = new AbortController();
    abort.current = ctrl;
    const thunk: Thunk = { getState: store.getState, dispatch: store.dispatch };
    publish();
    const worker = async () => {
      for (;;) {
        if (ctrl.signal.aborted) return;
        const batch = takeNext();
        if (!batch) return;
        await sendBatch(batch, thunk, ctrl.signal);
      }
    };
    try {
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    } finally {
      if (ctrl.signal.aborted) {
        for (const it of items.current) {
          if (it.status === 'queued' || it.status === 'uploading') {
            it.status = 'error';
            it.message = 'Cancelled before it was sent';
          }
        }
      }
      r.running = false;
      splitNext.current = null;
      abort.current = null;
      store.dispatch(invalidateStudies());
      publish();
    }
  }, [store, publish]);

  /** Starts a new run (or extends the current one) with these items. */
  const enqueue = useCallback((list: UploadItem[]) => {
    const r = run.current;
    if (!r.running) {
      r.totalBytes = 0;
      r.doneBytes = 0;
      r.inflight.clear();
    }
    r.started = true;
    for (const it of list) {
      it.status = 'queued';
      it.message = undefined;
      r.totalBytes += it.size;
    }
    publish();
    void pump();
  }, [pump, publish]);

  const addFiles = useCallback((files: CandidateFile[]) => {
    if (!files.length) return;
    const added = files.map<UploadItem>((f) => ({ id: nextId.current++, path: f.path, size: f.size, blob: f.blob, status: 'queued' }));
    items.current.push(...added);
    enqueue(added);
  }, [enqueue]);

  const retryFailed = useCallback(() => {
    const failed = items.current.filter((i) => i.status === 'error');
    if (failed.length) enqueue(failed);
  }, [enqueue]);

  const cancel = useCallback(() => abort.current?.abort(), []);

  const clear = useCallback(() => {
    if (run.current.running) return;
    items.current = [];
    studies.current.clear();
    run.current.started = false;
    publish();
  }, [publish]);

  return { ...snapshot, addFiles, retryFailed, cancel, clear };
}
