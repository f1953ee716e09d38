import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (tests/e2e/support -> ../../..). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const SERVER_MAIN = join(REPO_ROOT, 'apps/server/dist/main.js');
export const WEB_INDEX = join(REPO_ROOT, 'apps/web/dist/index.html');

export interface AxialServer {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  dataDir: string;
  adminPassword: string;
  /** Everything the server printed so far (stdout and stderr interleaved, tail only). */
  output(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  adminPassword?: string;
  demo?: boolean;
  /** How long to wait for GET /health to answer 200. */
  readyTimeoutMs?: number;
  env?: Record<string, string>;
}

const MAX_OUTPUT = 256 * 1024;

/** Throws a readable error when the build the tests need is missing. */
export function assertBuilt(): void {
  const missing = [SERVER_MAIN, WEB_INDEX].filter((f) => !existsSync(f));
  if (missing.length) {
    throw new Error(
      `E2E tests need the built app, missing:\n  ${missing.join('\n  ')}\nrun npm run build first (at the repository root).`,
    );
  }
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('Could not find a free port'))));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts `node apps/server/dist/main.js` on a free port with a fresh data directory (embedded PGlite),
 * waits until /health answers 200, and returns a handle that stops it and removes the directory.
 */
export async function startServer(opts: StartOptions = {}): Promise<AxialServer> {
  assertBuilt();
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'axial-e2e-'));
  const adminPassword = opts.adminPassword ?? 'e2e-Admin-pass-2026';
  const url = `http://127.0.0.1:${port}`;

  let output = '';
  const append = (chunk: Buffer | string) => {
    output += chunk.toString();
    if (output.length > MAX_OUTPUT) output = output.slice(-MAX_OUTPUT);
  };

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    AXIAL_DATA_DIR: dataDir,
    AXIAL_ADMIN_PASSWORD: adminPassword,
    AXIAL_DEMO: String(opts.demo ?? true),
    LOG_LEVEL: 'warn',
    // Always the embedded database, never a developer's Postgres/Redis from the shell environment.
    DATABASE_URL: '',
    REDIS_URL: '',
    AXIAL_JWT_SECRET: '',
    AXIAL_WEB_DIR: '',
    ...opts.env,
  };

  const child: ChildProcess = spawn(process.execPath, [SERVER_MAIN], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);

  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });
  // Never leave a server behind if the test process dies.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', killOnExit);
    if (!exited) {
      child.kill('SIGTERM');
      const graceful = await Promise.race([exitPromise.then(() => true), sleep(8000).then(() => false)]);
      if (!graceful) {
        child.kill('SIGKILL');
        await Promise.race([exitPromise, sleep(3000)]);
      }
    }
    rmSync(dataDir, { recursive: true, force: true, maxRetries: 3 });
  };

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  let lastError = '';
  while (Date.now() < deadline) {
    if (exited) {
      const e = exited as { code: number | null; signal: string | null };
      await stop();
      throw new Error(`Axial server exited during start-up (code ${e.code}, signal ${e.signal}). Output:\n${output}`);
    }
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) {
        return { url, port, dataDir, adminPassword, output: () => output, stop };
      }
      lastError = `HTTP ${res.status}`;
    } catch (err) {
      lastError = (err as Error).message;
    }
    await sleep(200);
  }
  await stop();
  throw new Error(`Axial server did not become healthy at ${url}/health (last: ${lastError}). Output:\n${output}`);
}

/** Minimal JSON client for set-up / cross-checks through the public API. */
export async function api<T = unknown>(
  server: AxialServer,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown } = {},
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
    },
    body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: body as T };
}

export async function apiLogin(server: AxialServer, username: string, password: string): Promise<string> {
  const { status, body } = await api<{ accessToken: string }>(server, 'POST', '/api/v1/auth/login', {
    body: { username, password, tokenDelivery: 'body' },
  });
  if (status !== 200) throw new Error(`API login as ${username} failed: HTTP ${status} ${JSON.stringify(body)}`);
  return body.accessToken;
}

/**
 * Waits until every given study is in the archive (the demo import runs in the background on first start,
 * and tests may STOW their own): one QIDO per study UID list, every half second, up to `timeoutMs`.
 */
export async function waitForStudies(server: AxialServer, token: string, studyUids: readonly string[], timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const list = studyUids.map(encodeURIComponent).join(',');
  for (;;) {
    const { status, body } = await api<Array<Record<string, { Value?: string[] }>>>(server, 'GET', `/dicom-web/studies?StudyInstanceUID=${list}&limit=${studyUids.length}`, { token });
    const have = status === 200 && Array.isArray(body) ? body.map((s) => s['0020000D']?.Value?.[0]) : [];
    const missing = studyUids.filter((u) => !have.includes(u));
    if (!missing.length) return;
    if (Date.now() > deadline) throw new Error(`studies not in the archive in time: ${missing.join(', ')}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
