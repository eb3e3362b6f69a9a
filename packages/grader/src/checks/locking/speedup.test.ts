import { describe, expect, it } from 'vitest';
import { CheckFailure } from '../../engine/check-failure.ts';
import { ambiguous, deciding, judgeSpeedup, type Measurement, type Measurements } from './speedup.ts';

const r = (perSecond: number, upperBound = false) => ({ perSecond, upperBound });
/** A round at `perSecond` between baselines of 20 msg/s before and `after` msg/s after. */
const m = (perSecond: number, upperBound = false, after = 20): Measurement => ({ rate: r(perSecond, upperBound), before: r(20), after: r(after) });

function verdict(ms: Measurements | undefined, failure?: string): string {
  try {
    judgeSpeedup(ms, failure, '3 replicas', 'Lock across replicas suspected');
  } catch (error) {
    if (error instanceof CheckFailure) return error.message;
    throw error;
  }
  return 'passed';
}

describe('throughput speed-ups', () => {
  it('decides clear ratios on one measurement', () => {
    expect(ambiguous(m(100))).toBe(false);
    expect(ambiguous(m(20.4))).toBe(false);
    expect(verdict([m(100)])).toBe('passed');
    expect(verdict([m(20.4)])).toBe('Lock across replicas suspected: 3 replicas ran at 20.4 msg/s vs 20.0 and 20.0 msg/s for 1 partition before and after (x1.02), need x1.25');
  });

  it('compares a round with the mean of the baselines before and after it', () => {
    // A neighbour busy during the first baseline only: against it alone the round would pass.
    expect(verdict([m(26, false, 26)])).toBe('Lock across replicas suspected: 3 replicas ran at 26.0 msg/s vs 20.0 and 26.0 msg/s for 1 partition before and after (x1.13), need x1.25');
    expect(verdict([m(30, false, 22)])).toBe('passed');
  });

  it('says a round cut off early is below what it shows', () => {
    expect(ambiguous(m(21.4, true))).toBe(false);
    expect(verdict([m(21.4, true)])).toBe(
      'Lock across replicas suspected: 3 replicas ran at at most 21.4 msg/s vs 20.0 and 20.0 msg/s for 1 partition before and after (at most x1.07), need x1.25',
    );
  });

  it('measures again a round cut off early whose bound the slower baseline after it no longer keeps below', () => {
    expect(ambiguous(m(21.5, true, 14))).toBe(true);
  });

  it('measures a ratio near the threshold again and lets the mean of both decide, so noise favours neither side', () => {
    expect(ambiguous(m(25))).toBe(true);
    expect(ambiguous(m(22))).toBe(true);
    expect(ambiguous(m(28))).toBe(false);
    expect(deciding([m(24), m(27)])).toBeCloseTo(1.275);
    expect(verdict([m(24), m(27)])).toBe('passed');
    // One lucky measurement no longer passes a lock.
    expect(verdict([m(27), m(20.6)])).toBe(
      'Lock across replicas suspected: 3 replicas ran at 27.0 msg/s vs 20.0 and 20.0 msg/s for 1 partition before and after (x1.35), then 20.6 msg/s vs 20.0 and 20.0 msg/s for 1 partition before and after (x1.03) when measured again (the first was not clearly outside x1.1-x1.4); mean x1.19, need x1.25',
    );
    expect(verdict([m(24), m(21, true)])).toBe(
      'Lock across replicas suspected: 3 replicas ran at 24.0 msg/s vs 20.0 and 20.0 msg/s for 1 partition before and after (x1.20), then at most 21.0 msg/s vs 20.0 and 20.0 msg/s for 1 partition before and after (at most x1.05) when measured again (the first was not clearly outside x1.1-x1.4); mean at most x1.13, need x1.25',
    );
  });

  it('reports why nothing was measured', () => {
    expect(verdict(undefined, 'target did not start: r1 exited')).toBe('target did not start: r1 exited');
    expect(verdict(undefined)).toBe('not measured');
  });
});
