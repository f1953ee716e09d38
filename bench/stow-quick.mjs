// Quick STOW-RS throughput check: node bench/stow-quick.mjs [postgres|pglite] [N]
// Besides wall-clock throughput it prints CPU time per instance (server process, its main thread, PostgreSQL),
// which stays meaningful when other work shares the machine.
import { readFileSync, readdirSync } from 'node:fs';
import { ctFactory, post, startServer, storageCeiling, stowBody, stowTimed } from './lib.mjs';
const make = ctFactory();
const N = Number(process.argv[3] ?? 500);
const requests = [];
for (let i = 0; i < N; i += 50) {
  const batch = [];
  for (let k = i; k < Math.min(N, i + 50); k++) batch.push(make(1, 1, k, k, 1));
  requests.push(stowBody(batch));
}
const TICK = 10; // ms per clock tick (USER_HZ = 100)
const cpuOf = (statPath) => { try { const f = readFileSync(statPath, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * TICK; } catch { return 0; } };
const faultsOf = (statPath) => { try { return Number(readFileSync(statPath, 'utf8').split(') ')[1].split(' ')[7]); } catch { return 0; } };
const postgresCpu = () => readdirSync('/proc').filter((d) => /^\d+$/.test(d)).reduce((s, d) => {
  try { return readFileSync(`/proc/${d}/comm`, 'utf8').startsWith('postgres') ? s + cpuOf(`/proc/${d}/stat`) : s; } catch { return s; }
}, 0);
const threads = (pid) => { const m = {}; for (const t of readdirSync(`/proc/${pid}/task`)) { let n; try { n = readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim(); } catch { continue; } m[`${n}:${t}`] = cpuOf(`/proc/${pid}/task/${t}/stat`); } return m; };
const srv = await startServer({ engine: process.argv[2] ?? 'postgres' });
const pid = srv.child.pid;
try {
  const c0 = { faults: faultsOf(`/proc/${pid}/stat`), selfFaults: faultsOf('/proc/self/stat'), proc: cpuOf(`/proc/${pid}/stat`), main: cpuOf(`/proc/${pid}/task/${pid}/stat`), pg: postgresCpu(), self: process.cpuUsage() };
  const th0 = threads(pid);
  const timed = await stowTimed(requests, async ({ body, contentType }) => {
    const r = await post(srv.url, '/dicom-web/studies', { authorization: `Bearer ${srv.token}`, 'content-type': contentType }, body);
    if (r.status !== 200) throw new Error(`${r.status} ${r.text}`);
    return body.length;
  });
  const self = process.cpuUsage(c0.self);
  const per = (ms) => (ms / N).toFixed(2);
  console.log(`${timed.steady.instances} instances after the first ${timed.warmup.instances} in ${timed.steady.seconds} s: ${timed.steady.instancesPerSecond} inst/s, ${timed.steady.MBps} MB/s; all ${N} from the start: ${timed.instancesPerSecond} inst/s`);
  if (process.env.REQUESTS) console.log(`request ms: ${timed.requestMs.join(' ')}`);
  console.log(`CPU ms/instance: server ${per(cpuOf(`/proc/${pid}/stat`) - c0.proc)} (main thread ${per(cpuOf(`/proc/${pid}/task/${pid}/stat`) - c0.main)}), postgres ${per(postgresCpu() - c0.pg)}, client ${per((self.user + self.system) / 1000)}`);
  // Fresh memory is what costs on some virtual machines (a page fault each 4 KB page): minor faults per instance.
  console.log(`page faults/instance: server ${per(faultsOf(`/proc/${pid}/stat`) - c0.faults)}, client ${per(faultsOf("/proc/self/stat") - c0.selfFaults)}`);
  // The disk's own pace for the same file work, measured right after, in the same folder.
  const c = await storageCeiling(srv.dataDir);
  console.log(`storage ceiling (durable new ${(525_000 / 1e3).toFixed(0)} KB files, no server): ${c.perSecond} files/s, ${c.MBps} MB/s`);
  if (process.env.THREADS) { const th1 = threads(pid); console.log(Object.fromEntries(Object.entries(th1).map(([k, v]) => [k, per(v - (th0[k] ?? 0))]))); }
} finally { await srv.stop(); }
