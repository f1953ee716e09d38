import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../src/identity/seed.service';
import { ADMIN_PASSWORD, client, startTestApp, type TestApp } from './harness';

let app: TestApp;
let api: ReturnType<typeof client>;
const sockets: Socket[] = [];

beforeAll(async () => {
  app = await startTestApp();
  api = client(app.url);
});
afterAll(async () => {
  sockets.forEach((s) => s.close());
  await app?.close();
});

function connect(token?: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = io(app.url, { path: '/socket.io', auth: token ? { token } : {}, transports: ['websocket'], reconnection: false });
    sockets.push(s);
    s.once('ready', () => resolve(s));
    s.once('connect_error', (e) => reject(e));
  });
}

describe(`notifications and realtime (${process.env.AXIAL_TEST_DB ?? 'pglite'})`, () => {
  it('refuses sockets without a valid token', async () => {
    await expect(connect()).rejects.toThrow(/Authentication required/);
    await expect(connect('not.a.token')).rejects.toThrow(/Invalid/);
  });

  it('persists a notification sent to a role and pushes it live to its members only', async () => {
    const admin = await api.login('admin', ADMIN_PASSWORD);
    const tech = await api.login('technician', DEMO_PASSWORD);
    const rad = await api.login('radiologist', DEMO_PASSWORD);
    const techSocket = await connect(tech);
    const radSocket = await connect(rad);
    const radGot: unknown[] = [];
    radSocket.on('notification', (n) => radGot.push(n));
    const received = new Promise<any>((resolve) => techSocket.once('notification', resolve));
    const sent = await api.call('POST', '/api/v1/notifications', { token: admin, body: { title: 'CT 1 down', body: 'Use CT 2 until noon', level: 'warning', target: { role: 'technician' } } });
    expect(sent.status).toBe(201);
    expect(sent.body.recipients).toBe(1);
    const n = await received;
    expect(n).toMatchObject({ title: 'CT 1 down', body: 'Use CT 2 until noon', level: 'warning', readAt: null });
    const list = await api.call('GET', '/api/v1/notifications', { token: tech });
    expect(list.body.unread).toBe(1);
    expect(list.body.items[0].id).toBe(n.id);
    await new Promise((r) => setTimeout(r, 200));
    expect(radGot).toEqual([]);
    expect((await api.call('POST', `/api/v1/notifications/${n.id}/read`, { token: tech })).status).toBe(204);
    expect((await api.call('GET', '/api/v1/notifications?unreadOnly=true', { token: tech })).body.unread).toBe(0);
    // nobody can mark someone else's notification
    expect((await api.call('POST', `/api/v1/notifications/${n.id}/read`, { token: rad })).status).toBe(404);
  });

  it('lets a department head notify only their own department', async () => {
    const head = await api.login('head', DEMO_PASSWORD);
    const me = await api.call('GET', '/api/v1/auth/me', { token: head });
    const own = await api.call('POST', '/api/v1/notifications', { token: head, body: { title: 'Staff meeting', target: { departmentId: me.body.departmentId } } });
    expect(own.status).toBe(201);
    expect(own.body.recipients).toBeGreaterThanOrEqual(5);
    const all = await api.call('POST', '/api/v1/notifications', { token: head, body: { title: 'To all techs', target: { role: 'technician' } } });
    expect(all.status).toBe(403);
  });
});
