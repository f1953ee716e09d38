import { CanActivate, ExecutionContext, ForbiddenException, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AccessService } from '../access/access.service';
import { ACCESS_KEY, type RouteAccess } from '../access/access.decorators';
import type { Actor } from '../access/actor';
import { PrincipalService } from './principal.service';
import { InvalidTokenError } from './token.service';

/**
 * Global guard: every HTTP route passes here. Routes declare their access with @Public, @Authenticated
 * or @RequirePermission; a route that declares nothing is refused (fail closed).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly log = new Logger('AuthGuard');

  constructor(
    private readonly reflector: Reflector,
    private readonly principals: PrincipalService,
    private readonly access: AccessService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const declared = this.reflector.getAllAndOverride<RouteAccess | undefined>(ACCESS_KEY, [ctx.getHandler(), ctx.getClass()]);
    const req = ctx.switchToHttp().getRequest<FastifyRequest & { actor?: Actor }>();
    if (!declared) {
      this.log.error(`Route ${req.method} ${req.routeOptions?.url} declares no access rule: refused`);
      throw new ForbiddenException('This route declares no access rule');
    }
    if (declared.kind === 'public') return true;
    const token = bearerOf(req);
    if (!token) throw new UnauthorizedException('Authentication required');
    try {
      req.actor = await this.principals.fromBearer(token, { clientIp: req.ip ?? null, userAgent: req.headers['user-agent']?.slice(0, 512) ?? null });
    } catch (err) {
      if (err instanceof InvalidTokenError) throw new UnauthorizedException(err.message);
      throw err;
    }
    if (declared.kind === 'permission') await this.access.scopeOf(req.actor, declared.permission, undefined);
    return true;
  }
}

export function bearerOf(req: { headers: Record<string, string | string[] | undefined> }): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+([A-Za-z0-9\-_.~+/]+=*)$/i.exec(h.trim());
  return m?.[1];
}
