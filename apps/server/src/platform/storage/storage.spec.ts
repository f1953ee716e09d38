import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlignedSlabs } from './aligned-slabs';
import { DirectWriter } from './direct-writer';
import { FileSystemStorage, HEAD_BYTES } from './storage';

/** tmpfs refuses O_DIRECT: there (and only there) the storage must fall back to writing through the page cache. */
const TMPFS_MAGIC = 0x01021994;

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

describe.each([
  ['through the page cache', false],
  ['with direct I/O', true],
])('FileSystemStorage, writing %s', (_mode, directIo) => {
  let dir: string;
  let storage: FileSystemStorage;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'axial-storage-'));
    storage = new FileSystemStorage(dir, { directIo });
    await storage.init();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the way it was asked to, when the file system allows it', () => {
    const direct = directIo && statfsSync(dir).type !== TMPFS_MAGIC;
    expect(storage.writeMode).toBe(direct ? 'direct' : 'buffered');
  });

  it('stores received chunks byte for byte under the key, with size, CRC-32 and the head kept in memory', async () => {
    const { whole, chunks } = chunked([10, 65_536, 1, 300_000, 4_999]);
    const temp = await storage.createTemp();
    for (const c of chunks) await temp.write(c);
    const done = await temp.finish();
    expect(done.size).toBe(whole.length);
    expect(await done.digest).toBe(`crc32:${crc32(whole).toString(16).padStart(8, '0')}`);
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

  it('stores objects of every size byte for byte: block and slab boundaries, one byte, empty', async () => {
    const sizes = [0, 1, 4095, 4096, 4097, 1024 * 1024 - 1, 1024 * 1024, 1024 * 1024 + 1, 3.5 * 1024 * 1024 + 3];
    const items: Array<{ temp: Awaited<ReturnType<FileSystemStorage['createTemp']>>; key: string }> = [];
    const wholes: Buffer[] = [];
    for (const size of sizes) {
      // Odd chunk sizes, so that chunks straddle slab and block boundaries.
      const parts: number[] = [];
      for (let left = size; left > 0; left -= Math.min(left, 65_521)) parts.push(Math.min(left, 65_521));
      const { whole, chunks } = chunked(parts);
      const temp = await storage.createTemp();
      for (const c of chunks) await temp.write(c);
      const done = await temp.finish();
      expect(done.size).toBe(size);
      // The digest covers the object's bytes only (not a direct write's zero padding), across slabs.
      expect(await done.digest, `${size} bytes`).toBe(`crc32:${crc32(whole).toString(16).padStart(8, '0')}`);
      items.push({ temp, key: `sizes/${size}.dcm` });
      wholes.push(whole);
    }
    await storage.commitMany(items);
    sizes.forEach((size, i) => expect(readFileSync(join(dir, `archive/sizes/${size}.dcm`)).equals(wholes[i]), `${size} bytes`).toBe(true));
  });
});

describe('FileSystemStorage with a small pool of aligned slabs', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('objects wait for a slab when all are lent, and discarded objects give theirs back', async () => {
    dir = mkdtempSync(join(tmpdir(), 'axial-storage-'));
    const slabs = new AlignedSlabs(64 * 1024, 2, 1);
    const storage = new FileSystemStorage(dir, { directIo: true, slabs });
    await storage.init();
    if (statfsSync(dir).type === TMPFS_MAGIC) return expect(storage.writeMode).toBe('buffered');
    expect(storage.writeMode).toBe('direct');
    // Six objects of 200 KB written at once through two 64 KB slabs: every byte arrives, in its own file.
    const objects = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const { whole, chunks } = chunked([100_000 + i, 100_000]);
        const temp = await storage.createTemp();
        for (const c of chunks) await temp.write(c);
        await temp.finish();
        return { temp, key: `pool/${i}.dcm`, whole };
      }),
    );
    await storage.commitMany(objects);
    for (const o of objects) expect(readFileSync(join(dir, `archive/${o.key}`)).equals(o.whole)).toBe(true);
    // An object abandoned half-way (a client gone) releases its slab: both can be taken again at once.
    const dropped = await storage.createTemp();
    await dropped.write(Buffer.alloc(70_000, 3));
    await dropped.discard();
    const a = slabs.take();
    const b = slabs.take();
    expect(a).toBeInstanceOf(Buffer);
    expect(b).toBeInstanceOf(Buffer);
    expect(slabs.reservedBytes).toBe(128 * 1024);
  });
});

describe('DirectWriter', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("says when an object's bytes are in its file, then when they are synced, both with their CRC-32", async () => {
    dir = mkdtempSync(join(tmpdir(), 'axial-writer-'));
    if (statfsSync(dir).type === TMPFS_MAGIC) return; // no O_DIRECT on tmpfs: the storage writes buffered there (tested above)
    const slabs = new AlignedSlabs(64 * 1024, 2, 1);
    const writer = new DirectWriter(slabs);
    try {
      const slab = slabs.take() as Buffer;
      slab.fill(7, 0, 4096);
      const path = join(dir, 'object');
      const events: string[] = [];
      // The commit renames a file at the first message (while it is synced) and acknowledges after the second.
      const crc = await writer.write(1, path, slab, 4096, 0, true, 100, (c) => events.push(`written ${c}`));
      events.push(`synced ${crc}`);
      const expected = crc32(Buffer.alloc(100, 7));
      expect(events).toEqual([`written ${expected}`, `synced ${expected}`]);
      expect(readFileSync(path).equals(Buffer.alloc(100, 7))).toBe(true);
    } finally {
      await writer.close();
    }
  });
});

describe('AlignedSlabs', () => {
  it('lends distinct slabs, grows by arenas up to its limit, then makes takers wait for a slab given back', async () => {
    const slabs = new AlignedSlabs(64 * 1024, 2, 2);
    const lent = [slabs.take(), slabs.take(), slabs.take(), slabs.take()] as Buffer[];
    expect(slabs.reservedBytes).toBe(256 * 1024);
    for (const [i, s] of lent.entries()) s.fill(i + 1);
    for (const [i, s] of lent.entries()) expect(s.every((b) => b === i + 1)).toBe(true);
    const waiting = slabs.take();
    expect(waiting).toBeInstanceOf(Promise);
    slabs.give(lent[2]);
    expect(await waiting).toBe(lent[2]);
    expect(() => new AlignedSlabs(1000)).toThrow(/64 KiB/);
  });
});
