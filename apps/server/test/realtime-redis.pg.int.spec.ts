import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../src/identity/seed.service';
import { ADMIN_PASSWORD, client, startTestApp, type TestApp } from './harness';

/**
 * Two server instances on one PostgreSQL database and one Redis: a notification sent through instance B
 * reaches a browser socket held by instance A (Socket.IO Redis adapter), and the sign-in throttle is shared.
 * Needs PostgreSQL (PGlite cannot be shared between processes): *.pg.int.spec.ts files run only in the
 * PostgreSQL pass of the suite (see package.json test:pglite).
 */
const REDIS_URL = process.env.AXIAL_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SECRET = 'test-shared-jwt-secret-of-at-least-32-characters';

describe('several processes sharing Redis (PostgreSQL pass only)', () => {
  let a: TestApp;
  let b: TestApp;
  let socket: Socket | undefined;
  beforeAll(async () => {
    const prefix = `axial-test-${Date.now()}`;
    a = await startTestApp({ REDIS_URL, AXIAL_JWT_SECRET: SECRET, AXIAL_REDIS_PREFIX: prefix });
    b = await startTestApp({ REDIS_URL, AXIAL_JWT_SECRET: SECRET, AXIAL_REDIS_PREFIX: prefix }, { shareDatabaseOf: a });
  });
  afterAll(async () => {
    socket?.close();
    await b?.close();
    await a?.close();
  });

  it('pushes an event sent through one instance to a socket on the other', async () => {
    const techToken = await client(a.url).login('technician', DEMO_PASSWORD);
    socket = io(a.url, { path: '/socket.io', auth: { token: techToken }, transports: ['websocket'], reconnection: false });
    await new Promise<void>((resolve, reject) => { socket!.once('ready', () => resolve()); socket!.once('connect_error', reject); });
    const got = new Promise<any>((resolve) => socket!.once('notification', resolve));
    const adminOnB = await client(b.url).login('admin', ADMIN_PASSWORD);
    const sent = await client(b.url).call('POST', '/api/v1/notifications', { token: adminOnB, body: { title: 'From instance B', target: { role: 'technician' } } });
    expect(sent.status).toBe(201);
    const n = await Promise.race([got, new Promise((_, rej) => setTimeout(() => rej(new Error('no event within 5 s')), 5000))]);
    expect((n as { title: string }).title).toBe('From instance B');
  });

  it('a token issued by one instance is accepted by the other', async () => {
    const token = await client(a.url).login('head', DEMO_PASSWORD);
    expect((await client(b.url).call('GET', '/api/v1/auth/me', { token })).status).toBe(200);
  });

  it('shares the sign-in throttle', async () => {
    const user = 'reception';
    for (let i = 0; i < 3; i++) expect((await client(a.url).call('POST', '/api/v1/auth/login', { body: { username: user, password: `wrong-${i}-xx` } })).status).toBe(401);
    for (let i = 0; i < 2; i++) expect((await client(b.url).call('POST', '/api/v1/auth/login', { body: { username: user, password: `wrong-${i}-yy` } })).status).toBe(401);
    // 5 failures across both instances: the account is throttled on either
    expect((await client(a.url).call('POST', '/api/v1/auth/login', { body: { username: user, password: DEMO_PASSWORD } })).status).toBe(429);
  });
});
