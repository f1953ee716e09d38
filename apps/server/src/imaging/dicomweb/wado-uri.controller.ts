import { BadRequestException, Controller, Get, NotAcceptableException, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { RequirePermission } from '../../identity/access/access.decorators';
import { type Actor, CurrentActor } from '../../identity/access/actor';
import { ArchiveService } from '../archive/archive.service';
import { renderFrame, transcodeToExplicitLE, type RenderOptions } from '../pixels';
import { pixelHttpError } from './pixels.controller';

const uid = z.string().regex(/^[0-9]+(\.[0-9]+)*$/, 'Not a DICOM UID').max(64);
const num = z.coerce.number().finite();

/** WADO-URI query parameters (PS3.18 §9.1–9.2); parameters for features Axial does not offer are refused. */
export class WadoUriQuery extends createZodDto(z.object({
  requestType: z.literal('WADO', { error: 'requestType must be WADO' }),
  studyUID: uid,
  seriesUID: uid,
  objectUID: uid,
  contentType: z.string().max(200).default('image/jpeg'),
  transferSyntax: uid.optional(),
  frameNumber: z.coerce.number().int().min(1).default(1),
  windowCenter: num.optional(),
  windowWidth: num.positive().optional(),
  rows: z.coerce.number().int().min(1).max(8192).optional(),
  columns: z.coerce.number().int().min(1).max(8192).optional(),
  imageQuality: z.coerce.number().int().min(1).max(100).optional(),
  charset: z.string().max(64).optional(),
  anonymize: z.literal('yes').optional(),
}).strict().refine((q) => (q.windowCenter === undefined) === (q.windowWidth === undefined), { message: 'windowCenter and windowWidth go together', path: ['windowWidth'] })) {}

/** Legacy WADO-URI at /wado, for viewers that predate DICOMweb (e.g. Cornerstone's wadouri loader). */
@ApiTags('dicomweb')
@ApiBearerAuth()
@Controller('wado')
export class WadoUriController {
  constructor(private readonly archive: ArchiveService) {}

  @RequirePermission('study.read')
  @Get()
  async get(@CurrentActor() actor: Actor, @Query() q: WadoUriQuery, @Res() reply: FastifyReply) {
    if (q.anonymize) throw new BadRequestException('anonymize=yes is not supported');
    const [ref] = await this.archive.instances(actor, { studyUid: q.studyUID, seriesUid: q.seriesUID, sopInstanceUid: q.objectUID });
    const types = q.contentType.split(',').map((t) => t.split(';')[0].trim().toLowerCase());
    const type = types.find((t) => ['application/dicom', 'image/jpeg', 'image/png', '*/*'].includes(t));
    if (!type) throw new NotAcceptableException(`contentType must be application/dicom, image/jpeg or image/png (got "${q.contentType}")`);
    try {
      if (type === 'application/dicom') {
        if (q.transferSyntax && q.transferSyntax !== ref.transferSyntaxUid) {
          if (q.transferSyntax !== '1.2.840.10008.1.2.1') throw new NotAcceptableException(`Stored as ${ref.transferSyntaxUid}; only 1.2.840.10008.1.2.1 can be produced`);
          const file = await this.archive.readFile(ref);
          const out = await transcodeToExplicitLE(new Uint8Array(file.buffer, file.byteOffset, file.byteLength));
          return reply.header('content-type', 'application/dicom').send(Buffer.from(out.buffer, out.byteOffset, out.byteLength));
        }
        return reply.header('content-type', 'application/dicom').send(this.archive.streamFile(ref));
      }
      const o: RenderOptions = { format: type === 'image/png' ? 'png' : 'jpeg', quality: q.imageQuality };
      if (q.windowCenter !== undefined) o.window = { center: q.windowCenter, width: q.windowWidth! };
      if (q.rows || q.columns) o.viewport = { width: q.columns ?? q.rows!, height: q.rows ?? q.columns! };
      const file = await this.archive.readFile(ref);
      const img = await renderFrame(new Uint8Array(file.buffer, file.byteOffset, file.byteLength), q.frameNumber, o);
      return reply.header('content-type', o.format === 'png' ? 'image/png' : 'image/jpeg').send(img);
    } catch (err) {
      throw pixelHttpError(err);
    }
  }
}
