import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { password, text } from '../users/users.dto';

export class LoginDto extends createZodDto(z.object({
  username: z.string().trim().min(1).max(64),
  // Not the creation rule: an old account may have a shorter password; only bound the size.
  password: z.string().min(1).max(256),
  /** 'cookie' (browsers, default): refresh token only in an httpOnly cookie; 'body': also returned for API clients. */
  tokenDelivery: z.enum(['cookie', 'body']).default('cookie'),
}).strict()) {}

/** Browsers send no body (the token is in the cookie); API clients send `{ refreshToken }`. */
export class RefreshDto extends createZodDto(z.preprocess((v) => v ?? {}, z.object({
  refreshToken: z.string().min(20).max(200).optional(),
}).strict())) {}

export class ChangePasswordDto extends createZodDto(z.object({
  currentPassword: z.string().min(1).max(256),
  newPassword: password,
}).strict()) {}

export class UpdateProfileDto extends createZodDto(z.object({
  displayName: text(200).pipe(z.string().min(1, 'Required')).optional(),
  email: z.email().max(254).nullish(),
  phone: text(40).nullish(),
}).strict()) {}
