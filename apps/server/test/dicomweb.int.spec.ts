import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../src/identity/seed.service';
import { ADMIN_PASSWORD, client, startTestApp, type TestApp } from './harness';
import { testing } from '@axial/dicom';
import { parseMultipart, sha256, stowBody, syntheticInstance, uid } from './dicom-fixtures';

let app: TestApp;
let api: ReturnType<typeof client>;
let admin: string;

beforeAll(async () => {
  app = await startTestApp();
  api = client(app.url);
  admin = await api.login('admin', ADMIN_PASSWORD);
});
afterAll(async () => app?.close());

async function stow(parts: Parameters<typeof stowBody>[0], token = admin, path = '/dicom-web/studies') {
  const { body, contentType } = stowBody(parts);
  const res = await fetch(app.url + path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': contentType, accept: 'application/dicom+json' }, body });
  return { status: res.status, body: (await res.json()) as any };
}

async function get(path: string, accept?: string, token = admin) {
  const res = await fetch(app.url + path, { headers: { authorization: `Bearer ${token}`, ...(accept ? { accept } : {}) } });
  const buf = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, buf, json: () => JSON.parse(buf.toString()) };
}

const seq = (ds: any, tag: string) => (ds[tag]?.Value ?? []) as any[];
const v = (ds: any, tag: string) => ds[tag]?.Value?.[0];

describe(`DICOMweb (${process.env.AXIAL_TEST_DB ?? 'pglite'})`, () => {
  const study = uid();
  const series = uid();
  const sops = [uid(), uid(), uid()];
  const files = sops.map((sop, i) => syntheticInstance({ study, series, sop, patientName: 'Müller^Jürgen', patientId: 'PID-DW-1', modality: 'CT', studyDate: '20250315', accession: 'ACC-DW', bodyPart: 'CHEST', instanceNumber: i + 1, charset: 'ISO_IR 100' }));

  it('STOW-RS stores several instances in one request (200 with ReferencedSOPSequence)', async () => {
    const r = await stow(files);
    expect(r.status).toBe(200);
    const refs = seq(r.body, '00081199');
    expect(refs.map((i) => v(i, '00081155'))).toEqual(sops);
    expect(refs.every((i) => v(i, '00091003') === 'STORED')).toBe(true);
    expect(v(refs[0], '00081190')).toBe(`${app.url.replace('127.0.0.1', '127.0.0.1')}/dicom-web/studies/${study}/series/${series}/instances/${sops[0]}`);
    expect(r.body['00081198']).toBeUndefined();
  });

  it('QIDO-RS finds the study with computed attributes and a total count', async () => {
    const r = await get(`/dicom-web/studies?PatientID=PID-DW-1`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/application\/dicom\+json/);
    expect(r.headers.get('x-total-count')).toBe('1');
    const [s] = r.json();
    expect(v(s, '0020000D')).toBe(study);
    expect(v(s, '00201208')).toBe(3);
    expect(v(s, '00201206')).toBe(1);
    expect(seq(s, '00080061')).toEqual(['CT']);
    expect(v(s, '00100010')).toEqual({ Alphabetic: 'Müller^Jürgen' });
  });

  it('QIDO-RS matching: wildcard name (case-insensitive), date range, modality, body part, UID list', async () => {
    const q = async (qs: string) => (await get(`/dicom-web/studies?${qs}`)).json().map((s: any) => v(s, '0020000D'));
    expect(await q('PatientName=müll*')).toContain(study);
    expect(await q('PatientName=M?ller*')).toContain(study);
    expect(await q('PatientName=Mayer*')).not.toContain(study);
    expect(await q('StudyDate=20250301-20250331')).toContain(study);
    expect(await q('StudyDate=20250316-')).not.toContain(study);
    expect(await q('ModalitiesInStudy=CT')).toContain(study);
    expect(await q('ModalitiesInStudy=MR')).not.toContain(study);
    expect(await q('BodyPartExamined=CHEST')).toContain(study);
    expect(await q(`StudyInstanceUID=${study}\\1.2.3.999`)).toEqual([study]);
    expect(await q(`AccessionNumber=ACC-DW&PatientID=OTHER`)).toEqual([]);
  });

  it('QIDO-RS series and instance levels', async () => {
    const s = (await get(`/dicom-web/studies/${study}/series`)).json();
    expect(s).toHaveLength(1);
    expect(v(s[0], '0020000E')).toBe(series);
    expect(v(s[0], '00201209')).toBe(3);
    const inst = (await get(`/dicom-web/studies/${study}/series/${series}/instances`)).json();
    expect(inst.map((i: any) => v(i, '00200013'))).toEqual([1, 2, 3]);
    const all = (await get(`/dicom-web/instances?SOPInstanceUID=${sops[1]}`)).json();
    expect(all).toHaveLength(1);
    expect(v(all[0], '0020000D')).toBe(study);
  });

  it('QIDO-RS refuses bad parameters with 400 and a message', async () => {
    for (const qs of ['limit=abc', 'StudyDate=2025-03-15', 'NoSuchKeyword=1', 'offset=-3']) {
      const r = await get(`/dicom-web/studies?${qs}`);
      expect(r.status, qs).toBe(400);
      expect(r.json().message.length).toBeGreaterThan(5);
    }
  });

  it('QIDO-RS pages with limit/offset and keeps the total', async () => {
    const pid = `PID-PAGE-${Date.now()}`;
    await stow([0, 1, 2, 3, 4].map((i) => syntheticInstance({ patientId: pid, studyDate: `2024010${i + 1}` })));
    const p1 = await get(`/dicom-web/studies?PatientID=${pid}&limit=2&offset=0`);
    const p3 = await get(`/dicom-web/studies?PatientID=${pid}&limit=2&offset=4`);
    expect(p1.headers.get('x-total-count')).toBe('5');
    expect(p1.json()).toHaveLength(2);
    expect(p3.json()).toHaveLength(1);
    // default order: newest study first
    expect(v(p1.json()[0], '00080020')).toBe('20240105');
    const asc = await get(`/dicom-web/studies?PatientID=${pid}&orderby=StudyDate&limit=1`);
    expect(v(asc.json()[0], '00080020')).toBe('20240101');
  });

  it('QIDO-RS totals at every level equal the number of matches, whichever tables the keys are in', async () => {
    const pid = `PID-TOTAL-${Date.now()}`;
    const [st, se1, se2] = [uid(), uid(), uid()];
    await stow([
      ...[1, 2, 3].map((i) => syntheticInstance({ patientId: pid, study: st, series: se1, modality: 'CT', instanceNumber: i })),
      ...[1, 2].map((i) => syntheticInstance({ patientId: pid, study: st, series: se2, modality: 'SR', instanceNumber: i })),
    ]);
    for (const path of [
      `/dicom-web/studies?PatientID=${pid}`, `/dicom-web/series?PatientID=${pid}`, `/dicom-web/instances?PatientID=${pid}`,
      `/dicom-web/series?StudyInstanceUID=${st}`, `/dicom-web/instances?StudyInstanceUID=${st}&Modality=SR`,
      `/dicom-web/studies/${st}/series`, `/dicom-web/studies/${st}/instances`, `/dicom-web/studies/${st}/series/${se1}/instances`,
      `/dicom-web/studies/${st}/instances?Modality=CT`,
    ]) {
      const all = get(path);
      const page = await get(`${path}${path.includes('?') ? '&' : '?'}limit=1`);
      const n = (await all).json().length;
      expect(n, path).toBeGreaterThan(0);
      expect(page.headers.get('x-total-count'), path).toBe(String(n));
    }
    // and a count with no condition at all: the whole archive
    const everything = await get('/dicom-web/studies');
    expect((await get('/dicom-web/studies?limit=1')).headers.get('x-total-count')).toBe(String(everything.json().length));
  });

  it('WADO-RS returns the stored bytes unchanged', async () => {
    const r = await get(`/dicom-web/studies/${study}/series/${series}/instances/${sops[1]}`);
    expect(r.status).toBe(200);
    const parts = parseMultipart(r.buf, r.headers.get('content-type')!);
    expect(parts).toHaveLength(1);
    expect(sha256(parts[0].data)).toBe(sha256(files[1]));
    const whole = await get(`/dicom-web/studies/${study}`);
    const all = parseMultipart(whole.buf, whole.headers.get('content-type')!);
    expect(all.map((p) => sha256(p.data)).sort()).toEqual(files.map(sha256).sort());
    const single = await get(`/dicom-web/studies/${study}/series/${series}/instances/${sops[0]}`, 'application/dicom');
    expect(single.headers.get('content-type')).toBe('application/dicom');
    expect(sha256(single.buf)).toBe(sha256(files[0]));
    expect((await get(`/dicom-web/studies/${study}`, 'image/png')).status).toBe(406);
  });

  it('WADO-RS metadata comes from the index, with absolute BulkDataURIs', async () => {
    const r = await get(`/dicom-web/studies/${study}/series/${series}/metadata`);
    expect(r.status).toBe(200);
    const md = r.json();
    expect(md).toHaveLength(3);
    expect(md.map((m: any) => v(m, '00080018'))).toEqual(sops);
    const pixel = md[0]['7FE00010'];
    expect(pixel.BulkDataURI).toBe(`${app.url}/dicom-web/studies/${study}/series/${series}/instances/${sops[0]}/bulk/7FE00010`);
    expect(v(md[0], '00100010')).toEqual({ Alphabetic: 'Müller^Jürgen' });
  });

  it('WADO-RS metadata answered again is current: instances stored or deleted since are in it or gone', async () => {
    const st = uid();
    const se = uid();
    const first = [uid(), uid()];
    await stow(first.map((sop, i) => syntheticInstance({ study: st, series: se, sop, instanceNumber: i + 1 })));
    const sopsOf = async (path: string) => ((await get(path)).json() as any[]).map((m) => v(m, '00080018'));
    const seriesPath = `/dicom-web/studies/${st}/series/${se}/metadata`;
    expect(await sopsOf(seriesPath)).toEqual(first);
    expect(await sopsOf(seriesPath)).toEqual(first); // answered from the cache
    const third = uid();
    await stow([syntheticInstance({ study: st, series: se, sop: third, instanceNumber: 3 })]);
    expect(await sopsOf(seriesPath)).toEqual([...first, third]);
    expect(await sopsOf(`/dicom-web/studies/${st}/metadata`)).toEqual([...first, third]);
    expect((await fetch(`${app.url}/dicom-web/studies/${st}/series/${se}/instances/${first[0]}`, { method: 'DELETE', headers: { authorization: `Bearer ${admin}` } })).status).toBeLessThan(300);
    expect(await sopsOf(seriesPath)).toEqual([first[1], third]);
    expect((await get(`/dicom-web/studies/${st}/series/${se}/instances/${first[0]}/metadata`)).status).toBe(404);
  });

  it('keeps the first copy of a duplicate and says so', async () => {
    const r = await stow([files[0]]);
    expect(r.status).toBe(200);
    const [item] = seq(r.body, '00081199');
    expect(v(item, '00091003')).toBe('DUPLICATE');
    expect(v(item, '00091001')).toMatch(/already archived/);
    const count = (await get(`/dicom-web/studies?StudyInstanceUID=${study}`)).json();
    expect(v(count[0], '00201208')).toBe(3);
  });

  it('rejects bad parts with a reason, stores the good ones (202), and 409 when none is good', async () => {
    const good = syntheticInstance();
    const truncated = syntheticInstance().subarray(0, 200);
    const notDicom = Buffer.from('this is not a DICOM file at all, just some text that goes on and on and on');
    const r = await stow([good, truncated, notDicom, { contentType: 'image/jpeg', data: Buffer.from([0xff, 0xd8]) }]);
    expect(r.status).toBe(202);
    expect(seq(r.body, '00081199')).toHaveLength(1);
    const failed = seq(r.body, '00081198');
    expect(failed.map((f) => v(f, '00091002')).sort()).toEqual([1, 2, 3]);
    for (const f of failed) {
      expect(v(f, '00091003')).toBe('REJECTED');
      expect(typeof v(f, '00081197')).toBe('number');
      expect(v(f, '00091001').length).toBeGreaterThan(5);
    }
    const none = await stow([notDicom]);
    expect(none.status).toBe(409);
    expect((await api.call('GET', '/health')).status).toBe(200);
  });

  it('refuses requests that are not multipart/related DICOM', async () => {
    const res = await fetch(`${app.url}/dicom-web/studies`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(415);
    const truncatedBody = stowBody([syntheticInstance()]);
    const cut = await fetch(`${app.url}/dicom-web/studies`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': truncatedBody.contentType }, body: truncatedBody.body.subarray(0, truncatedBody.body.length - 30) });
    expect(cut.status).toBe(400);
  });

  it('STOW to a study URL rejects instances of another study', async () => {
    const other = syntheticInstance();
    const r = await stow([other], admin, `/dicom-web/studies/${study}`);
    expect(r.status).toBe(409);
    expect(v(seq(r.body, '00081198')[0], '00081197')).toBe(0xa900);
    // and it was not archived
    const sop = v(seq(r.body, '00081198')[0], '00081155');
    expect((await get(`/dicom-web/instances?SOPInstanceUID=${sop}`)).json()).toEqual([]);
  });

  it('enforces permissions: referrer may read but not store or delete; no token → 401', async () => {
    const referrer = await api.login('referrer', DEMO_PASSWORD);
    expect((await get(`/dicom-web/studies?PatientID=PID-DW-1`, undefined, referrer)).status).toBe(200);
    expect((await stow([syntheticInstance()], referrer)).status).toBe(403);
    const del = await fetch(`${app.url}/dicom-web/studies/${study}`, { method: 'DELETE', headers: { authorization: `Bearer ${referrer}` } });
    expect(del.status).toBe(403);
    expect((await fetch(`${app.url}/dicom-web/studies`)).status).toBe(401);
  });

  it('a radiologist (study.annotate) stores reports, key images and presentation states into archived studies, nothing else', async () => {
    const radiologist = await api.login('radiologist', DEMO_PASSWORD);
    const archived = uid();
    expect((await stow([syntheticInstance({ study: archived, modality: 'CT', patientId: 'PID-DW-2' })])).status).toBe(200);
    const annotation = (sopClassUid: string, studyUid: string, modality: string) =>
      testing.buildPart10(
        [
          { tag: 'SOPClassUID', value: sopClassUid },
          { tag: 'SOPInstanceUID', value: uid() },
          { tag: 'PatientName', value: 'Müller^Jürgen' },
          { tag: 'PatientID', value: 'PID-DW-2' },
          { tag: 'Modality', value: modality },
          { tag: 'StudyInstanceUID', value: studyUid },
          { tag: 'SeriesInstanceUID', value: uid() },
        ],
        { transferSyntaxUid: '1.2.840.10008.1.2.1' },
      );
    const sr = annotation('1.2.840.10008.5.1.4.1.1.88.33', archived, 'SR');
    const kos = annotation('1.2.840.10008.5.1.4.1.1.88.59', archived, 'KO');
    const gsps = annotation('1.2.840.10008.5.1.4.1.1.11.1', archived, 'PR');
    const ct = syntheticInstance({ study: archived, modality: 'CT', patientId: 'PID-DW-2' });
    const otherStudy = uid();
    const elsewhere = annotation('1.2.840.10008.5.1.4.1.1.88.33', otherStudy, 'SR');
    const r = await stow([sr, kos, gsps, ct, elsewhere], radiologist);
    expect(r.status).toBe(202);
    expect(seq(r.body, '00081199')).toHaveLength(3);
    const failed = seq(r.body, '00081198');
    expect(failed.map((f) => v(f, '00081197'))).toEqual([0x0124, 0x0124]);
    expect(v(failed[0], '00091001')).toMatch(/needs permission study\.upload/);
    expect(v(failed[1], '00091001')).toMatch(/not in the archive/);
    // Nothing of the refused objects was kept.
    expect((await get(`/dicom-web/studies/${archived}/series?Modality=CT`)).json()).toHaveLength(1);
    const none = await get(`/dicom-web/studies?StudyInstanceUID=${otherStudy}`);
    expect(none.status === 204 || none.json().length === 0).toBe(true);
    // The technician (study.upload) stores anything.
    const technician = await api.login('technician', DEMO_PASSWORD);
    expect((await stow([syntheticInstance({ modality: 'CT' })], technician)).status).toBe(200);
  });

  it('audits searches and retrievals with the patient', async () => {
    const r = await api.call('GET', '/api/v1/audit-events?action=study.&limit=200', { token: admin });
    const actions = new Set(r.body.items.map((e: any) => e.action));
    for (const a of ['study.store', 'study.query', 'study.retrieve', 'study.metadata']) expect(actions.has(a), a).toBe(true);
    const retrieve = r.body.items.find((e: any) => e.action === 'study.retrieve');
    expect(retrieve.patientId).toBe('PID-DW-1');
  });

  it('deletes an instance, then the study; files and index go together', async () => {
    const del1 = await fetch(`${app.url}/dicom-web/studies/${study}/series/${series}/instances/${sops[2]}`, { method: 'DELETE', headers: { authorization: `Bearer ${admin}` } });
    expect(del1.status).toBe(204);
    expect(v((await get(`/dicom-web/studies?StudyInstanceUID=${study}`)).json()[0], '00201208')).toBe(2);
    const del = await fetch(`${app.url}/dicom-web/studies/${study}`, { method: 'DELETE', headers: { authorization: `Bearer ${admin}` } });
    expect(del.status).toBe(204);
    expect((await get(`/dicom-web/studies?StudyInstanceUID=${study}`)).json()).toEqual([]);
    expect((await get(`/dicom-web/studies/${study}/metadata`)).status).toBe(404);
    // stored again after deletion: accepted as new
    const again = await stow([files[0]]);
    expect(v(seq(again.body, '00081199')[0], '00091003')).toBe('STORED');
  });
});
