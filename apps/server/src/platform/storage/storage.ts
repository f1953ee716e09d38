import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';

/**
 * Where archived objects live. Small on purpose, so an object-storage implementation can follow:
 * objects are first written to a local temp file (hashed and fsynced while received), then `commit`
 * moves them durably under a key. Keys are relative paths with '/' separators.
 */
export interface BlobStorage {
  /** A new temp file; write to it, then `finish()` to fsync and get size + SHA-256. */
  createTemp(): Promise<TempBlob>;
  /** Moves a finished temp file to `key` durably (rename + directory fsync): after this the object survives a crash. */
  commit(temp: TempBlob, key: string): Promise<void>;
  read(key: string): Promise<Buffer>;
  stream(key: string, range?: { start: number; end: number }): Readable;
  size(key: string): Promise<number>;
  delete(key: string): Promise<void>;
  exists(key: string): Promise<boolean>;
}

export interface TempBlob {
  readonly path: string;
  write(chunk: Buffer): Promise<void>;
  /** Flushes to disk (fsync) and closes; returns what was written. */
  finish(): Promise<{ size: number; sha256: string }>;
  /** Removes the temp file (after commit it is already gone). */
  discard(): Promise<void>;
}

export const BLOB_STORAGE = Symbol('BLOB_STORAGE');

/**
 * Filesystem storage under AXIAL_DATA_DIR:
 *   <dataDir>/archive/<key>      committed objects (the archive uses <StudyUID>/<SeriesUID>/<SOPInstanceUID>.dcm)
 *   <dataDir>/tmp/               objects being received; anything left there at start-up is deleted
 */
export class FileSystemStorage implements BlobStorage {
  readonly root: string;
  readonly tmp: string;

  constructor(dataDir: string) {
    this.root = join(dataDir, 'archive');
    this.tmp = join(dataDir, 'tmp');
  }

  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    await rm(this.tmp, { recursive: true, force: true });
    await mkdir(this.tmp, { recursive: true });
  }

  async createTemp(): Promise<TempBlob> {
    const path = join(this.tmp, `${randomUUID()}.part`);
    const fh = await open(path, 'wx', 0o600);
    const hash = createHash('sha256');
    let size = 0;
    let closed = false;
    return {
      path,
      async write(chunk: Buffer) {
        hash.update(chunk);
        size += chunk.length;
        let off = 0;
        while (off < chunk.length) {
          const { bytesWritten } = await fh.write(chunk, off, chunk.length - off);
          off += bytesWritten;
        }
      },
      async finish() {
        await fh.sync();
        await fh.close();
        closed = true;
        return { size, sha256: hash.digest('hex') };
      },
      async discard() {
        if (!closed) await fh.close().catch(() => undefined);
        closed = true;
        await unlink(path).catch(() => undefined);
      },
    };
  }

  async commit(temp: TempBlob, key: string): Promise<void> {
    const target = this.pathOf(key);
    const dir = dirname(target);
    await mkdir(dir, { recursive: true });
    await rename(temp.path, target);
    await fsyncDir(dir);
  }

  read(key: string): Promise<Buffer> {
    return readFile(this.pathOf(key));
  }

  stream(key: string, range?: { start: number; end: number }): ReadStream {
    return createReadStream(this.pathOf(key), range ? { start: range.start, end: range.end } : undefined);
  }

  async size(key: string): Promise<number> {
    return (await stat(this.pathOf(key))).size;
  }

  async delete(key: string): Promise<void> {
    await unlink(this.pathOf(key)).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
  }

  async exists(key: string): Promise<boolean> {
    return stat(this.pathOf(key)).then(() => true, () => false);
  }

  /** Resolves a key inside the root; refuses anything that would escape it. */
  pathOf(key: string): string {
    const p = resolve(this.root, key);
    if (p !== this.root && !p.startsWith(this.root + sep)) throw new Error(`Invalid storage key: ${key}`);
    return p;
  }

  keyOf(path: string): string {
    return relative(this.root, path).split(sep).join('/');
  }

  /** Lists entries of a folder under the root (used by start-up recovery). */
  async list(dir: string): Promise<string[]> {
    return readdir(this.pathOf(dir)).catch(() => []);
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
