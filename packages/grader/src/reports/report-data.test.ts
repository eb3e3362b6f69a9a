import { describe, expect, it } from 'vitest';
import { caseName, repeatCount } from './report-data.ts';
import { checkResult } from './test-fixture.ts';

describe('report data helpers', () => {
  it('counts distinct repeats', () => {
    expect(repeatCount([])).toBe(0);
    const a0 = checkResult('a', 'locking', 'passed', 0);
    const a1 = checkResult('a', 'locking', 'passed', 1);
    expect(repeatCount([a0, checkResult('b', 'locking', 'failed', 0)])).toBe(1);
    expect(repeatCount([a0, a1])).toBe(2);
  });

  it('names a case by check id, adding the 1-based run only with repeats', () => {
    const result = checkResult('race.x', 'race_conditions', 'passed', 2);
    expect(caseName(result, 1)).toBe('race.x');
    expect(caseName(result, 3)).toBe('race.x [run 3]');
  });
});
