import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { AuditService } from '../../system/audit/audit.service';
import { AccessService } from '../access/access.service';
import type { Actor } from '../access/actor';
import { UsersRepository } from '../users/users.repository';
import type {
  CreateDepartmentDto, CreateRoomDto, CreateScheduleDto, CreateShiftTemplateDto, ListRoomsQuery, ListSchedulesQuery,
  UpdateDepartmentDto, UpdateRoomDto, UpdateShiftTemplateDto,
} from './organization.dto';
import {
  DepartmentsRepository, DuplicateError, InUseError, RoomsRepository, SchedulesRepository, ShiftTemplatesRepository,
  type ShiftTemplateRow,
} from './organization.repository';

/** Maps the repository's engine-neutral errors to HTTP answers. */
async function guarded<T>(work: Promise<T>, what: string): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof DuplicateError) throw new ConflictException(`${what} already exists`);
    if (err instanceof InUseError) throw new ConflictException(`${what} is still in use`);
    throw err;
  }
}

@Injectable()
export class DepartmentsService {
  constructor(private readonly repo: DepartmentsRepository, private readonly access: AccessService, private readonly audit: AuditService) {}

  async list(actor: Actor) {
    await this.access.require(actor, 'department.read', { resourceType: 'department' });
    const items = await this.repo.list();
    return { items: items.map(mapDepartment), total: items.length };
  }

  async create(actor: Actor, dto: CreateDepartmentDto) {
    await this.access.require(actor, 'department.manage', { resourceType: 'department' });
    const row = await guarded(this.repo.insert(dto), 'A department with this code');
    await this.audit.record(actor, { action: 'department.create', outcome: 'success', resourceType: 'department', resourceId: row.id, details: { code: row.code } });
    return mapDepartment(row);
  }

  async update(actor: Actor, id: string, dto: UpdateDepartmentDto) {
    await this.access.require(actor, 'department.manage', { resourceType: 'department', resourceId: id });
    const row = await guarded(this.repo.update(id, dto), 'A department with this code');
    if (!row) throw new NotFoundException('Department not found');
    await this.audit.record(actor, { action: 'department.update', outcome: 'success', resourceType: 'department', resourceId: id, details: { fields: Object.keys(dto) } });
    return mapDepartment(row);
  }

  async remove(actor: Actor, id: string) {
    await this.access.require(actor, 'department.manage', { resourceType: 'department', resourceId: id });
    if (!(await guarded(this.repo.delete(id), 'The department'))) throw new NotFoundException('Department not found');
    await this.audit.record(actor, { action: 'department.delete', outcome: 'success', resourceType: 'department', resourceId: id });
  }
}

const mapDepartment = (d: { id: string; name: string; code: string; description: string }) =>
  ({ id: d.id, name: d.name, code: d.code, description: d.description });

@Injectable()
export class RoomsService {
  constructor(
    private readonly repo: RoomsRepository,
    private readonly departments: DepartmentsRepository,
    private readonly access: AccessService,
    private readonly audit: AuditService,
  ) {}

  async list(actor: Actor, q: ListRoomsQuery) {
    await this.access.require(actor, 'room.read', { resourceType: 'room' });
    const items = await this.repo.list(q);
    return { items, total: items.length };
  }

  async create(actor: Actor, dto: CreateRoomDto) {
    await this.access.require(actor, 'room.manage', { resourceType: 'room', departmentId: dto.departmentId });
    await this.requireDepartment(dto.departmentId);
    const id = await guarded(this.repo.insert(dto), 'A room with this name in this department');
    await this.audit.record(actor, { action: 'room.create', outcome: 'success', resourceType: 'room', resourceId: id, details: { name: dto.name } });
    return (await this.repo.get(id))!;
  }

  async update(actor: Actor, id: string, dto: UpdateRoomDto) {
    await this.access.requireFound(actor, 'room.manage', await this.repo.get(id),
      (r) => ({ resourceType: 'room', resourceId: id, departmentId: r.departmentId }), 'Room');
    if (dto.departmentId) await this.requireDepartment(dto.departmentId);
    await guarded(this.repo.update(id, dto), 'A room with this name in this department');
    await this.audit.record(actor, { action: 'room.update', outcome: 'success', resourceType: 'room', resourceId: id, details: { fields: Object.keys(dto) } });
    return (await this.repo.get(id))!;
  }

  async remove(actor: Actor, id: string) {
    await this.access.requireFound(actor, 'room.manage', await this.repo.get(id),
      (r) => ({ resourceType: 'room', resourceId: id, departmentId: r.departmentId }), 'Room');
    if (!(await guarded(this.repo.delete(id), 'The room'))) throw new NotFoundException('Room not found');
    await this.audit.record(actor, { action: 'room.delete', outcome: 'success', resourceType: 'room', resourceId: id });
  }

  private async requireDepartment(id: string) {
    if (!(await this.departments.get(id))) {
      throw new BadRequestException({ message: 'Unknown department', details: [{ path: 'departmentId', message: 'Unknown department' }] });
    }
  }
}

@Injectable()
export class ShiftTemplatesService {
  constructor(private readonly repo: ShiftTemplatesRepository, private readonly access: AccessService, private readonly audit: AuditService) {}

  async list(actor: Actor) {
    await this.access.require(actor, 'shift.read', { resourceType: 'shift-template' });
    const items = await this.repo.list();
    return { items: items.map(mapShift), total: items.length };
  }

  async create(actor: Actor, dto: CreateShiftTemplateDto) {
    await this.access.require(actor, 'shift.manage', { resourceType: 'shift-template' });
    const row = await guarded(this.repo.insert(dto), 'A shift template with this name');
    await this.audit.record(actor, { action: 'shift-template.create', outcome: 'success', resourceType: 'shift-template', resourceId: row.id, details: { name: row.name } });
    return mapShift(row);
  }

  async update(actor: Actor, id: string, dto: UpdateShiftTemplateDto) {
    await this.access.require(actor, 'shift.manage', { resourceType: 'shift-template', resourceId: id });
    const before = await this.repo.get(id);
    if (!before) throw new NotFoundException('Shift template not found');
    if ((dto.startTime ?? before.startTime) === (dto.endTime ?? before.endTime)) {
      throw new BadRequestException({ message: 'Start and end must differ', details: [{ path: 'endTime', message: 'Start and end must differ' }] });
    }
    const row = await guarded(this.repo.update(id, dto), 'A shift template with this name');
    await this.audit.record(actor, { action: 'shift-template.update', outcome: 'success', resourceType: 'shift-template', resourceId: id, details: { fields: Object.keys(dto) } });
    return mapShift(row!);
  }

  async remove(actor: Actor, id: string) {
    await this.access.require(actor, 'shift.manage', { resourceType: 'shift-template', resourceId: id });
    if (!(await guarded(this.repo.delete(id), 'The shift template'))) throw new NotFoundException('Shift template not found');
    await this.audit.record(actor, { action: 'shift-template.delete', outcome: 'success', resourceType: 'shift-template', resourceId: id });
  }
}

const mapShift = (s: ShiftTemplateRow) => ({ id: s.id, name: s.name, startTime: s.startTime, endTime: s.endTime, days: s.days });

/** Minutes from midnight of the schedule date covered by a shift; an overnight shift runs past 1440. */
export function shiftInterval(startTime: string, endTime: string): [number, number] {
  const m = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));
  const s = m(startTime);
  let e = m(endTime);
  if (e <= s) e += 24 * 60;
  return [s, e];
}

/** ISO weekday (1 = Monday … 7 = Sunday) of a YYYY-MM-DD date. */
export function isoWeekday(date: string): number {
  const d = new Date(`${date}T00:00:00Z`).getUTCDay();
  return d === 0 ? 7 : d;
}

@Injectable()
export class SchedulesService {
  constructor(
    private readonly repo: SchedulesRepository,
    private readonly rooms: RoomsRepository,
    private readonly shifts: ShiftTemplatesRepository,
    private readonly users: UsersRepository,
    private readonly access: AccessService,
    private readonly audit: AuditService,
  ) {}

  async list(actor: Actor, q: ListSchedulesQuery) {
    const scope = await this.access.scopeOf(actor, 'schedule.read', 'schedule');
    if (!scope.all) {
      if (!scope.departmentId || (q.departmentId && q.departmentId !== scope.departmentId)) return { items: [], total: 0 };
      return this.repo.list({ ...q, departmentId: scope.departmentId });
    }
    return this.repo.list(q);
  }

  async create(actor: Actor, dto: CreateScheduleDto) {
    const bad = (path: string, message: string) => new BadRequestException({ message, details: [{ path, message }] });
    const room = await this.rooms.get(dto.roomId);
    if (!room) {
      await this.access.scopeOf(actor, 'schedule.manage', 'schedule');
      throw bad('roomId', 'Unknown room');
    }
    await this.access.require(actor, 'schedule.manage', { resourceType: 'schedule', departmentId: room.departmentId });
    if (!room.active) throw bad('roomId', 'The room is inactive');
    const shift = await this.shifts.get(dto.shiftTemplateId);
    if (!shift) throw bad('shiftTemplateId', 'Unknown shift template');
    const user = await this.users.findRow(dto.userId);
    if (!user) throw bad('userId', 'Unknown user');
    if (!user.active) throw bad('userId', 'The user is inactive');
    if (!shift.days.includes(isoWeekday(dto.date))) throw bad('date', `The shift "${shift.name}" does not run on that weekday`);
    // Double booking: the person already works an overlapping shift (overnight shifts of the previous day included).
    const prev = new Date(Date.parse(`${dto.date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    const { items: existing } = await this.repo.list({ from: prev, to: dto.date, userId: dto.userId });
    const [s, e] = shiftInterval(shift.startTime, shift.endTime);
    const clash = existing.find((x) => {
      const [xs, xe] = shiftInterval(x.startTime, x.endTime);
      const offset = x.date === dto.date ? 0 : -1440;
      return xs + offset < e && s < xe + offset;
    });
    if (clash) throw new ConflictException(`${user.displayName} is already scheduled in ${clash.roomName} (${clash.shiftName}, ${clash.date})`);
    const id = await guarded(this.repo.insert(dto), 'This assignment');
    await this.audit.record(actor, { action: 'schedule.create', outcome: 'success', resourceType: 'schedule', resourceId: id, details: { ...dto } });
    return (await this.repo.get(id))!;
  }

  async remove(actor: Actor, id: string) {
    await this.access.requireFound(actor, 'schedule.manage', await this.repo.get(id),
      (e) => ({ resourceType: 'schedule', resourceId: id, departmentId: e.departmentId }), 'Schedule entry');
    await this.repo.delete(id);
    await this.audit.record(actor, { action: 'schedule.delete', outcome: 'success', resourceType: 'schedule', resourceId: id });
  }
}
