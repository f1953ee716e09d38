import { Unzip, UnzipInflate, unzipSync } from 'fflate';

/**
 * Turns what the user picked or dropped (files, folders, .zip archives) into a flat list of candidate
 * DICOM files. DICOM files have any name or extension (often none), so nothing is filtered by
 * extension: only well-known junk is skipped by name, and the server decides what is DICOM.
 */

export interface CandidateFile {
  /** Display path: relative path inside a folder or "archive.zip/inner/path". */
  path: string;
  blob: Blob;
  size: number;
}

export interface Collected {
  files: CandidateFile[];
  /** Paths skipped by name (.DS_Store, Thumbs.db, DICOMDIR, …). */
  skipped: string[];
  /** Archives that could not be read. */
  problems: string[];
}

const JUNK_NAMES = new Set(['.ds_store', 'thumbs.db', 'desktop.ini', 'dicomdir', 'ehthumbs.db', '.localized']);

/** Obvious non-DICOM files, judged only by name. */
export function isJunk(path: string): boolean {
  const segments = path.split('/').filter(Boolean);
  const name = segments[segments.length - 1] ?? '';
  if (JUNK_NAMES.has(name.toLowerCase())) return true;
  if (name.startsWith('._')) return true; // macOS AppleDouble resource forks
  return segments.some((s) => s === '__MACOSX');
}

export function isZipName(name: string, type = ''): boolean {
  return /\.zip$/i.test(name) || type === 'application/zip' || type === 'application/x-zip-compressed';
}

function newCollected(): Collected {
  return { files: [], skipped: [], problems: [] };
}

function merge(into: Collected, from: Collected): void {
  into.files.push(...from.files);
  into.skipped.push(...from.skipped);
  into.problems.push(...from.problems);
}

/** Files from an `<input type="file">` (with or without `webkitdirectory`). */
export async function collectFromFileList(list: FileList | File[], onStatus?: (s: string) => void): Promise<Collected> {
  const out = newCollected();
  for (const file of Array.from(list)) {
    const path = file.webkitRelativePath || file.name;
    merge(out, await collectOne(file, path, onStatus));
  }
  return out;
}

async function collectOne(file: Blob, path: string, onStatus?: (s: string) => void, depth = 0): Promise<Collected> {
  const out = newCollected();
  if (isJunk(path)) {
    out.skipped.push(path);
    return out;
  }
  if (isZipName(path, file.type) && depth < 2) {
    onStatus?.(`Reading ${path}…`);
    try {
      const entries = await unzipBlob(file, path);
      for (const e of entries) merge(out, await collectOne(e.blob, e.path, onStatus, depth + 1));
    } catch (err) {
      out.problems.push(`${path}: ${err instanceof Error ? err.message : 'not a readable ZIP archive'}`);
    }
    return out;
  }
  out.files.push({ path, blob: file, size: file.size });
  return out;
}

/**
 * Grabs the entries of a drop. Must be called synchronously inside the drop event handler: the
 * DataTransfer is emptied once the handler returns.
 */
export function dropEntries(dt: DataTransfer): { entries: FileSystemEntry[]; files: File[] } {
  const entries: FileSystemEntry[] = [];
  const files: File[] = [];
  const list = dt.items ? Array.from(dt.items) : [];
  if (list.length) {
    for (const item of list) {
      if (item.kind !== 'file') continue;
      const entry = typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null;
      if (entry) entries.push(entry);
      else {
        const f = item.getAsFile();
        if (f) files.push(f);
      }
    }
  } else {
    files.push(...Array.from(dt.files));
  }
  return { entries, files };
}

function readBatch(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

function entryFile(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

/** Walks dropped entries recursively (readEntries returns at most ~100 entries per call). */
export async function collectFromEntries(entries: FileSystemEntry[], looseFiles: File[], onStatus?: (s: string) => void): Promise<Collected> {
  const out = newCollected();
  const walk = async (entry: FileSystemEntry): Promise<void> => {
    const path = entry.fullPath.replace(/^\//, '') || entry.name;
    if (entry.isFile) {
      try {
        merge(out, await collectOne(await entryFile(entry as FileSystemFileEntry), path, onStatus));
      } catch {
        out.problems.push(`${path}: could not be read`);
      }
      return;
    }
    if (entry.isDirectory) {
      if (isJunk(path)) return;
      onStatus?.(`Reading folder ${path}…`);
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      for (;;) {
        let batch: FileSystemEntry[];
        try {
          batch = await readBatch(reader);
        } catch {
          out.problems.push(`${path}: folder could not be read`);
          return;
        }
        if (batch.length === 0) break;
        for (const child of batch) await walk(child);
      }
    }
  };
  for (const e of entries) await walk(e);
  merge(out, await collectFromFileList(looseFiles, onStatus));
  return out;
}

/** Above this size, archives are unzipped as a stream (one entry at a time) instead of in one go. */
const STREAM_THRESHOLD = 64 * 1024 * 1024;

/** Extracts the file entries of a ZIP archive as Blobs. */
export async function unzipBlob(zip: Blob, zipPath: string): Promise<CandidateFile[]> {
  if (zip.size <= STREAM_THRESHOLD) {
    const data = new Uint8Array(await zip.arrayBuffer());
    try {
      const entries = unzipSync(data, { filter: (f) => !f.name.endsWith('/') });
      return Object.entries(entries).map(([name, bytes]) => toCandidate(zipPath, name, [bytes]));
    } catch {
      // Fall through to the streaming reader, which copes with some archives the central-directory reader rejects.
    }
  }
  return unzipStreaming(zip, zipPath);
}

function toCandidate(zipPath: string, name: string, chunks: Uint8Array[]): CandidateFile {
  const blob = new Blob(chunks as BlobPart[], { type: 'application/dicom' });
  return { path: `${zipPath}/${name}`, blob, size: blob.size };
}

async function unzipStreaming(zip: Blob, zipPath: string): Promise<CandidateFile[]> {
  const out: CandidateFile[] = [];
  let failure: Error | null = null;
  const unzipper = new Unzip((file) => {
    if (file.name.endsWith('/')) return;
    const chunks: Uint8Array[] = [];
    file.ondata = (err, data, final) => {
      if (err) {
        failure ??= err;
        return;
      }
      if (data.length) chunks.push(data);
      if (final) out.push(toCandidate(zipPath, file.name, chunks));
    };
    file.start();
  });
  unzipper.register(UnzipInflate);
  const reader = zip.stream().getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) {
      unzipper.push(new Uint8Array(0), true);
      break;
    }
    unzipper.push(value, false);
    if (failure) break;
  }
  if (failure) throw failure;
  if (out.length === 0) throw new Error('no files found in the archive');
  return out;
}
