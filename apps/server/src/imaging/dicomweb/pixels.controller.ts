import { BadRequestException, Controller, Get, HttpException, NotAcceptableException, NotFoundException, Param, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import { parseDicom, type DicomHeader } from '@axial/dicom';
import { RequirePermission } from '../../identity/access/access.decorators';
import { type Actor, CurrentActor } from '../../identity/access/actor';
import { ArchiveService, type ArchiveScope } from '../archive/archive.service';
import type { StoredInstanceRef } from '../archive/archive.repository';
import { decodeFrame, extractFrames, PixelDataError, renderFrame, transcodeToExplicitLE, type RenderOptions } from '../pixels';
import { SECURITY_HEADERS } from '../../platform/http/security-headers';
import { checkUids } from './uids';
import { closingDelimiter, newBoundary, partHeader, typeParamOf } from './multipart';

const EXPLICIT_LE = '1.2.840.10008.1.2.1';

/** Pixel errors carry their HTTP meaning; anything else is a server error. */
export function pixelHttpError(err: unknown): unknown {
  if (err instanceof PixelDataError) return new HttpException({ message: err.message }, err.httpStatus);
  return err;
}

/** Parses "1,3,5" (PS3.18 §8.3.1 frame list). */
export function parseFrameList(s: string): number[] {
  if (!/^\d+(,\d+)*$/.test(s)) throw new BadRequestException(`Invalid frame list "${s.slice(0, 50)}": expected comma-separated frame numbers starting at 1`);
  const frames = s.split(',').map(Number);
  if (frames.some((f) => f < 1 || !Number.isSafeInteger(f))) throw new BadRequestException('Frame numbers start at 1');
  if (frames.length > 10_000) throw new BadRequestException('Too many frames requested at once');
  return frames;
}

/**
 * Rendering parameters of PS3.18 §8.3.5.1: window=center,width[,function], viewport=vw,vh[,sx,sy,sw,sh]
 * (only the size part is honoured), quality=1..100, and the media type from Accept.
 */
export function renderOptions(q: Record<string, string | undefined>, accept: string | undefined): RenderOptions {
  const o: RenderOptions = { format: chooseImageType(accept) };
  if (q.quality !== undefined) {
    const n = Number(q.quality);
    if (!Number.isInteger(n) || n < 1 || n > 100) throw new BadRequestException('quality must be an integer from 1 to 100');
    o.quality = n;
  }
  if (q.window !== undefined) {
    const [c, w, fn] = q.window.split(',');
    const center = Number(c);
    const width = Number(w);
    if (!Number.isFinite(center) || !Number.isFinite(width) || width <= 0) throw new BadRequestException('window must be center,width[,linear|linear-exact|sigmoid] with width > 0');
    const f = (fn ?? 'linear').toLowerCase();
    if (!['linear', 'linear-exact', 'sigmoid'].includes(f)) throw new BadRequestException(`Unknown window function "${fn}"`);
    o.window = { center, width, function: f as 'linear' | 'linear-exact' | 'sigmoid' };
  }
  if (q.viewport !== undefined) {
    const [w, h] = q.viewport.split(',').map(Number);
    if (!Number.isInteger(w) || !Number.isInteger(h) || w < 1 || h < 1 || w > 8192 || h > 8192) throw new BadRequestException('viewport must be width,height in pixels (1..8192)');
    o.viewport = { width: w, height: h };
  }
  return o;
}

function chooseImageType(accept: string | undefined): 'jpeg' | 'png' {
  if (!accept || /\*\/\*|image\/\*/.test(accept)) return 'jpeg';
  const types = accept.split(',').map((a) => a.split(';')[0].trim().toLowerCase());
  for (const t of types) {
    if (t === 'image/jpeg') return 'jpeg';
    if (t === 'image/png') return 'png';
  }
  throw new NotAcceptableException(`Rendered images are available as image/jpeg or image/png; Accept was "${accept.slice(0, 200)}"`);
}

const CRLF = Buffer.from('\r\n');

/** Files larger than this are read into a buffer of their own (a large multi-frame object), not a reused one. */
const REUSED_BUFFER_MAX = 64 * 1024 * 1024;
/** Files read ahead of the one being written. */
const READ_AHEAD = 4;

/**
 * Buffers for the files of one answer, given back once the socket has taken every byte written from them, and
 * handed out again: the answer allocates about READ_AHEAD + a few buffers whatever its number of files.
 */
class ReadBuffers {
  private readonly free: Buffer[] = [];

  take(size: number): Buffer {
    const i = this.free.findIndex((b) => b.length >= size);
    if (i >= 0) return this.free.splice(i, 1)[0];
    // Room for a little growth (files of one series differ by a few header bytes).
    return Buffer.allocUnsafeSlow(size + 4096);
  }

  give(b: Buffer): void {
    if (b.length <= REUSED_BUFFER_MAX && this.free.length < 2 * READ_AHEAD) this.free.push(b);
  }
}

/**
 * Writes the multipart answer of series pixel data to `res`: a part per frame (Content-Type, Content-Length,
 * Content-Location), files read a few ahead into reused buffers, the socket's pace followed (drain). A client that
 * goes away stops it; a file that cannot be read after the answer started ends it short (the connection is reset, and
 * the client asks for the frames it misses one by one). Never rejects.
 */
async function writeSeriesFrames(
  res: ServerResponse,
  refs: StoredInstanceRef[],
  archive: ArchiveService,
  framesOfFile: (bytes: Uint8Array) => Promise<FramePart[]>,
  locationOf: (ref: StoredInstanceRef, frame: number) => string,
  boundary: string,
): Promise<void> {
  const buffers = new ReadBuffers();
  let closed = false;
  res.on('close', () => (closed = true));
  const drained = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  /** A file's bytes and the buffer to give back once they are written (none for a file read on its own). */
  const read = async (ref: StoredInstanceRef): Promise<{ bytes: Uint8Array; buffer?: Buffer }> => {
    if (ref.sizeBytes > 0 && ref.sizeBytes < REUSED_BUFFER_MAX) {
      const buffer = buffers.take(ref.sizeBytes + 1);
      let n: number;
      try {
        n = await archive.readFileInto(ref, buffer);
      } catch (err) {
        buffers.give(buffer);
        throw err;
      }
      if (n === ref.sizeBytes) return { bytes: buffer.subarray(0, n), buffer };
      buffers.give(buffer); // not the indexed size: read as a whole below
    }
    return { bytes: await archive.readFile(ref) };
  };
  // A read that fails while the answer waits (or after it stopped) is seen when awaited, never as an unhandled rejection.
  const readAhead = (ref: StoredInstanceRef) => {
    const p = read(ref);
    p.catch(() => undefined);
    return p;
  };
  const reads = refs.slice(0, READ_AHEAD).map(readAhead);
  try {
    for (let i = 0; i < refs.length && !closed; i++) {
      const { bytes, buffer } = await reads[i];
      if (i + READ_AHEAD < refs.length) reads.push(readAhead(refs[i + READ_AHEAD]));
      let parts: FramePart[];
      try {
        parts = await framesOfFile(bytes);
      } catch (err) {
        if (!(err instanceof PixelDataError)) throw err;
        parts = []; // no pixel data to give: no part
      }
      let ok = true;
      for (let f = 0; f < parts.length; f++) {
        const { contentType, data } = parts[f];
        res.write(partHeader(boundary, contentType, { 'Content-Length': String(data.byteLength), 'Content-Location': locationOf(refs[i], f + 1) }));
        res.write(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
        // Writes complete in order: when the file's last write is done (or failed), the socket holds none of its bytes.
        ok = res.write(CRLF, f === parts.length - 1 && buffer ? () => buffers.give(buffer) : undefined);
      }
      if (!parts.length && buffer) buffers.give(buffer);
      if (!ok && !closed) await drained();
    }
    if (!closed) res.end(closingDelimiter(boundary));
  } catch (err) {
    if (!closed) res.destroy(err as Error);
  }
  // Reads still running when the answer stopped finish on their own; their buffers are dropped.
}

interface FramePart {
  contentType: string;
  data: Uint8Array;
}

/**
 * The frames of a stored object as /frames and /pixeldata answer them: native frames as uncompressed Explicit VR LE,
 * compressed ones as stored when the client takes them (transfer-syntax=* or their media type), else decoded.
 */
async function framesOf(bytes: Uint8Array, want: { asStored: boolean; octet: boolean }, list?: number[]): Promise<FramePart[]> {
  const stored = await extractFrames(bytes, list);
  const native = stored.transferSyntaxUid === EXPLICIT_LE;
  if (native || want.asStored) {
    const type = native ? 'application/octet-stream' : want.octet ? 'application/octet-stream' : stored.mediaType;
    return stored.frames.map((f) => ({ contentType: `${type}; transfer-syntax=${stored.transferSyntaxUid}`, data: f }));
  }
  // Asked for uncompressed frames of compressed data: decode (PS3.18 §8.7.3.5.2 default is Explicit VR LE).
  const parts: FramePart[] = [];
  for (const n of list ?? stored.frames.map((_, i) => i + 1)) parts.push({ contentType: `application/octet-stream; transfer-syntax=${EXPLICIT_LE}`, data: (await decodeFrame(bytes, n)).pixels });
  return parts;
}

/** SOP classes with pixel data a thumbnail can be drawn from (anything with Rows and Columns in its metadata). */
const IMAGE_PATH = /^1\.2\.840\.10008\.5\.1\.4\.1\.1\.(?!88\.|104\.|11\.|9\.|66|481\.[2-9])/;

/**
 * WADO-RS pixel resources (PS3.18 §10.4): frames, bulk data, rendered and thumbnail.
 */
@ApiTags('dicomweb')
@ApiBearerAuth()
@Controller('dicom-web')
export class PixelsController {
  constructor(private readonly archive: ArchiveService) {}

  @RequirePermission('study.read') @Get('studies/:study/series/:series/instances/:instance/frames/:frames')
  async frames(@CurrentActor() a: Actor, @Param() p: { study: string; series: string; instance: string; frames: string }, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    checkUids(p.study, p.series, p.instance);
    const list = parseFrameList(p.frames);
    const want = negotiateFrames(req.headers.accept);
    const [ref] = await this.archive.instances(a, { studyUid: p.study, seriesUid: p.series, sopInstanceUid: p.instance }, 'study.retrieve');
    const file = await this.archive.readFile(ref);
    const bytes = new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
    let parts: FramePart[];
    try {
      parts = await framesOf(bytes, want, list);
    } catch (err) {
      throw pixelHttpError(err);
    }
    const boundary = newBoundary();
    const rootType = parts[0].contentType.split(';')[0];
    const chunks: Buffer[] = [];
    for (const part of parts) chunks.push(partHeader(boundary, part.contentType, { 'Content-Length': String(part.data.byteLength) }), Buffer.from(part.data.buffer, part.data.byteOffset, part.data.byteLength), Buffer.from('\r\n'));
    chunks.push(closingDelimiter(boundary));
    return reply.header('content-type', `multipart/related; type="${rootType}"; boundary=${boundary}`).send(Buffer.concat(chunks));
  }

  /**
   * Series pixel data (PS3.18 §10.4.1.1.6): every frame of every image in the series in one multipart/related answer,
   * one part per frame with its Content-Type, Content-Length and Content-Location (the frame's own URL, so a client
   * can file each part where a /frames request would have). The same media types as /frames. A viewer building a
   * volume asks for it instead of one request per frame: one authorisation, one index query and one answer for the
   * series. Streamed as the files are read (a few ahead), never the whole series in memory. An instance without
   * pixel data (a report or presentation state filed in the series) has no part; a frame that cannot be read after
   * the answer has started ends it short, and the client asks for the missing frames one by one.
   */
  @RequirePermission('study.read') @Get('studies/:study/series/:series/pixeldata')
  async seriesPixelData(@CurrentActor() a: Actor, @Param() p: { study: string; series: string }, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    checkUids(p.study, p.series);
    const want = negotiateFrames(req.headers.accept);
    const refs = (await this.archive.instances(a, { studyUid: p.study, seriesUid: p.series }, 'study.retrieve')).filter((r) => IMAGE_PATH.test(r.sopClassUid));
    if (!refs.length) throw new NotFoundException('No image with pixel data in this series');
    // Frame URLs relative to the URL this request came in on (whatever prefix a proxy put in front of /dicom-web).
    const base = req.url.split('?')[0].replace(/\/pixeldata\/?$/, '');
    const boundary = newBoundary();
    // Written here rather than through Fastify's stream piping: each write's callback says when the socket has taken
    // the bytes, so the buffers files are read into are reused (a 500-slice CT is 262 MB: read into fresh buffers,
    // their allocation and collection was the largest part of the answer's cost, ≈0.7 CPU-s of garbage collection).
    const res = reply.raw;
    res.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      ...SECURITY_HEADERS,
      'content-type': `multipart/related; type="application/octet-stream"; boundary=${boundary}`,
    });
    reply.hijack();
    await writeSeriesFrames(res, refs, this.archive, (bytes) => framesOf(bytes, want), (ref, f) => `${base}/instances/${ref.sopInstanceUid}/frames/${f}`, boundary);
  }

  @RequirePermission('study.read') @Get('studies/:study/series/:series/instances/:instance/bulk/*')
  async bulk(@CurrentActor() a: Actor, @Param() p: { study: string; series: string; instance: string; '*': string }, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    checkUids(p.study, p.series, p.instance);
    const path = (p['*'] ?? '').split('/').filter(Boolean);
    if (!path.length || !path.every((x, i) => (i % 2 === 0 ? /^[0-9A-Fa-f]{8}$/.test(x) : /^\d{1,6}$/.test(x)))) {
      throw new BadRequestException('Bulk data path must be tag[/item/tag…], e.g. 7FE00010 or 00540016/0/00281201');
    }
    const [ref] = await this.archive.instances(a, { studyUid: p.study, seriesUid: p.series, sopInstanceUid: p.instance }, 'study.retrieve');
    const file = await this.archive.readFile(ref);
    const bytes = new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
    let data: Uint8Array[];
    try {
      if (path.length === 1 && /^7FE0000[089]$/i.test(path[0])) {
        // Pixel data as bulk: its frames as stored (compressed) or native, like /frames with transfer-syntax=*.
        data = (await extractFrames(bytes)).frames;
      } else {
        data = [elementValue(bytes, path)];
      }
    } catch (err) {
      throw pixelHttpError(err);
    }
    const boundary = newBoundary();
    const chunks: Buffer[] = [];
    for (const d of data) chunks.push(partHeader(boundary, 'application/octet-stream', { 'Content-Length': String(d.byteLength) }), Buffer.from(d.buffer, d.byteOffset, d.byteLength), Buffer.from('\r\n'));
    chunks.push(closingDelimiter(boundary));
    void req;
    return reply.header('content-type', `multipart/related; type="application/octet-stream"; boundary=${boundary}`).send(Buffer.concat(chunks));
  }

  // ---- rendered (PS3.18 §10.4.1.1.3) ----

  @RequirePermission('study.read') @Get('studies/:study/series/:series/instances/:instance/rendered')
  renderedInstance(@CurrentActor() a: Actor, @Param() p: { study: string; series: string; instance: string }, @Query() q: Record<string, string>, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.render(a, { studyUid: p.study, seriesUid: p.series, sopInstanceUid: p.instance }, 1, renderOptions(q, req.headers.accept), reply);
  }

  @RequirePermission('study.read') @Get('studies/:study/series/:series/instances/:instance/frames/:frames/rendered')
  renderedFrame(@CurrentActor() a: Actor, @Param() p: { study: string; series: string; instance: string; frames: string }, @Query() q: Record<string, string>, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const frames = parseFrameList(p.frames);
    if (frames.length !== 1) throw new BadRequestException('A rendered frame resource takes exactly one frame number');
    return this.render(a, { studyUid: p.study, seriesUid: p.series, sopInstanceUid: p.instance }, frames[0], renderOptions(q, req.headers.accept), reply);
  }

  // ---- thumbnail (PS3.18 §10.4.1.1.4): a small rendering of a representative image ----

  @RequirePermission('study.read') @Get('studies/:study/thumbnail')
  studyThumbnail(@CurrentActor() a: Actor, @Param('study') study: string, @Query() q: Record<string, string>, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.thumb(a, { studyUid: study }, 1, q, req, reply);
  }

  @RequirePermission('study.read') @Get('studies/:study/series/:series/thumbnail')
  seriesThumbnail(@CurrentActor() a: Actor, @Param() p: { study: string; series: string }, @Query() q: Record<string, string>, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.thumb(a, { studyUid: p.study, seriesUid: p.series }, 1, q, req, reply);
  }

  @RequirePermission('study.read') @Get('studies/:study/series/:series/instances/:instance/thumbnail')
  instanceThumbnail(@CurrentActor() a: Actor, @Param() p: { study: string; series: string; instance: string }, @Query() q: Record<string, string>, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.thumb(a, { studyUid: p.study, seriesUid: p.series, sopInstanceUid: p.instance }, 1, q, req, reply);
  }

  @RequirePermission('study.read') @Get('studies/:study/series/:series/instances/:instance/frames/:frames/thumbnail')
  frameThumbnail(@CurrentActor() a: Actor, @Param() p: { study: string; series: string; instance: string; frames: string }, @Query() q: Record<string, string>, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const frames = parseFrameList(p.frames);
    return this.thumb(a, { studyUid: p.study, seriesUid: p.series, sopInstanceUid: p.instance }, frames[0], q, req, reply);
  }

  private async thumb(a: Actor, scope: ArchiveScope, frame: number, q: Record<string, string>, req: FastifyRequest, reply: FastifyReply) {
    const o = renderOptions(q, req.headers.accept);
    o.viewport ??= { width: 128, height: 128 };
    o.quality ??= 80;
    return this.render(a, scope, frame, o, reply);
  }

  private async render(a: Actor, scope: ArchiveScope, frame: number, o: RenderOptions, reply: FastifyReply) {
    checkUids(scope.studyUid, scope.seriesUid, scope.sopInstanceUid);
    const refs = await this.archive.instances(a, scope, 'study.retrieve');
    const ref = scope.sopInstanceUid ? refs[0] : representative(refs);
    if (!ref) throw new NotFoundException('No image in this study or series to render (it holds only non-image objects)');
    const file = await this.archive.readFile(ref);
    try {
      const img = await renderFrame(new Uint8Array(file.buffer, file.byteOffset, file.byteLength), frame, o);
      return reply.header('content-type', o.format === 'png' ? 'image/png' : 'image/jpeg').header('cache-control', 'private, max-age=3600').send(img);
    } catch (err) {
      throw pixelHttpError(err);
    }
  }
}

/** The middle image of a series (or of the first series with images): what a radiologist would pick. */
function representative(refs: StoredInstanceRef[]): StoredInstanceRef | undefined {
  const images = refs.filter((r) => IMAGE_PATH.test(r.sopClassUid));
  if (!images.length) return undefined;
  const firstSeries = images.filter((r) => r.seriesUid === images[0].seriesUid);
  return firstSeries[Math.floor(firstSeries.length / 2)];
}

/**
 * Frame Accept negotiation (PS3.18 §8.7.3.5.2). Default and `type=application/octet-stream` with the
 * Explicit VR LE transfer syntax: uncompressed. `transfer-syntax=*` or an image media type: as stored.
 */
export function negotiateFrames(accept: string | undefined): { asStored: boolean; octet: boolean } {
  if (!accept || /^\s*\*\/\*\s*$/.test(accept)) return { asStored: false, octet: true };
  for (const raw of accept.split(',')) {
    const a = raw.trim();
    const ts = /transfer-syntax\s*=\s*"?([0-9.*]+)"?/i.exec(a)?.[1];
    const type = /^multipart\/related/i.test(a) ? typeParamOf(a) ?? 'application/octet-stream' : a.split(';')[0].toLowerCase();
    if (type === 'application/octet-stream') return { asStored: ts === '*', octet: true };
    if (/^image\/(jls|jp2|jphc|jpeg|dicom-rle|jpx)$/.test(type) || type === '*/*') return { asStored: true, octet: false };
  }
  throw new NotAcceptableException(`Frames are available as application/octet-stream or their compressed media type; Accept was "${accept.slice(0, 200)}"`);
}

/** The raw value of an element given its path (tag / item index / tag …), little endian as stored. */
function elementValue(file: Uint8Array, path: string[]): Uint8Array {
  let parsed;
  try {
    parsed = parseDicom(file, { untilPixelData: false });
  } catch (err) {
    throw new HttpException({ message: `Stored object cannot be read: ${(err as Error).message}` }, 500);
  }
  let ds = parsed.dataSet;
  for (let i = 0; i < path.length; i += 2) {
    const el = ds.elements[`x${path[i].toLowerCase()}`];
    if (!el) throw new NotFoundException(`No element ${path.slice(0, i + 1).join('/')} in this instance`);
    if (i + 1 < path.length) {
      const item = el.items?.[Number(path[i + 1])];
      if (!item?.dataSet) throw new NotFoundException(`No item ${path.slice(0, i + 2).join('/')} in this instance`);
      ds = item.dataSet;
    } else {
      return ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length);
    }
  }
  throw new NotFoundException('Empty bulk data path');
}

export type { DicomHeader };
