// Frame decoding as the server does it (built code, apps/server/dist): node bench/decode-quick.mjs
// For three compressed samples of ../shared/dicom-samples: median time of 30 single decodes, then the longest stall
// of the event loop (a 1 ms timer) while 8 decodes run at once; decoding on worker threads keeps that stall small.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT } from './lib.mjs';

const samples = join(ROOT, '../shared/dicom-samples');
if (!existsSync(samples)) throw new Error(`No sample set at ${samples}`);
const px = createRequire(import.meta.url)(join(ROOT, 'apps/server/dist/imaging/pixels'));
// AXIAL_DECODE_THREADS as the server reads it (its default otherwise).
if (process.env.AXIAL_DECODE_THREADS) px.configureDecoding({ threads: Number(process.env.AXIAL_DECODE_THREADS), timeoutMs: 30_000 });
for (const name of ['ct_jpeg_lossless_sv1', 'ct_jpeg2000_lossless', 'mr_jpegls_lossless']) {
  const file = readFileSync(join(samples, `${name}.dcm`));
  // Warm: every decoding thread started (starting one stalls the event loop once, for a few ms).
  await Promise.all(Array.from({ length: 4 }, () => px.decodeFrame(file, 1)));
  const times = [];
  for (let i = 0; i < 30; i++) {
    const t = performance.now();
    await px.decodeFrame(file, 1);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  let stall = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last);
    last = now;
  }, 1);
  await Promise.all(Array.from({ length: 8 }, () => px.decodeFrame(file, 1)));
  clearInterval(timer);
  stall = Math.max(stall, performance.now() - last);
  console.log(`${name}: median ${times[15].toFixed(2)} ms per frame; event loop stalled up to ${stall.toFixed(1)} ms during 8 decodes at once`);
}
await px.closeDecoding?.(); // (absent before decoding moved to worker threads)
