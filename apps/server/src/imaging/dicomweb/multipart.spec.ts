import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { boundaryOf, closingDelimiter, MultipartError, partHeader, readMultipart, typeParamOf } from './multipart';

async function collect(body: Buffer, boundary: string, chunkSize: number) {
  const chunks: Buffer[] = [];
  for (let i = 0; i < body.length; i += chunkSize) chunks.push(body.subarray(i, i + chunkSize));
  const parts: Array<{ headers: Record<string, string>; data: Buffer }> = [];
  let cur: Buffer[] = [];
  let headers: Record<string, string> = {};
  await readMultipart(Readable.from(chunks), boundary, {
    start: (h) => { headers = h; cur = []; },
    data: (c) => { cur.push(Buffer.from(c)); },
    end: () => { parts.push({ headers, data: Buffer.concat(cur) }); },
  });
  return parts;
}

function build(boundary: string, payloads: Buffer[]): Buffer {
  const pieces: Buffer[] = [Buffer.from('preamble text\r\n')];
  for (const p of payloads) pieces.push(partHeader(boundary, 'application/dicom'), p, Buffer.from('\r\n'));
  pieces.push(closingDelimiter(boundary));
  return Buffer.concat(pieces);
}

describe('multipart/related reader', () => {
  const boundary = 'b0undary-xyz';
  // payloads that contain CRLF, dashes and a near-boundary to try to confuse the reader
  const payloads = [
    Buffer.from('first\r\n--b0undary-xy not quite\r\n'),
    Buffer.alloc(70_000, 7),
    Buffer.from(''),
    Buffer.from(`--${boundary}`.slice(0, -1)),
  ];

  for (const size of [1, 3, 17, 1024, 1 << 20]) {
    it(`splits parts exactly with ${size}-byte chunks`, async () => {
      const parts = await collect(build(boundary, payloads), boundary, size);
      expect(parts.map((p) => p.data)).toEqual(payloads);
      expect(parts[0].headers['content-type']).toBe('application/dicom');
    });
  }

  it('splits parts exactly wherever a delimiter falls in a chunk (every chunk size around its length)', async () => {
    // …including the boundary text itself not preceded by CRLF (so not a delimiter), and CR/LF/dash-heavy bytes.
    const small = [payloads[0], Buffer.alloc(300, 7), payloads[2], payloads[3], Buffer.from('\r\n-'), Buffer.from(`x--${boundary}\n--${boundary}\r-\r\n\r\n--`)];
    const body = build(boundary, small);
    for (let size = 2; size <= 3 * (boundary.length + 4); size++) {
      const parts = await collect(body, boundary, size);
      expect(parts.map((p) => p.data), `chunks of ${size} bytes`).toEqual(small);
    }
  });

  it('rejects a truncated body', async () => {
    const body = build(boundary, payloads);
    await expect(collect(body.subarray(0, body.length - 40), boundary, 100)).rejects.toBeInstanceOf(MultipartError);
  });

  it('rejects a body without the boundary', async () => {
    await expect(collect(Buffer.from('just some bytes'), boundary, 10)).rejects.toThrow(/Empty or non-multipart|No multipart/);
  });

  it('reads the boundary and type parameters', () => {
    expect(boundaryOf('multipart/related; type="application/dicom"; boundary="abc def"')).toBe('abc def');
    expect(boundaryOf('Multipart/Related;boundary=xyz;type=application/dicom')).toBe('xyz');
    expect(typeParamOf('multipart/related; type="application/DICOM"; boundary=x')).toBe('application/dicom');
    expect(() => boundaryOf('application/json')).toThrow(MultipartError);
    expect(() => boundaryOf('multipart/related; type=application/dicom')).toThrow(/boundary/);
  });
});
