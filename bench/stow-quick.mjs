// Quick STOW-RS throughput check: node bench/stow-quick.mjs [postgres|pglite] [N]
import { ctFactory, post, startServer, stowBody } from './lib.mjs';
const make = ctFactory();
const N = Number(process.argv[3] ?? 500);
const requests = [];
for (let i = 0; i < N; i += 50) {
  const batch = [];
  for (let k = i; k < Math.min(N, i + 50); k++) batch.push(make(1, 1, k, k, 1));
  requests.push(stowBody(batch));
}
const srv = await startServer({ engine: process.argv[2] ?? 'postgres' });
try {
  const t0 = performance.now();
  let bytes = 0;
  for (const { body, contentType } of requests) {
    bytes += body.length;
    const r = await post(srv.url, '/dicom-web/studies', { authorization: `Bearer ${srv.token}`, 'content-type': contentType }, body);
    if (r.status !== 200) throw new Error(`${r.status} ${r.text}`);
  }
  const s = (performance.now() - t0) / 1000;
  console.log(`${N} instances in ${s.toFixed(2)} s: ${(N / s).toFixed(0)} inst/s, ${(bytes / s / 1e6).toFixed(0)} MB/s`);
} finally { await srv.stop(); }
