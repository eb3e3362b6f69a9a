import { CATEGORIES, type Category, type CategoryScore, type CheckResult, type Score, type Weights } from './types.ts';

/** How often one check passed over the runs in which it ran (skipped runs are not counted). */
export interface PassRate {
  readonly passed: number;
  readonly runs: number;
}

/** Ids of the checks that were inconclusive in some run: a grade with any is not a verdict. */
export function inconclusiveChecks(results: readonly CheckResult[]): string[] {
  return [...new Set(results.filter((r) => r.status === 'inconclusive').map((r) => r.id))];
}

/**
 * Pass rate per check id, in order of first appearance. Skipped results do not count as runs;
 * a check that was skipped in every run is absent from the map.
 */
export function passRates(results: readonly CheckResult[]): ReadonlyMap<string, PassRate> {
  const rates = new Map<string, { passed: number; runs: number }>();
  for (const result of results) {
    if (result.status === 'skipped') continue;
    const rate = rates.get(result.id) ?? { passed: 0, runs: 0 };
    rate.runs += 1;
    if (result.status === 'passed') rate.passed += 1;
    rates.set(result.id, rate);
  }
  return rates;
}

/**
 * The weighted score of a run (with `--repeat`, of all its repeats).
 *
 * - A check's pass rate is passed runs / runs; the score is Σ weight × pass rate.
 * - Checks that did not run (skipped by `--only`/`--category`, or absent from `results`) are
 *   left out, and the score is renormalised over the weights of the checks that ran:
 *   score = Σ weight × pass rate / Σ weight. A filtered run therefore still scores 0..1, and a
 *   full run (weights summing to 1) is unchanged. If the checks that ran weigh 0 in total, the
 *   score is 0.
 * - Every category of CATEGORIES is listed, in that order. Its `weight` and `earned` use the
 *   same renormalisation, so the `earned` values add up to the score (a category with no check
 *   that ran has weight 0). `passed`/`total` count check runs: with 5 checks and 10 repeats,
 *   `total` is 50.
 * - Scores are rounded to 12 decimals so float noise cannot decide a `--min-score` comparison
 *   (0.3 / 0.8 gives 0.375, not 0.37499999999999994). When every check that ran passed every
 *   run, the score is exactly 1.
 *
 * Throws a plain Error (a bug, not a user error) if a check that ran has no weight: weights are
 * validated against the same catalog the results come from.
 */
export function computeScore(results: readonly CheckResult[], weights: Weights): Score {
  const rates = passRates(results);
  const categoryOf = new Map(results.map((r) => [r.id, r.category]));
  let ranWeight = 0;
  let earned = 0;
  const byCategory = new Map<Category, { weight: number; earned: number; passed: number; total: number }>(
    CATEGORIES.map((c) => [c, { weight: 0, earned: 0, passed: 0, total: 0 }]),
  );
  for (const [id, rate] of rates) {
    const weight = weights.get(id);
    if (weight === undefined) throw new Error(`check ${id} ran but has no weight`);
    const points = weight * (rate.passed / rate.runs);
    ranWeight += weight;
    earned += points;
    const categoryName = categoryOf.get(id);
    const category = categoryName && byCategory.get(categoryName);
    if (!category) throw new Error(`check ${id} has unknown category ${String(categoryName)}`);
    category.weight += weight;
    category.earned += points;
    category.passed += rate.passed;
    category.total += rate.runs;
  }
  const categories: CategoryScore[] = CATEGORIES.map((category) => {
    const sums = byCategory.get(category) ?? { weight: 0, earned: 0, passed: 0, total: 0 };
    return {
      category,
      weight: round12(normalise(sums.weight, ranWeight)),
      earned: round12(normalise(sums.earned, ranWeight)),
      passed: sums.passed,
      total: sums.total,
    };
  });
  return { score: Math.min(1, round12(normalise(earned, ranWeight))), categories };
}

/** value / total, or 0 when nothing weighed anything. Dividing (not multiplying by 1/total) keeps x / x === 1. */
function normalise(value: number, total: number): number {
  return total > 0 ? value / total : 0;
}

function round12(value: number): number {
  return Math.round(value * 1e12) / 1e12;
}
