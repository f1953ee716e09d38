// Shared helpers of the benchmarks: start the built server, make synthetic CT instances fast, time things.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import pg from 'pg';
import http from 'node:http';

// As many thread-pool threads as the server has (platform/threadpool.ts), for storageCeiling's syncs in flight.
process.env.UV_THREADPOOL_SIZE ??= '16';

const require = createRequire(import.meta.url);
export const ROOT = new URL('..', import.meta.url).pathname;
export const ADMIN_PASSWORD = 'Bench-Admin-Pass-1';

/** Starts apps/server/dist/main.js on a free port, on PostgreSQL (fresh database) unless engine = 'pglite'. */
export async function startServer({ engine = 'postgres', port = 5600 + Math.floor(Math.random() * 300) } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'axial-bench-'));
  let dbName;
  const env = { ...process.env, AXIAL_TIMING: process.env.AXIAL_TIMING ?? '', PORT: String(port), HOST: '127.0.0.1', AXIAL_DATA_DIR: dataDir, AXIAL_ADMIN_PASSWORD: ADMIN_PASSWORD, AXIAL_DEMO: 'false', LOG_LEVEL: 'warn' };
  const adminUrl = process.env.AXIAL_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  if (engine === 'postgres') {
    dbName = `axial_bench_${Date.now().toString(36)}`;
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    await c.query(`create database ${dbName}`);
    await c.end();
    const u = new URL(adminUrl);
    u.pathname = `/${dbName}`;
    env.DATABASE_URL = u.toString();
  }
  const child = spawn(process.execPath, [...(process.env.AXIAL_BENCH_NODE_ARGS ? process.env.AXIAL_BENCH_NODE_ARGS.split(' ') : []), join(ROOT, 'apps/server/dist/main.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  // The server dies with the benchmark, however it ends: a closed pipe (`… | head`), an exception or Ctrl-C used to
  // leave it running (its data folder and database with it).
  const killChild = () => { if (child.exitCode === null) child.kill('SIGKILL'); };
  process.on('exit', killChild);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(sig, () => process.exit(128 + os.constants.signals[sig]));
  child.once('exit', () => process.off('exit', killChild));
  let log = '';
  child.stdout.on('data', (d) => { log += d; if (process.env.AXIAL_TIMING) process.stdout.write(d); });
  child.stderr.on('data', (d) => { log += d; if (process.env.AXIAL_TIMING) process.stderr.write(d); });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited: ${log}`);
    const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`server did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const login = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) });
  const { accessToken } = await login.json();
  return {
    url, token: accessToken, child, dataDir, databaseUrl: env.DATABASE_URL,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      // AXIAL_BENCH_KEEP_DATA=1 leaves the data folder (for A/B runs: on ext4 without a journal, inodes freed in the
      // last minutes are skipped one by one when new files are created, so a run right after a deletion is slower).
      if (process.env.AXIAL_BENCH_KEEP_DATA === '1') console.log(`data kept in ${dataDir}`);
      else rmSync(dataDir, { recursive: true, force: true });
      if (dbName) {
        const c = new pg.Client({ connectionString: adminUrl });
        await c.connect();
        await c.query(`drop database if exists ${dbName} with (force)`);
        await c.end();
      }
    },
  };
}

/**
 * A 512×512 16-bit CT instance template with fixed-width UIDs, so each copy only needs its UIDs patched.
 * Returns make(study, series, sop, instanceNumber, patientId) → Buffer (≈525 KB).
 */
export function ctFactory({ rows = 512, columns = 512 } = {}) {
  const { testing } = require(join(ROOT, 'packages/dicom/dist/index.js'));
  const U = (c) => `1.2.826.0.1.3680043.9.7433.9.${c.repeat(40)}`.slice(0, 64);
  const pixels = new Uint8Array(rows * columns * 2);
  for (let i = 0; i < pixels.length; i += 2) { const v = (i * 7919) % 4096; pixels[i] = v & 0xff; pixels[i + 1] = v >> 8; }
  const els = [
    { tag: 'SpecificCharacterSet', value: 'ISO_IR 100' },
    { tag: 'SOPClassUID', value: '1.2.840.10008.5.1.4.1.1.2' },
    { tag: 'SOPInstanceUID', value: U('3') },
    { tag: 'StudyDate', value: '20260101' }, { tag: 'StudyTime', value: '101500' },
    { tag: 'AccessionNumber', value: 'ACC0000000000000' },
    { tag: 'Modality', value: 'CT' },
    { tag: 'StudyDescription', value: 'CT CHEST' },
    { tag: 'PatientName', value: 'BENCH^PATIENT^00000000' },
    { tag: 'PatientID', value: 'P0000000000' },
    { tag: 'PatientBirthDate', value: '19600101' }, { tag: 'PatientSex', value: 'F' },
    { tag: 'BodyPartExamined', value: 'CHEST' },
    { tag: 'SliceThickness', value: '1.0' },
    { tag: 'StudyInstanceUID', value: U('1') },
    { tag: 'SeriesInstanceUID', value: U('2') },
    { tag: 'SeriesNumber', value: '1' },
    { tag: 'InstanceNumber', value: '00000' },
    { tag: 'ImagePositionPatient', value: '0\\0\\0' },
    { tag: 'ImageOrientationPatient', value: '1\\0\\0\\0\\1\\0' },
    { tag: 'SamplesPerPixel', value: 1 }, { tag: 'PhotometricInterpretation', value: 'MONOCHROME2' },
    { tag: 'Rows', value: rows }, { tag: 'Columns', value: columns },
    { tag: 'PixelSpacing', value: '0.7\\0.7' },
    { tag: 'BitsAllocated', value: 16 }, { tag: 'BitsStored', value: 12 }, { tag: 'HighBit', value: 11 }, { tag: 'PixelRepresentation', value: 0 },
    { tag: 'WindowCenter', value: '40' }, { tag: 'WindowWidth', value: '400' },
    { tag: 'RescaleIntercept', value: '-1024' }, { tag: 'RescaleSlope', value: '1' },
    { tag: 'PixelData', vr: 'OW', value: pixels },
  ];
  const template = Buffer.from(testing.buildPart10(testing.minimalImage([], {}).filter(() => false).concat(els).sort((a, b) => (tagOf(a.tag) < tagOf(b.tag) ? -1 : 1)), { transferSyntaxUid: '1.2.840.10008.1.2.1' }));
  function tagOf(k) { return require(join(ROOT, 'packages/dicom/dist/index.js')).tagOf(k) ?? k; }
  const at = (s) => { const i = template.indexOf(Buffer.from(s)); if (i < 0) throw new Error(`not found ${s}`); return i; };
  const pos = { sop: [at(U('3')), template.lastIndexOf(Buffer.from(U('3')))], study: at(U('1')), series: at(U('2')), pid: at('P0000000000'), inst: at('00000'), name: at('BENCH^PATIENT^00000000'), acc: at('ACC0000000000000'), date: at('20260101') };
  const fixed = (prefix, n, len) => `${prefix}${String(n).padStart(len - prefix.length, '0')}`;
  return (studyN, seriesN, sopN, inst, patientN, studyDate) => {
    const b = Buffer.from(template);
    const uidOf = (kind, n) => fixed(`1.2.826.0.1.3680043.9.7433.9.${kind}.`, n, 64);
    for (const p of pos.sop) b.write(uidOf(3, sopN), p, 'latin1');
    b.write(uidOf(1, studyN), pos.study, 'latin1');
    b.write(uidOf(2, seriesN), pos.series, 'latin1');
    b.write(fixed('P', patientN, 11), pos.pid, 'latin1');
    b.write(fixed('BENCH^PATIENT^', patientN, 22), pos.name, 'latin1');
    b.write(fixed('ACC', studyN, 16), pos.acc, 'latin1');
    b.write(String(inst).padStart(5, '0'), pos.inst, 'latin1');
    if (studyDate) b.write(studyDate, pos.date, 'latin1');
    return b;
  };
}

export function stowBody(buffers) {
  const boundary = `bench${Math.random().toString(36).slice(2)}`;
  const chunks = [];
  for (const b of buffers) chunks.push(Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), b, Buffer.from('\r\n'));
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/related; type="application/dicom"; boundary=${boundary}`, instances: buffers.length };
}

/** Requests of the STOW benchmark counted as warm-up (50 instances each): see stowTimed. */
export const STOW_WARMUP_REQUESTS = 2;

/**
 * Sends prepared STOW requests one after another (1 client) and times them. The rate that compares with the target
 * is the steady one, after the first STOW_WARMUP_REQUESTS: the first requests to a server just started measure
 * JavaScript compilation and the new connection's TCP windows growing (a plain Node.js HTTP server here takes
 * 110–130 ms for its first 26 MB body on a new connection, 70 ms for the second, 15–35 ms later). Both rates are
 * reported. `send(request)` resolves with the bytes sent.
 */
export async function stowTimed(requests, send) {
  const times = [];
  const sizes = [];
  for (const r of requests) {
    const t = performance.now();
    sizes.push(await send(r));
    times.push(performance.now() - t);
  }
  const count = (from) => requests.slice(from).reduce((n, r) => n + r.instances, 0);
  const rate = (from) => {
    const seconds = times.slice(from).reduce((a, b) => a + b, 0) / 1000;
    const bytes = sizes.slice(from).reduce((a, b) => a + b, 0);
    return { seconds: +seconds.toFixed(2), instancesPerSecond: +(count(from) / seconds).toFixed(0), MBps: +(bytes / seconds / 1e6).toFixed(0) };
  };
  const w = Math.min(STOW_WARMUP_REQUESTS, requests.length - 1);
  const warmupSeconds = times.slice(0, w).reduce((a, b) => a + b, 0) / 1000;
  return {
    ...rate(0),
    warmup: { requests: w, instances: count(0) - count(w), seconds: +warmupSeconds.toFixed(2) },
    steady: { instances: count(w), ...rate(w) },
    requestMs: times.map((t) => Math.round(t)),
  };
}

export function percentile(values, p) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/**
 * POST with node:http (undici's fetch uploads large bodies ~2.5x slower here, which would make the
 * client, not the server, the bottleneck). Resolves { status, text }.
 */
export function post(url, path, headers, body) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method: 'POST', path, headers: { ...headers, 'content-length': body.length } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The durable writes one stored instance costs on this machine, one after another as a single association
 * sends them (each C-STORE waits for its response): write + fsync of a 525 KB file, an fdatasync'd journal
 * line, a rename + directory fsync, and a PostgreSQL commit (a WAL flush). Their sum bounds one association's
 * rate before any CPU work (receiving, parsing, indexing) is counted.
 */
/**
 * Lets the machine settle between two parts of a benchmark: PostgreSQL writes its dirty pages now (CHECKPOINT)
 * rather than during the next part's measurement, then a short pause.
 */
export async function settle(srv, ms = 2000) {
  if (srv.databaseUrl) {
    const c = new pg.Client({ connectionString: srv.databaseUrl });
    await c.connect();
    try {
      await c.query('CHECKPOINT');
    } catch {
      // CHECKPOINT needs the pg_checkpoint role or a superuser (PostgreSQL ≥ 15); the pause still applies
    } finally {
      await c.end();
    }
  }
  await new Promise((r) => setTimeout(r, ms));
}

export async function durabilityFloor(dir, databaseUrl, n = 200) {
  const fs = await import('node:fs');
  const buf = Buffer.alloc(525_000, 7);
  const ms = (t) => (performance.now() - t) / n;
  fs.mkdirSync(join(dir, 'floor'), { recursive: true });
  let t = performance.now();
  for (let i = 0; i < n; i++) {
    const fd = fs.openSync(join(dir, 'floor', `${i}.tmp`), 'wx');
    fs.writeSync(fd, buf);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
  }
  const file = ms(t);
  const j = fs.openSync(join(dir, 'floor', 'journal'), 'a');
  t = performance.now();
  for (let i = 0; i < n; i++) { fs.writeSync(j, `B ${i} ["a/b/c.dcm"]\n`); fs.fdatasyncSync(j); }
  const journal = ms(t);
  fs.closeSync(j);
  const d = fs.openSync(join(dir, 'floor'), 'r');
  t = performance.now();
  for (let i = 0; i < n; i++) { fs.renameSync(join(dir, 'floor', `${i}.tmp`), join(dir, 'floor', `${i}.dcm`)); fs.fsyncSync(d); }
  const rename = ms(t);
  fs.closeSync(d);
  fs.rmSync(join(dir, 'floor'), { recursive: true, force: true });
  let commit = 0;
  if (databaseUrl) {
    const c = new pg.Client({ connectionString: databaseUrl });
    await c.connect();
    await c.query('create table bench_floor (x int)');
    t = performance.now();
    for (let i = 0; i < n; i++) await c.query('insert into bench_floor values ($1)', [i]);
    commit = ms(t);
    await c.query('drop table bench_floor');
    await c.end();
  }
  const total = file + journal + rename + commit;
  return { fileFsyncMs: +file.toFixed(2), journalMs: +journal.toFixed(2), renameDirFsyncMs: +rename.toFixed(2), commitMs: +commit.toFixed(2), totalMs: +total.toFixed(2), maxPerSecond: Math.round(1000 / total) };
}

/**
 * The storage's own ceiling for what STOW-RS must do per object, with no HTTP, parsing or index: `n` new files of
 * `size` bytes, each written (O_DIRECT from aligned memory when the file system takes it, as the archive does) and
 * fdatasync'd, `inFlight` at once (the archive's writer threads hand their syncs to a thread pool of 16), then
 * renamed into folders of 500 with one directory fsync per 25 files. On this virtual machine's disk the durable creation of new files, not the CPU, bounds ingest: the figure
 * printed next to the STOW rate tells how close the server came to what the disk allowed at that moment. The files
 * stay in `dir` (a benchmark's temporary data folder): deleting 500 MB of new files here slows every file creation
 * of the next minutes (ext4 without a journal avoids reusing freshly freed inodes).
 */
export async function storageCeiling(dir, { n = 1000, size = 525_000, inFlight = 16 } = {}) {
  const fs = await import('node:fs');
  const call = (f, ...a) => new Promise((res, rej) => f(...a, (e, r) => (e ? rej(e) : res(r))));
  const base = join(dir, 'ceiling');
  fs.mkdirSync(join(base, 'tmp'), { recursive: true });
  const padded = Math.ceil(size / 4096) * 4096;
  const memory = new WebAssembly.Memory({ initial: Math.ceil(padded / 65536) });
  const buf = Buffer.from(memory.buffer, 0, padded).fill(7);
  let flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL;
  try {
    fs.closeSync(fs.openSync(join(base, 'probe'), flags | fs.constants.O_DIRECT, 0o600));
    flags |= fs.constants.O_DIRECT;
  } catch {
    // tmpfs and some others refuse O_DIRECT: written through the page cache then
  }
  const t = performance.now();
  let next = 0;
  const one = async (i) => {
    const fd = await call(fs.open, join(base, 'tmp', `${i}`), flags, 0o600);
    try {
      await call(fs.write, fd, buf, 0, padded, 0);
      if (padded !== size) await call(fs.ftruncate, fd, size);
      await call(fs.fdatasync, fd);
    } finally {
      await call(fs.close, fd);
    }
  };
  for (let g = 0; g < n; g += 25) {
    const group = Array.from({ length: Math.min(25, n - g) }, (_, k) => g + k);
    next = 0;
    await Promise.all(Array.from({ length: Math.min(inFlight, group.length) }, async () => { while (next < group.length) await one(group[next++]); }));
    const folder = join(base, `s${Math.floor(g / 500)}`);
    fs.mkdirSync(folder, { recursive: true });
    for (const i of group) fs.renameSync(join(base, 'tmp', `${i}`), join(folder, `${i}.dcm`));
    const d = await call(fs.open, folder, 'r');
    await call(fs.fsync, d);
    await call(fs.close, d);
  }
  const secs = (performance.now() - t) / 1000;
  return { files: n, perSecond: Math.round(n / secs), MBps: Math.round((n * size) / secs / 1e6), direct: (flags & fs.constants.O_DIRECT) !== 0 };
}
