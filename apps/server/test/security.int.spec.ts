import { SignJWT } from 'jose';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, client, startTestApp, type TestApp } from './harness';

let app: TestApp;
let api: ReturnType<typeof client>;
let admin: string;

beforeAll(async () => {
  app = await startTestApp();
  api = client(app.url);
  admin = await api.login('admin', ADMIN_PASSWORD);
});
afterAll(async () => app?.close());

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

async function userCount(): Promise<number> {
  const [r] = await app.database.query<{ n: number }>(sql`select count(*)::int as n from app_user`);
  return Number(r.n);
}

describe(`forged and expired tokens (${process.env.AXIAL_TEST_DB ?? 'pglite'})`, () => {
  it('refuses a token whose payload was altered', async () => {
    const [h, p, s] = admin.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    payload.sub = '00000000-0000-4000-8000-000000000000';
    const res = await api.call('GET', '/api/v1/users', { token: `${h}.${b64(payload)}.${s}` });
    expect(res.status).toBe(401);
  });

  it('refuses alg:none', async () => {
    const [, p] = admin.split('.');
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${p}.`;
    expect((await api.call('GET', '/api/v1/users', { token: none })).status).toBe(401);
  });

  it('refuses a token signed with another key, and an expired one signed with the right key', async () => {
    const claims = JSON.parse(Buffer.from(admin.split('.')[1], 'base64url').toString());
    const other = await new SignJWT({ sid: claims.sid, tv: claims.tv }).setProtectedHeader({ alg: 'HS256' }).setSubject(claims.sub)
      .setIssuer('axial').setAudience('axial-api').setExpirationTime('10m').sign(new TextEncoder().encode('x'.repeat(48)));
    expect((await api.call('GET', '/api/v1/users', { token: other })).status).toBe(401);
    const expired = await new SignJWT({ sid: claims.sid, tv: claims.tv }).setProtectedHeader({ alg: 'HS256' }).setSubject(claims.sub)
      .setIssuer('axial').setAudience('axial-api').setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(app.config.jwtSecret);
    const res = await api.call('GET', '/api/v1/users', { token: expired });
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(/expired/i);
    // and the same claims, fresh, are accepted: the refusals above are about the token, not the user
    const fresh = await new SignJWT({ sid: claims.sid, tv: claims.tv }).setProtectedHeader({ alg: 'HS256' }).setSubject(claims.sub)
      .setIssuer('axial').setAudience('axial-api').setExpirationTime('5m').sign(app.config.jwtSecret);
    expect((await api.call('GET', '/api/v1/users', { token: fresh })).status).toBe(200);
  });

  it('refuses garbage in the Authorization header without crashing', async () => {
    for (const h of ['Bearer', 'Bearer ', 'Basic YWRtaW46YWRtaW4=', `Bearer ${'a'.repeat(20000)}`, 'Bearer a.b.c', 'Bearer \u00e9\u00e9']) {
      const res = await fetch(`${app.url}/api/v1/users`, { headers: { authorization: h } }).catch(() => null);
      // 431: Node refuses a header block over its 16 KB limit before the app sees it, which is fine too.
      if (res) expect([401, 431], h.slice(0, 20)).toContain(res.status);
    }
    expect((await api.call('GET', '/health')).status).toBe(200);
  });
});

describe('hostile input in the user form', () => {
  const injections = ["' OR '1'='1", "admin'--", "'; DROP TABLE app_user; --", '" OR ""="', '1; SELECT pg_sleep(5)', "\\'; DELETE FROM audit_event; --"];
  const base = () => ({ username: `u${Math.random().toString(36).slice(2, 10)}`, displayName: 'Test Person', password: 'a-valid-pass-1', roles: ['technician'] });

  it('rejects injections in structured fields with 400 and field details, changing nothing', async () => {
    const before = await userCount();
    for (const inj of injections) {
      for (const field of ['username', 'email', 'departmentId']) {
        const res = await api.call('POST', '/api/v1/users', { token: admin, body: { ...base(), [field]: inj } });
        expect(res.status, `${field}=${inj}`).toBe(400);
        expect(res.body.details.some((d: { path: string }) => d.path === field)).toBe(true);
      }
      const res = await api.call('POST', '/api/v1/users', { token: admin, body: { ...base(), roles: [inj] } });
      expect(res.status).toBe(400);
    }
    expect(await userCount()).toBe(before);
  });

  it('stores injection-looking free text verbatim (it is data, never SQL)', async () => {
    const before = await userCount();
    for (const inj of injections) {
      const res = await api.call('POST', '/api/v1/users', { token: admin, body: { ...base(), displayName: inj, phone: inj.slice(0, 40) } });
      expect(res.status).toBe(201);
      expect(res.body.displayName).toBe(inj.trim());
      const search = await api.call('GET', `/api/v1/users?q=${encodeURIComponent(inj)}`, { token: admin });
      expect(search.status).toBe(200);
      expect(search.body.items.map((u: { id: string }) => u.id)).toContain(res.body.id);
    }
    expect(await userCount()).toBe(before + injections.length);
    // the tables are intact and the admin still signs in
    expect((await api.call('POST', '/api/v1/auth/login', { body: { username: 'admin', password: ADMIN_PASSWORD } })).status).toBe(200);
  });

  it('rejects over-long values in every text field, creating nothing', async () => {
    const before = await userCount();
    const long = 'x'.repeat(100_000);
    for (const field of ['username', 'displayName', 'email', 'phone', 'password', 'departmentId']) {
      const res = await api.call('POST', '/api/v1/users', { token: admin, body: { ...base(), [field]: long } });
      expect(res.status, field).toBe(400);
    }
    const huge = await api.call('POST', '/api/v1/users', { token: admin, body: { ...base(), displayName: 'y'.repeat(11 * 1024 * 1024) } });
    expect(huge.status).toBe(413);
    expect(await userCount()).toBe(before);
  });

  it('rejects control characters and unknown fields', async () => {
    const a = await api.call('POST', '/api/v1/users', { token: admin, body: { ...base(), displayName: 'Evil\u0000Name' } });
    expect(a.status).toBe(400);
    const b = await api.call('POST', '/api/v1/users', { token: admin, body: { ...base(), isAdmin: true } });
    expect(b.status).toBe(400);
  });

  it('applies the same rules when editing a user', async () => {
    const created = await api.call('POST', '/api/v1/users', { token: admin, body: base() });
    const id = created.body.id;
    for (const body of [{ displayName: 'z'.repeat(5000) }, { email: "x' OR 1=1" }, { roles: ['admin; --'] }, { departmentId: "1' OR '1" }]) {
      const res = await api.call('PATCH', `/api/v1/users/${id}`, { token: admin, body });
      expect(res.status, JSON.stringify(body).slice(0, 40)).toBe(400);
    }
    const after = await api.call('GET', `/api/v1/users/${id}`, { token: admin });
    expect(after.body.displayName).toBe('Test Person');
    expect(after.body.roles).toEqual(['technician']);
  });

  it('answers malformed JSON and wrong ids with 400 in the error shape', async () => {
    const bad = await api.call('POST', '/api/v1/users', { token: admin, body: '{"username": ', headers: { 'content-type': 'application/json' } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    const id = await api.call('GET', '/api/v1/users/not-a-uuid', { token: admin });
    expect(id.status).toBe(400);
    const q = await api.call('GET', '/api/v1/users?limit=abc', { token: admin });
    expect(q.status).toBe(400);
    expect(q.body.details[0].path).toBe('limit');
  });

  it('never returns password hashes', async () => {
    const list = await api.call('GET', '/api/v1/users?limit=500', { token: admin });
    expect(JSON.stringify(list.body)).not.toMatch(/argon2|passwordHash|password_hash/);
  });
});

describe(`web app files (${process.env.AXIAL_TEST_DB ?? 'pglite'})`, () => {
  it('content-named assets are cached for good, the page itself is revalidated', async () => {
    const page = await fetch(`${app.url}/studies`, { headers: { accept: 'text/html' } });
    expect(page.status, 'the web app is built before the tests (npm test runs the build first)').toBe(200);
    expect(page.headers.get('cache-control')).toBe('public, max-age=0');
    const html = await page.text();
    const script = /<script[^>]+src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script, 'index.html loads its entry script from /assets/').toBeTruthy();
    const asset = await fetch(`${app.url}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const missing = await fetch(`${app.url}/assets/no-such-file-0000.js`);
    expect(missing.status).toBe(404);
  });
});
