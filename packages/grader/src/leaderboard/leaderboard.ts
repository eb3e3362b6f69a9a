import type { GradingSettings } from '../batch/content-key.ts';
import type { SubmissionResult } from '../batch/result-store.ts';
import { CATALOG_BY_ID } from '../checks/catalog.ts';
import { CATEGORIES, type Category } from '../scoring/types.ts';
import { passAtK, reportedKs } from './pass-at-k.ts';
import { bootstrap, meanEstimate, wilson, type Interval } from './statistics.ts';

/** One model's line. */
export interface ModelRow {
  readonly model: string;
  /** Attempts graded (every status: one whose diff did not apply counts, with score 0). */
  readonly submissions: number;
  readonly meanScore: number;
  /** Standard error of the mean score over attempts (CLT); absent with one attempt (no interval). */
  readonly meanScoreSe?: number;
  /** 95 % interval of the mean score, mean ± 1.96 SE; absent with one attempt. */
  readonly meanScoreInterval?: Interval;
  /** Attempts with every check passed in every run. */
  readonly resolved: number;
  /** resolved / submissions. */
  readonly resolvedShare: number;
  /** Wilson 95 % interval of the resolved share. */
  readonly resolvedInterval: Interval;
  /** k → pass@k; only for k up to this model's number of attempts. */
  readonly passAtK: Readonly<Record<string, number>>;
  /** k → 95 % percentile-bootstrap interval of pass@k over attempts (seeded); absent with one attempt. */
  readonly passAtKInterval: Readonly<Record<string, Interval>>;
  /** Mean over attempts of the share of the category's weight earned (0 for attempts not graded); null when no check of it ran. */
  readonly categories: Readonly<Record<Category, number | null>>;
  /** 95 % interval (mean ± 1.96 SE over attempts) of each category's share; absent with one attempt or when no check of it ran. */
  readonly categoryIntervals: Readonly<Partial<Record<Category, Interval>>>;
  /** Attempts whose diff did not apply or whose folder was not a target. */
  readonly notGraded: number;
  readonly budgetExceeded: number;
}

/** One check's pass rate per model: runs passed / runs, attempts not graded counting as failed runs. */
export interface CheckRow {
  readonly id: string;
  readonly category: Category;
  readonly rates: Readonly<Record<string, { readonly passed: number; readonly runs: number; readonly interval?: Interval } | undefined>>;
  /**
   * Submissions (ids) on which this check gave different verdicts across the `--repeat` runs of one
   * attempt: grader noise or a target's own race, not model variance. Empty with one run each.
   */
  readonly flaky: readonly string[];
}

/** Everything `grader leaderboard` shows. */
export interface Leaderboard {
  readonly schemaVersion: 1;
  readonly settings: GradingSettings;
  readonly submissions: number;
  /** The k of the pass@k columns. */
  readonly ks: readonly number[];
  /** Best mean score first (then more resolved, then name). */
  readonly models: readonly ModelRow[];
  readonly checks: readonly CheckRow[];
}

/** Builds the leaderboard of a batch's results (all graded with `settings`). */
export function buildLeaderboard(settings: GradingSettings, results: readonly SubmissionResult[]): Leaderboard {
  const byModel = new Map<string, SubmissionResult[]>();
  for (const r of results) byModel.set(r.submission.model, [...(byModel.get(r.submission.model) ?? []), r]);
  const ks = reportedKs(Math.max(0, ...[...byModel.values()].map((l) => l.length)));
  const selectedCategories = new Set(settings.checks.map((id) => CATALOG_BY_ID.get(id)?.category));

  const models: ModelRow[] = [...byModel.entries()].map(([model, list]) => {
    const n = list.length;
    const resolved = list.filter((r) => r.resolved).length;
    const categoryIntervals: Partial<Record<Category, Interval>> = {};
    const categories = Object.fromEntries(
      CATEGORIES.map((category) => {
        if (!selectedCategories.has(category)) return [category, null];
        const shares = list.map((r) => {
          const c = r.categories.find((x) => x.category === category);
          return c && c.weight > 0 ? c.earned / c.weight : 0;
        });
        const estimate = meanEstimate(shares);
        if (estimate.interval) categoryIntervals[category] = estimate.interval;
        return [category, shares.reduce((a, b) => a + b, 0) / n];
      }),
    ) as Record<Category, number | null>;
    const score = meanEstimate(list.map((r) => r.score));
    const reportedK = ks.filter((k) => k <= n);
    const passAtKInterval: Record<string, Interval> = {};
    for (const k of reportedK) {
      // Resampled attempts, their resolved flags: pass@k of each resample (seeded: the same page every time).
      const interval = bootstrap(list.map((r) => r.resolved), (sample) => passAtK(sample.length, sample.filter(Boolean).length, k));
      if (interval) passAtKInterval[String(k)] = interval;
    }
    return {
      model,
      submissions: n,
      meanScore: list.reduce((sum, r) => sum + r.score, 0) / n,
      ...(score.se !== undefined && score.interval ? { meanScoreSe: score.se, meanScoreInterval: score.interval } : {}),
      resolved,
      resolvedShare: resolved / n,
      resolvedInterval: wilson(resolved, n) ?? { low: 0, high: 1 },
      passAtK: Object.fromEntries(reportedK.map((k) => [String(k), passAtK(n, resolved, k)])),
      passAtKInterval,
      categories,
      categoryIntervals,
      notGraded: list.filter((r) => r.status !== 'graded').length,
      budgetExceeded: list.filter((r) => r.budgetExceeded).length,
    };
  });
  models.sort((a, b) => b.meanScore - a.meanScore || b.resolved - a.resolved || (a.model < b.model ? -1 : 1));

  const checks: CheckRow[] = settings.checks.map((id) => {
    // No prototype: a model may be called "__proto__".
    const rates = Object.create(null) as Record<string, { passed: number; runs: number; interval?: Interval }>;
    for (const [model, list] of byModel) {
      let passed = 0;
      let runs = 0;
      for (const r of list) {
        const rate = r.checks[id];
        if (rate) {
          passed += rate.passed;
          runs += rate.runs;
        } else if (r.status !== 'graded') {
          runs += settings.repeat;
        }
      }
      const interval = wilson(passed, runs);
      if (runs > 0) rates[model] = { passed, runs, ...(interval ? { interval } : {}) };
    }
    const flaky = results.filter((r) => {
      const rate = r.checks[id];
      return rate !== undefined && rate.passed > 0 && rate.passed < rate.runs;
    }).map((r) => r.submission.id);
    return { id, category: (CATALOG_BY_ID.get(id)?.category ?? 'race_conditions'), rates, flaky };
  });
  return { schemaVersion: 1, settings, submissions: results.length, ks, models, checks };
}
