import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { extractFrames, decodeFrame, renderFrame } from './index';
const DIR = '/work/shared/dicom-samples';
it('scratch', async () => {
  mkdirSync('/tmp/px', { recursive: true });
  for (const f of readdirSync(DIR).filter((x) => x.endsWith('.dcm'))) {
    const buf = readFileSync(`${DIR}/${f}`);
    const row: string[] = [f];
    try {
      const ex = await extractFrames(buf);
      row.push(`ex ${ex.frames.length}f ${ex.mediaType} [${ex.frames.slice(0, 3).map((x) => x.length).join(',')}]`);
      const t = performance.now();
      const d = await decodeFrame(buf, 1);
      row.push(`dec ${d.pixels.length} ${d.photometricInterpretation} ${(performance.now() - t).toFixed(1)}ms`);
      const t2 = performance.now();
      const png = await renderFrame(buf, 1, { format: 'png' });
      row.push(`png ${png.length} ${(performance.now() - t2).toFixed(1)}ms`);
      writeFileSync(`/tmp/px/${f}.png`, png);
    } catch (e) {
      row.push(`ERR ${(e as Error).name} ${(e as any).code}: ${(e as Error).message}`);
    }
    console.log(row.join(' | '));
  }
}, 120000);
