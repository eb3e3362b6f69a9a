import type { SubmissionResult } from '../batch/result-store.ts';
import { CATALOG_BY_ID } from '../checks/catalog.ts';
import { CATEGORIES, type Category } from '../scoring/types.ts';
import { attemptsForPower, attemptsForShares, fisherExact, holm, meanEstimate, normalTwoSidedP, pairedDifference, unpairedDifference, wilson, type Interval, type MeanEstimate } from './statistics.ts';

/** One side of a comparison: a model's attempts (or a folder's), with a label. */
export interface Side {
  readonly label: string;
  readonly results: readonly SubmissionResult[];
}

/** A difference A - B with its interval and p-value (undefined where there is no interval). */
export interface Difference {
  readonly a: number;
  readonly b: number;
  readonly difference: number;
  readonly interval?: Interval;
  readonly p?: number;
  /** Holm-adjusted p (per-check and per-category rows). */
  readonly adjustedP?: number;
  readonly test: string;
}

export interface Comparison {
  readonly a: string;
  readonly b: string;
  /** Paired: the same submissions on both sides (folders graded with other seeds), matched by submission id. */
  readonly paired: boolean;
  readonly attempts: { readonly a: number; readonly b: number; readonly pairs?: number };
  readonly meanScore: Difference;
  readonly resolvedShare: Difference;
  readonly categories: Readonly<Partial<Record<Category, Difference>>>;
  readonly checks: Readonly<Record<string, Difference>>;
  /** True when no row differs at the 5 % level (checks and categories after Holm). */
  readonly noDetectableDifference: boolean;
  /** Attempts per side that would detect the observed difference with 80 % power at 5 %; absent when none was observed or no spread. */
  readonly attemptsFor80Power?: { readonly meanScore?: number; readonly resolvedShare?: number };
  /** Plain warnings: one attempt (no interval), no attempts. */
  readonly notes: readonly string[];
}

const ALPHA = 0.05;

function share(result: SubmissionResult, category: Category): number {
  const c = result.categories.find((x) => x.category === category);
  return c && c.weight > 0 ? c.earned / c.weight : 0;
}

/** Mean score difference: paired over matched submissions, else unpaired (independent attempts). */
function meanDifference(a: readonly number[], b: readonly number[], paired: boolean, test: string): Difference {
  const estimate: MeanEstimate = paired ? pairedDifference(a, b) : unpairedDifference(a, b);
  const ma = meanEstimate(a).mean;
  const mb = meanEstimate(b).mean;
  const p = estimate.se !== undefined && estimate.se > 0 ? normalTwoSidedP(estimate.mean / estimate.se) : estimate.se === 0 ? (estimate.mean === 0 ? 1 : 0) : undefined;
  return { a: ma, b: mb, difference: ma - mb, ...(estimate.interval ? { interval: estimate.interval } : {}), ...(p !== undefined ? { p } : {}), test };
}

/**
 * Compares two sides: mean score and resolved share (with intervals; paired when the same
 * submissions are on both sides), each category's share, each check's pass rate (Fisher's exact
 * test on runs passed and failed, Holm-corrected over the checks), and the attempts that would
 * detect the difference seen with 80 % power.
 */
export function compare(a: Side, b: Side, checkIds: readonly string[]): Comparison {
  const notes: string[] = [];
  const byId = new Map(b.results.map((r) => [r.submission.id, r]));
  const pairs = a.results.filter((r) => byId.has(r.submission.id)).map((r) => [r, byId.get(r.submission.id) as SubmissionResult] as const);
  const paired = pairs.length >= 2 && pairs.length === a.results.length && pairs.length === b.results.length;
  for (const side of [a, b]) {
    if (side.results.length === 0) notes.push(`${side.label} has no attempts graded: nothing to compare`);
    else if (side.results.length === 1) notes.push(`${side.label} has one attempt: no interval, and no difference can be called detectable`);
  }
  const left = paired ? pairs.map(([x]) => x) : a.results;
  const right = paired ? pairs.map(([, y]) => y) : b.results;
  const test = paired ? 'paired mean difference (CLT)' : 'difference of means (CLT)';

  const meanScore = meanDifference(left.map((r) => r.score), right.map((r) => r.score), paired, test);
  const resolvedA = left.filter((r) => r.resolved).length;
  const resolvedB = right.filter((r) => r.resolved).length;
  const resolvedInterval = newcombe(resolvedA, left.length, resolvedB, right.length);
  const resolvedShare: Difference = paired
    ? meanDifference(left.map((r) => (r.resolved ? 1 : 0)), right.map((r) => (r.resolved ? 1 : 0)), true, 'paired mean difference (CLT)')
    : {
        a: left.length > 0 ? resolvedA / left.length : Number.NaN,
        b: right.length > 0 ? resolvedB / right.length : Number.NaN,
        difference: (left.length > 0 ? resolvedA / left.length : Number.NaN) - (right.length > 0 ? resolvedB / right.length : Number.NaN),
        ...(left.length > 0 && right.length > 0 ? { p: fisherExact(resolvedA, left.length - resolvedA, resolvedB, right.length - resolvedB) } : {}),
        ...(resolvedInterval ? { interval: resolvedInterval } : {}),
        test: "Fisher's exact test; Newcombe's interval",
      };

  const categoryRows: [Category, Difference][] = [];
  const selected = new Set(checkIds.map((id) => CATALOG_BY_ID.get(id)?.category));
  for (const category of CATEGORIES.filter((c) => selected.has(c))) {
    categoryRows.push([category, meanDifference(left.map((r) => share(r, category)), right.map((r) => share(r, category)), paired, test)]);
  }
  const categoryAdjusted = holm(categoryRows.map(([, d]) => d.p ?? 1));
  const categories = Object.fromEntries(categoryRows.map(([c, d], i) => [c, { ...d, ...(d.p !== undefined ? { adjustedP: categoryAdjusted[i] } : {}) }]));

  const checkRows = checkIds.map((id) => {
    const count = (results: readonly SubmissionResult[]): { passed: number; runs: number } =>
      results.reduce((t, r) => ({ passed: t.passed + (r.checks[id]?.passed ?? 0), runs: t.runs + (r.checks[id]?.runs ?? 0) }), { passed: 0, runs: 0 });
    const x = count(left);
    const y = count(right);
    const p = x.runs > 0 && y.runs > 0 ? fisherExact(x.passed, x.runs - x.passed, y.passed, y.runs - y.passed) : undefined;
    const rate = (t: { passed: number; runs: number }): number => (t.runs > 0 ? t.passed / t.runs : Number.NaN);
    const interval = newcombe(x.passed, x.runs, y.passed, y.runs);
    return [id, { a: rate(x), b: rate(y), difference: rate(x) - rate(y), ...(interval ? { interval } : {}), ...(p !== undefined ? { p } : {}), test: "Fisher's exact test on runs; Newcombe's interval" }] as const;
  });
  const checkAdjusted = holm(checkRows.map(([, d]) => d.p ?? 1));
  const checks = Object.fromEntries(checkRows.map(([id, d], i) => [id, { ...d, ...(d.p !== undefined ? { adjustedP: checkAdjusted[i] } : {}) }]));

  const significant = (d: Difference, p = d.p): boolean => p !== undefined && p < ALPHA;
  const enough = a.results.length >= 2 && b.results.length >= 2;
  const noDetectableDifference =
    !enough ||
    (!significant(meanScore) && !significant(resolvedShare) && Object.values(categories).every((d) => !significant(d, d.adjustedP)) && Object.values(checks).every((d) => !significant(d, d.adjustedP)));

  const spread = paired ? pairedDifference(left.map((r) => r.score), right.map((r) => r.score)) : undefined;
  const sd = paired ? (spread?.se !== undefined ? spread.se * Math.sqrt(spread.n) : undefined) : pooledSd(left.map((r) => r.score), right.map((r) => r.score));
  const powerMean = sd !== undefined ? attemptsForPower(meanScore.difference, sd, paired) : undefined;
  const powerShares = Number.isFinite(resolvedShare.a) && Number.isFinite(resolvedShare.b) ? attemptsForShares(resolvedShare.a, resolvedShare.b) : undefined;
  return {
    a: a.label,
    b: b.label,
    paired,
    attempts: { a: a.results.length, b: b.results.length, ...(paired ? { pairs: pairs.length } : {}) },
    meanScore,
    resolvedShare,
    categories,
    checks,
    noDetectableDifference,
    ...(powerMean !== undefined || powerShares !== undefined ? { attemptsFor80Power: { ...(powerMean !== undefined ? { meanScore: powerMean } : {}), ...(powerShares !== undefined ? { resolvedShare: powerShares } : {}) } } : {}),
    notes,
  };
}

/** Pooled sample standard deviation of two groups; undefined below two values in either. */
function pooledSd(a: readonly number[], b: readonly number[]): number | undefined {
  if (a.length < 2 || b.length < 2) return undefined;
  const ss = (v: readonly number[]): number => {
    const m = v.reduce((x, y) => x + y, 0) / v.length;
    return v.reduce((x, y) => x + (y - m) ** 2, 0);
  };
  return Math.sqrt((ss(a) + ss(b)) / (a.length + b.length - 2));
}

/**
 * Newcombe's hybrid score interval (method 10, Newcombe 1998) for the difference of two
 * independent shares x1/n1 - x2/n2, from each share's Wilson interval.
 */
export function newcombe(x1: number, n1: number, x2: number, n2: number): Interval | undefined {
  const w1 = wilson(x1, n1);
  const w2 = wilson(x2, n2);
  if (!w1 || !w2) return undefined;
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const d = p1 - p2;
  return {
    low: d - Math.sqrt((p1 - w1.low) ** 2 + (w2.high - p2) ** 2),
    high: d + Math.sqrt((w1.high - p1) ** 2 + (p2 - w2.low) ** 2),
  };
}
