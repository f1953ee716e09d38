import { Injectable } from '@nestjs/common';
import type { Actor, ClientInfo } from '../access/actor';
import { UsersRepository } from '../users/users.repository';
import { SessionsRepository } from './sessions.repository';
import { InvalidTokenError, TokenService } from './token.service';

interface CachedPrincipal {
  actor: Omit<Actor, 'clientIp' | 'userAgent'>;
  tokenVersion: number;
  expires: number;
}

/**
 * Turns a bearer token into an Actor: verifies the signature, then checks against the database that the
 * user is still active, the token version is current and the session was not revoked. The result is
 * cached for a few seconds per session; changes made in this process invalidate it at once.
 */
@Injectable()
export class PrincipalService {
  private readonly cache = new Map<string, CachedPrincipal>();
  private static readonly TTL_MS = 5_000;

  constructor(
    private readonly tokens: TokenService,
    private readonly users: UsersRepository,
    private readonly sessions: SessionsRepository,
  ) {}

  async fromBearer(token: string, client: ClientInfo): Promise<Actor> {
    const claims = await this.tokens.verifyAccess(token);
    const key = `${claims.sub}:${claims.sid}`;
    const hit = this.cache.get(key);
    if (hit && hit.expires > Date.now()) {
      if (hit.tokenVersion !== claims.tv) throw new InvalidTokenError('Session ended');
      return { ...hit.actor, ...client };
    }
    const user = await this.users.findRow(claims.sub);
    if (!user || !user.active) throw new InvalidTokenError('Account disabled');
    if (user.tokenVersion !== claims.tv) throw new InvalidTokenError('Session ended');
    if (!(await this.sessions.isFamilyActive(claims.sid))) throw new InvalidTokenError('Session ended');
    const roles = await this.users.rolesOf(user.id);
    const actor = {
      userId: user.id,
      username: user.username,
      displayName: user.displayName,
      roles,
      departmentId: user.departmentId,
      permissions: await this.users.permissionsOf(roles),
      sessionId: claims.sid,
    };
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, { actor, tokenVersion: user.tokenVersion, expires: Date.now() + PrincipalService.TTL_MS });
    return { ...actor, ...client };
  }

  /** Forget cached principals of a user (roles, department or status changed) or of everyone (role edits). */
  invalidate(userId?: string): void {
    if (!userId) return this.cache.clear();
    for (const key of this.cache.keys()) if (key.startsWith(`${userId}:`)) this.cache.delete(key);
  }
}
