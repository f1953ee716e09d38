import { Controller, Get, Header, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { RequirePermission } from '../../identity/access/access.decorators';
import { type Actor, CurrentActor } from '../../identity/access/actor';
import { AuditQueryService } from './audit-query.service';
import { AuditService, toCsv } from './audit.service';

const filterShape = {
  from: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
  to: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
  userId: z.uuid().optional(),
  username: z.string().max(64).optional(),
  action: z.string().max(64).optional(),
  resourceType: z.string().max(64).optional(),
  resourceId: z.string().max(128).optional(),
  patientId: z.string().max(128).optional(),
  outcome: z.enum(['success', 'failure', 'denied']).optional(),
};

export class AuditQuery extends createZodDto(z.object({
  ...filterShape,
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
}).strict()) {}

export class AuditExportQuery extends createZodDto(z.object({
  ...filterShape,
  limit: z.coerce.number().int().min(1).max(100_000).default(50_000),
}).strict()) {}

@ApiTags('audit')
@ApiBearerAuth()
@Controller('api/v1/audit-events')
export class AuditController {
  constructor(private readonly svc: AuditQueryService, private readonly audit: AuditService) {}

  @RequirePermission('audit.read')
  @Get()
  list(@CurrentActor() actor: Actor, @Query() q: AuditQuery) {
    return this.svc.find(actor, q);
  }

  @RequirePermission('audit.read')
  @Get('export')
  @Header('content-type', 'text/csv; charset=utf-8')
  async export(@CurrentActor() actor: Actor, @Query() q: AuditExportQuery, @Res({ passthrough: true }) reply: FastifyReply) {
    const { items } = await this.svc.find(actor, { ...q, offset: 0 });
    await this.audit.record(actor, { action: 'audit.export', outcome: 'success', resourceType: 'audit-event', details: { filter: q, rows: items.length } });
    void reply.header('content-disposition', `attachment; filename="axial-audit-${new Date().toISOString().slice(0, 10)}.csv"`);
    return toCsv(items);
  }
}
