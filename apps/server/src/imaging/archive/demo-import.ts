import { Inject, Injectable, Logger } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { APP_CONFIG, type AppConfig } from '../../platform/config';
import { IngestService } from './ingest.service';

/**
 * First start with AXIAL_DEMO=true: imports the small public studies of fixtures/demo (see NOTICE) through
 * the normal ingest pipeline, so a new user sees images at once.
 */
@Injectable()
export class DemoImport {
  private readonly log = new Logger('Demo');

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig, private readonly ingest: IngestService) {}

  async run(): Promise<{ stored: number; rejected: number }> {
    const dir = this.config.demoDir;
    if (!existsSync(dir)) {
      this.log.warn(`No demo studies at ${dir}`);
      return { stored: 0, rejected: 0 };
    }
    const files = await listFiles(dir);
    let stored = 0;
    let rejected = 0;
    for (let i = 0; i < files.length; i += 50) {
      const buffers = await Promise.all(files.slice(i, i + 50).map((f) => readFile(f)));
      const results = await this.ingest.ingestBuffers(buffers, { kind: 'demo' });
      for (const r of results) {
        if (r.status === 'rejected') {
          rejected++;
          this.log.warn(`Demo file refused: ${r.reason}`);
        } else stored++;
      }
    }
    this.log.log(`Demo studies imported: ${stored} instances${rejected ? `, ${rejected} refused` : ''}`);
    return { stored, rejected };
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of (await readdir(dir)).sort()) {
    const p = join(dir, e);
    if ((await stat(p)).isDirectory()) out.push(...(await listFiles(p)));
    else if (e.endsWith('.dcm')) out.push(p);
  }
  return out;
}
