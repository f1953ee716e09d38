import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeJwt } from 'jose';
import { TokenService } from './token.service';
import type { AppConfig } from '../../platform/config';

const service = new TokenService({ jwtSecret: Buffer.alloc(48, 'x'), accessTokenTtlSeconds: 900 } as Partial<AppConfig> as AppConfig);
const claims = { sub: 'user-1', sid: 'session-1', tv: 3 };

describe('TokenService', () => {
  it('signs a distinct token each time, even within the same second for the same session', async () => {
    const a = await service.signAccess(claims);
    const b = await service.signAccess(claims);
    expect(decodeJwt(a).iat).toBe(decodeJwt(b).iat);
    expect(a).not.toBe(b);
    expect(decodeJwt(a).jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(await service.verifyAccess(b)).toEqual(claims);
  });

  it('refuses a token signed with another key or with its claims changed', async () => {
    const other = new TokenService({ jwtSecret: Buffer.alloc(48, 'y'), accessTokenTtlSeconds: 900 } as Partial<AppConfig> as AppConfig);
    await expect(service.verifyAccess(await other.signAccess(claims))).rejects.toThrow('Invalid access token');
    const [h, , s] = (await service.signAccess(claims)).split('.');
    const forged = Buffer.from(JSON.stringify({ ...decodeJwt(await service.signAccess(claims)), sub: 'admin' })).toString('base64url');
    await expect(service.verifyAccess(`${h}.${forged}.${s}`)).rejects.toThrow('Invalid access token');
  });

  describe('remembering verified tokens', () => {
    afterEach(() => vi.useRealTimers());

    it('still refuses a forged variant of a token it has already verified', async () => {
      const token = await service.signAccess(claims);
      expect(await service.verifyAccess(token)).toEqual(claims);
      const [h, p, s] = token.split('.');
      const elevated = Buffer.from(JSON.stringify({ ...decodeJwt(token), sub: 'admin' })).toString('base64url');
      await expect(service.verifyAccess(`${h}.${elevated}.${s}`)).rejects.toThrow('Invalid access token');
      const flipped = `${s.slice(0, -2)}${s.at(-2) === 'A' ? 'B' : 'A'}${s.at(-1)}`;
      await expect(service.verifyAccess(`${h}.${p}.${flipped}`)).rejects.toThrow('Invalid access token');
      expect(await service.verifyAccess(token)).toEqual(claims);
    });

    it('refuses a remembered token once it has expired', async () => {
      const shortLived = new TokenService({ jwtSecret: Buffer.alloc(48, 'x'), accessTokenTtlSeconds: 60 } as Partial<AppConfig> as AppConfig);
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(new Date('2026-12-03T10:00:00Z'));
      const token = await shortLived.signAccess(claims);
      expect(await shortLived.verifyAccess(token)).toEqual(claims);
      vi.setSystemTime(new Date('2026-12-03T10:00:59Z'));
      expect(await shortLived.verifyAccess(token)).toEqual(claims);
      vi.setSystemTime(new Date('2026-12-03T10:01:00Z'));
      await expect(shortLived.verifyAccess(token)).rejects.toThrow('Access token expired');
      await expect(shortLived.verifyAccess(token)).rejects.toThrow('Access token expired');
    });
  });
});
