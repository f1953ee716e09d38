import { describe, expect, it } from 'vitest';
import { isoWeekday, shiftInterval } from './organization.service';

describe('shift arithmetic', () => {
  it.each([
    ['07:00', '15:00', [420, 900]],
    ['23:00', '07:00', [1380, 1860]],
    ['00:00', '23:59', [0, 1439]],
    ['22:30', '00:00', [1350, 1440]],
  ])('%s-%s covers %j minutes of the day', (s, e, expected) => {
    expect(shiftInterval(s, e)).toEqual(expected);
  });

  it.each([
    ['2026-11-23', 1],
    ['2026-11-22', 7],
    ['2024-02-29', 4],
  ])('%s is ISO weekday %i', (d, w) => {
    expect(isoWeekday(d)).toBe(w);
  });
});
