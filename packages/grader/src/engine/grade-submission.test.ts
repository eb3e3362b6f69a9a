import { describe, expect, it } from 'vitest';
import { checkResult } from '../reports/test-fixture.ts';
import { mergeRegrade, overloadedError, ownLoad, type SubmissionOutcome } from './grade-submission.ts';

const outcome = (results: SubmissionOutcome['results'], extra: Partial<SubmissionOutcome> = {}): SubmissionOutcome => ({
  results,
  containment: { sandboxed: true, description: 'test' },
  infraAttempts: [],
  budgetExceeded: false,
  ...extra,
});

describe('mergeRegrade', () => {
  it('takes every run of the regraded checks from the second grade and keeps the rest of the first', () => {
    const first = outcome([
      checkResult('a', 'race_conditions', 'passed', 0),
      checkResult('b', 'race_conditions', 'inconclusive', 0, 'inconclusive (machine overloaded): x'),
      checkResult('c', 'race_conditions', 'failed', 0, 'c failed'),
      checkResult('a', 'race_conditions', 'passed', 1),
      checkResult('b', 'race_conditions', 'passed', 1),
      checkResult('c', 'race_conditions', 'failed', 1, 'c failed'),
    ]);
    // The second grade ran b's scenario (b and c): c's verdicts come from it too.
    const second = outcome(
      [
        checkResult('a', 'race_conditions', 'skipped', 0),
        checkResult('b', 'race_conditions', 'failed', 0, 'b failed'),
        checkResult('c', 'race_conditions', 'passed', 0),
        checkResult('a', 'race_conditions', 'skipped', 1),
        checkResult('b', 'race_conditions', 'passed', 1),
        checkResult('c', 'race_conditions', 'passed', 1),
      ],
      { infraAttempts: [{ infraFailure: 'x', runDir: '/r' }] },
    );
    const merged = mergeRegrade(first, second, new Set(['b', 'c']));
    expect(merged.results.map((r) => `${r.id}${r.run}:${r.status}`)).toEqual(['a0:passed', 'b0:failed', 'c0:passed', 'a1:passed', 'b1:passed', 'c1:passed']);
    expect(merged.infraAttempts).toHaveLength(1);
  });

  it('names the checks that stayed inconclusive in one line, as MACHINE_STARVED (exit 2)', () => {
    const error = overloadedError('sub-1', [checkResult('b', 'race_conditions', 'inconclusive', 0, 'x'), checkResult('b', 'race_conditions', 'inconclusive', 1, 'x')]);
    expect(error.code).toBe('MACHINE_STARVED');
    expect(error.exitCode).toBe(2);
    expect(error.toLine()).toMatch(/^error\[MACHINE_STARVED\]: sub-1 could not be graded: 1 check\(s\) were inconclusive twice, the machine being overloaded when they would have failed \(b\); no verdict was given \(hint: free the machine/);
  });
});

describe('ownLoad', () => {
  it('turns inconclusive checks into failures that say the overload was the target\'s own, and leaves the rest', () => {
    const message = "inconclusive (machine overloaded): the grader's own threads waited 5.0 ms for a CPU each time they were scheduled during the wait (3 ms is starved); it would have failed with: target stalled: 3 of 10 messages had an outcome after 30 s";
    const judged = ownLoad(outcome([checkResult('a', 'race_conditions', 'passed', 0), checkResult('b', 'race_conditions', 'inconclusive', 0, message)]), 4_200);
    expect(judged.results.map((r) => r.status)).toEqual(['passed', 'failed']);
    expect(judged.results[1]?.message).toBe(
      'target stalled: 3 of 10 messages had an outcome after 30 s; the machine was overloaded, but calm 4 s after the target\'s processes were gone: its own load, so this is its verdict',
    );
  });
});
