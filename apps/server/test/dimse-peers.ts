import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { client } from './harness';
import { stowBody } from './dicom-fixtures';

/**
 * Real DICOM peers for the DIMSE tests, started by the tests themselves on loopback: DCMTK's storescp and
 * Orthanc. DCMTK tools always get TCP_NODELAY=1 (Debian's build keeps Nagle on otherwise).
 */
export const PEER_ENV = { ...process.env, TCP_NODELAY: '1' };
export const ORTHANC_BIN = '/usr/sbin/Orthanc';
/** CI installs Orthanc (.ci/run); the Orthanc tests skip only where the binary is absent. */
export const HAVE_ORTHANC = existsSync(ORTHANC_BIN);

type Api = ReturnType<typeof client>;

export async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
}

/** Never spawnSync a peer: the SCP runs in the test process and must keep serving while the tool runs. */
export function runTool(cmd: string, args: string[], timeout = 60_000): Promise<{ code: number | null; out: string }> {
  return new Promise((res) => {
    const child = spawn(cmd, args, { env: PEER_ENV });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    const timer = setTimeout(() => child.kill(), timeout);
    child.on('close', (code) => { clearTimeout(timer); res({ code, out }); });
  });
}

async function waitForPort(port: number, what: string, ms = 15_000): Promise<void> {
  const { connect } = await import('node:net');
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((res) => {
      const s = connect(port, '127.0.0.1', () => { s.destroy(); res(true); });
      s.on('error', () => res(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`${what} did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Storescp {
  aet: string;
  port: number;
  dir: string;
  files(): string[];
  stop(): void;
}

/** DCMTK storescp writing what it receives to `dir` (bit-preserving: the received data set as it came). */
export async function startStorescp(dir: string, aet = 'STORESCP'): Promise<Storescp> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const child = spawn('storescp', ['+B', '-aet', aet, '-od', dir, String(port)], { env: PEER_ENV, stdio: 'ignore' });
  await waitForPort(port, 'storescp');
  return { aet, port, dir, files: () => readdirSync(dir).filter((f) => !f.startsWith('.')), stop: () => child.kill() };
}

export interface Orthanc {
  aet: string;
  httpPort: number;
  dicomPort: number;
  url: string;
  rest<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  log(): string;
  stop(): Promise<void>;
}

/**
 * Orthanc (Debian package) with a generated configuration in `dir`: storage and index there, HTTP and DICOM on free
 * ports, no remote HTTP access, no authentication, Axial registered as modality "axial". Orthanc 1.10 listens on
 * every interface; the tests only ever talk to it on 127.0.0.1.
 */
export async function startOrthanc(dir: string, axial: { aet: string; port: number }, aet = 'ORTHANC'): Promise<Orthanc> {
  mkdirSync(dir, { recursive: true });
  const httpPort = await freePort();
  const dicomPort = await freePort();
  const config = {
    Name: 'axial-test-orthanc',
    StorageDirectory: join(dir, 'storage'),
    IndexDirectory: join(dir, 'index'),
    HttpPort: httpPort,
    DicomPort: dicomPort,
    DicomAet: aet,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    HttpServerEnabled: true,
    DicomServerEnabled: true,
    DicomCheckCalledAet: true,
    DicomAlwaysAllowEcho: true,
    DicomAlwaysAllowStore: true,
    DicomAlwaysAllowFind: true,
    DicomAlwaysAllowGet: true,
    DicomAlwaysAllowMove: true,
    DicomScuTimeout: 20,
    DicomModalities: { axial: { AET: axial.aet, Host: '127.0.0.1', Port: axial.port } },
    Plugins: [],
    StableAge: 1,
    SaveJobs: false,
  };
  const configPath = join(dir, 'orthanc.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const logPath = join(dir, 'orthanc.log');
  const child: ChildProcess = spawn(ORTHANC_BIN, [`--logfile=${logPath}`, configPath], { env: PEER_ENV, stdio: 'ignore' });
  const url = `http://127.0.0.1:${httpPort}`;
  const rest = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(url + path, { method, body: body === undefined ? undefined : typeof body === 'string' || body instanceof Uint8Array ? body as BodyInit : JSON.stringify(body) });
    const text = await res.text();
    let parsed: unknown = text;
    try { parsed = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, body: parsed as any };
  };
  const until = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Orthanc exited (${child.exitCode}): ${existsSync(logPath) ? readFileSync(logPath, 'utf8').slice(-2000) : ''}`);
    const ok = await fetch(`${url}/system`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > until) throw new Error('Orthanc did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
  await waitForPort(dicomPort, 'Orthanc DICOM');
  return {
    aet, httpPort, dicomPort, url, rest,
    log: () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : ''),
    stop: () => new Promise<void>((res) => {
      if (child.exitCode !== null) return res();
      child.once('exit', () => res());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    }),
  };
}

/** STOW-RS of instances into the test app. */
export async function stow(baseUrl: string, token: string, parts: Uint8Array[]): Promise<void> {
  const { body, contentType } = stowBody(parts);
  const res = await fetch(`${baseUrl}/dicom-web/studies`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': contentType, accept: 'application/dicom+json' }, body: new Uint8Array(body) });
  expect(res.status, await res.clone().text()).toBe(200);
}

export interface Job {
  id: string;
  type: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  total: number;
  completed: number;
  failed: number;
  warnings: number;
  error: string | null;
  result: string | null;
}

/** Polls a DICOM job until it is done or failed; records every distinct progress seen on the way. */
export async function waitJob(api: Api, token: string, id: string, timeoutMs = 60_000): Promise<{ job: Job; seen: Array<Pick<Job, 'status' | 'completed' | 'total'>> }> {
  const seen: Array<Pick<Job, 'status' | 'completed' | 'total'>> = [];
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await api.call<Job>('GET', `/api/v1/dicom-jobs/${id}`, { token });
    expect(r.status).toBe(200);
    const j = r.body;
    const last = seen[seen.length - 1];
    if (!last || last.status !== j.status || last.completed !== j.completed || last.total !== j.total) seen.push({ status: j.status, completed: j.completed, total: j.total });
    if (j.status === 'done' || j.status === 'failed') return { job: j, seen };
    if (Date.now() > until) throw new Error(`job ${id} still ${j.status} after ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 50));
  }
}
