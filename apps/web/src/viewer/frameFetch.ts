/**
 * WADO-RS frame retrieval without Cornerstone (part of the main bundle, so the viewer's first frame can be requested
 * before the viewer chunk has started): one `fetch` per frame, and the single part of the multipart/related answer
 * located by its Content-Length when the part has one (Axial's do) instead of scanning the whole frame for the
 * boundary, which costs 1.5–10 ms per 512×512 CT frame on the page's main thread.
 */

/** What the image loader needs of a frame: the bytes of the frame and the media type of its part. */
export interface FetchedFrame {
  /** The part's Content-Type (e.g. `application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1`, `image/jls`). */
  contentType: string;
  pixelData: Uint8Array;
}

/** Media types the viewer accepts for a frame: the original encoding, whatever it is (PS3.18 §8.7.3.5.2). */
export const FRAME_ACCEPT = 'multipart/related; type="application/octet-stream"; transfer-syntax=*';

const CRLF2 = [13, 10, 13, 10];
const decoder = new TextDecoder('latin1');

function indexOf(hay: Uint8Array, needle: ArrayLike<number>, from: number, to: number): number {
  const first = needle[0];
  const last = Math.min(to, hay.length) - needle.length;
  outer: for (let i = from; i <= last; i++) {
    if (hay[i] !== first) continue;
    for (let k = 1; k < needle.length; k++) if (hay[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}

function lastIndexOf(hay: Uint8Array, needle: ArrayLike<number>, from: number): number {
  for (let i = hay.length - needle.length; i >= from; i--) {
    let k = 0;
    while (k < needle.length && hay[i + k] === needle[k]) k++;
    if (k === needle.length) return i;
  }
  return -1;
}

function ascii(s: string): number[] {
  return Array.from(s, (c) => c.charCodeAt(0));
}

/** The boundary parameter of a multipart Content-Type, unquoted. */
export function boundaryOf(contentType: string): string | null {
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : null;
}

/**
 * The first part of a multipart/related body (a WADO-RS frame answer has one part), or the whole body with its own
 * type when the answer is single-part. Throws with a reason when the body is not what its Content-Type says.
 */
export function singlePart(contentType: string, body: Uint8Array): FetchedFrame {
  if (!/^multipart\//i.test(contentType.trim())) return { contentType, pixelData: body };
  const boundary = boundaryOf(contentType);
  if (!boundary) throw new Error('Invalid frame response: multipart without a boundary');
  const delimiter = ascii(`--${boundary}`);
  const start = indexOf(body, delimiter, 0, 4096);
  if (start < 0) throw new Error('Invalid frame response: no opening boundary');
  const headersEnd = indexOf(body, CRLF2, start, start + 8192);
  if (headersEnd < 0) throw new Error('Invalid frame response: part headers not terminated');
  const headers = decoder.decode(body.subarray(start + delimiter.length, headersEnd));
  const partType = /(?:^|\r\n)content-type:\s*([^\r\n]+)/i.exec(headers)?.[1]?.trim() ?? 'application/octet-stream';
  const dataStart = headersEnd + 4;
  // The part ends at the CRLF before the next delimiter.
  const closing = ascii(`\r\n--${boundary}`);
  // With a Content-Length (Axial sends one per part) the end is known: checked, not searched for.
  const declared = /(?:^|\r\n)content-length:\s*(\d+)\s*(?:\r\n|$)/i.exec(headers)?.[1];
  if (declared !== undefined) {
    const end = dataStart + Number(declared);
    if (end + closing.length <= body.length && closing.every((b, k) => body[end + k] === b)) return { contentType: partType, pixelData: body.subarray(dataStart, end) };
  }
  // Otherwise the closing delimiter near the end of the body; the frame is scanned only to make sure no other
  // delimiter comes first (several parts).
  let end = lastIndexOf(body, closing, Math.max(dataStart, body.length - closing.length - 64));
  // More than one part, or trailing bytes after the closing delimiter: find the first delimiter the long way.
  if (end < 0 || indexOf(body, closing, dataStart, end) >= 0) end = indexOf(body, closing, dataStart, body.length);
  if (end < 0) throw new Error('Invalid frame response: closing boundary not found');
  return { contentType: partType, pixelData: body.subarray(dataStart, end) };
}

export class FrameRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * GETs one frame URL with the bearer token; after a 401, asks `renew` once for another token and retries.
 */
export async function fetchFrame(url: string, getToken: () => string | null, renew?: (refused: string | null) => Promise<string | null>): Promise<FetchedFrame> {
  const send = (token: string | null) =>
    fetch(url, { headers: { Accept: FRAME_ACCEPT, ...(token ? { Authorization: `Bearer ${token}` } : {}) }, credentials: 'same-origin' });
  const token = getToken();
  let res = await send(token);
  if (res.status === 401 && renew) {
    const retry = await renew(token);
    if (retry && retry !== token) res = await send(retry);
  }
  if (!res.ok) {
    let message = `Frame request failed (${res.status})`;
    try {
      const body = (await res.json()) as { message?: unknown };
      if (typeof body.message === 'string') message = body.message;
    } catch {
      /* not JSON */
    }
    throw new FrameRequestError(message, res.status);
  }
  return singlePart(res.headers.get('content-type') ?? 'application/octet-stream', new Uint8Array(await res.arrayBuffer()));
}
