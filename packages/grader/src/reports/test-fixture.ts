// Test-only: a small finished run for the report writers' unit tests.
import { computeScore } from '../scoring/score.ts';
import type { Category, CheckResult, CheckStatus } from '../scoring/types.ts';
import type { ReportData } from './report-data.ts';

export function checkResult(id: string, category: Category, status: CheckStatus, run = 0, message?: string): CheckResult {
  return { id, category, status, run, description: `catches ${id}`, scenario: 'hot-sku', durationMs: 1234, ...(message === undefined ? {} : { message }) };
}

/** A message with every character XML must escape, plus a control character and a newline. */
export const NASTY_MESSAGE = `Lost updates: expected <126> & got "98" ('sku' A\u0007)\nsecond line`;

/**
 * Three checks over two categories; `repeats` copies of the run. In run 0 `race.lost_updates`
 * fails with the nasty message; `iso.dirty_reads` fails in every run; `locking.fair` is skipped.
 */
export function reportData(repeats = 1): ReportData {
  const results: CheckResult[] = [];
  for (let run = 0; run < repeats; run++) {
    results.push(
      run === 0
        ? checkResult('race.lost_updates', 'race_conditions', 'failed', run, NASTY_MESSAGE)
        : checkResult('race.lost_updates', 'race_conditions', 'passed', run),
      checkResult('race.never_negative', 'race_conditions', 'passed', run),
      checkResult('iso.dirty_reads', 'isolation', 'failed', run, 'Dirty reads seen: 3 of 50 samples'),
      checkResult('locking.fair', 'locking', 'skipped', run),
    );
  }
  const weights = new Map([
    ['race.lost_updates', 0.3],
    ['race.never_negative', 0.3],
    ['iso.dirty_reads', 0.2],
    ['locking.fair', 0.2],
  ]);
  return {
    target: 'buggy-service',
    seed: 42,
    graderVersion: '0.1.0',
    infraKind: 'local',
    containment: { sandboxed: true, description: 'uid 200000; test sandbox' },
    startedAt: new Date('2025-01-02T03:04:05.678Z'),
    durationMs: 12_345,
    results,
    score: computeScore(results, weights),
  };
}
