import { describe, expect, it } from 'vitest';
import { CheckFailure } from '../../engine/check-failure.ts';
import { ambiguous, judgeSpeedup, type Rate, type Rates } from './speedup.ts';

const single: Rate = { perSecond: 20, upperBound: false };
const r = (perSecond: number, upperBound = false): Rate => ({ perSecond, upperBound });

function verdict(rates: Rates | undefined, failure?: string): string {
  try {
    judgeSpeedup(rates, single, failure, '3 replicas', 'Lock across replicas suspected');
  } catch (error) {
    if (error instanceof CheckFailure) return error.message;
    throw error;
  }
  return 'passed';
}

describe('throughput speed-ups', () => {
  it('decides clear ratios on one measurement', () => {
    expect(ambiguous(r(100), single)).toBe(false);
    expect(ambiguous(r(20.4), single)).toBe(false);
    expect(verdict([r(100)])).toBe('passed');
    expect(verdict([r(20.4)])).toBe('Lock across replicas suspected: 3 replicas ran at 20.4 msg/s (x1.02) vs 20.0 msg/s for 1 partition, need x1.25');
  });

  it('says a round cut off early is below what it shows', () => {
    expect(ambiguous(r(22, true), single)).toBe(false);
    expect(verdict([r(22, true)])).toBe('Lock across replicas suspected: 3 replicas ran at at most 22.0 msg/s (at most x1.10) vs 20.0 msg/s for 1 partition, need x1.25');
  });

  it('measures a ratio near the threshold again and lets the better measurement decide', () => {
    expect(ambiguous(r(25), single)).toBe(true);
    expect(ambiguous(r(22), single)).toBe(true);
    expect(ambiguous(r(28), single)).toBe(false);
    expect(verdict([r(24), r(26)])).toBe('passed');
    expect(verdict([r(26), r(24)])).toBe('passed');
    expect(verdict([r(24), r(23, true)])).toBe(
      'Lock across replicas suspected: 3 replicas ran at 24.0 msg/s (x1.20), then at most 23.0 msg/s (at most x1.15) when measured again (the first was within x1.1-x1.4) vs 20.0 msg/s for 1 partition, need x1.25',
    );
  });

  it('reports why nothing was measured', () => {
    expect(verdict(undefined, 'target did not start: r1 exited')).toBe('target did not start: r1 exited');
    expect(verdict(undefined)).toBe('not measured');
  });
});
