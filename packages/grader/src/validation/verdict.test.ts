import { describe, expect, it } from 'vitest';
import { CATALOG, CATALOG_BY_ID } from '../checks/catalog.ts';
import type { CheckResult, CheckStatus } from '../scoring/types.ts';
import { checksFor, judge, renderMatrix } from './verdict.ts';

function result(id: string, status: CheckStatus, run = 0): CheckResult {
  const definition = CATALOG_BY_ID.get(id);
  if (!definition) throw new Error(`no check ${id}`);
  return { ...definition, status, run, durationMs: 1, ...(status === 'failed' ? { message: 'seen' } : {}) };
}

describe('checksFor', () => {
  it('grades score expectations, and --full, on every check', () => {
    expect(checksFor({ target: 'reference-fix', minScore: 1 }, false)).toHaveLength(CATALOG.length);
    expect(checksFor({ target: 'mutant', caughtIn: 'locking' }, true)).toHaveLength(CATALOG.length);
  });

  it('grades a caught expectation on every check of the scenarios that feed its category', () => {
    expect(checksFor({ target: 'm', caughtIn: 'locking' }, false)).toEqual(['locking.partitions_in_parallel', 'locking.replicas_in_parallel', 'locking.crossed_orders_applied']);
    const isolation = checksFor({ target: 'm', caughtIn: 'isolation' }, false);
    expect(new Set(isolation.map((id) => CATALOG_BY_ID.get(id)?.scenario))).toEqual(new Set(['orders']));
    expect(isolation).toContain('race.orders_conserved');
  });

  it('narrows a caught expectation to the scenarios of its caughtBy checks', () => {
    const ids = checksFor({ target: 'm', caughtIn: 'race_conditions', caughtBy: ['race.hot_sku_restocks_conserved'] }, false);
    expect(new Set(ids.map((id) => CATALOG_BY_ID.get(id)?.scenario))).toEqual(new Set(['hot_sku']));
    expect(ids).toContain('idempotency.hot_sku_one_outcome_each');
  });
});

describe('judge', () => {
  const caught = { target: 'm', caughtIn: 'atomic_operations' as const, caughtBy: ['atomic.rejected_has_no_effect'] };

  it('a mutant is caught only when a check of its category fails in every run', () => {
    const twoRuns = [result('atomic.rejected_has_no_effect', 'failed', 0), result('atomic.rejected_has_no_effect', 'failed', 1), result('race.sequential_final_stock', 'passed', 1)];
    expect(judge(caught, twoRuns, 0.5, 2)).toEqual({ met: true, reason: 'caught in 2/2 run(s) by atomic.rejected_has_no_effect 2/2' });
    const escaped = [result('atomic.rejected_has_no_effect', 'failed', 0), result('atomic.rejected_has_no_effect', 'passed', 1), result('race.sequential_final_stock', 'failed', 1)];
    const verdict = judge(caught, escaped, 0.5, 2);
    expect(verdict.met).toBe(false);
    expect(verdict.reason).toMatch(/not caught in 1 of 2 run\(s\): every atomic_operations check passed/);
  });

  it('a listed check must fail in every run even when another check of the category caught it', () => {
    const other = [result('atomic.rejected_has_no_effect', 'passed'), result('atomic.sequential_outcomes', 'failed')];
    expect(judge(caught, other, 0.9, 1)).toEqual({ met: false, reason: 'caught by atomic.sequential_outcomes 1/1, but atomic.rejected_has_no_effect 0/1 (expected 1/1)' });
  });

  it('score expectations compare the weighted score', () => {
    expect(judge({ target: 'r', minScore: 1 }, [result('race.sequential_final_stock', 'passed')], 1, 1).met).toBe(true);
    const failed = judge({ target: 'r', minScore: 1 }, [result('race.sequential_final_stock', 'failed')], 0.95, 1);
    expect(failed).toEqual({ met: false, reason: 'score 0.950 < 1; failed: race.sequential_final_stock 1/1' });
    expect(judge({ target: 'b', maxScore: 0.25 }, [], 0.2, 1).met).toBe(true);
    expect(judge({ target: 'b', maxScore: 0.25 }, [], 0.3, 1).met).toBe(false);
  });
});

describe('renderMatrix', () => {
  it('shows pass counts per category, marks the expected category, and the verdict', () => {
    const text = renderMatrix([
      {
        target: 'mutant-04-no-stock-guard',
        expectation: { target: 'mutant-04-no-stock-guard', caughtIn: 'atomic_operations' },
        results: [result('atomic.rejected_has_no_effect', 'failed'), result('atomic.sequential_outcomes', 'passed'), result('race.sequential_final_stock', 'passed')],
        score: 0.5,
        durationMs: 75_000,
        verdict: { met: true, reason: '' },
      },
    ]);
    const [header, , row] = text.split('\n');
    expect(header).toMatch(/^target\s+race\s+idemp\s+isol\s+lock\s+atomic\s+offsets\s+load\s+score\s+time\s+expectation$/);
    expect(row).toMatch(/^mutant-04-no-stock-guard\s+1\/1\s+-\s+-\s+-\s+1\/2\*\s+-\s+-\s+0\.500\s+1m15s\s+met \(caught in atomic\)$/);
  });
});
