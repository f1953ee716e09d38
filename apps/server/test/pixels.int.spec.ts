import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHeader } from '@axial/dicom';
import { ADMIN_PASSWORD, client, startTestApp, type TestApp } from './harness';
import { request } from 'node:http';
import { parseMultipart, sha256, stowBody, syntheticInstance, syntheticPixels, uid } from './dicom-fixtures';

/** WADO-RS pixel resources on committed fixtures (fixtures/demo, see NOTICE): frames, rendered, thumbnail, bulk, transcoding. */
const DEMO = resolve(__dirname, '../../../fixtures/demo');
const load = (name: string) => readFileSync(join(DEMO, name));

let app: TestApp;
let token: string;
const files = {
  ct: load('ct_explicit_le_signed16.dcm'),
  j2k: load('ct_jpeg2000_lossless.dcm'),
  us: load('us_multiframe_jpeg_ybr422_30f.dcm'),
  sr: load('sr_comprehensive3d_highdicom.dcm'),
};
/** The stored native pixel data of the uncompressed CT, located by the header reader. */
function ctPixels(): Buffer {
  const px = readHeader(new Uint8Array(files.ct)).pixelData!;
  return files.ct.subarray(px.fileOffset!, px.fileOffset! + px.length!);
}
const ids = Object.fromEntries(Object.entries(files).map(([k, b]) => {
  const h = readHeader(new Uint8Array(b));
  return [k, { study: h.studyInstanceUid, series: h.seriesInstanceUid, sop: h.sopInstanceUid, path: `/dicom-web/studies/${h.studyInstanceUid}/series/${h.seriesInstanceUid}/instances/${h.sopInstanceUid}` }];
})) as Record<keyof typeof files, { study: string; series: string; sop: string; path: string }>;

beforeAll(async () => {
  app = await startTestApp({ AXIAL_DEMO: 'false' });
  token = await client(app.url).login('admin', ADMIN_PASSWORD);
  const { body, contentType } = stowBody(Object.values(files));
  const r = await fetch(`${app.url}/dicom-web/studies`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': contentType }, body });
  expect(r.status).toBe(200);
});
afterAll(async () => app?.close());

async function get(path: string, accept?: string) {
  const r = await fetch(app.url + path, { headers: { authorization: `Bearer ${token}`, ...(accept ? { accept } : {}) } });
  return { status: r.status, type: r.headers.get('content-type') ?? '', buf: Buffer.from(await r.arrayBuffer()) };
}

describe(`WADO-RS pixels (${process.env.AXIAL_TEST_DB ?? 'pglite'})`, () => {
  it('native frames come back as the exact pixel bytes', async () => {
    const r = await get(`${ids.ct.path}/frames/1`);
    expect(r.status).toBe(200);
    const [part] = parseMultipart(r.buf, r.type);
    expect(part.headers).toMatch(/application\/octet-stream; transfer-syntax=1\.2\.840\.10008\.1\.2\.1/);
    expect(part.data.length).toBe(512 * 512 * 2);
    // Each part says its length, so a client finds the frame's end without scanning it for the boundary.
    expect(part.headers).toMatch(new RegExp(`(^|\r\n)Content-Length: ${512 * 512 * 2}(\r\n|$)`));
    expect(sha256(part.data)).toBe(sha256(ctPixels()));
  });

  it('compressed frames: as stored with transfer-syntax=*, decoded by default; lossless decode equals the native image', async () => {
    const stored = await get(`${ids.j2k.path}/frames/1`, 'multipart/related; type="application/octet-stream"; transfer-syntax=*');
    expect(stored.status).toBe(200);
    const [sp] = parseMultipart(stored.buf, stored.type);
    expect(sp.headers).toMatch(/transfer-syntax=1\.2\.840\.10008\.1\.2\.4\.90/);
    expect(sp.data.length).toBeLessThan(512 * 512 * 2);
    const decoded = await get(`${ids.j2k.path}/frames/1`);
    const [dp] = parseMultipart(decoded.buf, decoded.type);
    expect(dp.data.length).toBe(512 * 512 * 2);
    // same NEMA CT1 image as the uncompressed file: identical pixels
    expect(sha256(dp.data)).toBe(sha256(ctPixels()));
  });

  it('multi-frame: several frames in one request, out of range is 404, a bad list 400', async () => {
    const r = await get(`${ids.us.path}/frames/1,15,30`, 'multipart/related; type="application/octet-stream"; transfer-syntax=*');
    expect(r.status).toBe(200);
    const parts = parseMultipart(r.buf, r.type);
    expect(parts).toHaveLength(3);
    for (const p of parts) expect(p.headers).toContain(`Content-Length: ${p.data.length}`);
    expect(parts.every((p) => p.data[0] === 0xff && p.data[1] === 0xd8)).toBe(true); // JPEG SOI
    expect((await get(`${ids.us.path}/frames/31`)).status).toBe(404);
    expect((await get(`${ids.us.path}/frames/0`)).status).toBe(400);
    expect((await get(`${ids.us.path}/frames/a,b`)).status).toBe(400);
  });

  it('series pixel data: every frame of the series in one answer, each part named by its frame URL', async () => {
    const accept = 'multipart/related; type="application/octet-stream"; transfer-syntax=*';
    const seriesPath = (k: keyof typeof ids) => `/dicom-web/studies/${ids[k].study}/series/${ids[k].series}`;
    const us = await get(`${seriesPath('us')}/pixeldata`, accept);
    expect(us.status).toBe(200);
    expect(us.type).toMatch(/^multipart\/related; type="application\/octet-stream"; boundary=/);
    const parts = parseMultipart(us.buf, us.type);
    expect(parts).toHaveLength(30);
    for (const [i, p] of parts.entries()) {
      expect(p.headers).toContain(`Content-Location: ${ids.us.path}/frames/${i + 1}`);
      expect(p.headers).toContain(`Content-Length: ${p.data.length}`);
    }
    // Each part is what /frames answers for that frame, media type included.
    for (const n of [1, 17, 30]) {
      const one = await get(`${ids.us.path}/frames/${n}`, accept);
      const [single] = parseMultipart(one.buf, one.type);
      expect(sha256(parts[n - 1].data)).toBe(sha256(single.data));
      expect(/Content-Type: ([^\r\n]+)/.exec(parts[n - 1].headers)?.[1]).toBe(/Content-Type: ([^\r\n]+)/.exec(single.headers)?.[1]);
    }
    // Native CT: the stored pixel bytes; compressed without transfer-syntax=*: decoded to Explicit VR LE.
    const ct = await get(`${seriesPath('ct')}/pixeldata`);
    const [ctPart] = parseMultipart(ct.buf, ct.type);
    expect(sha256(ctPart.data)).toBe(sha256(ctPixels()));
    const j2k = await get(`${seriesPath('j2k')}/pixeldata`);
    const [j2kPart] = parseMultipart(j2k.buf, j2k.type);
    expect(j2kPart.headers).toMatch(/transfer-syntax=1\.2\.840\.10008\.1\.2\.1(\r|$)/m);
    expect(sha256(j2kPart.data)).toBe(sha256(ctPixels()));
    // A series without images, an unknown series, no token.
    expect((await get(`${seriesPath('sr')}/pixeldata`)).status).toBe(404);
    expect((await get(`/dicom-web/studies/${ids.ct.study}/series/1.2.3.4/pixeldata`)).status).toBe(404);
    expect((await fetch(`${app.url}${seriesPath('ct')}/pixeldata`)).status).toBe(401);
  });

  it('series pixel data read slowly by the client: every part still holds its own frame', async () => {
    // 60 images of 256 KB, each with its own pixels: the server reads files ahead into buffers it reuses once the
    // socket has taken their bytes; a client that stops reading makes the writes wait (back-pressure).
    const study = uid();
    const series = uid();
    const sops = Array.from({ length: 60 }, () => uid());
    const { body, contentType } = stowBody(sops.map((sop, i) => syntheticInstance({ study, series, sop, matrix: 512, seed: i, instanceNumber: i + 1 })));
    const stored = await fetch(`${app.url}/dicom-web/studies`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': contentType }, body });
    expect(stored.status).toBe(200);
    const answer = await new Promise<{ type: string; buf: Buffer }>((resolve, reject) => {
      const req = request(`${app.url}/dicom-web/studies/${study}/series/${series}/pixeldata`, { headers: { authorization: `Bearer ${token}` } }, (res) => {
        const chunks: Buffer[] = [];
        // A slow reader from start to end: a pause at first (the socket's buffers fill), then one after every chunk.
        res.pause();
        setTimeout(() => res.resume(), 300);
        res.on('data', (c: Buffer) => {
          chunks.push(c);
          res.pause();
          setTimeout(() => res.resume(), 2);
        });
        res.on('end', () => resolve({ type: String(res.headers['content-type']), buf: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    const parts = parseMultipart(answer.buf, answer.type);
    expect(parts).toHaveLength(60);
    // A client that goes away after the first bytes: the server stops writing and keeps answering.
    await new Promise<void>((resolve, reject) => {
      const req = request(`${app.url}/dicom-web/studies/${study}/series/${series}/pixeldata`, { headers: { authorization: `Bearer ${token}` } }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? resolve() : reject(e)));
      req.end();
    });
    expect((await get(`/dicom-web/studies/${study}/series/${series}/pixeldata`)).status).toBe(200);
    // A file gone from the disk after the answer started: the answer ends short (no closing delimiter), the frames
    // before it are whole, and the server keeps answering.
    rmSync(join(app.config.dataDir, 'archive', study, series, `${sops[30]}.dcm`));
    const cut = await new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      const req = request(`${app.url}/dicom-web/studies/${study}/series/${series}/pixeldata`, { headers: { authorization: `Bearer ${token}` } }, (res) => {
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks)));
        res.on('error', () => resolve(Buffer.concat(chunks)));
        res.on('aborted', () => resolve(Buffer.concat(chunks)));
      });
      req.on('error', () => resolve(Buffer.concat(chunks)));
      req.end();
    });
    expect(cut.includes(`/instances/${sops[29]}/frames/1`)).toBe(true);
    expect(cut.includes(`/instances/${sops[31]}/frames/1`)).toBe(false);
    expect(cut.subarray(-200).toString('latin1')).not.toMatch(/--\r\n$/);
    expect((await get(`/dicom-web/studies/${study}/series/${series}/instances/${sops[0]}/frames/1`)).status).toBe(200);
    const bySop = new Map(sops.map((sop, i) => [sop, i]));
    for (const p of parts) {
      const sop = /Content-Location: \S*\/instances\/([0-9.]+)\/frames\/1/.exec(p.headers)?.[1];
      const i = bySop.get(sop ?? '');
      expect(i).toBeDefined();
      expect(sha256(p.data)).toBe(sha256(syntheticPixels(512, i)));
    }
  });

  it('renders JPEG and PNG with window and viewport', async () => {
    const jpeg = await get(`${ids.ct.path}/rendered`);
    expect(jpeg.status).toBe(200);
    expect(jpeg.type).toBe('image/jpeg');
    expect(jpeg.buf.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    const png = await get(`${ids.ct.path}/rendered?window=40,400&viewport=64,64`, 'image/png');
    expect(png.type).toBe('image/png');
    expect(png.buf.readUInt32BE(16)).toBe(64); // IHDR width
    expect(png.buf.readUInt32BE(20)).toBe(64);
    const narrow = await get(`${ids.ct.path}/rendered?window=40,1&viewport=64,64`, 'image/png');
    expect(sha256(narrow.buf)).not.toBe(sha256(png.buf));
    expect((await get(`${ids.ct.path}/rendered?window=40,-5`)).status).toBe(400);
    expect((await get(`${ids.ct.path}/rendered`, 'image/gif')).status).toBe(406);
  });

  it('thumbnails at series and study level; none for a structured report', async () => {
    const t = await get(`/dicom-web/studies/${ids.us.study}/series/${ids.us.series}/thumbnail`);
    expect(t.status).toBe(200);
    expect(t.type).toBe('image/jpeg');
    const s = await get(`/dicom-web/studies/${ids.ct.study}/thumbnail?viewport=32,32`, 'image/png');
    expect(s.buf.readUInt32BE(16)).toBeLessThanOrEqual(32);
    expect((await get(`/dicom-web/studies/${ids.sr.study}/series/${ids.sr.series}/thumbnail`)).status).toBe(404);
  });

  it('transcodes to Explicit VR Little Endian on request', async () => {
    const r = await get(ids.j2k.path, 'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.1');
    expect(r.status).toBe(200);
    const [p] = parseMultipart(r.buf, r.type);
    const h = readHeader(new Uint8Array(p.data));
    expect(h.transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
    expect(h.sopInstanceUid).toBe(ids.j2k.sop);
    expect(p.data.length).toBeGreaterThan(512 * 512 * 2);
  });

  it('serves bulk data named in the metadata', async () => {
    const md = JSON.parse((await get(`${ids.ct.path}/metadata`)).buf.toString());
    const uri: string = md[0]['7FE00010'].BulkDataURI;
    const r = await get(new URL(uri).pathname);
    expect(r.status).toBe(200);
    const [p] = parseMultipart(r.buf, r.type);
    expect(p.data.length).toBe(512 * 512 * 2);
    expect((await get(`${ids.ct.path}/bulk/not-a-tag`)).status).toBe(400);
    expect((await get(`${ids.ct.path}/bulk/00091234`)).status).toBe(404);
  });
});

describe('WADO-URI', () => {
  const q = (k: keyof typeof ids, extra = '') => `/wado?requestType=WADO&studyUID=${ids[k].study}&seriesUID=${ids[k].series}&objectUID=${ids[k].sop}${extra}`;

  it('returns the stored file and rendered images', async () => {
    const dcm = await get(q('ct', '&contentType=application/dicom'));
    expect(dcm.status).toBe(200);
    expect(sha256(dcm.buf)).toBe(sha256(files.ct));
    const jpeg = await get(q('ct'));
    expect(jpeg.type).toBe('image/jpeg');
    const png = await get(q('us', '&contentType=image/png&frameNumber=10&rows=100&columns=100'));
    expect(png.type).toBe('image/png');
    expect(png.buf.readUInt32BE(16)).toBeLessThanOrEqual(100);
    const le = await get(q('j2k', '&contentType=application/dicom&transferSyntax=1.2.840.10008.1.2.1'));
    expect(readHeader(new Uint8Array(le.buf)).transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
  });

  it('refuses malformed requests with 400', async () => {
    expect((await get(`/wado?requestType=WADO&studyUID=1.2&seriesUID=1.3`)).status).toBe(400);
    expect((await get(q('ct', '&windowCenter=40'))).status).toBe(400);
    expect((await get(q('ct').replace('requestType=WADO', 'requestType=FOO'))).status).toBe(400);
    expect((await get(q('ct', '&contentType=video/mpeg'))).status).toBe(406);
    expect((await get(q('ct', '&frameNumber=2'))).status).toBe(404);
  });
});
