import {
  BadRequestException, Controller, Delete, Get, HttpCode, HttpException, NotAcceptableException, Param, Post, Req, Res,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PassThrough, type Readable } from 'node:stream';
import { parseQidoQuery, QueryError, type QueryLevel } from '@axial/dicom';
import { RequirePermission } from '../../identity/access/access.decorators';
import { type Actor, CurrentActor } from '../../identity/access/actor';
import { BLOB_STORAGE, type BlobStorage, type FinishedBlob, type TempBlob } from '../../platform/storage/storage';
import { Inject } from '@nestjs/common';
import { ArchiveService, type ArchiveScope } from '../archive/archive.service';
import type { SearchLevel } from '../archive/archive-query.service';
import type { ReceivedObject } from '../archive/ingest.service';
import { transcodeToExplicitLE } from '../pixels';
import { boundaryOf, closingDelimiter, MultipartError, newBoundary, partHeader, readMultipart, typeParamOf } from './multipart';
import { checkUids } from './uids';
import { FAILURE, stowResponse, type PartOutcome } from './stow';

const DICOM_JSON = 'application/dicom+json';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';
/** Received parts handed to ingest together (one index transaction) while the request is still streaming. */
const STOW_GROUP = 25;

/** Base URL of the DICOMweb service as seen by the client (honours X-Forwarded-* with AXIAL_TRUST_PROXY). */
export function dicomwebBase(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}/dicom-web`;
}

/** Accept header check for responses in DICOM JSON (QIDO, metadata, STOW). */
function requireJsonAccept(req: FastifyRequest): void {
  const accept = req.headers.accept;
  if (!accept) return;
  const ok = accept.split(',').some((a) => /^\s*(\*\/\*|application\/\*|application\/dicom\+json|application\/json)\s*(;|$)/i.test(a));
  if (!ok) throw new NotAcceptableException(`This resource is available as ${DICOM_JSON}; Accept was "${accept.slice(0, 200)}"`);
}

/**
 * DICOMweb (PS3.18) at /dicom-web: STOW-RS, QIDO-RS, WADO-RS retrieve/metadata, and deletion.
 * Frames, rendered and thumbnail resources are in FramesController.
 */
@ApiTags('dicomweb')
@ApiBearerAuth()
@Controller('dicom-web')
export class DicomwebController {
  constructor(private readonly archive: ArchiveService, @Inject(BLOB_STORAGE) private readonly storage: BlobStorage) {}

  // ---- STOW-RS (PS3.18 §10.5) ----

  // study.annotate at least (implied by study.upload): the archive then checks what each object may be.
  @RequirePermission('study.annotate')
  @Post('studies')
  storeInstances(@CurrentActor() actor: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.stow(actor, req, reply);
  }

  @RequirePermission('study.annotate')
  @Post('studies/:study')
  storeInstancesInStudy(@CurrentActor() actor: Actor, @Param('study') study: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    checkUids(study);
    return this.stow(actor, req, reply, study);
  }

  private async stow(actor: Actor, req: FastifyRequest, reply: FastifyReply, studyUid?: string) {
    requireJsonAccept(req);
    const contentType = req.headers['content-type'];
    let boundary: string;
    try {
      boundary = boundaryOf(contentType);
    } catch (err) {
      throw new UnsupportedMediaTypeException(`${(err as Error).message}; STOW-RS takes multipart/related; type="application/dicom"`);
    }
    const rootType = typeParamOf(contentType);
    if (rootType && rootType !== 'application/dicom') {
      throw new UnsupportedMediaTypeException(`Only multipart/related; type="application/dicom" is accepted (got type="${rootType}")`);
    }
    const body = req.body as Readable;
    // Taken before the body is read: once the request stream has ended Fastify no longer reports its protocol.
    const base = dicomwebBase(req);
    const session = await this.archive.beginStore(actor, 'stow', studyUid);
    const outcomes: PartOutcome[] = [];
    // Parts are ingested while the rest of the request is still arriving, in groups that form by themselves:
    // the first part that ends starts a group at once, and the parts that end while a group is being
    // ingested make up the next one (at most STOW_GROUP). So per-group costs (journal sync, directory sync,
    // index commit) are shared when parts arrive fast, and after the last byte only the parts that arrived
    // during the last group remain to be ingested; they start at once, beside the group still in flight, whose
    // end they would otherwise wait for (their own index rows then join its commit or the next one). A part's
    // fsync and digest (finish) run while the next part is received.
    const ready: Array<{ index: number; temp: TempBlob; finished: Promise<FinishedBlob> }> = [];
    const ingestGroup = async (group: typeof ready) => {
      const settled = await Promise.allSettled(group.map((g) => g.finished));
      const ok: Array<{ index: number; obj: ReceivedObject }> = [];
      settled.forEach((r, k) => {
        if (r.status === 'fulfilled') ok.push({ index: group[k].index, obj: { temp: group[k].temp, ...r.value } });
        else {
          void group[k].temp.discard();
          outcomes.push({ index: group[k].index, result: { status: 'rejected', reason: `Could not write the object: ${(r.reason as Error).message}`, failureReason: FAILURE.OUT_OF_RESOURCES } });
        }
      });
      const results = ok.length ? await session.add(ok.map((g) => g.obj)) : [];
      results.forEach((result, k) => outcomes.push({ index: ok[k].index, result }));
    };
    let failure: unknown;
    /** Groups being ingested: one at a time while the body arrives; once it has ended, the rest starts beside it. */
    const inFlight = new Set<Promise<void>>();
    let received = false;
    /** Starts the next group when none is running, or at once after the last byte. */
    const ingestReady = (): void => {
      if (!ready.length || (inFlight.size && !received)) return;
      const group: Promise<void> = ingestGroup(ready.splice(0, STOW_GROUP))
        .catch((err) => { failure ??= err; })
        .finally(() => {
          inFlight.delete(group);
          ingestReady();
        });
      inFlight.add(group);
      if (received) ingestReady();
    };
    /** Returns when every part handed over so far is ingested; rethrows the first group failure. */
    const drain = async (): Promise<void> => {
      received = true;
      ingestReady();
      while (inFlight.size) await Promise.all(inFlight);
      if (failure) throw failure;
    };
    let current: { index: number; temp?: TempBlob; skip?: string } | undefined;
    let index = 0;
    try {
      await readMultipart(body, boundary, {
        start: async (headers) => {
          const type = (headers['content-type'] ?? 'application/dicom').split(';')[0].trim().toLowerCase();
          current = { index: index++ };
          if (type !== 'application/dicom') current.skip = `Part media type "${type}" is not application/dicom`;
          else current.temp = await this.storage.createTemp();
        },
        data: async (chunk) => {
          if (current?.temp) await current.temp.write(chunk);
        },
        end: async () => {
          if (!current) return;
          if (current.temp) {
            const temp = current.temp;
            const finished = temp.finish();
            finished.then((f) => session.prepare({ temp, ...f }), () => undefined); // failures handled when the group is ingested
            ready.push({ index: current.index, temp: current.temp, finished });
            ingestReady();
          } else {
            outcomes.push({ index: current.index, result: { status: 'rejected', reason: current.skip!, failureReason: FAILURE.SOP_CLASS_NOT_SUPPORTED } });
          }
          current = undefined;
        },
      });
    } catch (err) {
      await current?.temp?.discard();
      const unsent = ready.splice(0);
      await Promise.all(unsent.map((r) => r.finished.then(() => r.temp.discard(), () => r.temp.discard())));
      while (inFlight.size) await Promise.all(inFlight);
      await session.finish();
      if (err instanceof MultipartError) {
        throw new BadRequestException(`Malformed multipart body: ${err.message}${outcomes.length ? ` (${outcomes.length} part(s) before the error were processed)` : ''}`);
      }
      throw err;
    }
    await drain();
    await session.finish();
    if (!outcomes.length) throw new BadRequestException('The request contained no parts');
    outcomes.sort((a, b) => a.index - b.index);
    const { status, body: response } = stowResponse(outcomes, base, studyUid);
    return reply.status(status).header('content-type', DICOM_JSON).send(response);
  }

  // ---- QIDO-RS (PS3.18 §10.6) ----

  @RequirePermission('study.read') @Get('studies')
  searchStudies(@CurrentActor() a: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.qido(a, req, reply, 'study', {});
  }

  @RequirePermission('study.read') @Get('series')
  searchAllSeries(@CurrentActor() a: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.qido(a, req, reply, 'series', {});
  }

  @RequirePermission('study.read') @Get('instances')
  searchAllInstances(@CurrentActor() a: Actor, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.qido(a, req, reply, 'instance', {});
  }

  @RequirePermission('study.read') @Get('studies/:study/series')
  searchSeries(@CurrentActor() a: Actor, @Param('study') study: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.qido(a, req, reply, 'series', { studyUid: study });
  }

  @RequirePermission('study.read') @Get('studies/:study/instances')
  searchStudyInstances(@CurrentActor() a: Actor, @Param('study') study: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.qido(a, req, reply, 'instance', { studyUid: study });
  }

  @RequirePermission('study.read') @Get('studies/:study/series/:series/instances')
  searchSeriesInstances(@CurrentActor() a: Actor, @Param('study') study: string, @Param('series') series: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.qido(a, req, reply, 'instance', { studyUid: study, seriesUid: series });
  }

  private async qido(actor: Actor, req: FastifyRequest, reply: FastifyReply, level: SearchLevel, scope: { studyUid?: string; seriesUid?: string }) {
    checkUids(scope.studyUid, scope.seriesUid);
    requireJsonAccept(req);
    const qidoLevel: QueryLevel = level === 'study' ? 'STUDY' : level === 'series' ? 'SERIES' : 'IMAGE';
    let result;
    try {
      const query = parseQidoQuery(req.query as Record<string, string | string[]>, { level: qidoLevel });
      result = await this.archive.search(actor, level, query, scope, dicomwebBase(req));
    } catch (err) {
      if (err instanceof QueryError) throw new BadRequestException(err.message);
      throw err;
    }
    void reply.header('content-type', DICOM_JSON).header('x-total-count', String(result.total));
    if (result.truncated) {
      // PS3.18 §8.3.4.4: tell the client there is more than the server returns at once.
      void reply.header('warning', '299 Axial: "The number of results exceeded the maximum supported by the server. Additional results can be requested."');
    }
    return reply.send(result.text);
  }

  // ---- WADO-RS retrieve (PS3.18 §10.4) ----

  @RequirePermission('study.read') @Get('studies/:study')
  retrieveStudy(@CurrentActor() a: Actor, @Param('study') study: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.retrieve(a, req, reply, { studyUid: study });
  }

  @RequirePermission('study.read') @Get('studies/:study/series/:series')
  retrieveSeries(@CurrentActor() a: Actor, @Param('study') study: string, @Param('series') series: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.retrieve(a, req, reply, { studyUid: study, seriesUid: series });
  }

  @RequirePermission('study.read') @Get('studies/:study/series/:series/instances/:instance')
  retrieveInstance(@CurrentActor() a: Actor, @Param('study') study: string, @Param('series') series: string, @Param('instance') instance: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.retrieve(a, req, reply, { studyUid: study, seriesUid: series, sopInstanceUid: instance });
  }

  private async retrieve(actor: Actor, req: FastifyRequest, reply: FastifyReply, scope: ArchiveScope) {
    checkUids(scope.studyUid, scope.seriesUid, scope.sopInstanceUid);
    const wanted = negotiateRetrieve(req.headers.accept, !!scope.sopInstanceUid);
    const refs = await this.archive.instances(actor, scope);
    if (wanted.single) {
      return reply.header('content-type', 'application/dicom').send(this.archive.streamFile(refs[0]));
    }
    // Only Explicit VR Little Endian can be produced from another transfer syntax (by decoding the pixels).
    if (wanted.transferSyntax !== '*' && wanted.transferSyntax !== EXPLICIT_LE) {
      const other = refs.find((r) => r.transferSyntaxUid !== wanted.transferSyntax);
      if (other) {
        throw new NotAcceptableException(`Instance ${other.sopInstanceUid} is stored in transfer syntax ${other.transferSyntaxUid}; ask for transfer-syntax=* (as stored) or ${EXPLICIT_LE}`);
      }
    }
    const boundary = newBoundary();
    const out = new PassThrough();
    void reply.header('content-type', `multipart/related; type="application/dicom"; boundary=${boundary}`).send(out);
    for (const ref of refs) {
      if (wanted.transferSyntax === EXPLICIT_LE && ref.transferSyntaxUid !== EXPLICIT_LE) {
        let converted: Uint8Array;
        try {
          const file = await this.archive.readFile(ref);
          converted = await transcodeToExplicitLE(new Uint8Array(file.buffer, file.byteOffset, file.byteLength));
        } catch (err) {
          // Headers are already sent: end the multipart body early; the client sees a short response.
          out.destroy(err as Error);
          return reply;
        }
        out.write(partHeader(boundary, `application/dicom; transfer-syntax=${EXPLICIT_LE}`));
        out.write(Buffer.from(converted.buffer, converted.byteOffset, converted.byteLength));
      } else {
        out.write(partHeader(boundary, `application/dicom; transfer-syntax=${ref.transferSyntaxUid}`));
        await pipeInto(this.archive.streamFile(ref), out);
        if (out.destroyed) return reply;
      }
      out.write('\r\n');
    }
    out.end(closingDelimiter(boundary));
    return reply;
  }

  // ---- WADO-RS metadata (PS3.18 §10.4.1.1.2) ----

  @RequirePermission('study.read') @Get('studies/:study/metadata')
  studyMetadata(@CurrentActor() a: Actor, @Param('study') study: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.metadata(a, req, reply, { studyUid: study });
  }

  @RequirePermission('study.read') @Get('studies/:study/series/:series/metadata')
  seriesMetadata(@CurrentActor() a: Actor, @Param('study') study: string, @Param('series') series: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.metadata(a, req, reply, { studyUid: study, seriesUid: series });
  }

  @RequirePermission('study.read') @Get('studies/:study/series/:series/instances/:instance/metadata')
  instanceMetadata(@CurrentActor() a: Actor, @Param('study') study: string, @Param('series') series: string, @Param('instance') instance: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.metadata(a, req, reply, { studyUid: study, seriesUid: series, sopInstanceUid: instance });
  }

  private async metadata(actor: Actor, req: FastifyRequest, reply: FastifyReply, scope: ArchiveScope) {
    checkUids(scope.studyUid, scope.seriesUid, scope.sopInstanceUid);
    requireJsonAccept(req);
    const text = await this.archive.metadata(actor, scope, dicomwebBase(req));
    return reply.header('content-type', DICOM_JSON).send(text);
  }

  // ---- Deletion (as dcm4chee/Orthanc offer; permission study.delete, audited) ----

  @RequirePermission('study.delete') @Delete('studies/:study') @HttpCode(204)
  async deleteStudy(@CurrentActor() a: Actor, @Param('study') study: string) {
    checkUids(study);
    await this.archive.delete(a, { studyUid: study });
  }

  @RequirePermission('study.delete') @Delete('studies/:study/series/:series') @HttpCode(204)
  async deleteSeries(@CurrentActor() a: Actor, @Param('study') study: string, @Param('series') series: string) {
    checkUids(study, series);
    await this.archive.delete(a, { studyUid: study, seriesUid: series });
  }

  @RequirePermission('study.delete') @Delete('studies/:study/series/:series/instances/:instance') @HttpCode(204)
  async deleteInstance(@CurrentActor() a: Actor, @Param('study') study: string, @Param('series') series: string, @Param('instance') instance: string) {
    checkUids(study, series, instance);
    await this.archive.delete(a, { studyUid: study, seriesUid: series, sopInstanceUid: instance });
  }
}

/**
 * Accept negotiation for instance retrieval (PS3.18 §8.7.3.5.2): multipart/related; type="application/dicom"
 * with an optional transfer-syntax parameter. Default is the stored transfer syntax ("*").
 * A bare `application/dicom` on one instance returns the file itself (handy for curl and simple clients).
 */
export function negotiateRetrieve(accept: string | undefined, singleInstance: boolean): { single: boolean; transferSyntax: string } {
  if (!accept || /^\s*\*\/\*\s*$/.test(accept)) return { single: false, transferSyntax: '*' };
  for (const raw of accept.split(',')) {
    const a = raw.trim();
    const ts = /transfer-syntax\s*=\s*"?([0-9.*]+)"?/i.exec(a)?.[1] ?? '*';
    if (/^multipart\/related/i.test(a)) {
      const type = typeParamOf(a);
      if (!type || type === 'application/dicom') return { single: false, transferSyntax: ts };
    }
    if (/^application\/dicom\s*(;|$)/i.test(a) && singleInstance) return { single: true, transferSyntax: ts };
    if (/^\*\/\*/.test(a)) return { single: false, transferSyntax: '*' };
  }
  throw new HttpException({ message: `Not acceptable: "${accept.slice(0, 200)}"; offered: multipart/related; type="application/dicom"` }, 406);
}

function pipeInto(src: Readable, dst: PassThrough): Promise<void> {
  return new Promise((resolve, reject) => {
    src.on('error', reject);
    src.on('end', resolve);
    // The client went away: stop reading the file and finish quietly.
    dst.once('close', () => { src.destroy(); resolve(); });
    src.pipe(dst, { end: false });
  });
}
