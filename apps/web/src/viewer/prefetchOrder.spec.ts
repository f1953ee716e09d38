import { expect, it } from 'vitest';
import { prefetchOrder } from './prefetchOrder';

it('orders a stack nearest first, ahead before behind, every other image exactly once', () => {
  expect(prefetchOrder(0, 5)).toEqual([1, 2, 3, 4]);
  expect(prefetchOrder(2, 5)).toEqual([3, 1, 4, 0]);
  expect(prefetchOrder(4, 5)).toEqual([3, 2, 1, 0]);
  expect(prefetchOrder(0, 1)).toEqual([]);
  const big = prefetchOrder(123, 500);
  expect(big.slice(0, 4)).toEqual([124, 122, 125, 121]);
  expect(new Set(big).size).toBe(499);
  expect(big).not.toContain(123);
});
