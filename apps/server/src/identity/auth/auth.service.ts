import { BadRequestException, HttpException, HttpStatus, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { APP_CONFIG, type AppConfig } from '../../platform/config';
import { AuditService } from '../../system/audit/audit.service';
import type { Actor, ClientInfo } from '../access/actor';
import { mapUser, type UserView } from '../users/user.view';
import { UsersRepository } from '../users/users.repository';
import { LoginThrottle } from './login-throttle';
import { dummyHash, hashPassword, verifyPassword } from './password';
import { PrincipalService } from './principal.service';
import { SessionsRepository } from './sessions.repository';
import { hashRefreshToken, TokenService } from './token.service';

export interface SessionTokens {
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  refreshExpiresAt: Date;
  user: UserView;
}

/** Deliberately the same for an unknown user, a wrong password and a disabled account. */
const GENERIC_LOGIN_ERROR = 'Invalid username or password';

@Injectable()
export class AuthService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: UsersRepository,
    private readonly sessions: SessionsRepository,
    private readonly tokens: TokenService,
    private readonly principals: PrincipalService,
    private readonly throttle: LoginThrottle,
    private readonly audit: AuditService,
  ) {}

  async login(username: string, password: string, client: ClientInfo): Promise<SessionTokens> {
    if (await this.throttle.isBlocked(username, client.clientIp)) {
      await this.audit.record({ username, ...client }, { action: 'auth.login', outcome: 'failure', details: { reason: 'rate-limited' } });
      throw new HttpException('Too many failed sign-in attempts. Try again later.', HttpStatus.TOO_MANY_REQUESTS);
    }
    const row = await this.users.findRowByUsername(username);
    const ok = row ? await verifyPassword(row.passwordHash, password) : await verifyPassword(await dummyHash(), password).then(() => false);
    if (!row || !ok || !row.active) {
      await this.throttle.recordFailure(username, client.clientIp);
      await this.audit.record({ userId: row?.id ?? null, username, ...client }, {
        action: 'auth.login', outcome: 'failure',
        details: { reason: !row ? 'unknown-user' : !ok ? 'bad-password' : 'inactive' },
      });
      throw new UnauthorizedException(GENERIC_LOGIN_ERROR);
    }
    await this.throttle.recordSuccess(username);
    await this.users.update(row.id, { lastLoginAt: new Date() });
    const familyId = randomUUID();
    const session = await this.issue(row.id, row.tokenVersion, familyId, client);
    await this.audit.record({ userId: row.id, username: row.username, roles: session.user.roles, ...client }, {
      action: 'auth.login', outcome: 'success', resourceType: 'session', resourceId: familyId,
    });
    return session;
  }

  /**
   * Rotation with reuse detection (OAuth 2.0 Security BCP §4.14): each refresh token works once. A token
   * presented a second time means it was copied: the whole session family is revoked.
   */
  async refresh(refreshToken: string | undefined, client: ClientInfo): Promise<SessionTokens> {
    if (!refreshToken) throw new UnauthorizedException('No refresh token');
    const row = await this.sessions.findByHash(hashRefreshToken(refreshToken));
    if (!row) throw new UnauthorizedException('Invalid refresh token');
    const user = await this.users.findRow(row.userId);
    const subject = { userId: row.userId, username: user?.username ?? null, ...client };
    if (row.revokedAt) throw new UnauthorizedException('Session ended');
    if (row.usedAt || !(await this.sessions.markUsed(row.id))) {
      await this.sessions.revokeFamily(row.familyId);
      this.principals.invalidate(row.userId);
      await this.audit.record(subject, {
        action: 'auth.refresh-reuse', outcome: 'failure', resourceType: 'session', resourceId: row.familyId,
        details: { reason: 'refresh token reused: session revoked' },
      });
      throw new UnauthorizedException('Session ended');
    }
    if (row.expiresAt.getTime() < Date.now()) throw new UnauthorizedException('Session expired');
    if (!user || !user.active) throw new UnauthorizedException('Session ended');
    return this.issue(user.id, user.tokenVersion, row.familyId, client);
  }

  async logout(actor: Actor): Promise<void> {
    await this.sessions.revokeFamily(actor.sessionId);
    this.principals.invalidate(actor.userId);
    await this.audit.record(actor, { action: 'auth.logout', outcome: 'success', resourceType: 'session', resourceId: actor.sessionId });
  }

  /** Logout by refresh cookie alone (the access token may already be gone). */
  async logoutByRefreshToken(refreshToken: string | undefined, client: ClientInfo): Promise<void> {
    if (!refreshToken) return;
    const row = await this.sessions.findByHash(hashRefreshToken(refreshToken));
    if (!row) return;
    await this.sessions.revokeFamily(row.familyId);
    this.principals.invalidate(row.userId);
    await this.audit.record({ userId: row.userId, ...client }, { action: 'auth.logout', outcome: 'success', resourceType: 'session', resourceId: row.familyId });
  }

  async logoutEverywhere(actor: Actor): Promise<void> {
    await this.endAllSessions(actor.userId);
    await this.audit.record(actor, { action: 'auth.logout-all', outcome: 'success', resourceType: 'user', resourceId: actor.userId });
  }

  /** Revokes every refresh token and invalidates every access token of a user. */
  async endAllSessions(userId: string): Promise<void> {
    await this.sessions.revokeAllOfUser(userId);
    await this.users.bumpTokenVersion(userId);
    this.principals.invalidate(userId);
  }

  async me(actor: Actor): Promise<UserView> {
    const rec = await this.users.get(actor.userId);
    if (!rec) throw new UnauthorizedException('Account no longer exists');
    return mapUser(rec, actor.permissions.keys());
  }

  async updateProfile(actor: Actor, patch: { displayName?: string; email?: string | null; phone?: string | null }): Promise<UserView> {
    await this.users.update(actor.userId, patch);
    await this.audit.record(actor, { action: 'user.update-profile', outcome: 'success', resourceType: 'user', resourceId: actor.userId, details: { fields: Object.keys(patch) } });
    this.principals.invalidate(actor.userId);
    return this.me(actor);
  }

  async changePassword(actor: Actor, currentPassword: string, newPassword: string): Promise<SessionTokens> {
    const row = await this.users.findRow(actor.userId);
    if (!row || !(await verifyPassword(row.passwordHash, currentPassword))) {
      await this.audit.record(actor, { action: 'auth.change-password', outcome: 'failure', resourceType: 'user', resourceId: actor.userId });
      throw new BadRequestException({ message: 'Current password is wrong', details: [{ path: 'currentPassword', message: 'Current password is wrong' }] });
    }
    if (currentPassword === newPassword) {
      throw new BadRequestException({ message: 'The new password must differ', details: [{ path: 'newPassword', message: 'Must differ from the current password' }] });
    }
    // Other sessions end (a password change is often a reaction to a leak); this one gets new tokens.
    await this.sessions.revokeAllOfUser(row.id);
    await this.users.bumpTokenVersion(row.id, { passwordHash: await hashPassword(newPassword), mustChangePassword: false });
    this.principals.invalidate(row.id);
    await this.audit.record(actor, { action: 'auth.change-password', outcome: 'success', resourceType: 'user', resourceId: actor.userId });
    const fresh = await this.users.findRow(row.id);
    return this.issue(row.id, fresh!.tokenVersion, randomUUID(), actor);
  }

  private async issue(userId: string, tokenVersion: number, familyId: string, client: ClientInfo): Promise<SessionTokens> {
    const { token, hash } = this.tokens.newRefreshToken();
    const refreshExpiresAt = new Date(Date.now() + this.config.refreshTokenTtlSeconds * 1000);
    await this.sessions.insert({
      familyId, userId, tokenHash: hash, expiresAt: refreshExpiresAt, clientIp: client.clientIp, userAgent: client.userAgent,
    });
    const rec = await this.users.get(userId);
    const permissions = await this.users.permissionsOf(rec!.roles);
    return {
      accessToken: await this.tokens.signAccess({ sub: userId, sid: familyId, tv: tokenVersion }),
      expiresIn: this.tokens.accessTtl,
      refreshToken: token,
      refreshExpiresAt,
      user: mapUser(rec!, permissions.keys()),
    };
  }
}
