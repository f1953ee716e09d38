import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, client, startTestApp, type TestApp } from './harness';
import { sha256, stowBody, syntheticInstance, uid } from './dicom-fixtures';

const v = (ds: any, tag: string) => ds[tag]?.Value?.[0];
const seq = (ds: any, tag: string) => (ds[tag]?.Value ?? []) as any[];

async function stow(app: TestApp, token: string, parts: Uint8Array[]) {
  const { body, contentType } = stowBody(parts);
  const res = await fetch(`${app.url}/dicom-web/studies`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': contentType, accept: 'application/dicom+json' }, body });
  return { status: res.status, body: (await res.json()) as any };
}

async function original(app: TestApp, token: string, study: string, series: string, sop: string): Promise<Buffer> {
  const res = await fetch(`${app.url}/dicom-web/studies/${study}/series/${series}/instances/${sop}`, { headers: { authorization: `Bearer ${token}`, accept: 'multipart/related; type="application/dicom"; transfer-syntax=*' } });
  expect(res.status).toBe(200);
  const buf = Buffer.from(await res.arrayBuffer());
  const boundary = /boundary="?([^";]+)"?/.exec(res.headers.get('content-type')!)![1];
  const start = buf.indexOf('\r\n\r\n') + 4;
  return buf.subarray(start, buf.indexOf(`\r\n--${boundary}`, start));
}

describe(`Ingest pipeline (${process.env.AXIAL_TEST_DB ?? 'pglite'})`, () => {
  let app: TestApp;
  let token: string;
  beforeAll(async () => {
    app = await startTestApp({ AXIAL_DEMO: 'false' }, { persistent: true });
    token = await client(app.url).login('admin', ADMIN_PASSWORD);
  });
  afterAll(async () => app?.close());

  const study = uid();
  const series = uid();

  it('keeps the query planner statistics of the archive current: analyzed at start-up, and again as ingest adds 1,000 instances', async () => {
    const planned = async () => Number((await app.database.raw<{ n: string | number }>(`select reltuples as n from pg_class where oid = 'instance'::regclass`, []))[0].n);
    const until = async (ok: (n: number) => boolean) => {
      for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
        const n = await planned();
        if (ok(n)) return n;
      }
      return planned();
    };
    // A new database: never analyzed (-1) until the server does it.
    expect(await until((n) => n >= 0)).toBe(0);
    const bulkStudy = uid();
    const bulkSeries = uid();
    for (let i = 0; i < 1_000; i += 100) {
      const parts = Array.from({ length: 100 }, (_, k) => syntheticInstance({ study: bulkStudy, series: bulkSeries, sop: uid(), matrix: 4, instanceNumber: i + k + 1 }));
      expect((await stow(app, token, parts)).status).toBe(200);
    }
    expect(await until((n) => n >= 1_000)).toBe(1_000);
  });

  it('images larger than the header kept in memory are stored byte for byte; one cut short in its pixel data is refused', async () => {
    const big = [0, 1, 2].map((i) => syntheticInstance({ study, series, sop: uid(), matrix: 512, instanceNumber: i + 1 }));
    const whole = syntheticInstance({ study, series, sop: uid(), matrix: 512 });
    const cut = whole.subarray(0, whole.length - 1000);
    const r = await stow(app, token, [...big, cut]);
    expect(r.status).toBe(202);
    expect(seq(r.body, '00081199')).toHaveLength(3);
    const [failed] = seq(r.body, '00081198');
    expect(v(failed, '00091002')).toBe(3);
    expect(v(failed, '00091001')).toMatch(/truncated.*declares 262144 bytes but only 261144 remain/i);
    for (const b of big) {
      const sop = v(seq(r.body, '00081199')[big.indexOf(b)], '00081155');
      expect(sha256(await original(app, token, study, series, sop))).toBe(sha256(b));
    }
  });

  it('a full archive refuses STOW-RS objects as out of resources (A700) with a reason, stores nothing and keeps serving', async () => {
    const full = await startTestApp({ AXIAL_DEMO: 'false', AXIAL_MIN_FREE_MB: String(2 ** 40) });
    try {
      const adminToken = await client(full.url).login('admin', ADMIN_PASSWORD);
      const sops = [uid(), uid()];
      const r = await stow(full, adminToken, sops.map((sop) => syntheticInstance({ study, series, sop })));
      expect(r.status).toBe(409);
      const failed = seq(r.body, '00081198');
      expect(failed.map((f) => v(f, '00081155')).sort()).toEqual([...sops].sort());
      for (const f of failed) {
        expect(v(f, '00081197')).toBe(0xa700);
        expect(v(f, '00091001')).toMatch(/storage is full \(\d+ MB free, below the \d+ MB it keeps free\)/);
      }
      const q = await fetch(`${full.url}/dicom-web/studies/${study}/instances`, { headers: { authorization: `Bearer ${adminToken}` } });
      expect(q.status).toBe(200);
      expect(await q.json()).toEqual([]);
      const health = await fetch(`${full.url}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', storage: 'full' });
      expect(await (await fetch(`${app.url}/health`)).json()).toMatchObject({ status: 'ok', storage: 'ok' });
    } finally {
      await full.close();
    }
  });

  it('a full archive still answers an instance it already holds as a duplicate, and refuses only the new ones', async () => {
    const before = await startTestApp({ AXIAL_DEMO: 'false' }, { persistent: true });
    const held = syntheticInstance({ study, series, sop: uid() });
    const fresh = syntheticInstance({ study, series, sop: uid() });
    const first = await stow(before, await client(before.url).login('admin', ADMIN_PASSWORD), [held]);
    expect(first.status).toBe(200);
    await before.stop();
    // The same archive, restarted when its disk is below the space it keeps free.
    const full = await startTestApp({ AXIAL_DEMO: 'false', AXIAL_MIN_FREE_MB: String(2 ** 40) }, { restartOf: before });
    try {
      const r = await stow(full, await client(full.url).login('admin', ADMIN_PASSWORD), [held, fresh]);
      expect(r.status).toBe(202);
      const [dup] = seq(r.body, '00081199');
      expect(v(dup, '00091003')).toBe('DUPLICATE');
      const [failed] = seq(r.body, '00081198');
      expect(v(failed, '00081197')).toBe(0xa700);
      expect(v(failed, '00091001')).toMatch(/storage is full/);
    } finally {
      await full.close();
    }
  });

  it('the same instance sent in two requests at once is stored once; the other sender hears it is a duplicate', async () => {
    const sop = uid();
    const file = syntheticInstance({ study, series, sop, matrix: 300 });
    const results = await Promise.all([stow(app, token, [file]), stow(app, token, [file])]);
    const statuses = results.map((r) => v(seq(r.body, '00081199')[0], '00091003')).sort();
    expect(statuses).toEqual(['DUPLICATE', 'STORED']);
    const q = await fetch(`${app.url}/dicom-web/studies/${study}/series/${series}/instances?SOPInstanceUID=${sop}`, { headers: { authorization: `Bearer ${token}` } });
    expect(await q.json()).toHaveLength(1);
    expect(sha256(await original(app, token, study, series, sop))).toBe(sha256(file));
  });

  it('two senders storing one SOP Instance UID with different bytes at once: the archived bytes are those of the sender told STORED', async () => {
    for (let round = 0; round < 6; round++) {
      const sop = uid();
      const files = [syntheticInstance({ study, series, sop, matrix: 300 }), syntheticInstance({ study, series, sop, matrix: 302 })];
      const results = await Promise.all(files.map((f) => stow(app, token, [f])));
      const statuses = results.map((r) => v(seq(r.body, '00081199')[0], '00091003'));
      expect([...statuses].sort()).toEqual(['DUPLICATE', 'STORED']);
      const winner = files[statuses.indexOf('STORED')];
      expect(sha256(await original(app, token, study, series, sop))).toBe(sha256(winner));
    }
  });

  it('study and series counters stay exact across batches that add series, repeat instances and reuse a series UID', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const get = async (path: string) => (await (await fetch(`${app.url}/dicom-web/${path}`, { headers: auth })).json()) as any[];
    const [s1, s2, x, y, z] = [uid(), uid(), uid(), uid(), uid()];
    const ct = (sop: string) => syntheticInstance({ study: s1, series: x, sop, modality: 'CT', bodyPart: 'HEAD', patientId: 'CNT-1' });
    const a1 = ct(uid());
    const steps: Uint8Array[][] = [
      [a1, ct(uid())], // a new study with a new series
      [ct(uid()), ...[1, 2].map(() => syntheticInstance({ study: s1, series: y, modality: 'MR', bodyPart: 'CHEST', patientId: 'CNT-1' }))], // existing series + a new one
      [a1, syntheticInstance({ study: s1, series: y, modality: 'MR', patientId: 'CNT-1' })], // a duplicate beside a new instance
      // a new study, and an object claiming that study but naming series x of study s1 (it is filed there)
      [syntheticInstance({ study: s2, series: z, modality: 'US', patientId: 'CNT-1' }), syntheticInstance({ study: s2, series: x, modality: 'CT', patientId: 'CNT-1' })],
    ];
    // After each step, the counters the index keeps must equal what counting the rows gives.
    for (const parts of steps) {
      expect([200, 202]).toContain((await stow(app, token, parts)).status);
      for (const st of [s1, s2]) {
        const [studyRow] = await get(`studies?StudyInstanceUID=${st}&includefield=all`);
        if (!studyRow) continue;
        const series = await get(`studies/${st}/series?includefield=all`);
        const instances = await get(`studies/${st}/instances`);
        expect(v(studyRow, '00201208')).toBe(instances.length);
        expect(v(studyRow, '00201206')).toBe(series.length);
        expect([...(studyRow['00080061']?.Value ?? [])].sort()).toEqual([...new Set(series.map((se) => v(se, '00080060')))].sort());
        for (const se of series) {
          const own = await get(`studies/${st}/series/${v(se, '0020000E')}/instances`);
          expect(v(se, '00201209')).toBe(own.length);
        }
      }
    }
    const [first] = await get(`studies?StudyInstanceUID=${s1}&includefield=all`);
    expect(v(first, '00201208')).toBe(7); // a1, a2, a3, b1, b2, b3 and the object filed under series x
    expect([...first['00080061'].Value].sort()).toEqual(['CT', 'MR']);
  });

  it('start-up after a crash removes files of an unfinished ingest and keeps every acknowledged one', async () => {
    const keptSop = uid();
    const kept = syntheticInstance({ study, series, sop: keptSop, matrix: 64 });
    expect((await stow(app, token, [kept])).status).toBe(200);
    await app.stop();
    // What a crash between the file rename and the index commit leaves: the renamed file, its journal entry,
    // and a temp file of an object that was still being received.
    const archive = join(app.config.dataDir, 'archive');
    const orphanKey = `${study}/${series}/${uid()}.dcm`;
    mkdirSync(join(archive, study, series), { recursive: true });
    writeFileSync(join(archive, orphanKey), syntheticInstance({ study, series }));
    const keptKeys = readdirSync(join(archive, study, series)).map((f) => `${study}/${series}/${f}`).filter((k) => k !== orphanKey);
    // Journal: a batch that ended, one that began and never ended (the crash), and a torn last line.
    writeFileSync(join(app.config.dataDir, 'ingest.journal'), [
      `B 1 ${JSON.stringify(['ended/batch.dcm'])}`, 'E 1',
      `B 2 ${JSON.stringify([orphanKey, ...keptKeys])}`,
      'B 3 ["torn',
    ].join('\n'));
    writeFileSync(join(app.config.dataDir, 'tmp', 'half-received.part'), Buffer.alloc(1000));

    const again = await startTestApp({ AXIAL_DEMO: 'false' }, { restartOf: app });
    app = again;
    token = await client(app.url).login('admin', ADMIN_PASSWORD);
    expect(existsSync(join(archive, orphanKey))).toBe(false);
    expect(readFileSync(join(app.config.dataDir, 'ingest.journal'), 'utf8')).toBe('');
    expect(readdirSync(join(app.config.dataDir, 'tmp'))).toEqual([]);
    for (const k of keptKeys) expect(existsSync(join(archive, k))).toBe(true);
    const q = await fetch(`${app.url}/dicom-web/studies/${study}/instances`, { headers: { authorization: `Bearer ${token}` } });
    const instances = (await q.json()) as any[];
    expect(instances).toHaveLength(keptKeys.length);
    expect(sha256(await original(app, token, study, series, keptSop))).toBe(sha256(kept));
  });
});
