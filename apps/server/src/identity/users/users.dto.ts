import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../auth/password';

/** Free text fields: bounded, no control characters (they end up in audit exports and DICOM later). */
export const text = (max: number) =>
  z.string().trim().max(max, `At most ${max} characters`).refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'Control characters are not allowed');

export const password = z.string().min(PASSWORD_MIN_LENGTH, `At least ${PASSWORD_MIN_LENGTH} characters`).max(PASSWORD_MAX_LENGTH);
export const username = z.string().trim().min(3).max(64).regex(/^[A-Za-z0-9._@-]+$/, 'Letters, digits and . _ @ - only');
const roleCode = z.string().regex(/^[a-z][a-z0-9_]{1,39}$/, 'Invalid role code');

export const paging = {
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
};

export class CreateUserDto extends createZodDto(z.object({
  username,
  displayName: text(200).pipe(z.string().min(1, 'Required')),
  email: z.email().max(254).nullish(),
  phone: text(40).nullish(),
  password,
  departmentId: z.uuid().nullish(),
  roles: z.array(roleCode).max(20).default([]),
  mustChangePassword: z.boolean().default(true),
}).strict()) {}

export class UpdateUserDto extends createZodDto(z.object({
  displayName: text(200).pipe(z.string().min(1, 'Required')).optional(),
  email: z.email().max(254).nullish(),
  phone: text(40).nullish(),
  departmentId: z.uuid().nullish(),
  roles: z.array(roleCode).max(20).optional(),
}).strict()) {}

export class ListUsersQuery extends createZodDto(z.object({
  q: text(100).optional(),
  role: roleCode.optional(),
  departmentId: z.uuid().optional(),
  active: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  ...paging,
}).strict()) {}

export class ResetPasswordDto extends createZodDto(z.object({
  newPassword: password.optional(),
}).strict()) {}

export class IdParam extends createZodDto(z.object({ id: z.uuid('Not a valid id') })) {}
