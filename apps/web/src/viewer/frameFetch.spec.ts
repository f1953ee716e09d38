import { describe, expect, it } from 'vitest';
import { boundaryOf, singlePart } from './frameFetch';

const enc = new TextEncoder();
function body(...chunks: Array<string | Uint8Array>): Uint8Array {
  const parts = chunks.map((c) => (typeof c === 'string' ? enc.encode(c) : c));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
const pixels = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff);

describe('frame multipart parsing', () => {
  it('reads the boundary, quoted or not', () => {
    expect(boundaryOf('multipart/related; type="application/octet-stream"; boundary=abc-1')).toBe('abc-1');
    expect(boundaryOf('multipart/related; boundary="x y"; type=image/jls')).toBe('x y');
    expect(boundaryOf('multipart/related; type="application/octet-stream"')).toBeNull();
  });

  it('returns the bytes and media type of the single part', () => {
    const b = body('--B1\r\nContent-Type: application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1\r\n\r\n', pixels, '\r\n--B1--\r\n');
    const f = singlePart('multipart/related; type="application/octet-stream"; boundary=B1', b);
    expect(f.contentType).toBe('application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1');
    expect(Array.from(f.pixelData)).toEqual(Array.from(pixels));
  });

  it('keeps bytes that look like a CRLF or a dash run inside the frame', () => {
    const tricky = body(pixels, '\r\n--B', pixels, '\r\n\r\n');
    const b = body('\r\n--B2\r\ncontent-type: image/jls\r\n\r\n', tricky, '\r\n--B2--');
    const f = singlePart('multipart/related; boundary=B2', b);
    expect(f.contentType).toBe('image/jls');
    expect(Array.from(f.pixelData)).toEqual(Array.from(tricky));
  });

  it('uses the part Content-Length when it matches the next delimiter, and searches when it does not', () => {
    const head = (n: number) => `--B5\r\nContent-Type: application/octet-stream\r\nContent-Length: ${n}\r\n\r\n`;
    const tricky = body(pixels, '\r\n--B5', pixels);
    const exact = singlePart('multipart/related; boundary=B5', body(head(tricky.length), tricky, '\r\n--B5--\r\n'));
    expect(Array.from(exact.pixelData)).toEqual(Array.from(tricky));
    // Two parts: the length gives the first one's end without looking at the second.
    const two = singlePart('multipart/related; boundary=B5', body(head(pixels.length), pixels, '\r\n--B5\r\n\r\nsecond\r\n--B5--\r\n'));
    expect(Array.from(two.pixelData)).toEqual(Array.from(pixels));
    // A length that does not land on a delimiter is not trusted.
    const wrong = singlePart('multipart/related; boundary=B5', body(head(pixels.length - 1), pixels, '\r\n--B5--\r\n'));
    expect(Array.from(wrong.pixelData)).toEqual(Array.from(pixels));
    const beyond = singlePart('multipart/related; boundary=B5', body(head(pixels.length + 500), pixels, '\r\n--B5--\r\n'));
    expect(Array.from(beyond.pixelData)).toEqual(Array.from(pixels));
  });

  it('takes the first part when there are several, and ignores an epilogue', () => {
    const b = body('--B3\r\nContent-Type: image/jp2\r\n\r\n', pixels, '\r\n--B3\r\nContent-Type: image/jp2\r\n\r\nsecond\r\n--B3--\r\n', 'x'.repeat(200));
    const f = singlePart('multipart/related; boundary=B3', b);
    expect(f.contentType).toBe('image/jp2');
    expect(f.pixelData.length).toBe(pixels.length);
  });

  it('passes a single-part answer through', () => {
    const f = singlePart('image/jpeg', pixels);
    expect(f.pixelData).toBe(pixels);
    expect(f.contentType).toBe('image/jpeg');
  });

  it('rejects a cut or malformed multipart body with a reason', () => {
    const ct = 'multipart/related; boundary=B4';
    expect(() => singlePart(ct, body('--B4\r\nContent-Type: image/jls\r\n\r\n', pixels))).toThrow(/closing boundary/);
    expect(() => singlePart(ct, body('garbage', pixels))).toThrow(/opening boundary/);
    expect(() => singlePart('multipart/related', pixels)).toThrow(/without a boundary/);
  });
});
