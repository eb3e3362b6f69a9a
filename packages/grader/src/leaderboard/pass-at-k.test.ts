import { describe, expect, it } from 'vitest';
import { passAtK, reportedKs } from './pass-at-k.ts';

describe('passAtK', () => {
  it('matches the closed form 1 - C(n-c,k)/C(n,k)', () => {
    const choose = (n: number, k: number): number => (k > n ? 0 : Array.from({ length: k }, (_, i) => (n - i) / (i + 1)).reduce((a, b) => a * b, 1));
    for (const [n, c, k] of [[10, 3, 1], [10, 3, 5], [5, 0, 2], [5, 5, 3], [20, 1, 10], [4, 2, 2]] as const) {
      expect(passAtK(n, c, k)).toBeCloseTo(1 - choose(n - c, k) / choose(n, k), 12);
    }
    expect(passAtK(10, 3, 1)).toBeCloseTo(0.3, 12);
    expect(passAtK(4, 2, 2)).toBeCloseTo(5 / 6, 12);
    expect(passAtK(3, 0, 3)).toBe(0);
    expect(passAtK(3, 1, 3)).toBe(1);
  });

  it('refuses impossible inputs', () => {
    expect(() => passAtK(2, 3, 1)).toThrow(RangeError);
    expect(() => passAtK(2, 1, 3)).toThrow(RangeError);
  });

  it('reports k = 1, 2, 4 ... and 5, 10 up to the attempts there are', () => {
    expect(reportedKs(1)).toEqual([1]);
    expect(reportedKs(5)).toEqual([1, 2, 4, 5]);
    expect(reportedKs(10)).toEqual([1, 2, 4, 5, 8, 10]);
    expect(reportedKs(0)).toEqual([]);
  });
});
