import { ensure } from '../../engine/check-failure.ts';

/** How the throughput checks judge a measured speed-up (pure, so that it is unit-tested). */

/** One global lock measures x1.0 (x1.01-1.03 seen); correct fixes up to x6, a retry-heavy SERIALIZABLE one down to x1.52. */
export const MIN_SPEEDUP = 1.25;
/**
 * A ratio inside this band is too close to MIN_SPEEDUP to decide on one measurement: the round
 * and its baseline are measured again and the mean of the two ratios decides (both are
 * reported). Rounds are cut off early only below the band, where one measurement is enough.
 */
export const AMBIGUOUS_SPEEDUP = { low: 1.1, high: 1.4 } as const;

/** `upperBound`: measured up to an early cut-off, so the true rate is lower still. */
export interface Rate {
  perSecond: number;
  upperBound: boolean;
}

/**
 * One measurement of a round, bracketed by the one-partition rate measured right before and
 * right after it: a neighbour that was busy during one baseline and quiet during the round
 * (or the other way round) moves both baselines' mean less than it moves either.
 */
export interface Measurement {
  rate: Rate;
  before: Rate;
  after: Rate;
}

/** One round, and its re-measurement when the first ratio fell inside AMBIGUOUS_SPEEDUP. */
export type Measurements = readonly [Measurement] | readonly [Measurement, Measurement];

/** The one-partition rate a measurement is compared with: the mean of the baselines around it. */
export const baseline = (m: Measurement): number => (m.before.perSecond + m.after.perSecond) / 2;

export const ratio = (m: Measurement): number => m.rate.perSecond / baseline(m);

/**
 * True when a measurement cannot decide, so the round is measured again: its ratio is near the
 * threshold, or it was cut off early against the baseline before it yet the baseline after it
 * came out so much slower that the bound no longer says "below".
 */
export const ambiguous = (m: Measurement): boolean =>
  ratio(m) >= AMBIGUOUS_SPEEDUP.low && (m.rate.upperBound || ratio(m) < AMBIGUOUS_SPEEDUP.high);

/** The ratio that decides: the mean of both when the round was measured twice, so that noise favours neither side. */
export const deciding = (ms: Measurements): number => ms.reduce((sum, m) => sum + ratio(m), 0) / ms.length;

const atMost = (upperBound: boolean): string => (upperBound ? 'at most ' : '');
const perSecondText = (r: Rate): string => `${atMost(r.upperBound)}${r.perSecond.toFixed(1)} msg/s`;

/** "at most 26.1 msg/s vs 20.3 and 21.0 msg/s for 1 partition before and after (at most x1.27)". */
const measurementText = (m: Measurement): string =>
  `${perSecondText(m.rate)} vs ${m.before.perSecond.toFixed(1)} and ${m.after.perSecond.toFixed(1)} msg/s for 1 partition before and after (${atMost(m.rate.upperBound)}x${ratio(m).toFixed(2)})`;

/** One measurement, or both and their mean when the round was measured twice. */
function measurementsText(ms: Measurements): string {
  if (ms.length === 1) return measurementText(ms[0]);
  const bound = ms.some((m) => m.rate.upperBound);
  return `${measurementText(ms[0])}, then ${measurementText(ms[1])} when measured again (the first was not clearly outside x${AMBIGUOUS_SPEEDUP.low}-x${AMBIGUOUS_SPEEDUP.high}); mean ${atMost(bound)}x${deciding(ms).toFixed(2)}`;
}

/** The verdict of one round against MIN_SPEEDUP; `what` names the round in the message. */
export function judgeSpeedup(ms: Measurements | undefined, failure: string | undefined, what: string, suspect: string): void {
  ensure(ms !== undefined, () => failure ?? 'not measured');
  ensure(deciding(ms) >= MIN_SPEEDUP, () => `${suspect}: ${what} ran at ${measurementsText(ms)}, need x${MIN_SPEEDUP}`);
}
