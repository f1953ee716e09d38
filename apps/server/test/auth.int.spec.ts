import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../src/identity/seed.service';
import { LOGIN_LIMITS } from '../src/identity/auth/login-throttle';
import { ADMIN_PASSWORD, client, startTestApp, type TestApp } from './harness';

let app: TestApp;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  app = await startTestApp();
  api = client(app.url);
});
afterAll(async () => app?.close());

function cookieOf(headers: Headers): string {
  const set = headers.getSetCookie().find((c) => c.startsWith('axial_refresh='));
  if (!set) throw new Error('no refresh cookie');
  return set.split(';')[0];
}

describe(`authentication (${process.env.AXIAL_TEST_DB ?? 'pglite'})`, () => {
  it('health is ok once started', async () => {
    const r = await api.call('GET', '/health');
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('ok');
  });

  it('logs in with the right password and returns the user with permissions', async () => {
    const r = await api.call('POST', '/api/v1/auth/login', { body: { username: 'admin', password: ADMIN_PASSWORD } });
    expect(r.status).toBe(200);
    expect(r.body.accessToken).toMatch(/^ey/);
    expect(r.body.refreshToken).toBeUndefined();
    expect(r.body.user.roles).toEqual(['admin']);
    expect(r.body.user.permissions).toContain('user.manage');
    const cookie = r.headers.getSetCookie().join(';');
    expect(cookie).toMatch(/axial_refresh=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
  });

  it('gives the same generic error for an unknown user and a wrong password', async () => {
    const a = await api.call('POST', '/api/v1/auth/login', { body: { username: 'nobody-here', password: 'whatever-123' } });
    const b = await api.call('POST', '/api/v1/auth/login', { body: { username: 'technician', password: 'wrong-password-1' } });
    expect(a.status).toBe(401);
    expect(b.status).toBe(401);
    expect(a.body.message).toBe(b.body.message);
    expect(a.body).not.toHaveProperty('stack');
  });

  it('rate-limits repeated failures on one account, even with the right password afterwards', async () => {
    for (let i = 0; i < LOGIN_LIMITS.perAccount; i++) {
      const r = await api.call('POST', '/api/v1/auth/login', { body: { username: 'referrer', password: `bad-password-${i}` } });
      expect(r.status).toBe(401);
    }
    const blocked = await api.call('POST', '/api/v1/auth/login', { body: { username: 'referrer', password: DEMO_PASSWORD } });
    expect(blocked.status).toBe(429);
    // another account is not affected
    expect((await api.call('POST', '/api/v1/auth/login', { body: { username: 'radiologist', password: DEMO_PASSWORD } })).status).toBe(200);
  });

  it('records login success and failure in the audit trail', async () => {
    const token = await api.login('admin', ADMIN_PASSWORD);
    const r = await api.call('GET', '/api/v1/audit-events?action=auth.login&limit=200', { token });
    expect(r.status).toBe(200);
    const outcomes = new Set(r.body.items.map((e: { outcome: string }) => e.outcome));
    expect(outcomes.has('success')).toBe(true);
    expect(outcomes.has('failure')).toBe(true);
    const failure = r.body.items.find((e: any) => e.outcome === 'failure' && e.username === 'nobody-here');
    expect(failure).toBeTruthy();
    expect(JSON.stringify(r.body)).not.toContain('whatever-123');
  });

  it('rotates refresh tokens and revokes the whole family when an old one is reused', async () => {
    const login = await api.call('POST', '/api/v1/auth/login', { body: { username: 'technician', password: DEMO_PASSWORD } });
    const first = cookieOf(login.headers);
    const r1 = await api.call('POST', '/api/v1/auth/refresh', { headers: { cookie: first } });
    expect(r1.status).toBe(200);
    const second = cookieOf(r1.headers);
    expect(second).not.toBe(first);
    const access2 = r1.body.accessToken;
    expect((await api.call('GET', '/api/v1/auth/me', { token: access2 })).status).toBe(200);

    // Reuse of the first (already rotated) token: refused, and the session family is revoked.
    const reuse = await api.call('POST', '/api/v1/auth/refresh', { headers: { cookie: first } });
    expect(reuse.status).toBe(401);
    expect((await api.call('POST', '/api/v1/auth/refresh', { headers: { cookie: second } })).status).toBe(401);
    // The access token of that session stops working too (after the short principal cache).
    await new Promise((r) => setTimeout(r, 5_200));
    expect((await api.call('GET', '/api/v1/auth/me', { token: access2 })).status).toBe(401);
  });

  it('delivers the refresh token in the body only when asked (API clients)', async () => {
    const r = await api.call('POST', '/api/v1/auth/login', { body: { username: 'head', password: DEMO_PASSWORD, tokenDelivery: 'body' } });
    expect(r.status).toBe(200);
    expect(typeof r.body.refreshToken).toBe('string');
    const r2 = await api.call('POST', '/api/v1/auth/refresh', { body: { refreshToken: r.body.refreshToken } });
    expect(r2.status).toBe(200);
    expect(r2.body.refreshToken).not.toBe(r.body.refreshToken);
  });

  it('logout revokes the session; logout-all ends every session of the user', async () => {
    const a = await api.call('POST', '/api/v1/auth/login', { body: { username: 'reception', password: DEMO_PASSWORD } });
    const b = await api.call('POST', '/api/v1/auth/login', { body: { username: 'reception', password: DEMO_PASSWORD } });
    const out = await api.call('POST', '/api/v1/auth/logout', { headers: { cookie: cookieOf(a.headers) } });
    expect(out.status).toBe(204);
    expect((await api.call('POST', '/api/v1/auth/refresh', { headers: { cookie: cookieOf(a.headers) } })).status).toBe(401);
    // session b still alive
    expect((await api.call('GET', '/api/v1/auth/me', { token: b.body.accessToken })).status).toBe(200);
    const all = await api.call('POST', '/api/v1/auth/logout-all', { token: b.body.accessToken });
    expect(all.status).toBe(204);
    expect((await api.call('GET', '/api/v1/auth/me', { token: b.body.accessToken })).status).toBe(401);
    expect((await api.call('POST', '/api/v1/auth/refresh', { headers: { cookie: cookieOf(b.headers) } })).status).toBe(401);
  });

  it('changes the password: old one refused, new one works, other sessions end', async () => {
    const admin = await api.login('admin', ADMIN_PASSWORD);
    const created = await api.call('POST', '/api/v1/users', {
      token: admin,
      body: { username: 'pw.changer', displayName: 'Pat Changer', password: 'initial-pass-1', roles: ['technician'], mustChangePassword: true },
    });
    expect(created.status).toBe(201);
    const first = await api.call('POST', '/api/v1/auth/login', { body: { username: 'pw.changer', password: 'initial-pass-1' } });
    expect(first.body.user.mustChangePassword).toBe(true);
    const other = await api.login('pw.changer', 'initial-pass-1');
    const wrong = await api.call('POST', '/api/v1/auth/change-password', { token: first.body.accessToken, body: { currentPassword: 'nope-nope-1', newPassword: 'another-pass-2' } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.details[0].path).toBe('currentPassword');
    const ok = await api.call('POST', '/api/v1/auth/change-password', { token: first.body.accessToken, body: { currentPassword: 'initial-pass-1', newPassword: 'another-pass-2' } });
    expect(ok.status).toBe(200);
    expect(ok.body.user.mustChangePassword).toBe(false);
    expect((await api.call('GET', '/api/v1/auth/me', { token: ok.body.accessToken })).status).toBe(200);
    expect((await api.call('GET', '/api/v1/auth/me', { token: other })).status).toBe(401);
    expect((await api.call('POST', '/api/v1/auth/login', { body: { username: 'pw.changer', password: 'initial-pass-1' } })).status).toBe(401);
    expect((await api.call('POST', '/api/v1/auth/login', { body: { username: 'pw.changer', password: 'another-pass-2' } })).status).toBe(200);
  });

  it('stores passwords as argon2id hashes, never in clear', async () => {
    const rows = await app.database.query<{ password_hash: string }>(
      (await import('drizzle-orm')).sql`select password_hash from app_user`,
    );
    expect(rows.length).toBeGreaterThan(3);
    for (const r of rows) expect(r.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });
});
