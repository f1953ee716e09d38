/**
 * An incremental reader of multipart/related bodies (RFC 2046 §5.1) as they arrive, for answers too large to hold
 * twice: a whole series of frames. A part with a Content-Length is copied straight from the incoming chunks into a
 * buffer of its own (what a WADO-RS server such as Axial sends: no scan of the frame for the boundary); a part
 * without one is found by searching for the next delimiter. Every part's body is a Uint8Array over an ArrayBuffer of
 * exactly its size, so it can be transferred to another thread as it is.
 */

export interface StreamPart {
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: Uint8Array;
}

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const EMPTY = new Uint8Array(0);
const CRLF = ascii('\r\n');
const CRLF2 = ascii('\r\n\r\n');
/** Longest header block accepted (a frame part has three short headers). */
const MAX_HEADERS = 16 * 1024;

function indexOf(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0];
  const last = hay.length - needle.length;
  outer: for (let i = hay.indexOf(first, from); i !== -1 && i <= last; i = hay.indexOf(first, i + 1)) {
    for (let k = 1; k < needle.length; k++) if (hay[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}

/** A new array of a then b (never one of them: the caller may reuse the memory of what it pushed). */
function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export class MultipartError extends Error {}

export class MultipartReader {
  private readonly delimiter: Uint8Array;
  private readonly bodyEnd: Uint8Array;
  private pending: Uint8Array = EMPTY;
  private state: 'preamble' | 'delimited' | 'headers' | 'body' | 'afterBody' | 'search' | 'closed' = 'preamble';
  private headers: Record<string, string> = {};
  private target: Uint8Array = EMPTY;
  private targetLength = 0;
  private filled = 0;
  private searchFrom = 0;

  constructor(boundary: string) {
    if (!boundary || boundary.length > 70) throw new MultipartError('multipart boundary missing or longer than 70 characters');
    this.delimiter = ascii(`--${boundary}`);
    this.bodyEnd = ascii(`\r\n--${boundary}`);
  }

  /** True once the closing delimiter has been read. */
  get closed(): boolean {
    return this.state === 'closed';
  }

  /** Takes the next chunk of the body; returns the parts it completes, in order. Throws MultipartError on a malformed body. */
  push(chunk: Uint8Array): StreamPart[] {
    const parts: StreamPart[] = [];
    let data = chunk;
    for (;;) {
      if (this.state === 'closed') return parts; // the epilogue is ignored
      if (this.state === 'body') {
        const n = Math.min(this.target.length - this.filled, data.length);
        this.target.set(data.subarray(0, n), this.filled);
        this.filled += n;
        data = data.subarray(n);
        if (this.filled < this.target.length) return parts;
        parts.push({ headers: this.headers, body: this.target });
        this.target = EMPTY;
        this.state = 'afterBody';
      }
      if (data.length) {
        this.pending = concat(this.pending, data);
        data = EMPTY;
      }
      if (!this.step(parts)) return parts;
      // (step may have moved the state: TypeScript's narrowing from the test above does not know.)
      if ((this.state as MultipartReader['state']) === 'body') {
        // What follows the headers is the start of the body.
        data = this.pending;
        this.pending = EMPTY;
      }
    }
  }

  /**
   * Where the rest of the current part's body goes, when its length is known: a caller that can read straight into
   * memory (a BYOB stream reader) reads into this view and calls `bodyRead`, sparing a copy. Null otherwise.
   */
  bodyTarget(): Uint8Array | null {
    return this.state === 'body' ? this.target.subarray(this.filled) : null;
  }

  /**
   * `view` holds bytes read into (a view of) the buffer `bodyTarget` gave, possibly moved to a new ArrayBuffer by the
   * read (a BYOB read transfers it). Returns the part if it is now complete.
   */
  bodyRead(view: Uint8Array): StreamPart[] {
    if (this.state !== 'body') throw new MultipartError('no part body is being read');
    // (The read has detached the buffer `this.target` was over: its length reads 0 now.)
    if (view.buffer.byteLength !== this.targetLength || view.byteOffset !== this.filled) throw new MultipartError('bytes read outside the part body');
    this.target = new Uint8Array(view.buffer);
    this.filled += view.byteLength;
    return this.push(EMPTY);
  }

  /** The body has ended: throws unless the closing delimiter was read. */
  end(): void {
    if (this.state !== 'closed') throw new MultipartError('multipart answer ended before its closing delimiter');
  }

  /** One step on the pending bytes; false when more bytes are needed. */
  private step(parts: StreamPart[]): boolean {
    const p = this.pending;
    switch (this.state) {
      case 'preamble': {
        const at = indexOf(p, this.delimiter);
        if (at < 0) {
          if (p.length > 64 * 1024) throw new MultipartError('no multipart delimiter in the first 64 KB');
          return false;
        }
        this.pending = p.subarray(at + this.delimiter.length);
        this.state = 'delimited';
        return true;
      }
      case 'afterBody': {
        // A part with a Content-Length ends exactly there, with CRLF and the delimiter.
        if (p.length < this.bodyEnd.length) return false;
        for (let k = 0; k < this.bodyEnd.length; k++) if (p[k] !== this.bodyEnd[k]) throw new MultipartError('a part is longer than its Content-Length');
        this.pending = p.subarray(this.bodyEnd.length);
        this.state = 'delimited';
        return true;
      }
      case 'delimited': {
        // "--" closes the body; otherwise optional padding, then CRLF and the part's headers.
        if (p.length < 2) return false;
        if (p[0] === 0x2d && p[1] === 0x2d) {
          this.pending = EMPTY;
          this.state = 'closed';
          return false;
        }
        const eol = indexOf(p, CRLF);
        if (eol < 0) {
          if (p.length > 1024) throw new MultipartError('delimiter line not terminated');
          return false;
        }
        for (let k = 0; k < eol; k++) if (p[k] !== 0x20 && p[k] !== 0x09) throw new MultipartError('unexpected bytes after a multipart delimiter');
        // An empty header block: CRLF CRLF right away.
        this.pending = p.subarray(eol);
        this.state = 'headers';
        return true;
      }
      case 'headers': {
        const end = indexOf(p, CRLF2);
        if (end < 0) {
          if (p.length > MAX_HEADERS) throw new MultipartError('part headers longer than 16 KB');
          return false;
        }
        const headers: Record<string, string> = {};
        for (const line of new TextDecoder('latin1').decode(p.subarray(2, end)).split('\r\n')) {
          const colon = line.indexOf(':');
          if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        this.headers = headers;
        this.pending = p.subarray(end + 4);
        const length = headers['content-length'];
        if (length !== undefined && /^\d{1,10}$/.test(length)) {
          this.target = new Uint8Array(Number(length));
          this.targetLength = this.target.length;
          this.filled = 0;
          this.state = 'body';
        } else {
          this.searchFrom = 0;
          this.state = 'search';
        }
        return true;
      }
      case 'search': {
        const at = indexOf(p, this.bodyEnd, this.searchFrom);
        if (at < 0) {
          this.searchFrom = Math.max(0, p.length - this.bodyEnd.length + 1);
          return false;
        }
        parts.push({ headers: this.headers, body: p.slice(0, at) });
        this.pending = p.subarray(at + this.bodyEnd.length);
        this.state = 'delimited';
        return true;
      }
      default:
        return false;
    }
  }
}
