import { describe, expect, it } from 'vitest';
import { judge } from '../../engine/scenario.ts';
import { adjust, order } from '../../workloads/messages.ts';
import scenario from './duplicates.check.ts';
import { mapWith, outcomeRows } from '../test-observations.ts';

type Obs = Parameters<(typeof scenario.checks)[string]>[0];

const ADJUSTED = Array.from({ length: 10 }, (_, i) => `AD${i + 1}`);
const ORDERED = Array.from({ length: 5 }, (_, i) => `OD${i + 1}`);
const SEED = new Map([...ADJUSTED, ...ORDERED].map((s) => [s, 1000]));

const ADJUSTMENTS = [
  adjust('dup-a-0', 'AD1', 3),
  adjust('dup-a-1', 'AD2', -2),
  adjust('dup-a-2', 'AD1', -4),
  adjust('dup-a-3', 'AD3', 5),
  adjust('dup-a-4', 'AD4', -1),
  adjust('dup-a-5', 'AD5', 2),
  adjust('dup-a-6', 'AD6', -3),
  adjust('dup-a-7', 'AD7', 4),
  adjust('dup-a-8', 'AD8', -5),
  adjust('dup-a-9', 'AD9', 1),
  adjust('dup-a-10', 'AD10', -2),
  adjust('dup-a-11', 'AD3', 2),
];
const ORDERS = [
  order('dup-o-0', [{ sku: 'OD1', quantity: 2 }, { sku: 'OD2', quantity: 1 }]),
  order('dup-o-1', [{ sku: 'OD3', quantity: 3 }, { sku: 'OD1', quantity: 1 }]),
  order('dup-o-2', [{ sku: 'OD4', quantity: 1 }, { sku: 'OD5', quantity: 2 }]),
  order('dup-o-3', [{ sku: 'OD2', quantity: 2 }, { sku: 'OD5', quantity: 1 }]),
];
const IDS = [...ADJUSTMENTS, ...ORDERS].map((m) => m.id);

/** Seed 1000 plus each message above applied once (worked out by hand). */
const ONCE: Record<string, number> = {
  AD1: 999, AD2: 998, AD3: 1007, AD4: 999, AD5: 1002, AD6: 997, AD7: 1004, AD8: 995, AD9: 1001, AD10: 998,
  OD1: 997, OD2: 997, OD3: 997, OD4: 999, OD5: 997,
};

const stock = (changes: Record<string, number> = {}): Map<string, number> => mapWith(ONCE, changes);

const counts = (changes: Record<string, number> = {}): Map<string, number> => outcomeRows(IDS, changes);

/** What a correct target leaves: each message applied once however many copies it got, one outcome each. */
function observations(changes: Partial<Obs> = {}): Obs {
  return { stock: stock(), adjustments: ADJUSTMENTS, orders: ORDERS, seed: SEED, counts: counts(), ...changes };
}

const verdict = (id: string, o: Obs) => () => scenario.checks[id]!(o);

/** The failure message of check `id` on `o` ("passed" when it passes). */
const failure = (id: string, o: Obs): string => judge(scenario, id, o);

describe('idempotency.duplicate_adjustments_applied_once', () => {
  const id = 'idempotency.duplicate_adjustments_applied_once';
  const title = 'Stock after duplicated adjustments is not each adjustment applied once';

  it('passes when each adjustment took effect once', () => {
    expect(verdict(id, observations())).not.toThrow();
  });

  it('shows the signed excess of copies applied twice (+5 on AD3, -5 on AD8)', () => {
    expect(failure(id, observations({ stock: stock({ AD3: 1012, AD8: 990 }) }))).toBe(
      `${title}: 2 of 10 SKUs wrong, 1 above expected, 1 below (AD3 expected 1007, got 1012 (+5); AD8 expected 995, got 990 (-5))`,
    );
  });

  it('shows the signed shortfall of adjustments lost (the -3 on AD6 and the +4 on AD7 never took effect)', () => {
    expect(failure(id, observations({ stock: stock({ AD6: 1000, AD7: 1000 }) }))).toBe(
      `${title}: 2 of 10 SKUs wrong, 1 above expected, 1 below (AD6 expected 997, got 1000 (+3); AD7 expected 1004, got 1000 (-4))`,
    );
  });

  it('judges the adjusted SKUs only', () => {
    expect(verdict(id, observations({ stock: stock({ OD1: 994 }) }))).not.toThrow();
  });
});

describe('idempotency.duplicate_orders_applied_once', () => {
  const id = 'idempotency.duplicate_orders_applied_once';
  const title = 'Stock after duplicated orders is not each order applied once (below: applied twice, above: effects lost)';

  it('passes when each order took effect once', () => {
    expect(verdict(id, observations())).not.toThrow();
  });

  it('says stock below expected when an order was applied twice', () => {
    expect(failure(id, observations({ stock: stock({ OD1: 996, OD3: 994 }) }))).toBe(
      `${title}: 2 of 5 SKUs wrong, 2 below (OD1 expected 997, got 996 (-1); OD3 expected 997, got 994 (-3))`,
    );
  });

  it('says stock above expected when an order never took effect', () => {
    expect(failure(id, observations({ stock: stock({ OD4: 1000, OD5: 999 }) }))).toBe(
      `${title}: 2 of 5 SKUs wrong, 2 above expected (OD4 expected 999, got 1000 (+1); OD5 expected 997, got 999 (+2))`,
    );
  });

  it('judges the ordered SKUs only', () => {
    expect(verdict(id, observations({ stock: stock({ AD3: 1012 }) }))).not.toThrow();
  });
});

describe('idempotency.one_outcome_per_id', () => {
  const id = 'idempotency.one_outcome_per_id';
  const prefix = 'Duplicated messages: expected exactly one outcome for each of 16 messages';

  it('passes with exactly one outcome row per id, whatever the copies', () => {
    expect(verdict(id, observations())).not.toThrow();
  });

  it('names ids recorded once per copy', () => {
    expect(failure(id, observations({ counts: counts({ 'dup-a-3': 6, 'dup-o-1': 2 }) }))).toBe(`${prefix}; 2 message id(s) have 2+ outcome rows (e.g. dup-a-3 has 6)`);
  });

  it('names ids never recorded', () => {
    expect(failure(id, observations({ counts: counts({ 'dup-o-2': 0 }) }))).toBe(`${prefix}; 1 have none (e.g. dup-o-2)`);
  });

  it('names both at once', () => {
    expect(failure(id, observations({ counts: counts({ 'dup-a-0': 2, 'dup-a-11': 0, 'dup-o-3': 0 }) }))).toBe(
      `${prefix}; 1 message id(s) have 2+ outcome rows (e.g. dup-a-0 has 2); 2 have none (e.g. dup-a-11)`,
    );
  });
});
