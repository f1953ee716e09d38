import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, requests, responses } from 'dcmjs-dimse';
import { DimseService } from '../src/imaging/dimse/dimse.service';
import { parseDicom } from '@axial/dicom';
import { splitPart10 } from '../src/imaging/dimse/part10';
import { RawDataset } from '../src/imaging/dimse/scp';
import { ADMIN_PASSWORD, client, startTestApp, type TestApp } from './harness';
import { HAVE_SAMPLES, SAMPLES_DIR, sampleFiles, syntheticInstance, uid } from './dicom-fixtures';
import { PEER_ENV, runTool, startStorescp } from './dimse-peers';

/**
 * Axial as a DICOM node, against DCMTK (always with TCP_NODELAY=1, see docs). "Identical" over DIMSE: DIMSE carries
 * data sets, not files, so the data set bytes after the meta header must be identical when the sender's file was
 * Part 10 in the transfer syntax that was negotiated.
 */
const ENV = PEER_ENV;
const FIXTURES = resolve(__dirname, '../../../fixtures/demo');
const AET = 'AXIAL_T';

let app: TestApp;
let port: number;
/** 200 instances stored by storescu, used by the C-CANCEL tests as a long result set / retrieval. */
const BULK_STUDY = uid();
const BULK_SERIES = uid();
let api: ReturnType<typeof client>;
let admin: string;
const work = mkdtempSync(join(tmpdir(), 'axial-dimse-'));

/** Never spawnSync a peer: the SCP runs in this process and must keep serving while the tool runs. */
const run = runTool;

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else if (e.endsWith('.dcm') || !e.includes('.')) out.push(p);
  }
  return out.sort();
}

function dump(file: string, tag: string): string {
  const r = spawnSync('dcmdump', ['+P', tag, '-q', file], { encoding: 'utf8' });
  return /\[(.*?)\]/.exec(r.stdout)?.[1] ?? '';
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
}

const echoOk = async () => expect((await run('echoscu', ['-aec', AET, '127.0.0.1', String(port)])).code).toBe(0);

/** One C-STORE of raw data set bytes with dcmjs-dimse (a peer that sends what it is given); resolves with the status. */
function storeRaw(sopClassUid: string, sopInstanceUid: string, transferSyntaxUid: string, dataset: Buffer): Promise<number> {
  return new Promise((res, rej) => {
    const c = new Client();
    const req = new requests.CStoreRequest(new RawDataset({ sopClassUid, sopInstanceUid, transferSyntaxUid, dataset: () => dataset, naturalized: () => ({}) }));
    let status = -1;
    req.on('response', (r: InstanceType<typeof responses.CStoreResponse>) => { status = r.getStatus(); });
    c.on('networkError', (e: Error) => rej(e));
    c.on('closed', () => res(status));
    // Propose only the bytes' own transfer syntax (dcmjs-dimse always adds both little endian ones, and would then
    // try to transcode bytes it cannot read).
    c.on('connected', () => {
      const network = (c as unknown as { network: { sendAssociationRequest(a: any): void } }).network;
      const send = network.sendAssociationRequest.bind(network);
      network.sendAssociationRequest = (a: any) => {
        for (const { context } of a.getPresentationContexts()) {
          for (const t of [...context.getTransferSyntaxUids()]) if (t !== transferSyntaxUid) context.removeTransferSyntaxUid(t);
        }
        send(a);
      };
    });
    c.addRequest(req);
    c.send('127.0.0.1', port, 'RAWSENDER', AET);
  });
}

async function wado(study: string, series: string, sop: string): Promise<Buffer> {
  const res = await fetch(`${app.url}/dicom-web/studies/${study}/series/${series}/instances/${sop}`, { headers: { authorization: `Bearer ${admin}`, accept: 'application/dicom' } });
  expect(res.status, `${study}/${series}/${sop}: ${await res.clone().text()}`).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

beforeAll(async () => {
  app = await startTestApp({ AXIAL_DEMO: 'false', DICOM_PORT: '0', DICOM_HOST: '127.0.0.1', DICOM_AET: AET, DICOM_IDLE_TIMEOUT: '3' });
  port = app.app.get(DimseService).port!;
  api = client(app.url);
  admin = await api.login('admin', ADMIN_PASSWORD);
});
afterAll(async () => {
  await app?.close();
  rmSync(work, { recursive: true, force: true });
});

describe(`DIMSE SCP (${process.env.AXIAL_TEST_DB ?? 'pglite'})`, () => {
  it('listens on the configured host and answers C-ECHO', async () => {
    expect(port).toBeGreaterThan(0);
    const r = await run('echoscu', ['-aec', AET, '-aet', 'ECHOTEST', '127.0.0.1', String(port)]);
    expect(r.code, r.out).toBe(0);
  });

  it('rejects an association to another called AE title', async () => {
    const r = await run('echoscu', ['-aec', 'NOT_AXIAL', '127.0.0.1', String(port)]);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/Called AE Title Not Recognized|rejected/i);
  });

  it('stores the demo fixtures with dcmsend; WADO-RS returns the data set bytes exactly as received', async () => {
    // Reference for "as received": DCMTK's storescp in bit-preserving mode (+B) gets the same dcmsend run and
    // writes the received data set unchanged. (dcmsend re-encodes some files, e.g. odd-length values, so the
    // sender's file itself is only the reference when DCMTK sends it unchanged; both are checked.)
    const files = filesUnder(FIXTURES);
    const refPort = await freePort();
    const refDir = join(work, 'reference');
    spawnSync('mkdir', ['-p', refDir]);
    const ref = spawn('storescp', ['+B', '+xa', '-aet', AET, '-od', refDir, String(refPort)], { env: ENV, stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 400));
    try {
      const rr = await run('dcmsend', ['-aec', AET, '-aet', 'MODALITY', '127.0.0.1', String(refPort), '--scan-directories', '--recurse', FIXTURES], 120_000);
      expect(rr.code, rr.out).toBe(0);
    } finally {
      ref.kill();
    }
    const started = Date.now();
    const r = await run('dcmsend', ['-aec', AET, '-aet', 'MODALITY', '127.0.0.1', String(port), '--scan-directories', '--recurse', FIXTURES], 120_000);
    const seconds = (Date.now() - started) / 1000;
    expect(r.code, r.out).toBe(0);
    expect(r.out).not.toMatch(/^E:/m);
    console.log(`dcmsend ${files.length} fixtures: ${seconds.toFixed(2)} s (${(files.length / seconds).toFixed(0)} instances/s)`);
    const received = new Map<string, Buffer>();
    for (const f of readdirSync(refDir)) {
      const b = readFileSync(join(refDir, f));
      received.set(parseDicom(new Uint8Array(b), { untilPixelData: true }).header.sopInstanceUid, b);
    }
    let sameAsFile = 0;
    for (const f of files) {
      const original = readFileSync(f);
      const meta = splitPart10(original);
      const h = parseDicom(new Uint8Array(original), { untilPixelData: true }).header;
      const sop = h.sopInstanceUid;
      const stored = await wado(h.studyInstanceUid, h.seriesInstanceUid, sop);
      const storedSplit = splitPart10(stored);
      // dcmsend proposes each file's own transfer syntax, which Axial accepts as proposed.
      expect(storedSplit.transferSyntaxUid, f).toBe(meta.transferSyntaxUid);
      const reference = received.get(sop)!;
      expect(reference, f).toBeDefined();
      const refSplit = splitPart10(reference);
      expect(stored.subarray(storedSplit.datasetOffset).equals(reference.subarray(refSplit.datasetOffset)), f).toBe(true);
      if (stored.subarray(storedSplit.datasetOffset).equals(original.subarray(meta.datasetOffset))) sameAsFile++;
    }
    console.log(`${sameAsFile}/${files.length} fixtures: stored data set byte-identical to the sender's file as well`);
    expect(sameAsFile).toBeGreaterThan(files.length / 2);
  });

  it('stores 200 instances over one association; all archived, audited once for the study when the association ends', async () => {
    const dir = join(work, 'bulk');
    spawnSync('mkdir', ['-p', dir]);
    const study = BULK_STUDY;
    const series = BULK_SERIES;
    for (let i = 0; i < 200; i++) writeFileSync(join(dir, `${i}.dcm`), syntheticInstance({ study, series, instanceNumber: i + 1, patientId: 'BULK-1', patientName: 'BULK^TEST' }));
    const started = Date.now();
    const r = await run('storescu', ['-aec', AET, '-aet', 'BULKSCU', '+sd', '127.0.0.1', String(port), dir], 120_000);
    const seconds = (Date.now() - started) / 1000;
    expect(r.code, r.out).toBe(0);
    expect(r.out).not.toMatch(/^E: /m);
    console.log(`storescu 200 synthetic instances: ${seconds.toFixed(2)} s (${(200 / seconds).toFixed(0)} instances/s)`);
    const q = await fetch(`${app.url}/dicom-web/studies/${study}/instances?limit=1`, { headers: { authorization: `Bearer ${admin}` } });
    expect(q.headers.get('x-total-count')).toBe('200');
    // The association's audit event is written when it closes: wait for it rather than for a fixed time.
    let events: any[] = [];
    for (let i = 0; i < 50 && !events.length; i++) {
      const a = await api.call('GET', `/api/v1/audit-events?action=study.store&limit=200`, { token: admin });
      events = a.body.items.filter((e: any) => e.resourceId === study);
      if (!events.length) await new Promise((res) => setTimeout(res, 100));
    }
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ outcome: 'success', username: 'AE:BULKSCU', patientId: 'BULK-1' });
    expect(events[0].details).toMatchObject({ via: 'dimse', callingAe: 'BULKSCU', stored: 200, duplicates: 0 });
  });

  describe('C-FIND', () => {
    const study = uid();
    const series = uid();
    const sops = [uid(), uid(), uid()];
    beforeAll(async () => {
      const dir = join(work, 'find');
      spawnSync('mkdir', ['-p', dir]);
      sops.forEach((sop, i) => writeFileSync(join(dir, `${i}.dcm`), syntheticInstance({ study, series, sop, instanceNumber: i + 1, patientId: 'FIND-1', patientName: 'Müller^Jörg', studyDate: '20240315', accession: 'ACC-FIND', modality: 'MR' })));
      const r = await run('storescu', ['-aec', AET, '+sd', '127.0.0.1', String(port), dir]);
      expect(r.code, r.out).toBe(0);
    });

    async function find(model: '-S' | '-P', keys: string[]): Promise<Array<Record<string, string>>> {
      const out = join(work, `f-${Math.random().toString(36).slice(2)}`);
      spawnSync('mkdir', ['-p', out]);
      const r = await run('findscu', ['-aec', AET, model, '-X', '-k', 'SpecificCharacterSet=ISO_IR 192', '-od', out, ...keys.flatMap((k) => ['-k', k]), '127.0.0.1', String(port)]);
      expect(r.code, r.out).toBe(0);
      return readdirSync(out).sort().map((f) => {
        const res: Record<string, string> = {};
        for (const line of spawnSync('dcmdump', ['-q', '+U8', join(out, f)], { encoding: 'utf8' }).stdout.split('\n')) {
          const m = /^\(([0-9a-f]{4}),([0-9a-f]{4})\) \w\w (?:\[(.*?)\]|(\S+))\s+#\s+\d+,\s*\d+\s+(\w+)/.exec(line);
          if (m) res[m[5]] = m[3] ?? m[4];
        }
        return res;
      });
    }

    it('STUDY level, wildcard on PN (Unicode), only requested keys plus SpecificCharacterSet', async () => {
      const r = await find('-S', ['QueryRetrieveLevel=STUDY', 'StudyInstanceUID', 'AccessionNumber', 'PatientName=MÜLL*']);
      expect(r.length).toBe(1);
      expect(r[0].StudyInstanceUID).toBe(study);
      expect(r[0].AccessionNumber).toBe('ACC-FIND');
      expect(r[0].PatientName).toBe('Müller^Jörg');
      expect(r[0].SpecificCharacterSet).toBe('ISO_IR 192');
      expect(r[0].StudyDescription).toBeUndefined();
    });

    it('STUDY level, date range and no match', async () => {
      expect((await find('-S', ['QueryRetrieveLevel=STUDY', 'StudyInstanceUID', 'PatientID=FIND-1', 'StudyDate=20240101-20240331'])).length).toBe(1);
      expect((await find('-S', ['QueryRetrieveLevel=STUDY', 'StudyInstanceUID', 'PatientID=FIND-1', 'StudyDate=20250101-'])).length).toBe(0);
    });

    it('SERIES and IMAGE levels, UID list matching', async () => {
      const se = await find('-S', ['QueryRetrieveLevel=SERIES', 'Modality', 'NumberOfSeriesRelatedInstances', `StudyInstanceUID=${study}`]);
      expect(se.length).toBe(1);
      expect(se[0].Modality).toBe('MR');
      expect(se[0].NumberOfSeriesRelatedInstances).toBe('3');
      const im = await find('-S', ['QueryRetrieveLevel=IMAGE', 'InstanceNumber', `StudyInstanceUID=${study}`, `SeriesInstanceUID=${series}`, `SOPInstanceUID=${sops[0]}\\${sops[2]}`]);
      expect(im.map((x) => x.SOPInstanceUID).sort()).toEqual([sops[0], sops[2]].sort());
    });

    it('PATIENT level (Patient Root)', async () => {
      const p = await find('-P', ['QueryRetrieveLevel=PATIENT', 'PatientName', 'NumberOfPatientRelatedStudies', 'PatientID=FIND-1']);
      expect(p.length).toBe(1);
      expect(p[0].PatientName).toBe('Müller^Jörg');
      expect(p[0].NumberOfPatientRelatedStudies).toBe('1');
      // Study Root has no PATIENT level.
      const r = await run('findscu', ['-v', '-aec', AET, '-S', '-k', 'QueryRetrieveLevel=PATIENT', '-k', 'PatientID=FIND-1', '127.0.0.1', String(port)]);
      expect(r.out).toMatch(/DataSetDoesNotMatchSOPClass|a900/i);
    });

    it('C-MOVE to a registered storescp, C-GET on the same association', async () => {
      const destPort = await freePort();
      const dest = join(work, 'movedest');
      spawnSync('mkdir', ['-p', dest]);
      const scp = spawn('storescp', ['-aet', 'MOVEDEST', '-od', dest, String(destPort)], { env: ENV, stdio: 'ignore' });
      try {
        await new Promise((r) => setTimeout(r, 500));
        // Unknown destination first.
        const unknown = await run('movescu', ['-v', '-aec', AET, '-aem', 'MOVEDEST', '-S', '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${study}`, '127.0.0.1', String(port)]);
        expect(unknown.out).toMatch(/a801|Move Destination Unknown|error status/i);
        const created = await api.call('POST', '/api/v1/dicom-nodes', { token: admin, body: { aeTitle: 'MOVEDEST', host: '127.0.0.1', port: destPort } });
        expect(created.status).toBe(201);
        const echo = await api.call('POST', `/api/v1/dicom-nodes/${created.body.id}/echo`, { token: admin });
        expect(echo.body.ok, JSON.stringify(echo.body)).toBe(true);
        const r = await run('movescu', ['-v', '-aec', AET, '-aem', 'MOVEDEST', '-S', '-k', 'QueryRetrieveLevel=STUDY', '-k', `StudyInstanceUID=${study}`, '127.0.0.1', String(port)]);
        expect(r.code, r.out).toBe(0);
        expect(readdirSync(dest).length).toBe(3);
      } finally {
        scp.kill();
      }
      const getDir = join(work, 'get');
      spawnSync('mkdir', ['-p', getDir]);
      const g = await run('getscu', ['-aec', AET, '-S', '-od', getDir, '-k', 'QueryRetrieveLevel=SERIES', '-k', `StudyInstanceUID=${study}`, '-k', `SeriesInstanceUID=${series}`, '127.0.0.1', String(port)]);
      expect(g.code, g.out).toBe(0);
      expect(readdirSync(getDir).length).toBe(3);
    });
  });

  describe('C-CANCEL (dcmjs-dimse as the requesting peer: DCMTK\'s tools cannot cancel)', () => {
    type AnyReq = InstanceType<typeof requests.CFindRequest> | InstanceType<typeof requests.CMoveRequest> | InstanceType<typeof requests.CGetRequest>;
    /** Sends one request; `cancelWhen` decides, per response, when to send C-CANCEL (at most once). */
    function withCancel(req: AnyReq, cancelWhen: 'at-once' | ((pendingSeen: number) => boolean)): Promise<{ statuses: number[]; final: number; completed?: number; remaining?: number; stored: number }> {
      return new Promise((res, rej) => {
        const c = new Client();
        const statuses: number[] = [];
        let cancelled = false;
        let stored = 0;
        let last: { getStatus(): number; getCompleted?(): number; getRemaining?(): number } | undefined;
        const cancel = () => { if (!cancelled) { cancelled = true; c.cancel(req); } };
        req.on('response', (r: typeof last & object) => {
          statuses.push(r.getStatus());
          last = r;
          if (r.getStatus() === 0xff00 && typeof cancelWhen === 'function' && cancelWhen(statuses.length)) cancel();
        });
        c.on('cStoreRequest', (rq: InstanceType<typeof requests.CStoreRequest>, cb: (r: InstanceType<typeof responses.CStoreResponse>) => void) => {
          stored++;
          const rsp = responses.CStoreResponse.fromRequest(rq);
          rsp.setStatus(0);
          cb(rsp);
        });
        c.on('associationAccepted', () => { if (cancelWhen === 'at-once') setImmediate(cancel); });
        c.on('networkError', (e: Error) => rej(e));
        c.on('closed', () => res({ statuses, final: statuses[statuses.length - 1] ?? -1, completed: last?.getCompleted?.(), remaining: last?.getRemaining?.(), stored }));
        c.addRequest(req);
        c.send('127.0.0.1', port, 'CANCELLER', AET);
      });
    }

    it('C-FIND: a cancel right after the request ends it with 0xFE00 and no matches', async () => {
      const req = requests.CFindRequest.createImageFindRequest({ StudyInstanceUID: BULK_STUDY, SOPInstanceUID: '' });
      const r = await withCancel(req, 'at-once');
      expect(r.final.toString(16)).toBe('fe00');
      expect(r.statuses.filter((s) => s === 0xff00).length).toBeLessThan(200);
      // Without the cancel the same query yields all 200.
      const full = await withCancel(requests.CFindRequest.createImageFindRequest({ StudyInstanceUID: BULK_STUDY, SOPInstanceUID: '' }), () => false);
      expect(full.final).toBe(0);
      expect(full.statuses.filter((s) => s === 0xff00).length).toBe(200);
    });

    it('C-MOVE: cancelled after the first sub-operation, no further instance is sent; final 0xFE00 with the counts', async () => {
      const dest = join(work, 'cancel-move');
      const scp = await startStorescp(dest, 'CANCELDEST');
      try {
        const created = await api.call('POST', '/api/v1/dicom-nodes', { token: admin, body: { aeTitle: 'CANCELDEST', host: '127.0.0.1', port: scp.port } });
        expect(created.status).toBe(201);
        const r = await withCancel(requests.CMoveRequest.createStudyMoveRequest('CANCELDEST', BULK_STUDY), (n) => n >= 1);
        expect(r.final.toString(16)).toBe('fe00');
        expect(r.completed!).toBeGreaterThan(0);
        expect(r.completed!).toBeLessThan(200);
        expect(r.remaining!).toBe(200 - r.completed!);
        await new Promise((res) => setTimeout(res, 300));
        expect(scp.files().length).toBe(r.completed);
      } finally {
        scp.stop();
      }
    });

    it('C-GET: cancelled after the first sub-operation; final 0xFE00, fewer than all instances received', async () => {
      const r = await withCancel(requests.CGetRequest.createStudyGetRequest(BULK_STUDY), (n) => n >= 1);
      expect(r.final.toString(16)).toBe('fe00');
      expect(r.stored).toBeGreaterThan(0);
      expect(r.stored).toBeLessThan(200);
      expect(r.completed!).toBe(r.stored);
      await echoOk();
    });
  });

  describe('bad input: proper rejection, the SCP keeps serving', () => {

    it('garbage bytes and a truncated PDU', async () => {
      for (const payload of [Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), Buffer.from([0x01, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x01, 0x00])]) {
        await new Promise<void>((res) => {
          const s = connect(port, '127.0.0.1', () => s.write(payload));
          s.on('error', () => res());
          s.on('close', () => res());
          s.setTimeout(10_000, () => { s.destroy(); res(); });
        });
        await echoOk();
      }
    });

    it('an unsupported SOP class is not accepted', async () => {
      const f = join(work, 'unsupported.dcm');
      writeFileSync(f, syntheticInstance({}));
      await run('dcmodify', ['-nb', '-m', 'SOPClassUID=1.2.3.4.5.6', f]);
      const r = await run('dcmsend', ['-v', '-aec', AET, '127.0.0.1', String(port), f]);
      expect(r.out).toMatch(/no acceptable presentation context|not supported|Cannot|rejected/i);
      await echoOk();
    });

    it('a broken object sent by storescu gets a failure status', async () => {
      const f = join(work, 'broken.dcm');
      writeFileSync(f, syntheticInstance({}));
      await run('dcmodify', ['-nb', '-e', 'StudyInstanceUID', f]);
      const r = await run('storescu', ['-v', '-aec', AET, '127.0.0.1', String(port), f]);
      expect(r.out).toMatch(/Error: CannotUnderstand|0xc000/i);
      await echoOk();
    });

    it.runIf(HAVE_SAMPLES)('the broken_* samples of ../shared/dicom-samples, sent byte for byte: each answered, the unreadable ones refused', async () => {
      // DCMTK will not send these files (it cannot parse them), so a dcmjs-dimse client sends their data set bytes
      // unchanged, as a faulty modality would.
      const manifest = new Map(readFileSync(join(SAMPLES_DIR, 'manifest.tsv'), 'utf8').split('\n').slice(1).map((l) => l.split('\t')).map((c) => [c[0], { sop: c[4], ts: c[6], uid: c[23] }]));
      const broken = readdirSync(SAMPLES_DIR).filter((f) => f.startsWith('broken_'));
      expect(broken.length).toBeGreaterThan(0);
      const statuses: Record<string, number> = {};
      for (const name of broken) {
        const bytes = readFileSync(join(SAMPLES_DIR, name));
        const m = manifest.get(name);
        let offset = 0;
        let ts = m?.ts?.startsWith('1.2') ? m.ts : '1.2.840.10008.1.2';
        try {
          const split = splitPart10(bytes);
          offset = split.datasetOffset;
          if (split.transferSyntaxUid) ts = split.transferSyntaxUid;
        } catch { /* no usable meta header: the whole file is the data set */ }
        const sopClass = m?.sop?.startsWith('1.2') ? m.sop : '1.2.840.10008.5.1.4.1.1.7';
        const sop = m?.uid?.startsWith('1') ? `${m.uid}.9` : uid();
        statuses[name] = await storeRaw(sopClass, sop, ts, bytes.subarray(offset));
        await echoOk();
      }
      console.log('broken samples over C-STORE:', Object.entries(statuses).map(([n, s]) => `${n} 0x${s.toString(16)}`).join(', '));
      for (const [name, s] of Object.entries(statuses)) {
        // Every one answered with a status (no abort); a refusal is a failure status, never a warning.
        expect(s, name).toBeGreaterThanOrEqual(0);
        if (s !== 0) expect(s >= 0xa700 && s <= 0xcfff, `${name}: 0x${s.toString(16)}`).toBe(true);
      }
      // Misaligned tags and truncated pixel data cannot be archived.
      expect(statuses['broken_no_meta_stray_leading_byte.dcm']).toBe(0xc000);
      expect(statuses['broken_mr_truncated_pixeldata.dcm']).toBe(0xc000);
    });

    it('all of ../shared/dicom-samples (when present): no crash, each accepted or refused cleanly', async () => {
      if (!HAVE_SAMPLES) return;
      const r = await run('dcmsend', ['-aec', AET, '127.0.0.1', String(port), ...sampleFiles()], 300_000);
      expect(r.out).not.toMatch(/Association Aborted/i);
      await echoOk();
    });
  });

  it('a full archive answers C-STORE with Out of Resources (A700) and stores nothing', async () => {
    // More free space asked for than any disk has: the archive counts as full.
    const full = await startTestApp({ AXIAL_DEMO: 'false', DICOM_PORT: '0', DICOM_HOST: '127.0.0.1', DICOM_AET: AET, AXIAL_MIN_FREE_MB: String(2 ** 40) });
    try {
      const p = full.app.get(DimseService).port!;
      const f = join(work, 'full.dcm');
      const sop = uid();
      writeFileSync(f, syntheticInstance({ sop }));
      const r = await run('storescu', ['-v', '-aec', AET, '127.0.0.1', String(p), f]);
      expect(r.out).toMatch(/Refused: OutOfResources|0xa700/i);
      const token = await client(full.url).login('admin', ADMIN_PASSWORD);
      const q = await fetch(`${full.url}/dicom-web/instances?SOPInstanceUID=${sop}`, { headers: { authorization: `Bearer ${token}` } });
      expect(q.status).toBe(200);
      expect(await q.json()).toEqual([]);
    } finally {
      await full.close();
    }
  });

  it('whitelist: an unknown calling AE is rejected with A-ASSOCIATE-RJ', async () => {
    const wl = await startTestApp({ AXIAL_DEMO: 'false', DICOM_PORT: '0', DICOM_HOST: '127.0.0.1', DICOM_AET: AET, DICOM_AE_WHITELIST: 'true' });
    try {
      const p = wl.app.get(DimseService).port!;
      const r = await run('echoscu', ['-aec', AET, '-aet', 'STRANGER', '127.0.0.1', String(p)]);
      expect(r.code).not.toBe(0);
      expect(r.out).toMatch(/Calling AE Title Not Recognized|rejected/i);
    } finally {
      await wl.close();
    }
  });
});
