import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { PermissionScope } from './permissions';

/** Who is acting, established by the auth guard (HTTP) or the realtime gateway (WebSocket). */
export interface Actor {
  userId: string;
  username: string;
  displayName: string;
  roles: string[];
  departmentId: string | null;
  /** permission code -> widest scope granted by any of the actor's roles */
  permissions: Map<string, PermissionScope>;
  sessionId: string;
  clientIp: string | null;
  userAgent: string | null;
}

/** Request metadata for audit when no one is logged in yet (login, refresh). */
export interface ClientInfo {
  clientIp: string | null;
  userAgent: string | null;
}

export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => {
  const req = ctx.switchToHttp().getRequest<{ actor?: Actor }>();
  if (!req.actor) throw new Error('CurrentActor used on a route without authentication');
  return req.actor;
});

export const Client = createParamDecorator((_: unknown, ctx: ExecutionContext): ClientInfo => {
  const req = ctx.switchToHttp().getRequest<{ ip?: string; headers: Record<string, string | undefined> }>();
  return { clientIp: req.ip ?? null, userAgent: req.headers['user-agent']?.slice(0, 512) ?? null };
});
