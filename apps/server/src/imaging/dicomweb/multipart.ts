import type { Readable } from 'node:stream';

/**
 * Streaming reader of multipart/related bodies (RFC 2387, as used by STOW-RS, PS3.18 §8.6.1.2):
 * parts are handed over chunk by chunk, so a 1 GB request never sits in memory.
 */
export interface PartHandler {
  start(headers: Record<string, string>): Promise<void> | void;
  data(chunk: Buffer): Promise<void> | void;
  end(): Promise<void> | void;
}

export class MultipartError extends Error {}

export interface MultipartLimits {
  maxParts: number;
  maxHeaderBytes: number;
}

const DEFAULT_LIMITS: MultipartLimits = { maxParts: 100_000, maxHeaderBytes: 16 * 1024 };

/** The boundary parameter of a multipart Content-Type, or an error saying what is wrong. */
export function boundaryOf(contentType: string | undefined): string {
  const ct = contentType ?? '';
  if (!/^multipart\/related\b/i.test(ct.trim())) throw new MultipartError('Content-Type must be multipart/related');
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(ct);
  const b = m?.[1] ?? m?.[2];
  if (!b || b.length > 200) throw new MultipartError('multipart/related without a valid boundary parameter');
  return b;
}

/** The `type` parameter of a multipart/related Content-Type (the media type of its root/parts). */
export function typeParamOf(contentType: string | undefined): string | undefined {
  const m = /;\s*type=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  return (m?.[1] ?? m?.[2])?.toLowerCase();
}

/**
 * Where `delimiter` (CRLF + `dash`) first occurs in `buf`, or -1. Searched as `dash` (the "--boundary" part) and
 * then checked for the CRLF before it: Node's search starts with the needle's first byte, and CR is frequent in
 * 16-bit pixel data (1 byte in 32 in the bench's CT), where '-' is rare. 525 KB of CT: 8 µs against 128 µs.
 */
function findDelimiter(buf: Buffer, dash: Buffer): number {
  for (let from = 2; ; ) {
    const at = buf.indexOf(dash, from);
    if (at < 0) return -1;
    if (buf[at - 2] === 0x0d && buf[at - 1] === 0x0a) return at - 2;
    from = at + 1;
  }
}

export async function readMultipart(body: Readable | AsyncIterable<Buffer>, boundary: string, handler: PartHandler, limits: Partial<MultipartLimits> = {}): Promise<number> {
  const lim = { ...DEFAULT_LIMITS, ...limits };
  const dash = Buffer.from(`--${boundary}`);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  let buf: Buffer = Buffer.alloc(0);
  type State = 'preamble' | 'afterBoundary' | 'headers' | 'body' | 'done';
  let state = 'preamble' as State;
  let parts = 0;

  const step = async (final: boolean): Promise<boolean> => {
    switch (state) {
      case 'preamble': {
        // The first delimiter may start the body without a leading CRLF.
        let idx = buf.indexOf(dash);
        if (idx < 0) {
          if (buf.length > 64 * 1024) throw new MultipartError('No multipart boundary found');
          return false;
        }
        buf = buf.subarray(idx + dash.length);
        state = 'afterBoundary';
        return true;
      }
      case 'afterBoundary': {
        if (buf.length < 2) return false;
        if (buf[0] === 0x2d && buf[1] === 0x2d) { // "--": close delimiter
          state = 'done';
          return false;
        }
        const eol = buf.indexOf('\r\n');
        if (eol < 0) {
          if (buf.length > 1024) throw new MultipartError('Malformed multipart boundary line');
          return false;
        }
        buf = buf.subarray(eol + 2); // transport padding is ignored (RFC 2046 §5.1.1)
        state = 'headers';
        return true;
      }
      case 'headers': {
        const end = buf.indexOf('\r\n\r\n');
        const emptyHeaders = buf.length >= 2 && buf[0] === 0x0d && buf[1] === 0x0a;
        if (end < 0 && !emptyHeaders) {
          if (buf.length > lim.maxHeaderBytes) throw new MultipartError('Multipart part headers too large');
          return false;
        }
        const raw = emptyHeaders ? '' : buf.subarray(0, end).toString('latin1');
        buf = buf.subarray(emptyHeaders ? 2 : end + 4);
        const headers: Record<string, string> = {};
        for (const line of raw.split('\r\n')) {
          const c = line.indexOf(':');
          if (c > 0) headers[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
        }
        if (++parts > lim.maxParts) throw new MultipartError(`More than ${lim.maxParts} parts`);
        await handler.start(headers);
        state = 'body';
        return true;
      }
      case 'body': {
        const idx = findDelimiter(buf, dash);
        if (idx >= 0) {
          if (idx > 0) await handler.data(buf.subarray(0, idx));
          await handler.end();
          buf = buf.subarray(idx + delimiter.length);
          state = 'afterBoundary';
          return true;
        }
        // Keep what could be the start of a delimiter split across chunks.
        const keep = delimiter.length - 1;
        if (buf.length > keep) {
          await handler.data(buf.subarray(0, buf.length - keep));
          buf = buf.subarray(buf.length - keep);
        }
        if (final) throw new MultipartError('Request body ended inside a part (truncated upload)');
        return false;
      }
      default:
        return false;
    }
  };

  for await (const chunk of body as AsyncIterable<Buffer>) {
    // Fast path inside a part body: no delimiter near the seam and none inside the chunk, so the kept tail
    // and most of the chunk go out without copying the chunk into a joined buffer (most bytes of a STOW).
    if (state === 'body' && buf.length < delimiter.length && chunk.length > delimiter.length) {
      const seam = Buffer.concat([buf, chunk.subarray(0, delimiter.length - 1)]);
      if (findDelimiter(seam, dash) < 0) {
        const at = findDelimiter(chunk, dash);
        if (buf.length) await handler.data(buf);
        if (at < 0) {
          const keep = delimiter.length - 1;
          await handler.data(chunk.subarray(0, chunk.length - keep));
          buf = chunk.subarray(chunk.length - keep);
          continue;
        }
        // The part ends in this chunk, at the first delimiter (none starts in the kept tail: the seam has none).
        // Handed over from here, the chunk is neither joined to the tail nor searched a second time.
        if (at > 0) await handler.data(chunk.subarray(0, at));
        await handler.end();
        buf = chunk.subarray(at + delimiter.length);
        state = 'afterBoundary' as State;
        while ((state as State) !== 'done' && (await step(false)));
        if ((state as State) === 'done') break;
        continue;
      }
    }
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    while (state !== 'done' && (await step(false)));
    if (state === 'done') break;
  }
  if ((state as State) !== 'done') {
    while ((state as State) !== 'done' && (await step(true)));
    if ((state as State) !== 'done') throw new MultipartError(parts ? 'Request body ended before the closing boundary' : 'Empty or non-multipart request body');
  }
  return parts;
}

/** Writes multipart/related bodies (WADO-RS responses). */
export function newBoundary(): string {
  return `axial-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}

export function partHeader(boundary: string, contentType: string, extra: Record<string, string> = {}): Buffer {
  let h = `--${boundary}\r\nContent-Type: ${contentType}\r\n`;
  for (const [k, v] of Object.entries(extra)) h += `${k}: ${v}\r\n`;
  return Buffer.from(`${h}\r\n`);
}

export function closingDelimiter(boundary: string): Buffer {
  return Buffer.from(`--${boundary}--\r\n`);
}
