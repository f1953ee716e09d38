import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IngestJournal } from './ingest-journal';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'axial-journal-'));
  path = join(dir, 'ingest.journal');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('IngestJournal', () => {
  it('reports the keys of batches begun and not ended', async () => {
    const j = new IngestJournal(path);
    j.start();
    const a = await j.begin(['s/1.dcm', 's/2.dcm']);
    const b = await j.begin(['s/3.dcm']);
    await j.begin(['t/4.dcm']);
    j.end(a);
    j.end(b);
    j.stop(); // a crash: the third batch never ended
    expect(IngestJournal.unfinished(path)).toEqual(['t/4.dcm']);
  });

  it('ignores a torn last line and tolerates a missing file', () => {
    expect(IngestJournal.unfinished(join(dir, 'none'))).toEqual([]);
    writeFileSync(path, `B 7 ${JSON.stringify(['x/1.dcm'])}\nB 8 ["x/2.d`);
    expect(IngestJournal.unfinished(path)).toEqual(['x/1.dcm']);
  });

  it('starts empty and is emptied once it has grown and no batch is open', async () => {
    writeFileSync(path, `B 1 ["old.dcm"]\n`);
    const j = new IngestJournal(path);
    j.start();
    expect(readFileSync(path, 'utf8')).toBe('');
    const keys = Array.from({ length: 200 }, (_, i) => `1.2.840.99999.${i}/1.2.840.99999.${i}.1/1.2.840.99999.${i}.1.${'9'.repeat(40)}.dcm`);
    const open = await j.begin(keys); // stays open while others come and go
    for (let i = 0; i < 60; i++) j.end(await j.begin(keys));
    expect(statSync(path).size).toBeGreaterThan(1 << 20);
    j.end(open);
    expect(statSync(path).size).toBe(0);
    expect(IngestJournal.unfinished(path)).toEqual([]);
    j.stop();
  });
});
