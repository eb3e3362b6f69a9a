import { ensure } from '../../engine/check-failure.ts';

/** How the throughput checks judge a measured speed-up (pure, so that it is unit-tested). */

/** One global lock measures x1.0 (x1.01-1.03 seen); correct fixes up to x6, a retry-heavy SERIALIZABLE one down to x1.52. */
export const MIN_SPEEDUP = 1.25;
/**
 * A ratio inside this band is too close to MIN_SPEEDUP to decide on one measurement: the round
 * is measured again and the better of the two decides (both are reported). Rounds are cut off
 * early only below the band, where one measurement is enough.
 */
export const AMBIGUOUS_SPEEDUP = { low: 1.1, high: 1.4 } as const;

/** `upperBound`: measured up to an early cut-off, so the true rate is lower still. */
export interface Rate {
  perSecond: number;
  upperBound: boolean;
}

/** One round, and its re-measurement when the first ratio fell inside AMBIGUOUS_SPEEDUP. */
export type Rates = readonly [Rate] | readonly [Rate, Rate];

export const ratio = (r: Rate, single: Rate): number => r.perSecond / single.perSecond;

/** True when a first measurement cannot decide: the round is measured again. */
export const ambiguous = (r: Rate, single: Rate): boolean => !r.upperBound && ratio(r, single) >= AMBIGUOUS_SPEEDUP.low && ratio(r, single) < AMBIGUOUS_SPEEDUP.high;

/** The measurement that decides: the faster of the two when the round was measured twice. */
const best = (rates: Rates): Rate => rates.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));

/** "x1.23" or, for a rate cut off early, "at most x1.23". */
function speedupText(r: Rate, single: Rate): string {
  return `${r.upperBound ? 'at most ' : ''}x${ratio(r, single).toFixed(2)}`;
}

const perSecondText = (r: Rate): string => `${r.upperBound ? 'at most ' : ''}${r.perSecond.toFixed(1)} msg/s`;

/** "at most 26.1 msg/s (x1.25)", or both measurements of a round measured twice. */
function ratesText(rates: Rates, single: Rate): string {
  const one = (r: Rate): string => `${perSecondText(r)} (${speedupText(r, single)})`;
  if (rates.length === 1) return one(rates[0]);
  return `${one(rates[0])}, then ${one(rates[1])} when measured again (the first was within x${AMBIGUOUS_SPEEDUP.low}-x${AMBIGUOUS_SPEEDUP.high})`;
}

/** The verdict of one round against MIN_SPEEDUP; `what` names the round in the message. */
export function judgeSpeedup(rates: Rates | undefined, single: Rate | undefined, failure: string | undefined, what: string, suspect: string): void {
  ensure(single !== undefined && rates !== undefined, () => failure ?? 'not measured');
  ensure(ratio(best(rates), single) >= MIN_SPEEDUP, () => `${suspect}: ${what} ran at ${ratesText(rates, single)} vs ${perSecondText(single)} for 1 partition, need x${MIN_SPEEDUP}`);
}

