import { describe, expect, it } from 'vitest';
import { newcombe } from './compare.ts';
import { attemptsForPower, attemptsForShares, bootstrap, fisherExact, holm, meanEstimate, normalTwoSidedP, pairedDifference, unpairedDifference, wilson } from './statistics.ts';

// Every expected value below was computed independently with SciPy 1.x and statsmodels 0.14
// (2026-12-08): proportion_confint(method='wilson'), scipy.stats.fisher_exact, scipy.stats.sem,
// multipletests(method='holm'), and the textbook sample-size formulas with scipy.stats.norm.ppf.

describe('meanEstimate (CLT: sample SD / √n, mean ± 1.96 SE)', () => {
  it('matches scipy.stats.sem on a worked example', () => {
    const e = meanEstimate([1, 0.8, 0.6, 1, 0.9]);
    expect(e.mean).toBeCloseTo(0.86, 12);
    expect(e.se).toBeCloseTo(0.07483314773547883, 12);
    expect(e.interval?.low).toBeCloseTo(0.86 - 1.959963984540054 * 0.07483314773547883, 12);
  });

  it('gives no standard error or interval for one attempt, and NaN for none', () => {
    expect(meanEstimate([0.7])).toEqual({ n: 1, mean: 0.7 });
    expect(meanEstimate([]).mean).toBeNaN();
  });
});

describe('wilson (95 % score interval)', () => {
  it('matches statsmodels proportion_confint(method="wilson")', () => {
    const cases: [number, number, number, number][] = [
      [8, 10, 0.49016247153664183, 0.9433178485456247],
      [0, 10, 0, 0.27753279986288926],
      [10, 10, 0.7224672001371106, 1],
      [81, 263, 0.2552885198782742, 0.36620957698280004],
    ];
    for (const [k, n, low, high] of cases) {
      const w = wilson(k, n);
      expect(w?.low).toBeCloseTo(low, 10);
      expect(w?.high).toBeCloseTo(high, 10);
    }
  });

  it('has no interval without trials', () => {
    expect(wilson(0, 0)).toBeUndefined();
  });
});

describe('differences', () => {
  it('paired: the mean and SE of the per-item differences (scipy.stats.sem of a - b)', () => {
    const d = pairedDifference([0.9, 0.8, 1.0, 0.7, 0.6], [0.8, 0.8, 0.9, 0.5, 0.6]);
    expect(d.mean).toBeCloseTo(0.08, 12);
    expect(d.se).toBeCloseTo(0.037416573867739396, 12);
  });

  it('paired samples must be the same length', () => {
    expect(() => pairedDifference([1], [1, 0])).toThrow(/differ in length/);
  });

  it('unpaired: the standard errors add in quadrature', () => {
    const a = [1, 0.8, 0.6, 1, 0.9];
    const d = unpairedDifference(a, a);
    expect(d.mean).toBe(0);
    expect(d.se).toBeCloseTo(Math.SQRT2 * 0.07483314773547883, 12);
    expect(unpairedDifference([1], a).se).toBeUndefined();
  });
});

describe('fisherExact (two-sided, as scipy.stats.fisher_exact and R)', () => {
  it('matches scipy on worked tables', () => {
    expect(fisherExact(3, 1, 1, 3)).toBeCloseTo(0.48571428571428565, 12);
    expect(fisherExact(8, 2, 1, 5)).toBeCloseTo(0.034965034965034975, 12);
    expect(fisherExact(10, 0, 0, 10)).toBeCloseTo(1.082508822446903e-5, 15);
    expect(fisherExact(5, 5, 5, 5)).toBe(1);
  });
});

describe('holm', () => {
  it('matches statsmodels multipletests(method="holm"), in the input order', () => {
    const adjusted = holm([0.01, 0.04, 0.03, 0.005]);
    [0.03, 0.06, 0.06, 0.02].forEach((p, i) => expect(adjusted[i]).toBeCloseTo(p, 12));
    expect(holm([])).toEqual([]);
  });
});

describe('power', () => {
  it('attempts per model for a difference of means: 2 (1.96 + 0.84)² sd² / delta² (62.79 for delta 0.1, sd 0.2)', () => {
    expect(attemptsForPower(0.1, 0.2)).toBe(63);
    expect(attemptsForPower(0.1, 0.2, true)).toBe(32);
    expect(attemptsForPower(0, 0.2)).toBeUndefined();
  });

  it('attempts per model for two shares (Fleiss, normal approximation): 355.94 for 0.4 vs 0.3', () => {
    expect(attemptsForShares(0.4, 0.3)).toBe(356);
    expect(attemptsForShares(0.3, 0.3)).toBeUndefined();
  });
});

describe('bootstrap', () => {
  it('is the same for the same seed, and brackets the statistic of symmetric data', () => {
    const values = [0, 1, 0, 1, 1, 0, 1, 0, 1, 0];
    const mean = (s: readonly number[]): number => s.reduce((a, b) => a + b, 0) / s.length;
    const first = bootstrap(values, mean, 2_000, 7);
    expect(bootstrap(values, mean, 2_000, 7)).toEqual(first);
    expect(first?.low).toBeLessThan(0.5);
    expect(first?.high).toBeGreaterThan(0.5);
    // The normal interval is 0.5 ± 1.96 × 0.158 = [0.19, 0.81]; the percentile bootstrap is close.
    expect(first?.low).toBeGreaterThan(0.1);
    expect(first?.high).toBeLessThan(0.9);
    expect(bootstrap([1], mean)).toBeUndefined();
  });
});

describe('normalTwoSidedP', () => {
  it('matches 2 * scipy.stats.norm.sf(|z|) to 1e-7', () => {
    expect(normalTwoSidedP(1.96)).toBeCloseTo(0.04999579029644087, 7);
    expect(normalTwoSidedP(-0.5)).toBeCloseTo(0.6170750774519738, 7);
    expect(normalTwoSidedP(3.5)).toBeCloseTo(0.00046525815807105003, 8);
    expect(normalTwoSidedP(0)).toBeCloseTo(1, 7);
  });
});

describe("newcombe (difference of two shares, Newcombe 1998's method 10)", () => {
  it("matches Newcombe's own worked example, 56/70 - 48/80: 0.0524 to 0.3339 (statsmodels confint_proportions_2indep(method='newcomb'))", () => {
    const interval = newcombe(56, 70, 48, 80);
    expect(interval?.low).toBeCloseTo(0.05243147240236498, 10);
    expect(interval?.high).toBeCloseTo(0.33387265403690614, 10);
    const small = newcombe(9, 10, 3, 10);
    expect(small?.low).toBeCloseTo(0.1705227239345029, 10);
    expect(small?.high).toBeCloseTo(0.809017973535488, 10);
    expect(newcombe(1, 0, 1, 1)).toBeUndefined();
  });
});
