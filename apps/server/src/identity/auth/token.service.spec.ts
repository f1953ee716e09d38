import { describe, expect, it } from 'vitest';
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
});
