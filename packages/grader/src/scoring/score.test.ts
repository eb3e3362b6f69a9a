import { describe, expect, it } from 'vitest';
import { computeScore, passRates } from './score.ts';
import { CATEGORIES, type Category, type CheckResult, type CheckStatus } from './types.ts';
import { defaultWeights } from './weights.ts';

const result = (id: string, category: Category, status: CheckStatus, run = 0): CheckResult => ({
  id,
  category,
  status,
  run,
  description: `catches ${id}`,
  scenario: 's',
  durationMs: 1,
  ...(status === 'failed' ? { message: `${id} failed` } : {}),
});

/** Three checks per category; weights as generateWeights would write them (0.45 / 3, …). */
const catalog = CATEGORIES.flatMap((category) =>
  [0, 1, 2].map((i) => ({ id: `${category}.c${i}`, category, description: '', scenario: 's' })),
);
const weights = new Map(Object.values(defaultWeights(catalog)).flatMap((checks) => Object.entries(checks)));
const weightOf = (id: string): number => weights.get(id) ?? Number.NaN;

/** One run of every check, with the given ids failing. */
function runOf(failing: readonly string[] = [], run = 0, skip: (c: Category) => boolean = () => false): CheckResult[] {
  return catalog.map((c) => result(c.id, c.category, skip(c.category) ? 'skipped' : failing.includes(c.id) ? 'failed' : 'passed', run));
}

describe('computeScore', () => {
  it('is exactly 1 when every check passes, even with repeats', () => {
    expect(computeScore(runOf(), weights).score).toBe(1);
    expect(computeScore([...runOf([], 0), ...runOf([], 1), ...runOf([], 2)], weights).score).toBe(1);
  });

  it('is Σ weight × pass rate, with per-category subtotals adding up to it', () => {
    const score = computeScore(runOf(['race_conditions.c0', 'idempotency.c1']), weights);
    expect(score.score).toBeCloseTo(1 - weightOf('race_conditions.c0') - weightOf('idempotency.c1'), 12);
    const race = score.categories.find((c) => c.category === 'race_conditions');
    expect(race).toMatchObject({ passed: 2, total: 3 });
    expect(race?.weight).toBeCloseTo(0.45, 12);
    expect(race?.earned).toBeCloseTo(0.3, 12);
    expect(score.categories.map((c) => c.category)).toEqual(CATEGORIES);
    expect(score.categories.reduce((sum, c) => sum + c.earned, 0)).toBeCloseTo(score.score, 12);
  });

  it('with repeats uses each check’s pass rate (passed runs / runs)', () => {
    // race_conditions.c0 fails in 1 of 4 runs → it earns 3/4 of its weight.
    const results = [0, 1, 2, 3].flatMap((run) => runOf(run === 2 ? ['race_conditions.c0'] : [], run));
    const score = computeScore(results, weights);
    expect(score.score).toBeCloseTo(1 - weightOf('race_conditions.c0') / 4, 12);
    expect(score.categories[0]).toMatchObject({ category: 'race_conditions', passed: 11, total: 12 });
  });

  it('excludes skipped checks and renormalises over the weights of the checks that ran', () => {
    // Only race conditions ran (as with --category race_conditions); one of its three failed.
    const results = runOf(['race_conditions.c1'], 0, (c) => c !== 'race_conditions');
    const score = computeScore(results, weights);
    expect(score.score).toBeCloseTo(2 / 3, 12);
    const [race, ...others] = score.categories;
    expect(race?.weight).toBeCloseTo(1, 12);
    for (const other of others) expect(other).toMatchObject({ weight: 0, earned: 0, passed: 0, total: 0 });
  });

  it('renormalises to exactly 1 when every check that ran passed', () => {
    expect(computeScore(runOf([], 0, (c) => c === 'isolation' || c === 'locking'), weights).score).toBe(1);
  });

  it('treats checks absent from the results like skipped ones', () => {
    const only = runOf(['idempotency.c0']).filter((r) => r.category === 'idempotency');
    const [w0, w1, w2] = [0, 1, 2].map((i) => weightOf(`idempotency.c${i}`)) as [number, number, number];
    // 0.2 / 3 does not split evenly: c0 carries the rounding remainder (0.066668 vs 0.066666).
    expect(computeScore(only, weights).score).toBeCloseTo((w1 + w2) / (w0 + w1 + w2), 12);
  });

  it('rounds away float noise so --min-score comparisons are exact', () => {
    const w = new Map([['a', 0.3], ['b', 0.3], ['c', 0.2]]);
    const score = computeScore([result('a', 'locking', 'passed'), result('b', 'locking', 'failed'), result('c', 'isolation', 'failed')], w);
    expect(0.3 / 0.8).not.toBe(0.375);
    expect(score.score).toBe(0.375);
    expect(score.categories.find((c) => c.category === 'locking')).toMatchObject({ weight: 0.75, earned: 0.375 });
  });

  it('scores 0 when nothing ran or the checks that ran weigh nothing', () => {
    expect(computeScore([], weights).score).toBe(0);
    expect(computeScore([result('x', 'locking', 'passed')], new Map([['x', 0]])).score).toBe(0);
  });

  it('throws on a check that ran without a weight (a catalog/weights mismatch is a bug)', () => {
    expect(() => computeScore([result('nope', 'locking', 'passed')], weights)).toThrow(/nope ran but has no weight/);
  });
});

describe('passRates', () => {
  it('counts passed runs over runs per check, ignoring skipped runs', () => {
    const rates = passRates([
      result('a', 'locking', 'passed', 0),
      result('b', 'locking', 'skipped', 0),
      result('a', 'locking', 'failed', 1),
      result('c', 'locking', 'skipped', 1),
      result('a', 'locking', 'passed', 2),
      result('b', 'locking', 'failed', 2),
    ]);
    expect([...rates]).toEqual([
      ['a', { passed: 2, runs: 3 }],
      ['b', { passed: 0, runs: 1 }],
    ]);
  });
});
