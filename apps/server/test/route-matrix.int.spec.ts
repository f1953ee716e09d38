import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_ROLES, withImplied } from '../src/identity/access/permissions';
import { DEMO_PASSWORD, DEMO_USERS } from '../src/identity/seed.service';
import { RouteCatalog, type RouteEntry } from '../src/platform/http/route-catalog';
import { ADMIN_PASSWORD, client, startTestApp, type TestApp } from './harness';

/**
 * Route × role matrix, generated from the application's own route table: every route declares its
 * access; every role gets exactly the answers its permissions say (403 without the permission, never
 * 401/403 with it); no route answers without a token unless it is public.
 */
let app: TestApp;
let api: ReturnType<typeof client>;
let routes: RouteEntry[];
const tokens: Record<string, string> = {};
const accounts = [{ username: 'admin', password: ADMIN_PASSWORD, role: 'admin' }, ...DEMO_USERS.map((u) => ({ username: u.username, password: DEMO_PASSWORD, role: u.roles[0] }))];

beforeAll(async () => {
  app = await startTestApp();
  api = client(app.url);
  routes = app.app.get(RouteCatalog).routes();
  for (const a of accounts) tokens[a.role] = await api.login(a.username, a.password);
});
afterAll(async () => app?.close());

/** Fill path parameters with values that exist syntactically but name nothing, so allowed calls change nothing. */
function concrete(path: string): string {
  return path.replace(/:code/g, 'no_such_role').replace(/:[A-Za-z]+/g, () => randomUUID()).replace(/\*$/, 'some/page');
}

describe(`route × role matrix (${process.env.AXIAL_TEST_DB ?? 'pglite'})`, () => {
  it('finds the application routes', () => {
    expect(routes.length).toBeGreaterThan(30);
    expect(routes.some((r) => r.path === '/api/v1/users' && r.method === 'POST')).toBe(true);
  });

  it('every route declares who may call it', () => {
    const undeclared = routes.filter((r) => !r.access).map((r) => `${r.method} ${r.path} (${r.controller}.${r.handler})`);
    expect(undeclared).toEqual([]);
  });

  it('every non-public route refuses a request without a token with 401', async () => {
    for (const r of routes.filter((x) => x.access?.kind !== 'public')) {
      const res = await api.call(r.method, concrete(r.path), { body: ['POST', 'PUT', 'PATCH'].includes(r.method) ? {} : undefined });
      expect(res.status, `${r.method} ${r.path}`).toBe(401);
    }
  });

  for (const role of BUILTIN_ROLES) {
    it(`role ${role.code}: allowed exactly where its permissions say`, async () => {
      const granted = new Set(withImplied(new Map(role.permissions)).keys());
      const mismatches: string[] = [];
      for (const r of routes.filter((x) => x.access?.kind === 'permission')) {
        const permission = (r.access as { permission: string }).permission;
        const res = await api.call(r.method, concrete(r.path), {
          token: tokens[role.code],
          body: ['POST', 'PUT', 'PATCH'].includes(r.method) ? {} : undefined,
        });
        const allowed = granted.has(permission as never);
        const ok = allowed ? res.status !== 401 && res.status !== 403 && res.status < 500 : res.status === 403;
        if (!ok) mismatches.push(`${r.method} ${r.path} needs ${permission}: expected ${allowed ? 'allow' : '403'}, got ${res.status}`);
      }
      expect(mismatches).toEqual([]);
    });
  }

  it('publishes an OpenAPI document that lists every API route, with body schemas from the validating DTOs', async () => {
    const doc = (await api.call('GET', '/api-json')).body;
    const toOpenApi = (p: string) => p.replace(/:([A-Za-z]+)/g, '{$1}').replace(/\/\*$/, '/{path}');
    const documented = routes.filter((r) => r.path.startsWith('/api/v1') || r.path.startsWith('/dicom-web'));
    for (const r of documented) {
      expect(doc.paths[toOpenApi(r.path)]?.[r.method.toLowerCase()], `${r.method} ${r.path}`).toBeTruthy();
    }
    expect(doc.paths['/api/v1/users'].post.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/CreateUserDto');
    expect(doc.components.schemas.CreateUserDto.required).toEqual(expect.arrayContaining(['username', 'displayName', 'password']));
    expect((await fetch(`${app.url}/api`)).status).toBe(200);
  });

  it('authenticated-only routes answer every role', async () => {
    for (const role of BUILTIN_ROLES) {
      for (const r of routes.filter((x) => x.access?.kind === 'authenticated' && x.method === 'GET')) {
        const res = await api.call('GET', concrete(r.path), { token: tokens[role.code] });
        expect(res.status, `${role.code} GET ${r.path}`).toBe(200);
      }
    }
  });
});
