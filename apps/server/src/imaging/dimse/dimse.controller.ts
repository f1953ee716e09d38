import { BadGatewayException, Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RequirePermission } from '../../identity/access/access.decorators';
import { type Actor, CurrentActor } from '../../identity/access/actor';
import { AuditService } from '../../system/audit/audit.service';
import { DicomJobsService } from './dicom-jobs.service';
import { DicomNodesService } from './dicom-nodes.service';
import { CreateDicomNodeDto, NodeIdParam, QueryNodeDto, RetrieveFromNodeDto, StoreToNodeDto, UpdateDicomNodeDto } from './dimse.dto';
import { DimseService } from './dimse.service';
import { DimseScuError } from './scu';

@ApiTags('dicom-nodes')
@ApiBearerAuth()
@Controller('api/v1/dicom-nodes')
export class DicomNodesController {
  constructor(
    private readonly nodes: DicomNodesService,
    private readonly dimse: DimseService,
    private readonly jobs: DicomJobsService,
    private readonly audit: AuditService,
  ) {}

  @RequirePermission('dicom-node.manage') @Get()
  list() { return this.nodes.list(); }

  /** The nodes a study may be sent to ("Send to…"), for users who export without managing nodes. */
  @RequirePermission('study.export') @Get('destinations')
  async destinations() {
    return (await this.nodes.list()).map((n) => ({ id: n.id, aeTitle: n.aeTitle, host: n.host, port: n.port, description: n.description }));
  }

  @RequirePermission('dicom-node.manage') @Get(':id')
  get(@Param() p: NodeIdParam) { return this.nodes.get(p.id); }

  @RequirePermission('dicom-node.manage') @Post()
  async create(@CurrentActor() a: Actor, @Body() b: CreateDicomNodeDto) {
    const n = await this.nodes.create(b);
    await this.audit.record(a, { action: 'dicom-node.create', outcome: 'success', resourceType: 'dicom-node', resourceId: n.id, details: { aeTitle: n.aeTitle, host: n.host, port: n.port } });
    return n;
  }

  @RequirePermission('dicom-node.manage') @Patch(':id')
  async update(@CurrentActor() a: Actor, @Param() p: NodeIdParam, @Body() b: UpdateDicomNodeDto) {
    const n = await this.nodes.update(p.id, b);
    await this.audit.record(a, { action: 'dicom-node.update', outcome: 'success', resourceType: 'dicom-node', resourceId: n.id, details: { ...b } });
    return n;
  }

  @RequirePermission('dicom-node.manage') @Delete(':id') @HttpCode(204)
  async remove(@CurrentActor() a: Actor, @Param() p: NodeIdParam) {
    await this.nodes.remove(p.id);
    await this.audit.record(a, { action: 'dicom-node.delete', outcome: 'success', resourceType: 'dicom-node', resourceId: p.id });
  }

  /** C-ECHO SCU: whether the node answers, and the round trip. */
  @RequirePermission('dicom-node.manage') @Post(':id/echo') @HttpCode(200)
  async echo(@Param() p: NodeIdParam) {
    const n = await this.nodes.get(p.id);
    try {
      const r = await this.dimse.echoNode(n);
      return { ok: r.status === 0, status: r.status, roundTripMs: r.roundTripMs };
    } catch (err) {
      return { ok: false, error: (err as Error).message };
    }
  }

  /** C-STORE SCU of an archived study or series, as a background job (results per instance in the job). */
  @RequirePermission('study.export') @Post(':id/store') @HttpCode(202)
  async store(@CurrentActor() a: Actor, @Param() p: NodeIdParam, @Body() b: StoreToNodeDto) {
    const n = await this.nodes.get(p.id);
    const refs = await this.dimse.refsOf(b.studyUid, b.seriesUid);
    if (!refs.length) throw new NotFoundException(`Study ${b.studyUid}${b.seriesUid ? ` series ${b.seriesUid}` : ''} not found`);
    await this.audit.record(a, { action: 'study.export', outcome: 'success', resourceType: 'study', resourceId: b.studyUid, patientId: refs[0].patientId, details: { via: 'dimse', destination: n.aeTitle, instances: refs.length } });
    return this.jobs.start('store', n, b, a.username, async (ctx) => {
      await ctx.progress({ total: refs.length });
      const results: Array<{ sopInstanceUid: string; status: number }> = [];
      let completed = 0;
      let failed = 0;
      let lastWrite = 0;
      const outcomes = await this.dimse.storeToNode(n, refs, (o) => {
        results.push(o);
        if (o.status === 0 || (o.status >= 0xb000 && o.status <= 0xbfff)) completed++;
        else failed++;
        if (Date.now() - lastWrite > 500) {
          lastWrite = Date.now();
          void ctx.progress({ completed, failed }).catch(() => undefined);
        }
      });
      await ctx.progress({ completed, failed });
      return { result: outcomes.map((o) => ({ ...o, status: o.status >= 0 ? `0x${o.status.toString(16).padStart(4, '0')}` : 'not sent' })), ...(failed ? { error: `${failed} of ${refs.length} instance(s) were not stored` } : {}) };
    });
  }

  /** C-FIND SCU at study level; returns the matches as DICOM JSON. */
  @RequirePermission('study.read') @Post(':id/query') @HttpCode(200)
  async query(@CurrentActor() a: Actor, @Param() p: NodeIdParam, @Body() b: QueryNodeDto) {
    const n = await this.nodes.get(p.id);
    try {
      const r = await this.dimse.findOnNode(n, b.keys);
      await this.audit.record(a, { action: 'remote.query', outcome: 'success', resourceType: 'dicom-node', resourceId: n.id, patientId: b.keys.PatientID ?? null, details: { aeTitle: n.aeTitle, keys: b.keys, results: r.matches.length, status: r.status } });
      return r.matches;
    } catch (err) {
      if (err instanceof DimseScuError) throw new BadGatewayException(err.message);
      throw err;
    }
  }

  /** C-MOVE SCU: asks the node to send a study to Axial (the node must know Axial's AE title, host and port). */
  @RequirePermission('study.upload') @Post(':id/retrieve') @HttpCode(202)
  async retrieve(@CurrentActor() a: Actor, @Param() p: NodeIdParam, @Body() b: RetrieveFromNodeDto) {
    const n = await this.nodes.get(p.id);
    await this.audit.record(a, { action: 'remote.retrieve', outcome: 'success', resourceType: 'study', resourceId: b.studyUid, details: { aeTitle: n.aeTitle } });
    return this.jobs.start('retrieve', n, b, a.username, async (ctx) => {
      const r = await this.dimse.retrieveFromNode(n, b.studyUid, (o) => {
        void ctx.progress({ total: o.remaining + o.completed + o.failed + o.warnings, completed: o.completed, failed: o.failed, warnings: o.warnings }).catch(() => undefined);
      });
      await ctx.progress({ total: r.completed + r.failed + r.warnings, completed: r.completed, failed: r.failed, warnings: r.warnings });
      const status = `0x${(r.status >>> 0).toString(16).padStart(4, '0')}`;
      return { result: { status, comment: r.comment }, ...(r.status !== 0 ? { error: `C-MOVE ended with status ${status}${r.comment ? `: ${r.comment}` : ''}` } : {}) };
    });
  }
}

@ApiTags('dicom-jobs')
@ApiBearerAuth()
@Controller('api/v1/dicom-jobs')
export class DicomJobsController {
  constructor(private readonly jobs: DicomJobsService) {}

  @RequirePermission('study.export') @Get()
  list() { return this.jobs.list(); }

  @RequirePermission('study.export') @Get(':id')
  get(@Param() p: NodeIdParam) { return this.jobs.get(p.id); }
}
