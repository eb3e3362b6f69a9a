import { describe, expect, it } from 'vitest';
import { judge } from '../../engine/scenario.ts';
import scenario from './hot-sku.check.ts';
import { outcomeRows } from '../test-observations.ts';

type Obs = Parameters<(typeof scenario.checks)[string]>[0];

const IDS = Array.from({ length: 180 }, (_, i) => `hot-${i}`);

const counts = (changes: Record<string, number> = {}): Map<string, number> => outcomeRows(IDS, changes);

/** What a correct target leaves: all 180 restocks of 1 applied once on HOT, seeded with 100. */
function observations(changes: Partial<Obs> = {}): Obs {
  return { stock: new Map([['HOT', 280]]), counts: counts(), applied: 180, appliedIds: 180, ids: IDS, ...changes };
}

const verdict = (id: string, o: Obs) => () => scenario.checks[id]!(o);

/** The failure message of check `id` on `o` ("passed" when it passes). */
const failure = (id: string, o: Obs): string => judge(scenario, id, o);

describe('race.hot_sku_restocks_conserved', () => {
  const id = 'race.hot_sku_restocks_conserved';

  it('passes when HOT is the seed plus every applied restock', () => {
    expect(verdict(id, observations())).not.toThrow();
  });

  it('passes when restocks without an outcome also left stock alone (all_applied judges those)', () => {
    expect(verdict(id, observations({ stock: new Map([['HOT', 216]]), applied: 116, appliedIds: 116, counts: counts(Object.fromEntries(IDS.slice(116).map((i) => [i, 0]))) }))).not.toThrow();
  });

  it('calls stock below the applied restocks lost updates, with the units lost', () => {
    expect(failure(id, observations({ stock: new Map([['HOT', 161]]) }))).toBe(
      'Lost updates detected: 180 message(s) recorded as applied make HOT = 280, got 161: 119 unit(s) of applied effects never took effect',
    );
  });

  it('calls stock above the applied restocks effects applied twice, with the excess', () => {
    expect(failure(id, observations({ stock: new Map([['HOT', 292]]) }))).toBe(
      'Effects applied twice: 180 message(s) recorded as applied make HOT = 280, got 292: 12 unit(s) more than the applied messages account for',
    );
  });

  it('judges against the distinct restocks applied, not the applied rows', () => {
    // 170 restocks applied, 10 of them with two applied rows, 10 restocks without an outcome.
    const rows = counts({ ...Object.fromEntries(IDS.slice(0, 10).map((i) => [i, 2])), ...Object.fromEntries(IDS.slice(170).map((i) => [i, 0])) });
    expect(verdict(id, observations({ stock: new Map([['HOT', 270]]), applied: 180, appliedIds: 170, counts: rows }))).not.toThrow();
    expect(failure(id, observations({ stock: new Map([['HOT', 280]]), applied: 180, appliedIds: 170, counts: rows }))).toBe(
      'Effects applied twice: 170 message(s) recorded as applied make HOT = 270, got 280: 10 unit(s) more than the applied messages account for',
    );
  });

  it('says when HOT is gone', () => {
    expect(failure(id, observations({ stock: new Map() }))).toBe('180 message(s) recorded as applied make HOT = 280, but HOT is missing');
  });
});

describe('race.hot_sku_all_applied', () => {
  const id = 'race.hot_sku_all_applied';

  it('passes when each of the 180 restocks is recorded as applied', () => {
    expect(verdict(id, observations())).not.toThrow();
  });

  it('counts the restocks not recorded as applied when there are too few', () => {
    const o = observations({ applied: 116, appliedIds: 116, stock: new Map([['HOT', 216]]), counts: counts(Object.fromEntries(IDS.slice(116).map((i) => [i, 0]))) });
    expect(verdict(id, o)).toThrow(/expected 180 restocks recorded as applied, got 116/);
    expect(failure(id, o)).toBe('expected 180 restocks recorded as applied, got 116 (64 restock(s) not recorded as applied)');
  });

  it('counts the duplicate applied rows when there are too many', () => {
    expect(failure(id, observations({ applied: 186, appliedIds: 180, counts: counts({ 'hot-3': 2, 'hot-40': 2, 'hot-41': 5 }) }))).toBe(
      'expected 180 restocks recorded as applied, got 186 (6 duplicate applied outcome row(s))',
    );
  });

  it('names both when missing and doubled restocks do not cancel out', () => {
    expect(failure(id, observations({ applied: 178, appliedIds: 175 }))).toBe(
      'expected 180 restocks recorded as applied, got 178 (5 restock(s) not recorded as applied, 3 duplicate applied outcome row(s))',
    );
  });
});

describe('idempotency.hot_sku_one_outcome_each', () => {
  const id = 'idempotency.hot_sku_one_outcome_each';

  it('passes with exactly one outcome row per restock', () => {
    expect(verdict(id, observations())).not.toThrow();
  });

  it('names restocks without an outcome', () => {
    expect(failure(id, observations({ counts: counts({ 'hot-7': 0, 'hot-9': 0 }) }))).toBe(
      'Hot SKU restocks: expected exactly one outcome for each of 180 messages; 2 have none (e.g. hot-7)',
    );
  });

  it('names restocks with two or more outcomes', () => {
    expect(failure(id, observations({ counts: counts({ 'hot-5': 2, 'hot-6': 3 }) }))).toBe(
      'Hot SKU restocks: expected exactly one outcome for each of 180 messages; 2 message id(s) have 2+ outcome rows (e.g. hot-5 has 2)',
    );
  });

  it('names both at once', () => {
    expect(failure(id, observations({ counts: counts({ 'hot-5': 2, 'hot-7': 0 }) }))).toBe(
      'Hot SKU restocks: expected exactly one outcome for each of 180 messages; 1 message id(s) have 2+ outcome rows (e.g. hot-5 has 2); 1 have none (e.g. hot-7)',
    );
  });
});
