// Quick QIDO-RS check: node bench/qido-quick.mjs [postgres|pglite] [index size] [rounds]
// Fills the index with small instances as `npm run bench` does (10 per study, one patient per study, dates over two
// years), then times the three study searches of the benchmark and prints, besides median/p95, the CPU time per
// search of the server process and of PostgreSQL: figures that stay meaningful when the machine's pace moves.
import { readdirSync, readFileSync } from 'node:fs';
import { ctFactory, percentile, post, startServer, stowBody } from './lib.mjs';

const engine = process.argv[2] ?? 'postgres';
const INDEX = Number(process.argv[3] ?? 30_000);
const ROUNDS = Number(process.argv[4] ?? 2);
const TICK = 10; // ms per clock tick (USER_HZ = 100)
const cpuOf = (statPath) => { try { const f = readFileSync(statPath, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * TICK; } catch { return 0; } };
const postgresCpu = () => readdirSync('/proc').filter((d) => /^\d+$/.test(d)).reduce((s, d) => {
  try { return readFileSync(`/proc/${d}/comm`, 'utf8').startsWith('postgres') ? s + cpuOf(`/proc/${d}/stat`) : s; } catch { return s; }
}, 0);

const srv = await startServer({ engine });
const auth = { authorization: `Bearer ${srv.token}` };
try {
  const small = ctFactory({ rows: 8, columns: 8 });
  let study = 1000;
  const t0 = performance.now();
  for (let n = 0; n < INDEX; ) {
    const batch = [];
    for (let k = 0; k < 100 && n < INDEX; k++, n++) {
      if (n % 10 === 0) study++;
      const d = new Date(Date.UTC(2024, 0, 1) + (study % 730) * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
      batch.push(small(study, study, 1_000_000 + n, (n % 10) + 1, study, d));
    }
    const { body, contentType } = stowBody(batch);
    const r = await post(srv.url, '/dicom-web/studies', { ...auth, 'content-type': contentType }, body);
    if (r.status !== 200) throw new Error(`STOW ${r.status}: ${r.text.slice(0, 300)}`);
  }
  console.log(`index filled with ${INDEX} instances (${study - 1000} studies) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const pid = (i) => `P${String(1001 + ((i * 37) % (study - 1000))).padStart(10, '0')}`;
  const searches = {
    byPatientId: (i) => `/dicom-web/studies?PatientID=${pid(i)}`,
    byDateRange: (i) => `/dicom-web/studies?StudyDate=2024${String(1 + (i % 12)).padStart(2, '0')}01-2024${String(1 + (i % 12)).padStart(2, '0')}28&limit=100`,
    list100: () => '/dicom-web/studies?limit=100',
  };
  for (let i = 0; i < 50; i++) await (await fetch(srv.url + searches.list100(), { headers: auth })).arrayBuffer(); // warm-up
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, path] of Object.entries(searches)) {
      const n = 200;
      const times = [];
      const c0 = cpuOf(`/proc/${srv.child.pid}/stat`);
      const p0 = postgresCpu();
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        const r = await fetch(srv.url + path(i), { headers: auth });
        await r.arrayBuffer();
        if (r.status !== 200) throw new Error(`${path(i)}: ${r.status}`);
        times.push(performance.now() - t);
      }
      const server = (cpuOf(`/proc/${srv.child.pid}/stat`) - c0) / n;
      const pg = (postgresCpu() - p0) / n;
      console.log(`round ${round} ${name.padEnd(12)} median ${percentile(times, 50).toFixed(2)} ms, p95 ${percentile(times, 95).toFixed(2)} ms; CPU per search: server ${server.toFixed(2)} ms, PostgreSQL ${pg.toFixed(2)} ms`);
    }
  }
} finally {
  await srv.stop();
}
