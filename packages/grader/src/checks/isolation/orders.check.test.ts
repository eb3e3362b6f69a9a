import { describe, expect, it } from 'vitest';
import { judge } from '../../engine/scenario.ts';
import { order, type OrderMessage } from '../../workloads/messages.ts';
import scenario from './orders.check.ts';
import { mapWith } from '../test-observations.ts';

type Obs = Parameters<(typeof scenario.checks)[string]>[0];

const SCARCE = ['SC1', 'SC2', 'SC3', 'SC4', 'SC5', 'SC6'];
const PLENTY = Array.from({ length: 20 }, (_, i) => `PL${i + 1}`);
const DOOMED = ['DM1', 'DM2', 'DM3'];
/** Crossed opening (3) + scarce salvos (12) + contested (120) + random plenty (18) + doomed (6). */
const TOTAL = 159;

/** "passed", or the failure message of check `id` on `o`. */
const verdict = (id: string, o: Obs): string => judge(scenario, id, o);

/** The 21 orders that only name PLENTY SKUs: the crossed opening of three, then 18 random ones. */
function plentyOnly(): OrderMessage[] {
  const crossed = Array.from({ length: 3 }, (_, i) => order(`ord-plenty-cross-${i}`, (i % 2 === 0 ? ['PL11', 'PL12', 'PL13'] : ['PL13', 'PL12', 'PL11']).map((sku) => ({ sku, quantity: 1 }))));
  const random = Array.from({ length: 18 }, (_, i) =>
    order(`ord-plenty-${i}`, [0, 7, 13].map((k) => ({ sku: PLENTY[(i + k) % PLENTY.length] ?? 'PL1', quantity: 1 + (i % 3) }))),
  );
  return [...crossed, ...random];
}

/** Six twelve-line orders whose last line asks 1000 of a scarce SKU. */
function doomed(): OrderMessage[] {
  return Array.from({ length: 6 }, (_, i) =>
    order(`ord-doomed-${i}`, [
      ...DOOMED.map((sku) => ({ sku, quantity: 1 })),
      ...Array.from({ length: 8 }, (_, k) => ({ sku: PLENTY[(i + k) % PLENTY.length] ?? 'PL1', quantity: 1 })),
      { sku: SCARCE[i] ?? 'SC1', quantity: 1000 },
    ]),
  );
}

/** Stock a correct target ends with: scarce SKUs sold down, plenty ones barely touched, doomed ones untouched. */
function finalStock(): Map<string, number> {
  return new Map([
    ...SCARCE.map((sku, i): [string, number] => [sku, [0, 1, 2, 0, 4, 3][i] ?? 0]),
    ...PLENTY.map((sku, i): [string, number] => [sku, 100_000 - (10 + i)]),
    ...DOOMED.map((sku): [string, number] => [sku, 50]),
  ]);
}

/** What a correct target produces: every message has an outcome, stock matches, nothing oversold. */
function observations(overrides: Partial<Obs> = {}): Obs {
  const plenty = plentyOnly();
  const unfillable = doomed();
  const outcome = new Map<string, string>([
    ...plenty.map((m): [string, string] => [m.id, 'applied']),
    ...unfillable.map((m): [string, string] => [m.id, 'rejected']),
    ['ord-salvo-0-0', 'applied'],
    ['ord-salvo-0-1', 'rejected'],
    ['ord-0', 'applied'],
    ['ord-1', 'rejected'],
  ]);
  return {
    stock: finalStock(),
    expected: finalStock(),
    outcome,
    oversold: [],
    plentyOnly: plenty,
    doomed: unfillable,
    sampled: { samples: 184, minStock: finalStock(), inconsistentSamples: 0 },
    missing: 0,
    total: TOTAL,
    ...overrides,
  };
}

/** Final stock with some SKUs set to other values (a value of undefined removes the row). */
const stockWith = (changes: Record<string, number | undefined>): Map<string, number> => mapWith(finalStock(), changes);

const INCOMPLETE = 'only 155 of 159 messages were processed, so the invariant cannot hold for the workload';

describe('orders scenario', () => {
  it('has exactly the checks these tests cover', () => {
    expect(Object.keys(scenario.checks).sort()).toEqual([
      'atomic.orders_all_or_nothing',
      'isolation.no_spurious_rejection',
      'isolation.orders_no_write_skew',
      'isolation.snapshot_consistent',
      'race.orders_conserved',
      'race.orders_never_negative',
    ]);
  });
});

describe('race.orders_conserved', () => {
  const id = 'race.orders_conserved';

  it('passes when stock equals the seed minus the lines of applied orders', () => {
    expect(verdict(id, observations())).toBe('passed');
  });

  it('says stock is above expected when applied orders lost their effects', () => {
    const o = observations({ stock: stockWith({ SC2: 8, PL3: 99_990 }) });
    expect(verdict(id, o)).toBe('Stock does not match the applied orders: 2 of 29 SKUs wrong, 2 above expected (SC2 expected 1, got 8 (+7); PL3 expected 99988, got 99990 (+2))');
  });

  it('says stock is below expected when an order was applied twice', () => {
    const o = observations({ stock: stockWith({ SC5: 1, PL12: 99_978 }) });
    expect(verdict(id, o)).toBe('Stock does not match the applied orders: 2 of 29 SKUs wrong, 2 below (SC5 expected 4, got 1 (-3); PL12 expected 99979, got 99978 (-1))');
  });

  it('counts both directions and missing rows when they come together', () => {
    const o = observations({ stock: stockWith({ SC1: -7, PL1: 99_991, DM2: undefined }) });
    expect(verdict(id, o)).toBe(
      'Stock does not match the applied orders: 3 of 29 SKUs wrong, 1 above expected, 1 below, 1 missing (SC1 expected 0, got -7 (-7); PL1 expected 99990, got 99991 (+1); DM2 expected 50, got missing)',
    );
  });

  it('refuses to judge stock when messages have no outcome', () => {
    expect(verdict(id, observations({ missing: 4 }))).toBe(INCOMPLETE);
  });
});

describe('race.orders_never_negative', () => {
  const id = 'race.orders_never_negative';

  it('passes when every sampled stock is zero or more', () => {
    expect(verdict(id, observations())).toBe('passed');
  });

  it('names the lowest negative stock and how many SKUs went below zero', () => {
    const o = observations({ sampled: { samples: 184, minStock: stockWith({ SC4: -2, SC1: -7 }), inconsistentSamples: 0 } });
    expect(verdict(id, o)).toBe('Stock went negative: SC1 reached -7 (2 SKU(s) below zero, 184 samples)');
  });

  it('fails when no sample could be taken', () => {
    const o = observations({ sampled: { samples: 0, minStock: new Map(), inconsistentSamples: 0 } });
    expect(verdict(id, o)).toBe('Orders: no stock sample could be taken');
  });

  it('refuses to pass an unfinished workload', () => {
    expect(verdict(id, observations({ missing: 4 }))).toBe(INCOMPLETE);
  });
});

describe('isolation.orders_no_write_skew', () => {
  const id = 'isolation.orders_no_write_skew';

  it('passes when applied orders took at most the stock of each scarce SKU', () => {
    expect(verdict(id, observations())).toBe('passed');
  });

  it('names each oversold SKU with what was taken of what there was', () => {
    const o = observations({ oversold: [['SC1', 14], ['SC4', 13]] });
    expect(verdict(id, o)).toBe('applied orders took more than the stock of 2 scarce SKU(s): SC1 14 of 12, SC4 13 of 12');
  });

  it('refuses to pass an unfinished workload (an idle target never oversells)', () => {
    expect(verdict(id, observations({ missing: 4 }))).toBe(INCOMPLETE);
  });
});

describe('isolation.snapshot_consistent', () => {
  const id = 'isolation.snapshot_consistent';

  it('passes when every snapshot agrees with its applied outcomes', () => {
    expect(verdict(id, observations())).toBe('passed');
  });

  it('shows stock behind the applied outcomes (outcome committed before the stock change)', () => {
    const o = observations({ sampled: { samples: 184, minStock: finalStock(), inconsistentSamples: 3, example: 'SC3: stock 12 but its applied outcomes say 9' } });
    expect(verdict(id, o)).toBe('3 of 184 snapshots showed stock that disagrees with the applied outcomes (e.g. SC3: stock 12 but its applied outcomes say 9)');
  });

  it('shows stock ahead of the applied outcomes (stock changed before the outcome was recorded)', () => {
    const o = observations({ sampled: { samples: 184, minStock: finalStock(), inconsistentSamples: 11, example: 'PL4: stock 99983 but its applied outcomes say 99986' } });
    expect(verdict(id, o)).toBe('11 of 184 snapshots showed stock that disagrees with the applied outcomes (e.g. PL4: stock 99983 but its applied outcomes say 99986)');
  });

  it('does not pass on no snapshot at all', () => {
    expect(verdict(id, observations({ sampled: { samples: 0, minStock: new Map(), inconsistentSamples: 0 } }))).toBe('no snapshot of stock and outcomes could be taken while the target ran');
  });

  it('refuses to pass an unfinished workload', () => {
    expect(verdict(id, observations({ missing: 4 }))).toBe(INCOMPLETE);
  });
});

describe('atomic.orders_all_or_nothing', () => {
  const id = 'atomic.orders_all_or_nothing';

  it('passes when every unfillable order is rejected and its SKUs keep their stock', () => {
    expect(verdict(id, observations())).toBe('passed');
  });

  it('names an unfillable order that was applied', () => {
    const o = observations();
    o.outcome.set('ord-doomed-2', 'applied');
    expect(verdict(id, o)).toBe('1 unfillable 12-line order(s) were not rejected (e.g. ord-doomed-2: applied)');
  });

  it('names an unfillable order that got no outcome', () => {
    const o = observations();
    o.outcome.delete('ord-doomed-0');
    o.outcome.delete('ord-doomed-5');
    expect(verdict(id, o)).toBe('2 unfillable 12-line order(s) were not rejected (e.g. ord-doomed-0: no outcome)');
  });

  it('says stock is below expected when a rejected order kept the lines it took', () => {
    const o = observations({ stock: stockWith({ DM1: 49, DM2: 49, DM3: 49 }) });
    expect(verdict(id, o)).toBe(
      'A rejected order still changed stock: 3 of 3 SKUs wrong, 3 below (DM1 expected 50, got 49 (-1); DM2 expected 50, got 49 (-1); DM3 expected 50, got 49 (-1))',
    );
  });

  it('says stock is above expected when a rejected order gave back more than it took', () => {
    const o = observations({ stock: stockWith({ DM3: 51 }) });
    expect(verdict(id, o)).toBe('A rejected order still changed stock: 1 of 3 SKUs wrong, 1 above expected (DM3 expected 50, got 51 (+1))');
  });
});

describe('isolation.no_spurious_rejection', () => {
  const id = 'isolation.no_spurious_rejection';

  it('passes when every order with ample stock is applied', () => {
    expect(verdict(id, observations())).toBe('passed');
  });

  it('names an order with ample stock that was rejected', () => {
    const o = observations();
    o.outcome.set('ord-plenty-cross-1', 'rejected');
    expect(verdict(id, o)).toBe('1 of 21 orders with ample stock were not applied (e.g. ord-plenty-cross-1: rejected)');
  });

  it('names an order with ample stock that got no outcome', () => {
    const o = observations();
    for (const m of ['ord-plenty-7', 'ord-plenty-8', 'ord-plenty-9']) o.outcome.delete(m);
    expect(verdict(id, o)).toBe('3 of 21 orders with ample stock were not applied (e.g. ord-plenty-7: no outcome)');
  });
});
