import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { startServer, type RunningApp } from '../src/bootstrap';
import { loadConfig, type AppConfig } from '../src/platform/config';

export const ADMIN_PASSWORD = 'Test-Admin-Pass-1';
export const POSTGRES_ADMIN_URL = process.env.AXIAL_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestApp extends RunningApp {
  config: AppConfig;
  engine: 'pglite' | 'postgres';
  /** Stops the server and keeps its data directory and database (for a restart with `restartOf`). */
  stop(): Promise<void>;
}

export interface TestAppOptions {
  /** A second process on the same PostgreSQL database (PostgreSQL only). */
  shareDatabaseOf?: TestApp;
  /** Keep PGlite's database on disk in the data directory instead of in memory (needed for a restart). */
  persistent?: boolean;
  /** Start again on the data directory and database of an app that was stopped (a restart after a crash). */
  restartOf?: TestApp;
}

/**
 * Boots the real application on a random loopback port with a fresh database: embedded PGlite by default,
 * or a new database on the PostgreSQL server when AXIAL_TEST_DB=postgres (dropped afterwards).
 */
export async function startTestApp(env: Record<string, string> = {}, opts: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = opts.restartOf?.config.dataDir ?? mkdtempSync(join(tmpdir(), 'axial-test-'));
  const engine = process.env.AXIAL_TEST_DB === 'postgres' ? 'postgres' : 'pglite';
  let dbName: string | undefined = opts.restartOf ? dbNames.get(opts.restartOf) : undefined;
  let databaseUrl: string | undefined = opts.shareDatabaseOf?.config.databaseUrl ?? opts.restartOf?.config.databaseUrl;
  if (opts.shareDatabaseOf && !databaseUrl) throw new Error('Only a PostgreSQL database can be shared between two server processes');
  if (engine === 'postgres' && !databaseUrl) {
    dbName = `axial_test_${randomBytes(6).toString('hex')}`;
    const c = new Client({ connectionString: POSTGRES_ADMIN_URL });
    await c.connect();
    await c.query(`CREATE DATABASE ${dbName}`);
    await c.end();
    const u = new URL(POSTGRES_ADMIN_URL);
    u.pathname = `/${dbName}`;
    databaseUrl = u.toString();
  }
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    AXIAL_DATA_DIR: dataDir,
    AXIAL_ADMIN_PASSWORD: ADMIN_PASSWORD,
    AXIAL_DEMO: 'true',
    LOG_LEVEL: 'error',
    // Each test app gets a free DICOM port (several apps run at once).
    DICOM_PORT: '0',
    DICOM_HOST: '127.0.0.1',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...env,
  });
  const persistent = opts.persistent ?? opts.restartOf !== undefined;
  const running = await startServer(config, { inMemoryDb: engine === 'pglite' && !persistent });
  let stopped = false;
  const app: TestApp = {
    ...running,
    config,
    engine,
    async stop() {
      if (stopped) return;
      stopped = true;
      await running.close();
    },
    async close() {
      await app.stop();
      rmSync(dataDir, { recursive: true, force: true });
      if (dbName) {
        const c = new Client({ connectionString: POSTGRES_ADMIN_URL });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
        await c.end();
      }
    },
  };
  if (dbName) dbNames.set(app, dbName);
  return app;
}

/** The database a test app created, so that the app restarted on it drops it at the end. */
const dbNames = new WeakMap<TestApp, string>();

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** A small HTTP client for tests: JSON in, JSON (or text) out, optional bearer token. */
export function client(baseUrl: string) {
  async function call<T = any>(method: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    }
    const res = await fetch(baseUrl + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
    return { status: res.status, body: parsed as T, headers: res.headers };
  }
  async function login(username: string, password: string): Promise<string> {
    const r = await call('POST', '/api/v1/auth/login', { body: { username, password } });
    if (r.status !== 200) throw new Error(`login ${username} failed: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.accessToken as string;
  }
  return { call, login };
}
