/**
 * Viewer settings kept in the browser (per workstation): the image cache limit. Cornerstone evicts
 * the least recently used images beyond it, and the prefetcher never plans more than half of it, so
 * a 2000-image study streams through a bounded cache instead of exhausting the tab.
 */
import { cache } from '@cornerstonejs/core';

const KEY = 'axial.viewer.cacheMb';
export const CACHE_MB_DEFAULT = 1024;
export const CACHE_MB_MIN = 256;
export const CACHE_MB_MAX = 8192;

export function clampCacheMb(mb: number): number {
  if (!Number.isFinite(mb)) return CACHE_MB_DEFAULT;
  return Math.round(Math.min(CACHE_MB_MAX, Math.max(CACHE_MB_MIN, mb)));
}

export function getCacheMb(): number {
  try {
    const raw = window.localStorage.getItem(KEY);
    return raw ? clampCacheMb(Number(raw)) : CACHE_MB_DEFAULT;
  } catch {
    return CACHE_MB_DEFAULT;
  }
}

/** Stores the limit and applies it to Cornerstone's cache at once (evicting if it shrank). */
export function setCacheMb(mb: number): number {
  const value = clampCacheMb(mb);
  try {
    window.localStorage.setItem(KEY, String(value));
  } catch {
    /* private mode: applies to this page only */
  }
  applyCacheLimit(value);
  return value;
}

export function applyCacheLimit(mb = getCacheMb()): void {
  const bytes = mb * 1024 * 1024;
  cache.setMaxCacheSize(bytes);
  if (cache.getCacheSize() > bytes) cache.decacheIfNecessaryUntilBytesAvailable(0);
}

/** Bytes used and allowed. */
export function cacheUsage(): { used: number; max: number } {
  return { used: cache.getCacheSize(), max: cache.getMaxCacheSize() };
}
