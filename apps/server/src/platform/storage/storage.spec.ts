import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSystemStorage, HEAD_BYTES } from './storage';

let dir: string;
let storage: FileSystemStorage;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'axial-storage-'));
  storage = new FileSystemStorage(dir);
  await storage.init();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Bytes with a pattern, cut into chunks of the given sizes (as a socket delivers them). */
function chunked(sizes: number[]): { whole: Buffer; chunks: Buffer[] } {
  const whole = Buffer.alloc(sizes.reduce((a, b) => a + b, 0));
  for (let i = 0; i < whole.length; i++) whole[i] = (i * 7 + (i >> 8)) & 0xff;
  const chunks: Buffer[] = [];
  let at = 0;
  for (const n of sizes) {
    chunks.push(Buffer.from(whole.subarray(at, at + n)));
    at += n;
  }
  return { whole, chunks };
}

describe('FileSystemStorage', () => {
  it('stores received chunks byte for byte under the key, with size, CRC-32 and the head kept in memory', async () => {
    const { whole, chunks } = chunked([10, 65_536, 1, 300_000, 4_999]);
    const temp = await storage.createTemp();
    for (const c of chunks) await temp.write(c);
    const done = await temp.finish();
    expect(done.size).toBe(whole.length);
    expect(done.digest).toBe(`crc32:${crc32(whole).toString(16).padStart(8, '0')}`);
    expect(done.head.equals(whole.subarray(0, HEAD_BYTES))).toBe(true);
    await storage.commitMany([{ temp, key: 'a/b/c.dcm' }]);
    expect(readFileSync(join(dir, 'archive/a/b/c.dcm')).equals(whole)).toBe(true);
    expect(await storage.read('a/b/c.dcm')).toEqual(whole);
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
  });

  it('writes objects larger than a write slice completely (several flushes)', async () => {
    const { whole, chunks } = chunked(Array.from({ length: 150 }, (_, i) => 65_536 + i));
    const temp = await storage.createTemp();
    for (const c of chunks) await temp.write(c);
    const done = await temp.finish();
    expect(done.head.length).toBe(HEAD_BYTES);
    await storage.commitMany([{ temp, key: 'big.dcm' }]);
    expect(readFileSync(join(dir, 'archive/big.dcm')).equals(whole)).toBe(true);
  });

  it('commits a batch into existing and new folders; an empty object is a file too', async () => {
    const temps = [];
    for (let i = 0; i < 5; i++) {
      const t = await storage.createTemp();
      if (i) await t.write(Buffer.from(`object ${i}`));
      await t.finish();
      temps.push({ temp: t, key: `s${i % 2}/x/${i}.dcm` });
    }
    await storage.commitMany(temps);
    for (let i = 0; i < 5; i++) expect(readFileSync(join(dir, `archive/s${i % 2}/x/${i}.dcm`), 'latin1')).toBe(i ? `object ${i}` : '');
    // A folder removed meanwhile (a deleted series) is created again.
    rmSync(join(dir, 'archive/s0'), { recursive: true });
    const t = await storage.createTemp();
    await t.write(Buffer.from('again'));
    await t.finish();
    await storage.commitMany([{ temp: t, key: 's0/x/9.dcm' }]);
    expect(readFileSync(join(dir, 'archive/s0/x/9.dcm'), 'latin1')).toBe('again');
  });

  it('discard removes the temp file, finished or not', async () => {
    const a = await storage.createTemp();
    await a.write(Buffer.alloc(5_000_000, 1)); // flushed once already
    await a.discard();
    const b = await storage.createTemp();
    await b.write(Buffer.from('x'));
    await b.finish();
    await b.discard();
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
    await expect(b.write(Buffer.from('y'))).rejects.toThrow(/finished/);
  });

  it('reads an object whole, with or without its expected size, and whatever size the index says', async () => {
    const { whole, chunks } = chunked([70_000, 5]);
    const temp = await storage.createTemp();
    for (const c of chunks) await temp.write(c);
    await temp.finish();
    await storage.commitMany([{ temp, key: 'r/x.dcm' }]);
    expect((await storage.read('r/x.dcm')).equals(whole)).toBe(true);
    expect((await storage.read('r/x.dcm', whole.length)).equals(whole)).toBe(true);
    // A size that no longer matches the file (it was replaced since it was indexed) still gives the file's bytes.
    expect((await storage.read('r/x.dcm', whole.length - 1000)).equals(whole)).toBe(true);
    expect((await storage.read('r/x.dcm', whole.length + 1000)).equals(whole)).toBe(true);
    await expect(storage.read('r/missing.dcm', 10)).rejects.toThrow(/ENOENT/);
  });

  it('refuses keys that leave the archive folder', async () => {
    const t = await storage.createTemp();
    await t.write(Buffer.from('x'));
    await t.finish();
    await expect(storage.commitMany([{ temp: t, key: '../escape.dcm' }])).rejects.toThrow(/Invalid storage key/);
    expect(existsSync(join(dir, 'escape.dcm'))).toBe(false);
    await t.discard();
  });
});
