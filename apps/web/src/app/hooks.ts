import { useEffect, useState } from 'react';

export function useDebounced<T>(value: T, delay = 300): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setDebounced(value), delay);
    return () => clearTimeout(t);
  }, [value, delay]);
  return debounced;
}

export const PAGE_SIZE = 25;

/** Slices an unpaged list for display (for endpoints that return every item). */
export function clientPage<T>(items: T[] | undefined, offset: number, limit = PAGE_SIZE) {
  return { rows: items?.slice(offset, offset + limit), total: items?.length ?? 0 };
}
