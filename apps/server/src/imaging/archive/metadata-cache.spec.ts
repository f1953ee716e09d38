import { describe, expect, it } from 'vitest';
import { MetadataCache } from './metadata-cache';

const entry = (stamp: string, chars: number) => ({ stamp, json: 'x'.repeat(chars), patientId: 'P' });

describe('MetadataCache', () => {
  it('answers only while the stamp is the current one', () => {
    const c = new MetadataCache(1000);
    c.set('a', entry('1:5', 100));
    expect(c.get('a', '1:5')?.json.length).toBe(100);
    expect(c.get('a', '2:6')).toBeUndefined();
    expect(c.get('a', '1:5')).toBeUndefined(); // a stale entry is dropped, not kept for later
    expect(c.usedChars).toBe(0);
  });

  it('stays within its size, dropping the least recently used first', () => {
    const c = new MetadataCache(1000);
    c.set('a', entry('s', 200));
    c.set('b', entry('s', 200));
    c.set('c', entry('s', 200));
    c.get('a', 's'); // a is now the most recently used
    c.set('d', entry('s', 200));
    c.set('e', entry('s', 200));
    c.set('f', entry('s', 200));
    expect(c.usedChars).toBeLessThanOrEqual(1000);
    expect(c.get('b', 's')).toBeUndefined();
    expect(c.get('a', 's')).toBeDefined();
    expect(c.get('f', 's')).toBeDefined();
  });

  it('does not keep an answer larger than a quarter of it, nor anything when disabled', () => {
    const c = new MetadataCache(1000);
    c.set('big', entry('s', 300));
    expect(c.get('big', 's')).toBeUndefined();
    const off = new MetadataCache(0);
    off.set('a', entry('s', 1));
    expect(off.size).toBe(0);
  });

  it('replacing an entry does not count it twice', () => {
    const c = new MetadataCache(1000);
    c.set('a', entry('1', 200));
    c.set('a', entry('2', 100));
    expect(c.usedChars).toBe(100);
    expect(c.get('a', '2')?.json.length).toBe(100);
  });
});
