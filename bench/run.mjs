// npm run bench — archive and DIMSE benchmarks against the built server (run `npm run build` first).
//   ingest: N synthetic 512×512 16-bit CT instances (≈525 KB) by STOW-RS, 1 client, 50 per request
//   index: fills the index past 30,000 instances with small instances, then QIDO latencies
//   metadata: series-level /metadata of a 500-instance series
//   viewer: first image, cached scrolling and MPR of a 500-slice CT in headless Chromium (bench/viewer.mjs;
//           `npm run bench:viewer` runs it alone; AXIAL_BENCH_VIEWER=false skips it)
// Options (env): AXIAL_BENCH_ENGINE=postgres|pglite (default postgres), AXIAL_BENCH_CT=2000, AXIAL_BENCH_INDEX=30000
import { ctFactory, percentile, post, startServer, storageCeiling, stowBody, stowTimed } from './lib.mjs';
import { printViewer, viewerBench } from './viewer.mjs';

const engine = process.env.AXIAL_BENCH_ENGINE ?? 'postgres';
const CT = Number(process.env.AXIAL_BENCH_CT ?? 2000);
const INDEX = Number(process.env.AXIAL_BENCH_INDEX ?? 30000);
const results = { engine, machine: `${(await import('node:os')).cpus().length} cores` };

const srv = await startServer({ engine });
const auth = { authorization: `Bearer ${srv.token}` };
async function stowPrepared({ body, contentType }) {
  const r = await post(srv.url, '/dicom-web/studies', { ...auth, 'content-type': contentType }, body);
  if (r.status !== 200) throw new Error(`STOW ${r.status}: ${r.text.slice(0, 300)}`);
  return body.length;
}
const stow = (buffers) => stowPrepared(stowBody(buffers));
async function timeGet(path, n) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const p = typeof path === 'function' ? path(i) : path;
    const t = performance.now();
    const r = await fetch(srv.url + p, { headers: auth });
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`${p}: ${r.status}`);
    times.push(performance.now() - t);
  }
  return { median: +percentile(times, 50).toFixed(2), p95: +percentile(times, 95).toFixed(2) };
}

try {
  // 1. Ingest throughput: CT in studies of 500 instances (the first becomes the metadata series).
  // Request bodies are built before the clock starts, so the measure is the server's, not the client's.
  const ct = ctFactory();
  const requests = [];
  for (let i = 0; i < CT; i += 50) {
    const batch = [];
    for (let k = i; k < Math.min(CT, i + 50); k++) batch.push(ct(Math.floor(k / 500), Math.floor(k / 500), k, (k % 500) + 1, 1, '20260101'));
    requests.push(stowBody(batch));
  }
  const timed = await stowTimed(requests, stowPrepared);
  requests.length = 0;
  results.ingest = { instances: CT, ...timed };
  console.log(`STOW ingest: ${timed.steady.instances} CT 512² after the first ${timed.warmup.instances} in ${timed.steady.seconds} s = ${timed.steady.instancesPerSecond} inst/s, ${timed.steady.MBps} MB/s`);
  console.log(`  all ${CT} from the server's start (the first ${timed.warmup.instances} took ${timed.warmup.seconds} s): ${timed.seconds} s = ${timed.instancesPerSecond} inst/s, ${timed.MBps} MB/s`);
  // What the disk allowed meanwhile: the same durable file work with no server (see storageCeiling).
  results.storageCeiling = await storageCeiling(srv.dataDir);
  console.log(`storage ceiling: durable new 525 KB files, no server: ${results.storageCeiling.perSecond} files/s, ${results.storageCeiling.MBps} MB/s`);

  // 2. Fill the index with small instances: 10 per study, one patient per study, dates spread over 2 years.
  const small = ctFactory({ rows: 8, columns: 8 });
  const t1 = performance.now();
  let n = CT;
  let study = 1000;
  while (n < INDEX) {
    const batch = [];
    for (let k = 0; k < 100 && n < INDEX; k++, n++) {
      if (n % 10 === 0) study++;
      const d = new Date(Date.UTC(2024, 0, 1) + (study % 730) * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
      batch.push(small(study, study, 1_000_000 + n, (n % 10) + 1, study, d));
    }
    await stow(batch);
  }
  const fill = (performance.now() - t1) / 1000;
  console.log(`index filled to ${n} instances (${study - 1000} extra studies) in ${fill.toFixed(1)} s (${((n - CT) / fill).toFixed(0)} small inst/s)`);
  results.indexSize = n;

  // 3. QIDO latencies.
  const pid = (i) => `P${String(1001 + ((i * 37) % (study - 1000))).padStart(10, '0')}`;
  results.qido = {
    byPatientId: await timeGet((i) => `/dicom-web/studies?PatientID=${pid(i)}`, 200),
    byDateRange: await timeGet((i) => `/dicom-web/studies?StudyDate=2024${String(1 + (i % 12)).padStart(2, '0')}01-2024${String(1 + (i % 12)).padStart(2, '0')}28&limit=100`, 200),
    list100: await timeGet('/dicom-web/studies?limit=100', 200),
  };
  for (const [k, v] of Object.entries(results.qido)) console.log(`QIDO ${k}: median ${v.median} ms, p95 ${v.p95} ms`);

  // 4. Series metadata of the first 500-instance CT series.
  const list = await (await fetch(`${srv.url}/dicom-web/series?SeriesInstanceUID=${'1.2.826.0.1.3680043.9.7433.9.2.'.padEnd(64, '0').replace(/0$/, '0')}`, { headers: auth })).json();
  const series = list[0] ?? (await (await fetch(`${srv.url}/dicom-web/series?Modality=CT&limit=1&orderby=SeriesNumber`, { headers: auth })).json())[0];
  const st = series['0020000D'].Value[0];
  const se = series['0020000E'].Value[0];
  results.seriesMetadata500 = await timeGet(`/dicom-web/studies/${st}/series/${se}/metadata`, 50);
  console.log(`series metadata (${series['00201209'].Value[0]} instances): median ${results.seriesMetadata500.median} ms, p95 ${results.seriesMetadata500.p95} ms`);

  // 5. The viewer in headless Chromium (its own 500-slice CT with slice geometry, for MPR).
  if (process.env.AXIAL_BENCH_VIEWER !== 'false') {
    results.viewer = await viewerBench(srv);
    printViewer(results.viewer);
  }
  console.log(JSON.stringify(results));
} finally {
  await srv.stop();
}

// DIMSE (C-STORE with DCMTK storescu, C-FIND, C-MOVE): its own server, so the archive figures above stay apart.
const { spawnSync } = await import('node:child_process');
if (spawnSync('storescu', ['--version']).error) console.log('DIMSE benchmarks skipped: DCMTK (storescu) is not installed');
else {
  const r = spawnSync(process.execPath, [new URL('./dimse.mjs', import.meta.url).pathname, engine], { stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = 1;
}
