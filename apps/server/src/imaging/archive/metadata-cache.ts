/**
 * WADO-RS metadata answers kept in memory, least recently used first out, within a size limit. An entry is used
 * only while the stamp it was built with (instance count, newest id and newest write time in its scope, read from
 * the index) is still the current one, so instances stored, replaced or deleted since, by this process or another
 * one sharing the database, make it stale at once. A 500-instance series answer (≈860 KB) then costs one index
 * aggregate instead of the whole JSON text assembled by PostgreSQL and sent to the server.
 */
export interface CachedMetadata {
  stamp: string;
  json: string;
  patientId: string;
}

export class MetadataCache {
  private readonly entries = new Map<string, CachedMetadata>();
  private chars = 0;

  /** `maxChars`: the limit on the cached JSON text (UTF-16 code units, ≈ bytes for DICOM JSON); 0 disables. */
  constructor(private readonly maxChars: number) {}

  get(key: string, stamp: string): CachedMetadata | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (hit.stamp !== stamp) {
      this.delete(key);
      return undefined;
    }
    // Most recently used last.
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit;
  }

  set(key: string, value: CachedMetadata): void {
    this.delete(key);
    if (value.json.length > this.maxChars / 4) return; // one answer never takes more than a quarter of the cache
    this.entries.set(key, value);
    this.chars += value.json.length;
    for (const [k, v] of this.entries) {
      if (this.chars <= this.maxChars) break;
      this.entries.delete(k);
      this.chars -= v.json.length;
    }
  }

  get size(): number {
    return this.entries.size;
  }

  get usedChars(): number {
    return this.chars;
  }

  private delete(key: string): void {
    const old = this.entries.get(key);
    if (!old) return;
    this.entries.delete(key);
    this.chars -= old.json.length;
  }
}
