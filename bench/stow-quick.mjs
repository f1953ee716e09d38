import { ctFactory, startServer, stowBody } from './lib.mjs';
const make = ctFactory();
const srv = await startServer({ engine: process.argv[2] ?? 'postgres' });
try {
  const N = Number(process.argv[3] ?? 500);
  const t0 = performance.now();
  let bytes = 0;
  for (let i = 0; i < N; i += 50) {
    const batch = [];
    for (let k = i; k < Math.min(N, i + 50); k++) batch.push(make(1, 1, k, k, 1));
    const { body, contentType } = stowBody(batch);
    bytes += body.length;
    const r = await fetch(`${srv.url}/dicom-web/studies`, { method: 'POST', headers: { authorization: `Bearer ${srv.token}`, 'content-type': contentType }, body });
    if (r.status !== 200) throw new Error(`${r.status} ${await r.text()}`);
  }
  const s = (performance.now() - t0) / 1000;
  console.log(`${N} instances in ${s.toFixed(2)} s: ${(N / s).toFixed(0)} inst/s, ${(bytes / s / 1e6).toFixed(0)} MB/s`);
} finally { await srv.stop(); }
