import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { text } from '../users/users.dto';

const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Time as HH:MM (24 h)');
const isoDate = z.iso.date('Date as YYYY-MM-DD');
/** DICOM Modality (0008,0060) defined terms: upper-case, 2–16 characters (CS). */
const modality = z.string().regex(/^[A-Z0-9_]{2,16}$/, 'A DICOM modality code such as CT, MR, US');

export class CreateDepartmentDto extends createZodDto(z.object({
  name: text(120).pipe(z.string().min(1, 'Required')),
  code: z.string().trim().regex(/^[A-Z0-9_-]{1,16}$/, 'Upper-case letters, digits, _ or -, at most 16'),
  description: text(1000).default(''),
}).strict()) {}
export class UpdateDepartmentDto extends createZodDto(z.object({
  name: text(120).pipe(z.string().min(1, 'Required')).optional(),
  code: z.string().trim().regex(/^[A-Z0-9_-]{1,16}$/, 'Upper-case letters, digits, _ or -, at most 16').optional(),
  description: text(1000).optional(),
}).strict()) {}

export class CreateRoomDto extends createZodDto(z.object({
  name: text(120).pipe(z.string().min(1, 'Required')),
  departmentId: z.uuid(),
  modalities: z.array(modality).max(20).default([]),
  active: z.boolean().default(true),
}).strict()) {}
export class UpdateRoomDto extends createZodDto(z.object({
  name: text(120).pipe(z.string().min(1, 'Required')).optional(),
  departmentId: z.uuid().optional(),
  modalities: z.array(modality).max(20).optional(),
  active: z.boolean().optional(),
}).strict()) {}
export class ListRoomsQuery extends createZodDto(z.object({
  departmentId: z.uuid().optional(),
  modality: modality.optional(),
}).strict()) {}

const days = z.array(z.number().int().min(1).max(7)).min(1, 'At least one day').max(7)
  .transform((d) => [...new Set(d)].sort());
export class CreateShiftTemplateDto extends createZodDto(z.object({
  name: text(80).pipe(z.string().min(1, 'Required')),
  startTime: time,
  endTime: time,
  days,
}).strict().refine((v) => v.startTime !== v.endTime, { message: 'Start and end must differ', path: ['endTime'] })) {}
export class UpdateShiftTemplateDto extends createZodDto(z.object({
  name: text(80).pipe(z.string().min(1, 'Required')).optional(),
  startTime: time.optional(),
  endTime: time.optional(),
  days: days.optional(),
}).strict()) {}

export class ListSchedulesQuery extends createZodDto(z.object({
  from: isoDate,
  to: isoDate,
  departmentId: z.uuid().optional(),
  userId: z.uuid().optional(),
  roomId: z.uuid().optional(),
}).strict().refine((v) => v.from <= v.to, { message: '"from" must not be after "to"', path: ['to'] })
  .refine((v) => (Date.parse(v.to) - Date.parse(v.from)) / 86_400_000 <= 92, { message: 'At most 92 days at once', path: ['to'] })) {}

export class CreateScheduleDto extends createZodDto(z.object({
  userId: z.uuid(),
  roomId: z.uuid(),
  shiftTemplateId: z.uuid(),
  date: isoDate,
}).strict()) {}
