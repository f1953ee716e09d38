import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDicom } from '@axial/dicom';
import { DimseService } from '../src/imaging/dimse/dimse.service';
import { splitPart10 } from '../src/imaging/dimse/part10';
import { ADMIN_PASSWORD, client, startTestApp, type TestApp } from './harness';
import { syntheticInstance, uid } from './dicom-fixtures';
import { HAVE_ORTHANC, startOrthanc, stow, waitJob, type Orthanc } from './dimse-peers';

/**
 * Orthanc (Debian's package, a DICOM implementation Axial did not write) as a peer of Axial, both directions:
 * Axial as SCU (C-ECHO, C-STORE "Send to", C-FIND query, C-MOVE retrieve into Axial) and Axial as SCP for Orthanc
 * (C-FIND, C-MOVE to Orthanc, Storage Commitment Push Model with the result as N-EVENT-REPORT).
 * Skipped only where /usr/sbin/Orthanc is absent (CI installs it in .ci/run).
 */
const AET = 'AXIAL_ORT';
const SC_CT = '1.2.840.10008.5.1.4.1.1.7'; // the synthetic instances' SOP class (Secondary Capture)

describe.runIf(HAVE_ORTHANC)(`Orthanc as a DICOM peer (${process.env.AXIAL_TEST_DB ?? 'pglite'})`, () => {
  let app: TestApp;
  let api: ReturnType<typeof client>;
  let admin: string;
  let orthanc: Orthanc;
  let nodeId: string;
  const work = mkdtempSync(join(tmpdir(), 'axial-orthanc-'));

  // In Axial, sent to Orthanc.
  const outStudy = uid();
  const outSeries = uid();
  const outSops = [uid(), uid(), uid(), uid()];
  const outFiles = outSops.map((sop, i) => syntheticInstance({ study: outStudy, series: outSeries, sop, instanceNumber: i + 1, patientId: 'ORT-OUT', patientName: 'Outbound^Olga', modality: 'CT' }));
  // In Orthanc, queried and retrieved into Axial.
  const inStudy = uid();
  const inSeries = uid();
  const inSops = [uid(), uid(), uid()];
  const inFiles = inSops.map((sop, i) => syntheticInstance({ study: inStudy, series: inSeries, sop, instanceNumber: i + 1, patientId: 'ORT-IN', patientName: 'Inbound^Ivan', studyDate: '20230704', modality: 'MR', accession: 'ACC-ORT-IN' }));
  // In Axial, pulled by Orthanc (C-MOVE with Orthanc as the destination).
  const pullStudy = uid();
  const pullSops = [uid(), uid()];
  const pullFiles = pullSops.map((sop, i) => syntheticInstance({ study: pullStudy, sop, instanceNumber: i + 1, patientId: 'ORT-PULL', patientName: 'Pulled^Paula' }));

  beforeAll(async () => {
    app = await startTestApp({ AXIAL_DEMO: 'false', DICOM_AET: AET });
    api = client(app.url);
    admin = await api.login('admin', ADMIN_PASSWORD);
    const port = app.app.get(DimseService).port!;
    orthanc = await startOrthanc(join(work, 'orthanc'), { aet: AET, port });
    const created = await api.call('POST', '/api/v1/dicom-nodes', { token: admin, body: { aeTitle: orthanc.aet, host: '127.0.0.1', port: orthanc.dicomPort, description: 'Orthanc (test)' } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    nodeId = created.body.id;
    await stow(app.url, admin, [...outFiles, ...pullFiles]);
    for (const f of inFiles) {
      const r = await orthanc.rest('POST', '/instances', f);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
  });

  afterAll(async () => {
    await orthanc?.stop();
    await app?.close();
    rmSync(work, { recursive: true, force: true });
  });

  const orthancLog = () => orthanc.log().split('\n').slice(-40).join('\n');

  it('C-ECHO SCU: Verify answers with the round trip', async () => {
    const r = await api.call('POST', `/api/v1/dicom-nodes/${nodeId}/echo`, { token: admin });
    expect(r.body, orthancLog()).toMatchObject({ ok: true, status: 0 });
  });

  it('"Send to" Orthanc (C-STORE SCU job): per-instance results, progress, data sets byte-identical in Orthanc', async () => {
    const started = await api.call('POST', `/api/v1/dicom-nodes/${nodeId}/store`, { token: admin, body: { studyUid: outStudy } });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(started.body).toMatchObject({ type: 'store', nodeAeTitle: orthanc.aet });
    const { job } = await waitJob(api, admin, started.body.id);
    expect(job, orthancLog()).toMatchObject({ status: 'done', total: outSops.length, completed: outSops.length, failed: 0, error: null });
    const results = JSON.parse(job.result!) as Array<{ sopInstanceUid: string; status: string }>;
    expect(results.map((r) => r.sopInstanceUid).sort()).toEqual([...outSops].sort());
    expect(results.every((r) => r.status === '0x0000')).toBe(true);
    // Orthanc has them, and what it stored is what Axial holds.
    const found = await orthanc.rest('POST', '/tools/find', { Level: 'Instance', Query: { StudyInstanceUID: outStudy }, Expand: true });
    expect(found.body.length).toBe(outSops.length);
    for (const inst of found.body as Array<{ ID: string; MainDicomTags: { SOPInstanceUID: string } }>) {
      const i = outSops.indexOf(inst.MainDicomTags.SOPInstanceUID);
      expect(i).toBeGreaterThanOrEqual(0);
      const file = Buffer.from(await (await fetch(`${orthanc.url}/instances/${inst.ID}/file`)).arrayBuffer());
      const original = Buffer.from(outFiles[i]);
      const a = splitPart10(file);
      const b = splitPart10(original);
      expect(a.transferSyntaxUid).toBe(b.transferSyntaxUid);
      expect(file.subarray(a.datasetOffset).equals(original.subarray(b.datasetOffset))).toBe(true);
    }
  });

  it('a store job to a node that refuses the association fails with the reason', async () => {
    const bad = await api.call('POST', '/api/v1/dicom-nodes', { token: admin, body: { aeTitle: 'NOT_ORTHANC', host: '127.0.0.1', port: orthanc.dicomPort } });
    const started = await api.call('POST', `/api/v1/dicom-nodes/${bad.body.id}/store`, { token: admin, body: { studyUid: outStudy } });
    const { job } = await waitJob(api, admin, started.body.id);
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/rejected/i);
  });

  it('C-FIND SCU: query Orthanc by patient ID, by name wildcard and date range', async () => {
    const byId = await api.call('POST', `/api/v1/dicom-nodes/${nodeId}/query`, { token: admin, body: { keys: { PatientID: 'ORT-IN' } } });
    expect(byId.status, JSON.stringify(byId.body)).toBe(200);
    expect(byId.body.length).toBe(1);
    const m = byId.body[0];
    expect(m['0020000D'].Value[0]).toBe(inStudy);
    expect(m['00100010'].Value[0].Alphabetic).toBe('Inbound^Ivan');
    expect(m['00080050'].Value[0]).toBe('ACC-ORT-IN');
    expect(String(m['00201208']?.Value?.[0])).toBe('3');
    const byName = await api.call('POST', `/api/v1/dicom-nodes/${nodeId}/query`, { token: admin, body: { keys: { PatientName: 'INBOUND*', StudyDate: '20230701-20230731' } } });
    expect(byName.body.map((x: any) => x['0020000D'].Value[0])).toEqual([inStudy]);
    const none = await api.call('POST', `/api/v1/dicom-nodes/${nodeId}/query`, { token: admin, body: { keys: { PatientID: 'ORT-IN', StudyDate: '20240101-' } } });
    expect(none.body).toEqual([]);
  });

  it('C-MOVE SCU: retrieve a study from Orthanc into Axial (Orthanc moves to Axial) as a job', async () => {
    const started = await api.call('POST', `/api/v1/dicom-nodes/${nodeId}/retrieve`, { token: admin, body: { studyUid: inStudy } });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const { job } = await waitJob(api, admin, started.body.id);
    expect(job, orthancLog()).toMatchObject({ type: 'retrieve', status: 'done', completed: inSops.length, failed: 0 });
    const q = await fetch(`${app.url}/dicom-web/studies/${inStudy}/instances`, { headers: { authorization: `Bearer ${admin}` } });
    const instances = await q.json() as Array<Record<string, { Value: string[] }>>;
    expect(instances.map((x) => x['00080018'].Value[0]).sort()).toEqual([...inSops].sort());
    // Bytes as Orthanc sent them: the data set after the meta header equals the one uploaded to Orthanc.
    const wado = Buffer.from(await (await fetch(`${app.url}/dicom-web/studies/${inStudy}/series/${inSeries}/instances/${inSops[0]}`, { headers: { authorization: `Bearer ${admin}`, accept: 'application/dicom' } })).arrayBuffer());
    const a = splitPart10(wado);
    const b = splitPart10(Buffer.from(inFiles[0]));
    expect(wado.subarray(a.datasetOffset).equals(Buffer.from(inFiles[0]).subarray(b.datasetOffset))).toBe(true);
  });

  it('a retrieve of a study Orthanc does not have ends as a failed job with the C-MOVE status', async () => {
    const started = await api.call('POST', `/api/v1/dicom-nodes/${nodeId}/retrieve`, { token: admin, body: { studyUid: uid() } });
    const { job } = await waitJob(api, admin, started.body.id);
    // Orthanc answers a C-MOVE that matches nothing with success and zero sub-operations, or with a failure status.
    if (job.status === 'done') expect(job.completed).toBe(0);
    else expect(job.error).toMatch(/C-MOVE/);
  });

  it('Orthanc queries Axial (C-FIND SCP) and retrieves from it (C-MOVE SCP, Orthanc as destination)', async () => {
    const q = await orthanc.rest('POST', '/modalities/axial/query', { Level: 'Study', Query: { PatientID: 'ORT-PULL', StudyInstanceUID: '', PatientName: '' } });
    expect(q.status, `${JSON.stringify(q.body)}\n${orthancLog()}`).toBe(200);
    const answers = await orthanc.rest('GET', `/queries/${q.body.ID}/answers?expand`);
    expect(answers.body.length).toBe(1);
    expect(answers.body[0]['0020,000d'].Value).toBe(pullStudy);
    expect(answers.body[0]['0010,0010'].Value).toBe('Pulled^Paula');
    const move = await orthanc.rest('POST', `/queries/${q.body.ID}/retrieve`, { TargetAet: orthanc.aet, Synchronous: true });
    expect(move.status, `${JSON.stringify(move.body)}\n${orthancLog()}`).toBe(200);
    const found = await orthanc.rest('POST', '/tools/find', { Level: 'Instance', Query: { StudyInstanceUID: pullStudy }, Expand: true });
    expect(found.body.map((x: any) => x.MainDicomTags.SOPInstanceUID).sort()).toEqual([...pullSops].sort());
    // Same thing through /modalities/{id}/move at series level is refused for an unregistered destination.
    const refused = await orthanc.rest('POST', '/modalities/axial/move', { Level: 'Study', Resources: [{ StudyInstanceUID: pullStudy }], TargetAet: 'NOBODY', Synchronous: true });
    expect(refused.status).not.toBe(200);
  });

  it('Storage Commitment: Orthanc as SCU, Axial as SCP answers with N-EVENT-REPORT (success, then with a failure)', async () => {
    const commit = async (instances: Array<{ SOPClassUID: string; SOPInstanceUID: string }>) => {
      const r = await orthanc.rest('POST', '/modalities/axial/storage-commitment', { DicomInstances: instances, Timeout: 20 });
      expect(r.status, `${JSON.stringify(r.body)}\n${orthancLog()}`).toBe(200);
      const until = Date.now() + 30_000;
      for (;;) {
        const s = await orthanc.rest('GET', `/storage-commitment/${r.body.ID}`);
        if (s.body.Status !== 'Pending') return s.body as { Status: string; Success?: Array<{ SOPInstanceUID: string }>; Failures?: Array<{ SOPInstanceUID: string; FailureReason: number }>; RemoteAET: string };
        if (Date.now() > until) throw new Error(`storage commitment still pending\n${orthancLog()}`);
        await new Promise((res) => setTimeout(res, 100));
      }
    };
    const sopClass = parseDicom(new Uint8Array(outFiles[0]), { untilPixelData: true }).header.sopClassUid;
    expect(sopClass).toBe(SC_CT);
    const ok = await commit(outSops.map((s) => ({ SOPClassUID: sopClass, SOPInstanceUID: s })));
    expect(ok.Status, JSON.stringify(ok)).toBe('Success');
    expect(ok.RemoteAET).toBe(AET);
    expect(ok.Success!.map((x) => x.SOPInstanceUID).sort()).toEqual([...outSops].sort());
    const missing = uid();
    const mixed = await commit([{ SOPClassUID: sopClass, SOPInstanceUID: outSops[0] }, { SOPClassUID: sopClass, SOPInstanceUID: missing }]);
    expect(mixed.Status, JSON.stringify(mixed)).toBe('Failure');
    expect(mixed.Success!.map((x) => x.SOPInstanceUID)).toEqual([outSops[0]]);
    expect(mixed.Failures).toEqual([expect.objectContaining({ SOPInstanceUID: missing, FailureReason: 0x0112 })]);
    // The audit trail has both transactions, delivered. Axial writes the event once the report is delivered,
    // so Orthanc may know the outcome a moment before the event is committed: wait for it (bounded).
    type CommitEvent = { details: { delivered: boolean; committed: number; failed: number; association: string } };
    let events: CommitEvent[] = [];
    for (const until = Date.now() + 10_000; Date.now() < until; await new Promise((res) => setTimeout(res, 100))) {
      const audit = await api.call('GET', '/api/v1/audit-events?action=storage.commitment', { token: admin });
      events = (audit.body.items ?? audit.body) as CommitEvent[];
      if (events.length >= 2) break;
    }
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events.every((e) => e.details.delivered)).toBe(true);
    console.log(`storage commitment reports: ${events.map((e) => e.details.association).join(", ")} association`);
  });
});
