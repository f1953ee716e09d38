// DIMSE benchmarks (part of `npm run bench`; alone: node bench/dimse.mjs [postgres|pglite]).
//   C-STORE: DCMTK storescu sends 500 synthetic 512×512 CT instances, over 1 association and over 4 at once
//   C-FIND: study-level query by PatientID, association + query + release per request (as findscu does)
//   C-MOVE: a 50-instance series to a DCMTK storescp; time to the first sub-operation's pending response
//           and to the final response
//   references: the same 1-association C-STORE run against DCMTK storescp (no durable write, no index) and
//           Orthanc (when installed), and the durable writes per instance measured alone (durabilityFloor)
// Needs DCMTK (storescu, storescp) on the PATH; the server uses a random DICOM port.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, ctFactory, durabilityFloor, percentile, startServer } from './lib.mjs';

const require = createRequire(join(ROOT, 'apps/server/package.json'));
const { Client, log: dimseLog, requests: { CFindRequest, CMoveRequest }, constants: { Status } } = require('dcmjs-dimse');
dimseLog.setLevel('error');

const engine = process.argv[2] ?? process.env.AXIAL_BENCH_ENGINE ?? 'postgres';
const N = Number(process.env.AXIAL_BENCH_DIMSE_CT ?? 500);
const dicomPort = 11200 + Math.floor(Math.random() * 500);
process.env.DICOM_PORT = String(dicomPort);
process.env.DICOM_HOST = '127.0.0.1';
const env = { ...process.env, TCP_NODELAY: '1' }; // DCMTK on Debian keeps Nagle on without it

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 && !/^E: /m.test(out) ? resolve(out) : reject(new Error(`${cmd} exited ${code}: ${out.slice(-800)}`))));
  });
}

/** One association per call: sends the request, resolves with the time of the first pending and the final response. */
function dimse(request) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let firstPending;
    let final;
    request.on('response', (r) => {
      if (r.getStatus() === Status.Pending) firstPending ??= performance.now() - t0;
      else final = { status: r.getStatus(), ms: performance.now() - t0, response: r };
    });
    const client = new Client();
    // dcmjs-dimse leaves Nagle's algorithm on; a real SCU (DCMTK with TCP_NODELAY, Axial's own SCU) does not.
    client.on('connected', () => client.network?.socket?.setNoDelay(true));
    client.on('networkError', reject);
    client.on('closed', () => (final ? resolve({ ...final, firstPending }) : reject(new Error('association closed without a final response'))));
    client.addRequest(request);
    client.send('127.0.0.1', dicomPort, 'BENCHSCU', 'AXIAL');
  });
}

const work = mkdtempSync(join(tmpdir(), 'axial-bench-dimse-'));
const make = ctFactory();
function writeSet(name, study, count, perSeries) {
  const dirs = [];
  for (let i = 0; i < count; i++) {
    const dir = join(work, name, String(Math.floor(i / perSeries)));
    if (!dirs.includes(dir)) { mkdirSync(dir, { recursive: true }); dirs.push(dir); }
    writeFileSync(join(dir, `${i}.dcm`), make(study, study * 100 + Math.floor(i / perSeries), study * 100000 + i, (i % perSeries) + 1, study, '20260102'));
  }
  return dirs;
}

const srv = await startServer({ engine });
const results = { engine };
const scp = spawn('storescp', ['-aet', 'BENCHSCP', '-od', join(work, 'received'), String(dicomPort + 1)], { env, stdio: 'ignore' });
try {
  mkdirSync(join(work, 'received'));
  const auth = { authorization: `Bearer ${srv.token}`, 'content-type': 'application/json' };
  const node = await fetch(`${srv.url}/api/v1/dicom-nodes`, { method: 'POST', headers: auth, body: JSON.stringify({ aeTitle: 'BENCHSCP', host: '127.0.0.1', port: dicomPort + 1, description: 'benchmark receiver' }) });
  if (node.status !== 201) throw new Error(`registering the C-MOVE destination: ${node.status} ${await node.text()}`);

  // 0. What durable storage alone costs here per instance, sequentially (the bound for one association).
  results.durabilityFloor = await durabilityFloor(srv.dataDir, srv.databaseUrl);
  const f = results.durabilityFloor;
  console.log(`durable writes per instance, one after another: file+fsync ${f.fileFsyncMs} ms, journal ${f.journalMs} ms, rename+dir fsync ${f.renameDirFsyncMs} ms, commit ${f.commitMs} ms = ${f.totalMs} ms, so at most ${f.maxPerSecond} inst/s on one association before any CPU work`);

  // 1. C-STORE, one association: 10 series of 50.
  const one = writeSet('one', 7001, N, 50);
  let t = performance.now();
  await run('storescu', ['-aet', 'BENCHSCU', '-aec', 'AXIAL', '+sd', '+r', '127.0.0.1', String(dicomPort), join(work, 'one')]);
  let s = (performance.now() - t) / 1000;
  results.cstore1 = { instances: N, seconds: +s.toFixed(2), instancesPerSecond: Math.round(N / s) };
  console.log(`C-STORE, 1 association (storescu): ${N} CT 512² in ${s.toFixed(2)} s = ${results.cstore1.instancesPerSecond} inst/s`);

  // 2. C-STORE, four associations at once.
  writeSet('four', 7002, N, Math.ceil(N / 4));
  t = performance.now();
  await Promise.all(readdirSync(join(work, 'four')).map((d) => run('storescu', ['-aet', 'BENCHSCU', '-aec', 'AXIAL', '+sd', '127.0.0.1', String(dicomPort), join(work, 'four', d)])));
  s = (performance.now() - t) / 1000;
  results.cstore4 = { instances: N, seconds: +s.toFixed(2), instancesPerSecond: Math.round(N / s) };
  console.log(`C-STORE, 4 associations (storescu): ${N} CT 512² in ${s.toFixed(2)} s = ${results.cstore4.instancesPerSecond} inst/s`);

  // Everything sent is archived (a benchmark of lost objects would be worthless).
  const count = await fetch(`${srv.url}/dicom-web/instances?limit=1&PatientID=P${'7001'.padStart(10, '0')}`, { headers: auth });
  const total = Number(count.headers.get('x-total-count'));
  if (total !== N) throw new Error(`expected ${N} archived instances of the 1-association run, found ${total}`);

  // 3. C-FIND latency: association + study query + release, 50 times.
  const finds = [];
  for (let i = 0; i < 50; i++) {
    const r = await dimse(CFindRequest.createStudyFindRequest({ PatientID: `P${'7001'.padStart(10, '0')}`, StudyInstanceUID: '', PatientName: '', StudyDate: '' }));
    if (r.status !== Status.Success) throw new Error(`C-FIND status ${r.status}`);
    finds.push(r.ms);
  }
  results.cfind = { median: +percentile(finds, 50).toFixed(1), p95: +percentile(finds, 95).toFixed(1) };
  console.log(`C-FIND study by PatientID (association included): median ${results.cfind.median} ms, p95 ${results.cfind.p95} ms`);

  // 4. C-MOVE of a 50-instance series to storescp.
  const series = await (await fetch(`${srv.url}/dicom-web/series?PatientID=P${'7001'.padStart(10, '0')}&limit=1`, { headers: auth })).json();
  const studyUid = series[0]['0020000D'].Value[0];
  const seriesUid = series[0]['0020000E'].Value[0];
  const moves = [];
  for (let i = 0; i < 3; i++) {
    rmSync(join(work, 'received'), { recursive: true, force: true });
    mkdirSync(join(work, 'received'));
    const r = await dimse(CMoveRequest.createSeriesMoveRequest('BENCHSCP', studyUid, seriesUid));
    if (r.status !== Status.Success) throw new Error(`C-MOVE status ${r.status}`);
    const got = readdirSync(join(work, 'received')).length;
    if (got !== 50) throw new Error(`storescp received ${got} of 50 instances`);
    moves.push(r);
  }
  const best = moves.sort((a, b) => a.ms - b.ms)[1]; // median of 3
  results.cmove = { instances: 50, firstSubOperationMs: +best.firstPending.toFixed(0), totalMs: +best.ms.toFixed(0) };
  console.log(`C-MOVE series of 50 to storescp: first sub-operation done after ${results.cmove.firstSubOperationMs} ms, all in ${results.cmove.totalMs} ms (median of 3)`);

  // 5. References on the same files and machine: what storescu reaches when the receiver does no durable write
  //    and no indexing (DCMTK storescp, the C-MOVE destination above), and Orthanc (Debian package, default
  //    settings: SQLite index) when installed. They bound and place the one-association figure above.
  rmSync(join(work, 'received'), { recursive: true, force: true });
  mkdirSync(join(work, 'received'));
  t = performance.now();
  await run('storescu', ['-aet', 'BENCHSCU', '-aec', 'BENCHSCP', '+sd', '+r', '127.0.0.1', String(dicomPort + 1), join(work, 'one')]);
  s = (performance.now() - t) / 1000;
  results.reference = { storescp: Math.round(N / s) };
  if (existsSync('/usr/sbin/Orthanc')) {
    const dir = join(work, 'orthanc');
    mkdirSync(dir);
    const port = dicomPort + 2;
    writeFileSync(join(dir, 'orthanc.json'), JSON.stringify({
      Name: 'bench', StorageDirectory: join(dir, 'storage'), IndexDirectory: join(dir, 'index'), HttpPort: port + 1, DicomPort: port,
      DicomAet: 'ORTHANC', RemoteAccessAllowed: false, AuthenticationEnabled: false, DicomCheckCalledAet: false, DicomAlwaysAllowStore: true, Plugins: [], SaveJobs: false,
    }));
    const orthanc = spawn('/usr/sbin/Orthanc', [`--logfile=${join(dir, 'log')}`, join(dir, 'orthanc.json')], { env, stdio: 'ignore' });
    try {
      for (let i = 0; i < 100 && !(await fetch(`http://127.0.0.1:${port + 1}/system`).then((r) => r.ok, () => false)); i++) await new Promise((r) => setTimeout(r, 100));
      t = performance.now();
      await run('storescu', ['-aet', 'BENCHSCU', '-aec', 'ORTHANC', '+sd', '+r', '127.0.0.1', String(port), join(work, 'one')]);
      s = (performance.now() - t) / 1000;
      results.reference.orthanc = Math.round(N / s);
    } finally {
      orthanc.kill();
    }
  }
  console.log(`C-STORE references, 1 association (storescu, same files): DCMTK storescp (no fsync, no index) ${results.reference.storescp} inst/s${results.reference.orthanc ? `, Orthanc ${results.reference.orthanc} inst/s` : ''}`);
  console.log(JSON.stringify({ dimse: results }));
} finally {
  scp.kill();
  await srv.stop();
  rmSync(work, { recursive: true, force: true });
}
