import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDicom } from '@axial/dicom';
import { DicomJobsService } from '../src/imaging/dimse/dicom-jobs.service';
import { splitPart10 } from '../src/imaging/dimse/part10';
import { ADMIN_PASSWORD, client, startTestApp, type TestApp } from './harness';
import { syntheticInstance, uid } from './dicom-fixtures';
import { startStorescp, stow, waitJob, type Storescp } from './dimse-peers';

/**
 * Axial as an SCU against DCMTK's storescp, started here on a free loopback port: "Send to" jobs (C-STORE SCU of a
 * study or a series) with their per-instance results and progress, failures reported per instance and per job, and
 * jobs that do not silently vanish when the server stops while they run.
 */
const AET = 'AXIAL_SCU';
const FIXTURES = resolve(__dirname, '../../../fixtures/demo');

let app: TestApp;
let api: ReturnType<typeof client>;
let admin: string;
let scp: Storescp;
let nodeId: string;
const work = mkdtempSync(join(tmpdir(), 'axial-scu-'));

const study = uid();
const seriesA = uid();
const seriesB = uid();
const sopsA = Array.from({ length: 40 }, () => uid());
const sopsB = Array.from({ length: 5 }, () => uid());
const files = new Map<string, Uint8Array>();
for (const [series, sops, n] of [[seriesA, sopsA, 1], [seriesB, sopsB, 2]] as const) {
  sops.forEach((sop, i) => files.set(sop, syntheticInstance({ study, series, sop, seriesNumber: n, instanceNumber: i + 1, patientId: 'SCU-1', patientName: 'Sender^Sam', modality: 'CT' })));
}

beforeAll(async () => {
  app = await startTestApp({ AXIAL_DEMO: 'false', DICOM_AET: AET });
  api = client(app.url);
  admin = await api.login('admin', ADMIN_PASSWORD);
  scp = await startStorescp(join(work, 'storescp'));
  const created = await api.call('POST', '/api/v1/dicom-nodes', { token: admin, body: { aeTitle: scp.aet, host: '127.0.0.1', port: scp.port, description: 'DCMTK storescp' } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  nodeId = created.body.id;
  await stow(app.url, admin, [...files.values()]);
});

afterAll(async () => {
  scp?.stop();
  await app?.close();
  rmSync(work, { recursive: true, force: true });
});

describe(`SCU jobs against DCMTK storescp (${process.env.AXIAL_TEST_DB ?? 'pglite'})`, () => {
  it('Verify (C-ECHO) a registered node; an unreachable one reports the error', async () => {
    const ok = await api.call('POST', `/api/v1/dicom-nodes/${nodeId}/echo`, { token: admin });
    expect(ok.body).toMatchObject({ ok: true, status: 0 });
    expect(ok.body.roundTripMs).toBeGreaterThanOrEqual(0);
    const dead = await api.call('POST', '/api/v1/dicom-nodes', { token: admin, body: { aeTitle: 'NOBODY_HOME', host: '127.0.0.1', port: 9 } });
    const bad = await api.call('POST', `/api/v1/dicom-nodes/${dead.body.id}/echo`, { token: admin });
    expect(bad.body.ok).toBe(false);
    expect(bad.body.error).toMatch(/NOBODY_HOME|ECONNREFUSED/);
  });

  it('sends a whole study: job runs in the background, progress while running, a result per instance, bytes as stored', async () => {
    const started = await api.call('POST', `/api/v1/dicom-nodes/${nodeId}/store`, { token: admin, body: { studyUid: study } });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(['queued', 'running']).toContain(started.body.status);
    const { job, seen } = await waitJob(api, admin, started.body.id);
    expect(job).toMatchObject({ type: 'store', status: 'done', total: 45, completed: 45, failed: 0, error: null });
    // The job was observed before it finished, with its total already known.
    expect(seen.some((s) => s.status === 'running' && s.total === 45)).toBe(true);
    const results = JSON.parse(job.result!) as Array<{ sopInstanceUid: string; status: string }>;
    expect(results).toHaveLength(45);
    expect(new Set(results.map((r) => r.sopInstanceUid))).toEqual(new Set([...sopsA, ...sopsB]));
    expect(results.every((r) => r.status === '0x0000')).toBe(true);
    // storescp +B wrote the data sets as received: the same bytes as the stored files.
    const received = scp.files();
    expect(received).toHaveLength(45);
    for (const f of received) {
      const b = readFileSync(join(scp.dir, f));
      const sop = parseDicom(new Uint8Array(b), { untilPixelData: true }).header.sopInstanceUid;
      const original = Buffer.from(files.get(sop)!);
      expect(b.subarray(splitPart10(b).datasetOffset).equals(original.subarray(splitPart10(original).datasetOffset)), sop).toBe(true);
    }
    // The job list shows it, newest first.
    const list = await api.call('GET', '/api/v1/dicom-jobs', { token: admin });
    expect(list.body[0].id).toBe(job.id);
  });

  it('sends one series only', async () => {
    const before = scp.files().length;
    const started = await api.call('POST', `/api/v1/dicom-nodes/${nodeId}/store`, { token: admin, body: { studyUid: study, seriesUid: seriesB } });
    const { job } = await waitJob(api, admin, started.body.id);
    expect(job).toMatchObject({ status: 'done', total: 5, completed: 5 });
    expect(JSON.parse(job.result!).map((r: { sopInstanceUid: string }) => r.sopInstanceUid).sort()).toEqual([...sopsB].sort());
    expect(scp.files().length).toBe(before); // storescp overwrites the same file names
  });

  it('an instance the peer cannot take in its stored transfer syntax is a failed instance, not a transcoded one', async () => {
    // storescp accepts only uncompressed syntaxes by default; Axial sends what it stores (JPEG-LS here) as it is.
    const jpegls = readFileSync(join(FIXTURES, 'mr_jpegls_lossless.dcm'));
    await stow(app.url, admin, [new Uint8Array(jpegls)]);
    const h = parseDicom(new Uint8Array(jpegls), { untilPixelData: true }).header;
    const started = await api.call('POST', `/api/v1/dicom-nodes/${nodeId}/store`, { token: admin, body: { studyUid: h.studyInstanceUid } });
    const { job } = await waitJob(api, admin, started.body.id);
    expect(job.status).toBe('failed');
    expect(job).toMatchObject({ total: 1, completed: 0, failed: 1 });
    expect(job.error).toMatch(/1 of 1 instance/);
    const [r] = JSON.parse(job.result!);
    expect(r.sopInstanceUid).toBe(h.sopInstanceUid);
    expect(r.status).not.toBe('0x0000');
  });

  it('unknown study: 404 and no job; a node that is down: the job fails with the reason', async () => {
    const none = await api.call('POST', `/api/v1/dicom-nodes/${nodeId}/store`, { token: admin, body: { studyUid: uid() } });
    expect(none.status).toBe(404);
    const dead = await api.call('POST', '/api/v1/dicom-nodes', { token: admin, body: { aeTitle: 'DOWN', host: '127.0.0.1', port: 9 } });
    const started = await api.call('POST', `/api/v1/dicom-nodes/${dead.body.id}/store`, { token: admin, body: { studyUid: study, seriesUid: seriesB } });
    const { job } = await waitJob(api, admin, started.body.id);
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/DOWN|ECONNREFUSED/);
  });

  it('lists the destinations for "Send to" (id, AE title, address, description only)', async () => {
    // Who may call it (study.export) is checked by the route x role matrix.
    const d = await api.call('GET', '/api/v1/dicom-nodes/destinations', { token: admin });
    expect(d.status).toBe(200);
    expect(d.body.map((n: { aeTitle: string }) => n.aeTitle)).toContain(scp.aet);
    expect(Object.keys(d.body[0]).sort()).toEqual(['aeTitle', 'description', 'host', 'id', 'port']);
  });

  it('a job running when the server stops is marked failed at the next start-up, never left running', async () => {
    // A peer that accepts the TCP connection and never answers: the association stays pending, the job running.
    const sockets = new Set<Socket>();
    const blackHole: Server = createServer((s) => { sockets.add(s); s.on('error', () => undefined); });
    await new Promise<void>((r) => blackHole.listen(0, '127.0.0.1', () => r()));
    const port = (blackHole.address() as { port: number }).port;
    try {
      const node = await api.call('POST', '/api/v1/dicom-nodes', { token: admin, body: { aeTitle: 'BLACKHOLE', host: '127.0.0.1', port } });
      const started = await api.call('POST', `/api/v1/dicom-nodes/${node.body.id}/store`, { token: admin, body: { studyUid: study } });
      const until = Date.now() + 10_000;
      while ((await api.call('GET', `/api/v1/dicom-jobs/${started.body.id}`, { token: admin })).body.status !== 'running') {
        expect(Date.now()).toBeLessThan(until);
        await new Promise((r) => setTimeout(r, 50));
      }
      if (app.engine === 'postgres') {
        // A real second start on the same database (what a restart does).
        const second = await startTestApp({ AXIAL_DEMO: 'false', DICOM_AET: AET }, { shareDatabaseOf: app });
        await second.close().catch(() => undefined);
      } else {
        // The embedded database lives in this process: run the start-up step itself.
        await app.app.get(DicomJobsService).onModuleInit();
      }
      const j = (await api.call('GET', `/api/v1/dicom-jobs/${started.body.id}`, { token: admin })).body;
      expect(j.status).toBe('failed');
      expect(j.error).toMatch(/Interrupted/);
      expect(j.finishedAt).toBeTruthy();
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => blackHole.close(() => r()));
    }
  });
});
