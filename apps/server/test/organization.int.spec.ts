import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../src/identity/seed.service';
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

/** Next date (UTC) on or after today that falls on ISO weekday `dow` (1 = Monday). */
function nextWeekday(dow: number, weeksAhead = 1): string {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() + weeksAhead * 7);
  while (((d.getUTCDay() + 6) % 7) + 1 !== dow) d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

const plusDays = (date: string, n: number) => new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

describe(`administration (${process.env.AXIAL_TEST_DB ?? 'pglite'})`, () => {
  let deptId: string;
  let roomId: string;
  let shiftId: string;
  let nightId: string;
  let userId: string;

  it('creates, edits and lists departments; duplicate codes are 409', async () => {
    const c = await api.call('POST', '/api/v1/departments', { token: admin, body: { name: 'Nuclear Medicine', code: 'NM', description: 'PET/CT and gamma cameras' } });
    expect(c.status).toBe(201);
    deptId = c.body.id;
    expect((await api.call('POST', '/api/v1/departments', { token: admin, body: { name: 'Other', code: 'NM' } })).status).toBe(409);
    const u = await api.call('PATCH', `/api/v1/departments/${deptId}`, { token: admin, body: { name: 'Nuclear Medicine & PET' } });
    expect(u.body.name).toBe('Nuclear Medicine & PET');
    const list = await api.call('GET', '/api/v1/departments', { token: admin });
    expect(list.body.items.map((d: { code: string }) => d.code)).toEqual(expect.arrayContaining(['RAD', 'NM']));
  });

  it('creates rooms with the modalities they host and filters by modality', async () => {
    const c = await api.call('POST', '/api/v1/rooms', { token: admin, body: { name: 'PET/CT 1', departmentId: deptId, modalities: ['PT', 'CT'] } });
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({ name: 'PET/CT 1', departmentName: 'Nuclear Medicine & PET', modalities: ['PT', 'CT'], active: true });
    roomId = c.body.id;
    const bad = await api.call('POST', '/api/v1/rooms', { token: admin, body: { name: 'X', departmentId: deptId, modalities: ['ct scanner'] } });
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].path).toMatch(/^modalities/);
    const pt = await api.call('GET', '/api/v1/rooms?modality=PT', { token: admin });
    expect(pt.body.items.map((r: { id: string }) => r.id)).toEqual([roomId]);
    // a department that still has rooms cannot be deleted
    expect((await api.call('DELETE', `/api/v1/departments/${deptId}`, { token: admin })).status).toBe(409);
  });

  it('creates shift templates, including overnight ones; validates times and days', async () => {
    const c = await api.call('POST', '/api/v1/shift-templates', { token: admin, body: { name: 'PET day', startTime: '08:00', endTime: '16:30', days: [1, 2, 3, 4, 5] } });
    expect(c.status).toBe(201);
    shiftId = c.body.id;
    const n = await api.call('POST', '/api/v1/shift-templates', { token: admin, body: { name: 'PET night', startTime: '22:00', endTime: '06:00', days: [1, 2, 3, 4, 5, 6, 7] } });
    expect(n.status).toBe(201);
    nightId = n.body.id;
    for (const body of [{ name: 'x', startTime: '25:00', endTime: '10:00', days: [1] }, { name: 'y', startTime: '08:00', endTime: '08:00', days: [1] }, { name: 'z', startTime: '08:00', endTime: '09:00', days: [8] }]) {
      expect((await api.call('POST', '/api/v1/shift-templates', { token: admin, body })).status).toBe(400);
    }
  });

  it('schedules staff, refuses double booking and wrong weekdays', async () => {
    const u = await api.call('POST', '/api/v1/users', { token: admin, body: { username: 'nm.tech', displayName: 'Nina NM-Tech', password: 'nm-tech-pass-1', roles: ['technician'], departmentId: deptId } });
    userId = u.body.id;
    const monday = nextWeekday(1);
    const s = await api.call('POST', '/api/v1/schedules', { token: admin, body: { userId, roomId, shiftTemplateId: shiftId, date: monday } });
    expect(s.status).toBe(201);
    expect(s.body).toMatchObject({ userDisplayName: 'Nina NM-Tech', roomName: 'PET/CT 1', shiftName: 'PET day', date: monday });
    // overlapping night shift the same day (22:00 overlaps nothing) is fine; a second day shift is not
    const night = await api.call('POST', '/api/v1/schedules', { token: admin, body: { userId, roomId, shiftTemplateId: nightId, date: monday } });
    expect(night.status).toBe(201);
    const dup = await api.call('POST', '/api/v1/schedules', { token: admin, body: { userId, roomId, shiftTemplateId: shiftId, date: monday } });
    expect(dup.status).toBe(409);
    // the night shift runs into Tuesday 06:00: an early Tuesday shift overlaps it
    const early = await api.call('POST', '/api/v1/shift-templates', { token: admin, body: { name: 'Very early', startTime: '05:00', endTime: '09:00', days: [2] } });
    const overlap = await api.call('POST', '/api/v1/schedules', { token: admin, body: { userId, roomId, shiftTemplateId: early.body.id, date: plusDays(monday, 1) } });
    expect(overlap.status).toBe(409);
    const sunday = await api.call('POST', '/api/v1/schedules', { token: admin, body: { userId, roomId, shiftTemplateId: shiftId, date: plusDays(monday, 6) } });
    expect(sunday.status).toBe(400);
    const week = await api.call('GET', `/api/v1/schedules?from=${monday}&to=${plusDays(monday, 6)}&roomId=${roomId}`, { token: admin });
    expect(week.body.items).toHaveLength(2);
    expect((await api.call('GET', '/api/v1/schedules?from=2026-01-10&to=2026-01-01', { token: admin })).status).toBe(400);
  });

  it('scopes a department head to their own department', async () => {
    const head = await api.login('head', DEMO_PASSWORD);
    const users = await api.call('GET', '/api/v1/users?limit=500', { token: head });
    expect(users.status).toBe(200);
    expect(users.body.items.length).toBeGreaterThan(0);
    expect(users.body.items.every((u: { departmentName: string }) => u.departmentName === 'Radiology')).toBe(true);
    expect(users.body.items.some((u: { username: string }) => u.username === 'nm.tech')).toBe(false);
    // cannot read a user of another department, nor schedule into another department's room
    expect((await api.call('GET', `/api/v1/users/${userId}`, { token: head })).status).toBe(403);
    const other = await api.call('POST', '/api/v1/schedules', { token: head, body: { userId, roomId, shiftTemplateId: shiftId, date: nextWeekday(3) } });
    expect(other.status).toBe(403);
    // but can schedule in Radiology
    const rooms = await api.call('GET', '/api/v1/rooms', { token: head });
    const ct = rooms.body.items.find((r: { name: string }) => r.name === 'CT 1');
    const shifts = await api.call('GET', '/api/v1/shift-templates', { token: head });
    const late = shifts.body.items.find((s: { name: string }) => s.name === 'Late');
    const tech = users.body.items.find((u: { username: string }) => u.username === 'technician');
    const ok = await api.call('POST', '/api/v1/schedules', { token: head, body: { userId: tech.id, roomId: ct.id, shiftTemplateId: late.id, date: plusDays(nextWeekday(1, 2), 2) } });
    expect(ok.status).toBe(201);
    // schedules listed for the head are only Radiology's
    const list = await api.call('GET', `/api/v1/schedules?from=${nextWeekday(1)}&to=${plusDays(nextWeekday(1), 20)}`, { token: head });
    expect(list.body.items.every((s: { roomName: string }) => s.roomName !== 'PET/CT 1')).toBe(true);
  });

  it('manages users: roles, department, deactivate (sessions end), reset password', async () => {
    const rad = await api.login('radiologist', DEMO_PASSWORD);
    const me = await api.call('GET', '/api/v1/auth/me', { token: rad });
    const id = me.body.id;
    const upd = await api.call('PATCH', `/api/v1/users/${id}`, { token: admin, body: { roles: ['radiologist', 'department_head'] } });
    expect(upd.body.roles).toEqual(['department_head', 'radiologist']);
    expect((await api.call('PATCH', `/api/v1/users/${id}`, { token: admin, body: { roles: ['no_such_role'] } })).status).toBe(400);
    const off = await api.call('POST', `/api/v1/users/${id}/deactivate`, { token: admin });
    expect(off.body.active).toBe(false);
    expect((await api.call('GET', '/api/v1/auth/me', { token: rad })).status).toBe(401);
    expect((await api.call('POST', '/api/v1/auth/login', { body: { username: 'radiologist', password: DEMO_PASSWORD } })).status).toBe(401);
    await api.call('POST', `/api/v1/users/${id}/activate`, { token: admin });
    const reset = await api.call('POST', `/api/v1/users/${id}/reset-password`, { token: admin, body: {} });
    expect(reset.body.temporaryPassword).toMatch(/^[A-Za-z0-9]{16}$/);
    const login = await api.call('POST', '/api/v1/auth/login', { body: { username: 'radiologist', password: reset.body.temporaryPassword } });
    expect(login.status).toBe(200);
    expect(login.body.user.mustChangePassword).toBe(true);
    // admins cannot lock themselves out
    const adminMe = await api.call('GET', '/api/v1/auth/me', { token: admin });
    expect((await api.call('POST', `/api/v1/users/${adminMe.body.id}/deactivate`, { token: admin })).status).toBe(400);
    expect((await api.call('PATCH', `/api/v1/users/${adminMe.body.id}`, { token: admin, body: { roles: ['radiologist'] } })).status).toBe(409);
  });

  it('edits role permissions; the change applies to holders at once', async () => {
    const tech = await api.login('technician', DEMO_PASSWORD);
    expect((await api.call('GET', '/api/v1/audit-events', { token: tech })).status).toBe(403);
    const roles = await api.call('GET', '/api/v1/roles', { token: admin });
    const techRole = roles.body.find((r: { code: string }) => r.code === 'technician');
    const put = await api.call('PUT', '/api/v1/roles/technician/permissions', { token: admin, body: { permissions: [...techRole.permissions, { permission: 'audit.read', scope: 'all' }] } });
    expect(put.status).toBe(200);
    expect((await api.call('GET', '/api/v1/audit-events', { token: tech })).status).toBe(200);
    expect((await api.call('PUT', '/api/v1/roles/technician/permissions', { token: admin, body: { permissions: [{ permission: 'root.everything' }] } })).status).toBe(400);
    expect((await api.call('PUT', '/api/v1/roles/admin/permissions', { token: admin, body: { permissions: [] } })).status).toBe(400);
    const custom = await api.call('POST', '/api/v1/roles', { token: admin, body: { code: 'pacs_admin', name: 'PACS administrator' } });
    expect(custom.status).toBe(201);
    expect(custom.body.builtin).toBe(false);
  });

  it('records every change in the append-only audit trail, exportable as CSV', async () => {
    const r = await api.call('GET', '/api/v1/audit-events?limit=1000', { token: admin });
    const actions = new Set(r.body.items.map((e: { action: string }) => e.action));
    for (const a of ['department.create', 'department.update', 'room.create', 'shift-template.create', 'schedule.create', 'user.create', 'user.update', 'user.deactivate', 'user.activate', 'user.reset-password', 'role.set-permissions', 'role.create', 'access.denied']) {
      expect(actions.has(a), a).toBe(true);
    }
    const denied = r.body.items.find((e: { action: string; username: string }) => e.action === 'access.denied' && e.username === 'head');
    expect(denied.outcome).toBe('denied');
    expect(denied.clientIp).toBeTruthy();
    const csv = await api.call('GET', '/api/v1/audit-events/export?resourceType=room', { token: admin });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    expect(csv.headers.get('content-disposition')).toMatch(/attachment/);
    const lines = (csv.body as string).trim().split('\r\n');
    expect(lines[0]).toBe('id,at,userId,username,role,action,resourceType,resourceId,patientId,outcome,clientIp,userAgent,details');
    expect(lines.slice(1).every((l) => l.includes(',room,'))).toBe(true);
    expect(lines.length).toBeGreaterThan(1);
    const why = (e: unknown) => String((e as { cause?: { message?: string } }).cause?.message ?? (e as Error).message);
    await expect(app.database.query(sql`update audit_event set outcome = 'success'`).catch((e) => { throw new Error(why(e)); })).rejects.toThrow(/append-only/);
    await expect(app.database.query(sql`delete from audit_event`).catch((e) => { throw new Error(why(e)); })).rejects.toThrow(/append-only/);
  });
});
