import { describe, expect, it } from 'vitest';
import { MultipartError, MultipartReader, type StreamPart } from './multipartReader';

const enc = (s: string) => new TextEncoder().encode(s);
const B = 'axial-b0undary';

function body(parts: Array<{ headers: Record<string, string>; data: Uint8Array }>, { preamble = '', epilogue = '' } = {}): Uint8Array {
  const chunks: Uint8Array[] = [enc(preamble)];
  for (const p of parts) {
    chunks.push(enc(`--${B}\r\n${Object.entries(p.headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`), p.data, enc('\r\n'));
  }
  chunks.push(enc(`--${B}--\r\n${epilogue}`));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** Feeds `bytes` in chunks of `size` and collects the parts. */
function read(bytes: Uint8Array, size: number): StreamPart[] {
  const r = new MultipartReader(B);
  const parts: StreamPart[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(...r.push(bytes.subarray(i, i + size)));
  r.end();
  return parts;
}

/** A frame-like payload that contains CRLF and a boundary-looking prefix, to catch off-by-one searches. */
function payload(n: number, seed: number): Uint8Array {
  const d = new Uint8Array(n);
  for (let i = 0; i < n; i++) d[i] = (i * 31 + seed) & 0xff;
  if (n > 8) d.set(enc('\r\n--ax'), 3);
  return d;
}

describe('MultipartReader', () => {
  const frames = [payload(1000, 1), payload(0, 2), payload(4099, 3)];
  for (const withLength of [true, false]) {
    for (const size of [1, 7, 64, 100_000]) {
      it(`reads every part ${withLength ? 'by Content-Length' : 'by searching the delimiter'}, in chunks of ${size} bytes`, () => {
        const bytes = body(
          frames.map((data, i) => ({ headers: { 'Content-Type': 'application/octet-stream', ...(withLength ? { 'Content-Length': String(data.length) } : {}), 'Content-Location': `/f/${i + 1}` }, data })),
          { preamble: 'ignored preamble\r\n', epilogue: 'ignored epilogue' },
        );
        const parts = read(bytes, size);
        expect(parts.map((p) => p.headers['content-location'])).toEqual(['/f/1', '/f/2', '/f/3']);
        for (const [i, p] of parts.entries()) {
          expect([...p.body]).toEqual([...frames[i]]);
          // Each body owns its whole buffer (transferable as it is).
          expect(p.body.byteOffset).toBe(0);
          expect(p.body.buffer.byteLength).toBe(frames[i].length);
        }
      });
    }
  }

  it('reads bodies straight into their buffers as a BYOB reader does (the buffer moved by each read)', () => {
    const bytes = body(frames.map((data, i) => ({ headers: { 'Content-Length': String(data.length), 'Content-Location': `/f/${i + 1}` }, data })));
    const r = new MultipartReader(B);
    const parts: StreamPart[] = [];
    let at = 0;
    let scratch = new ArrayBuffer(10);
    while (at < bytes.length) {
      const into = r.bodyTarget();
      const view = into ?? new Uint8Array(scratch);
      const n = Math.min(view.length, bytes.length - at, 333);
      // A BYOB read fills the view and hands its bytes back in a new ArrayBuffer (the old one is detached).
      const offset = view.byteOffset;
      const moved = new Uint8Array(view.buffer.byteLength);
      moved.set(new Uint8Array(view.buffer));
      moved.set(bytes.subarray(at, at + n), offset);
      structuredClone(view.buffer, { transfer: [view.buffer] }); // detaches it, as the read does
      const filled = new Uint8Array(moved.buffer, offset, n);
      at += n;
      if (into) parts.push(...r.bodyRead(filled));
      else {
        parts.push(...r.push(filled));
        // The caller reuses its scratch memory: the reader must not have kept a view of it.
        new Uint8Array(moved.buffer).fill(0xee);
        scratch = moved.buffer;
      }
    }
    r.end();
    expect(parts.map((p) => p.headers['content-location'])).toEqual(['/f/1', '/f/2', '/f/3']);
    for (const [i, p] of parts.entries()) expect([...p.body]).toEqual([...frames[i]]);
    expect(() => r.bodyRead(new Uint8Array(1))).toThrow(MultipartError);
  });

  it('keeps header names case-insensitive and values trimmed', () => {
    const [p] = read(body([{ headers: { 'CONTENT-TYPE': '  image/jls; transfer-syntax=1.2.840.10008.1.2.4.80 ', 'content-length': '3' }, data: enc('abc') }]), 5);
    expect(p.headers['content-type']).toBe('image/jls; transfer-syntax=1.2.840.10008.1.2.4.80');
  });

  it('refuses a part longer than its Content-Length', () => {
    const bytes = body([{ headers: { 'Content-Length': '3' }, data: enc('abcdef') }]);
    expect(() => read(bytes, 4)).toThrow(MultipartError);
  });

  it('refuses a body that ends before its closing delimiter', () => {
    const bytes = body([{ headers: { 'Content-Length': '100' }, data: payload(100, 9) }]);
    expect(() => read(bytes.subarray(0, bytes.length - 20), 16)).toThrow(/ended before its closing delimiter/);
    expect(() => read(bytes.subarray(0, 60), 16)).toThrow(MultipartError);
  });

  it('refuses a body without any delimiter, and a missing boundary', () => {
    const r = new MultipartReader(B);
    expect(() => r.push(new Uint8Array(70 * 1024))).toThrow(/no multipart delimiter/);
    expect(() => new MultipartReader('')).toThrow(MultipartError);
  });
});
