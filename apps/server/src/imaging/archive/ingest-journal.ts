import { closeSync, fdatasync, fstatSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';

/**
 * Write-ahead record of files being moved into the archive. Before a batch's files are renamed under their
 * archive keys, a line listing the keys is appended and synced (`B <id> [keys]`); when the batch's index
 * transaction has ended, one way or the other, `E <id>` follows. After a crash, keys of a batch without its
 * end line whose files are not in the index are orphans that start-up recovery deletes: nothing is left on
 * disk that the index does not know. One append-only file for the process: an append and an fdatasync per
 * batch instead of creating, syncing and deleting a file per batch; it is emptied whenever no batch is open.
 */
export class IngestJournal {
  private fd?: number;
  private nextId = 1;
  private open = 0;
  private bytes = 0;

  constructor(readonly path: string) {}

  /** Keys of batches the previous run began and never ended (a torn last line is ignored). */
  static unfinished(path: string): string[] {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return [];
    }
    const begun = new Map<string, string[]>();
    for (const line of text.split('\n')) {
      const m = /^([BE]) (\d+)(?: (.*))?$/.exec(line);
      if (!m) continue;
      if (m[1] === 'E') {
        begun.delete(m[2]);
        continue;
      }
      try {
        const keys = JSON.parse(m[3] ?? '') as unknown;
        if (Array.isArray(keys)) begun.set(m[2], keys.filter((k): k is string => typeof k === 'string'));
      } catch {
        // torn write of the last line before a crash: its batch had not renamed anything yet
      }
    }
    return [...begun.values()].flat();
  }

  /** Opens the journal for this run, emptied (call after recovery has dealt with what it held). */
  start(): void {
    this.fd = openSync(this.path, 'w', 0o600);
    closeSync(this.fd);
    this.fd = openSync(this.path, 'a', 0o600);
  }

  stop(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** Records a batch's keys durably; resolves with the batch id to pass to `end`. */
  async begin(keys: string[]): Promise<number> {
    const fd = this.requireOpen();
    const id = this.nextId++;
    this.open++;
    const line = `B ${id} ${JSON.stringify(keys)}\n`;
    try {
      this.bytes += writeSync(fd, line);
      await new Promise<void>((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
    } catch (err) {
      this.open--;
      throw err;
    }
    return id;
  }

  /** The batch is indexed (or its files removed): its keys are no longer at risk. Not synced: a lost end line only makes recovery check keys that are fine. */
  end(id: number): void {
    const fd = this.requireOpen();
    this.bytes += writeSync(fd, `E ${id}\n`);
    if (--this.open === 0 && this.bytes > 1 << 20) {
      ftruncateSync(fd, 0);
      this.bytes = fstatSync(fd).size;
    }
  }

  private requireOpen(): number {
    if (this.fd === undefined) throw new Error('Ingest journal is not open');
    return this.fd;
  }
}
