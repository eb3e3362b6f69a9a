/**
 * The statistics behind error bars and comparisons (issue 35), after E. Miller, "Adding Error
 * Bars to Evals" (arXiv 2411.00640): CLT standard errors of a mean, paired differences, Wilson
 * intervals for shares, Fisher's exact test, Holm's correction and sample sizes for 80 % power.
 */

/** A two-sided 95 % interval. */
export interface Interval {
  readonly low: number;
  readonly high: number;
}

/** z of a two-sided 95 % interval. */
export const Z95 = 1.959963984540054;
/** z of 80 % power (one-sided 0.2). */
export const Z80 = 0.8416212335729143;

/** A mean with its standard error (CLT) and 95 % interval; `se` undefined below two values (no interval: say so). */
export interface MeanEstimate {
  readonly n: number;
  readonly mean: number;
  readonly se?: number;
  readonly interval?: Interval;
}

/** Mean of `values` with the standard error of the mean (sample standard deviation over √n) and mean ± 1.96 SE. */
export function meanEstimate(values: readonly number[]): MeanEstimate {
  const n = values.length;
  if (n === 0) return { n, mean: Number.NaN };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { n, mean };
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
  const se = Math.sqrt(variance / n);
  return { n, mean, se, interval: { low: mean - Z95 * se, high: mean + Z95 * se } };
}

/** The Wilson score interval (95 %) of `successes` in `trials`: never outside [0, 1], sound at 0 and n. */
export function wilson(successes: number, trials: number): Interval | undefined {
  if (trials <= 0) return undefined;
  const p = successes / trials;
  const z2 = Z95 * Z95;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const half = (Z95 / denominator) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** Mean of the paired differences a[i] - b[i], with its standard error and interval (same items, same seeds). */
export function pairedDifference(a: readonly number[], b: readonly number[]): MeanEstimate {
  if (a.length !== b.length) throw new Error(`paired samples differ in length: ${a.length} and ${b.length}`);
  return meanEstimate(a.map((x, i) => x - (b[i] as number)));
}

/** Difference of two independent means with the standard error √(se_a² + se_b²); undefined SE if either has none. */
export function unpairedDifference(a: readonly number[], b: readonly number[]): MeanEstimate {
  const ea = meanEstimate(a);
  const eb = meanEstimate(b);
  const mean = ea.mean - eb.mean;
  if (ea.se === undefined || eb.se === undefined) return { n: Math.min(ea.n, eb.n), mean };
  const se = Math.sqrt(ea.se ** 2 + eb.se ** 2);
  return { n: Math.min(ea.n, eb.n), mean, se, interval: { low: mean - Z95 * se, high: mean + Z95 * se } };
}

/** ln(n!) by summing logs (exact enough for the counts of a leaderboard: thousands at most). */
function logFactorial(n: number): number {
  let sum = 0;
  for (let i = 2; i <= n; i += 1) sum += Math.log(i);
  return sum;
}

/**
 * Two-sided p-value of Fisher's exact test on the table [[a, b], [c, d]] (rows: groups; columns:
 * passed, failed): the probability, with the margins fixed, of every table no more likely than
 * the one observed (R's fisher.test).
 */
export function fisherExact(a: number, b: number, c: number, d: number): number {
  const row1 = a + b;
  const row2 = c + d;
  const col1 = a + c;
  const n = row1 + row2;
  const logBase = logFactorial(row1) + logFactorial(row2) + logFactorial(col1) + logFactorial(n - col1) - logFactorial(n);
  const probability = (x: number): number => Math.exp(logBase - logFactorial(x) - logFactorial(row1 - x) - logFactorial(col1 - x) - logFactorial(row2 - col1 + x));
  const observed = probability(a);
  let p = 0;
  for (let x = Math.max(0, col1 - row2); x <= Math.min(row1, col1); x += 1) {
    const px = probability(x);
    // R's relative tolerance: tables as likely as the observed one up to rounding count.
    if (px <= observed * (1 + 1e-7)) p += px;
  }
  return Math.min(1, p);
}

/** Holm's step-down adjustment of `pValues` (family-wise error), in their order. */
export function holm(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((x, y) => x.p - y.p);
  const adjusted = new Array<number>(m);
  let running = 0;
  for (const [rank, { p, i }] of order.entries()) {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[i] = running;
  }
  return adjusted;
}

/**
 * Attempts per model that detect a difference `delta` between two means with 80 % power at a
 * two-sided 5 % level, for unpaired samples of standard deviation `sd` each:
 * n = 2 (z_0.975 + z_0.8)² sd² / delta². Paired: pass the standard deviation of the differences
 * and `paired`, n = (z_0.975 + z_0.8)² sd_d² / delta².
 */
export function attemptsForPower(delta: number, sd: number, paired = false): number | undefined {
  if (!(Math.abs(delta) > 0) || !(sd > 0)) return undefined;
  return Math.ceil(((paired ? 1 : 2) * (Z95 + Z80) ** 2 * sd * sd) / (delta * delta));
}

/**
 * Attempts per model that detect shares `p1` and `p2` apart with 80 % power at a two-sided 5 %
 * level (normal approximation, Fleiss): n = (z_0.975 √(2 p̄ q̄) + z_0.8 √(p1 q1 + p2 q2))² / (p1 - p2)².
 */
export function attemptsForShares(p1: number, p2: number): number | undefined {
  if (p1 === p2) return undefined;
  const bar = (p1 + p2) / 2;
  const numerator = Z95 * Math.sqrt(2 * bar * (1 - bar)) + Z80 * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2));
  return Math.ceil((numerator * numerator) / ((p1 - p2) * (p1 - p2)));
}

/** A seeded generator (mulberry32): bootstrap intervals are the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Percentile bootstrap (95 %) of `statistic` over resamples of `values` with replacement,
 * `rounds` times, seeded; undefined below two values.
 */
export function bootstrap<T>(values: readonly T[], statistic: (sample: readonly T[]) => number, rounds = 2_000, seed = 1): Interval | undefined {
  if (values.length < 2) return undefined;
  const random = seededRandom(seed);
  const stats: number[] = [];
  for (let r = 0; r < rounds; r += 1) {
    const sample = Array.from({ length: values.length }, () => values[Math.floor(random() * values.length)] as T);
    stats.push(statistic(sample));
  }
  stats.sort((x, y) => x - y);
  const at = (q: number): number => stats[Math.min(stats.length - 1, Math.max(0, Math.round(q * (stats.length - 1))))] as number;
  return { low: at(0.025), high: at(0.975) };
}

/** erfc(x) for x >= 0 (Numerical Recipes' erfcc, Chebyshev fit: fractional error under 1.2e-7). */
function erfc(x: number): number {
  const t = 1 / (1 + 0.5 * x);
  const poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return t * Math.exp(-x * x + poly);
}

/** Two-sided p-value of a standard normal statistic `z`: P(|Z| >= |z|). */
export function normalTwoSidedP(z: number): number {
  return Math.min(1, erfc(Math.abs(z) / Math.SQRT2));
}
