import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RequirePermission } from '../access/access.decorators';
import { type Actor, CurrentActor } from '../access/actor';
import { IdParam } from '../users/users.dto';
import {
  CreateDepartmentDto, CreateRoomDto, CreateScheduleDto, CreateShiftTemplateDto, ListRoomsQuery, ListSchedulesQuery,
  UpdateDepartmentDto, UpdateRoomDto, UpdateShiftTemplateDto,
} from './organization.dto';
import { DepartmentsService, RoomsService, SchedulesService, ShiftTemplatesService } from './organization.service';

@ApiTags('departments')
@ApiBearerAuth()
@Controller('api/v1/departments')
export class DepartmentsController {
  constructor(private readonly svc: DepartmentsService) {}
  @RequirePermission('department.read') @Get()
  list(@CurrentActor() a: Actor) { return this.svc.list(a); }
  @RequirePermission('department.manage') @Post()
  create(@CurrentActor() a: Actor, @Body() b: CreateDepartmentDto) { return this.svc.create(a, b); }
  @RequirePermission('department.manage') @Patch(':id')
  update(@CurrentActor() a: Actor, @Param() p: IdParam, @Body() b: UpdateDepartmentDto) { return this.svc.update(a, p.id, b); }
  @RequirePermission('department.manage') @Delete(':id') @HttpCode(204)
  remove(@CurrentActor() a: Actor, @Param() p: IdParam) { return this.svc.remove(a, p.id); }
}

@ApiTags('rooms')
@ApiBearerAuth()
@Controller('api/v1/rooms')
export class RoomsController {
  constructor(private readonly svc: RoomsService) {}
  @RequirePermission('room.read') @Get()
  list(@CurrentActor() a: Actor, @Query() q: ListRoomsQuery) { return this.svc.list(a, q); }
  @RequirePermission('room.manage') @Post()
  create(@CurrentActor() a: Actor, @Body() b: CreateRoomDto) { return this.svc.create(a, b); }
  @RequirePermission('room.manage') @Patch(':id')
  update(@CurrentActor() a: Actor, @Param() p: IdParam, @Body() b: UpdateRoomDto) { return this.svc.update(a, p.id, b); }
  @RequirePermission('room.manage') @Delete(':id') @HttpCode(204)
  remove(@CurrentActor() a: Actor, @Param() p: IdParam) { return this.svc.remove(a, p.id); }
}

@ApiTags('shift-templates')
@ApiBearerAuth()
@Controller('api/v1/shift-templates')
export class ShiftTemplatesController {
  constructor(private readonly svc: ShiftTemplatesService) {}
  @RequirePermission('shift.read') @Get()
  list(@CurrentActor() a: Actor) { return this.svc.list(a); }
  @RequirePermission('shift.manage') @Post()
  create(@CurrentActor() a: Actor, @Body() b: CreateShiftTemplateDto) { return this.svc.create(a, b); }
  @RequirePermission('shift.manage') @Patch(':id')
  update(@CurrentActor() a: Actor, @Param() p: IdParam, @Body() b: UpdateShiftTemplateDto) { return this.svc.update(a, p.id, b); }
  @RequirePermission('shift.manage') @Delete(':id') @HttpCode(204)
  remove(@CurrentActor() a: Actor, @Param() p: IdParam) { return this.svc.remove(a, p.id); }
}

@ApiTags('schedules')
@ApiBearerAuth()
@Controller('api/v1/schedules')
export class SchedulesController {
  constructor(private readonly svc: SchedulesService) {}
  @RequirePermission('schedule.read') @Get()
  list(@CurrentActor() a: Actor, @Query() q: ListSchedulesQuery) { return this.svc.list(a, q); }
  @RequirePermission('schedule.manage') @Post()
  create(@CurrentActor() a: Actor, @Body() b: CreateScheduleDto) { return this.svc.create(a, b); }
  @RequirePermission('schedule.manage') @Delete(':id') @HttpCode(204)
  remove(@CurrentActor() a: Actor, @Param() p: IdParam) { return this.svc.remove(a, p.id); }
}
