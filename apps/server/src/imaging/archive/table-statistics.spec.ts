import { describe, expect, it } from 'vitest';
import { TableStatistics, type StatisticsTarget } from './table-statistics';

/** A repository stand-in that counts ANALYZE runs; `rows` is what the planner would believe afterwards. */
function target(initial: number) {
  const t = { planned: initial, rows: 0, analyzed: 0, fail: false };
  const api: StatisticsTarget = {
    plannedRows: async () => t.planned,
    analyze: async () => {
      if (t.fail) throw new Error('connection lost');
      t.analyzed++;
      t.planned = t.rows;
    },
  };
  return { t, api };
}

describe('TableStatistics', () => {
  it('analyzes tables never analyzed at start-up, and known ones only once they have grown', async () => {
    const fresh = target(-1);
    const s = new TableStatistics(fresh.api);
    await s.start();
    await s.idle();
    expect(fresh.t.analyzed).toBe(1);

    const known = target(50_000);
    const k = new TableStatistics(known.api);
    await k.start();
    await k.idle();
    expect(known.t.analyzed).toBe(0);
  });

  it('runs after 1,000 new instances or a tenth of the archive, whichever is more, one at a time', async () => {
    const { t, api } = target(0);
    const s = new TableStatistics(api);
    await s.start();
    s.noteAdded(999);
    await s.idle();
    expect(t.analyzed).toBe(0);
    t.rows = 1_000;
    s.noteAdded(1);
    s.noteAdded(5_000); // while the first runs: counted for the next one
    await s.idle();
    expect(t.analyzed).toBe(1);
    // 1,000 known: the threshold is still 1,000, already reached by the 5,000 added meanwhile
    t.rows = 6_000;
    s.noteAdded(0);
    await s.idle();
    expect(t.analyzed).toBe(2);
    // 6,000 known: a tenth is 600, so the 1,000 minimum still applies
    t.rows = 20_000;
    s.noteAdded(1_000);
    await s.idle();
    expect(t.analyzed).toBe(3);
    // 20,000 known: the next run waits for 2,000 new instances
    s.noteAdded(1_999);
    await s.idle();
    expect(t.analyzed).toBe(3);
    s.noteAdded(1);
    await s.idle();
    expect(t.analyzed).toBe(4);
  });

  it('keeps the count of a failed run and tries again with the next commit', async () => {
    const { t, api } = target(0);
    const s = new TableStatistics(api);
    await s.start();
    t.fail = true;
    s.noteAdded(1_500);
    await s.idle();
    expect(t.analyzed).toBe(0);
    t.fail = false;
    s.noteAdded(1);
    await s.idle();
    expect(t.analyzed).toBe(1);
  });
});
