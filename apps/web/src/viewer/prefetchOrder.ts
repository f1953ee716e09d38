/** Indexes of a stack of `count` images in prefetch order around `current`: current + 1, current - 1, current + 2, … */
export function prefetchOrder(current: number, count: number): number[] {
  const out: number[] = [];
  for (let d = 1; out.length < count - 1 && d < count; d++) {
    if (current + d < count) out.push(current + d);
    if (current - d >= 0) out.push(current - d);
  }
  return out;
}
