import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHeader } from '@axial/dicom';
import { ADMIN_PASSWORD, client, startTestApp, type TestApp } from './harness';
import { sha256 } from './dicom-fixtures';

/**
 * A real third-party DICOMweb client (the `dicomweb-client` npm package used by OHIF and Slim) against the
 * running server. It is a browser library: xhr2 provides XMLHttpRequest in Node.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
(globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = require('xhr2');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { api } = require('dicomweb-client') as { api: { DICOMwebClient: new (o: object) => any } };

const DEMO = resolve(__dirname, '../../../fixtures/demo');
const ct = readFileSync(join(DEMO, 'ct_explicit_le_signed16.dcm'));
const us = readFileSync(join(DEMO, 'us_multiframe_jpeg_ybr422_30f.dcm'));

let app: TestApp;
let dw: any;
beforeAll(async () => {
  app = await startTestApp({ AXIAL_DEMO: 'false' });
  const token = await client(app.url).login('admin', ADMIN_PASSWORD);
  dw = new api.DICOMwebClient({ url: `${app.url}/dicom-web`, headers: { Authorization: `Bearer ${token}` } });
});
afterAll(async () => app?.close());

const toArrayBuffer = (b: Buffer) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);

describe(`dicomweb-client against Axial (${process.env.AXIAL_TEST_DB ?? 'pglite'})`, () => {
  const h = readHeader(new Uint8Array(ct));
  const hu = readHeader(new Uint8Array(us));

  it('stores with STOW-RS', async () => {
    await dw.storeInstances({ datasets: [toArrayBuffer(ct), toArrayBuffer(us)] });
  });

  it('searches with QIDO-RS', async () => {
    const studies = await dw.searchForStudies({ queryParams: { PatientID: h.patient.patientId } });
    expect(studies.map((s: any) => s['0020000D'].Value[0])).toContain(h.studyInstanceUid);
    const series = await dw.searchForSeries({ studyInstanceUID: h.studyInstanceUid });
    expect(series[0]['0020000E'].Value[0]).toBe(h.seriesInstanceUid);
    const instances = await dw.searchForInstances({ studyInstanceUID: h.studyInstanceUid, seriesInstanceUID: h.seriesInstanceUid });
    expect(instances.map((i: any) => i['00080018'].Value[0])).toContain(h.sopInstanceUid);
  });

  it('retrieves the instance unchanged and its metadata', async () => {
    const ids = { studyInstanceUID: h.studyInstanceUid, seriesInstanceUID: h.seriesInstanceUid, sopInstanceUID: h.sopInstanceUid };
    const inst = await dw.retrieveInstance(ids);
    expect(sha256(new Uint8Array(inst))).toBe(sha256(ct));
    const md = await dw.retrieveInstanceMetadata(ids);
    expect(md[0]['00080018'].Value[0]).toBe(h.sopInstanceUid);
    const seriesMd = await dw.retrieveSeriesMetadata({ studyInstanceUID: h.studyInstanceUid, seriesInstanceUID: h.seriesInstanceUid });
    expect(seriesMd.length).toBeGreaterThanOrEqual(1);
  });

  it('retrieves frames and rendered images', async () => {
    const ids = { studyInstanceUID: hu.studyInstanceUid, seriesInstanceUID: hu.seriesInstanceUid, sopInstanceUID: hu.sopInstanceUid };
    const frames = await dw.retrieveInstanceFrames({ ...ids, frameNumbers: [1, 2] });
    expect(frames).toHaveLength(2);
    expect(frames[0].byteLength).toBe(hu.instance.rows! * hu.instance.columns! * 3);
    const rendered = await dw.retrieveInstanceRendered({ ...ids, mediaTypes: [{ mediaType: 'image/png' }] });
    // dicomweb-client hands back the body parts as an array (one part for an image response)
    const png = Buffer.from(Array.isArray(rendered) ? rendered[0] : rendered);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
  });
});
