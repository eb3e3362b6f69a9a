import { describe, expect, it } from 'vitest';
import { judge } from '../../engine/scenario.ts';
import { order, type OrderMessage } from '../../workloads/messages.ts';
import scenario from './deadlock.check.ts';
import { mapWith } from '../test-observations.ts';

type Obs = Parameters<(typeof scenario.checks)[string]>[0];

const ID = 'locking.crossed_orders_applied';
const triple = (pair: number): string[] => [1, 2, 3].map((n) => `DL${pair * 3 + n}`);
const lines = (skus: string[], forwards: boolean): { sku: string; quantity: number }[] => (forwards ? skus : [...skus].reverse()).map((sku) => ({ sku, quantity: 1 }));

/** The salvo (three orders on DL1-3, forwards, backwards, forwards), then four waves of six crossed 3-line orders. */
function messages(): OrderMessage[] {
  const salvo = [0, 1, 2].map((i) => order(`dl-salvo-${i}`, lines(triple(0), i % 2 === 0)));
  const waves = Array.from({ length: 4 }, (_, wave) => Array.from({ length: 6 }, (_, p) => order(`dl-${wave}-${p}`, lines(triple(Math.floor(p / 2)), p % 2 === 0)))).flat();
  return [...salvo, ...waves];
}

/** Seed 100000 each; DL1-3 are named by the salvo's 3 orders and 8 wave orders, DL4-9 by 8 wave orders. */
function finalStock(): Map<string, number> {
  return new Map([0, 1, 2].flatMap(triple).map((sku, i): [string, number] => [sku, i < 3 ? 99_989 : 99_992]));
}

const stockWith = (changes: Record<string, number>): Map<string, number> => mapWith(finalStock(), changes);

/** What a correct target produces: all 27 orders applied, each once. */
function observations(overrides: Partial<Obs> = {}): Obs {
  const all = messages();
  return {
    messages: all,
    outcome: new Map(all.map((m): [string, string] => [m.id, 'applied'])),
    stock: finalStock(),
    expected: finalStock(),
    missing: 0,
    ...overrides,
  };
}

/** "passed", or the failure message of locking.crossed_orders_applied on `o`. */
const verdict = (o: Obs): string => judge(scenario, 'locking.crossed_orders_applied', o);

describe('deadlock scenario', () => {
  it('has exactly the check these tests cover', () => {
    expect(Object.keys(scenario.checks)).toEqual([ID]);
    expect(messages()).toHaveLength(27);
  });
});

describe('locking.crossed_orders_applied', () => {
  it('passes when every crossed order is applied once', () => {
    expect(verdict(observations())).toBe('passed');
  });

  it('names a deadlock victim recorded as rejected', () => {
    const o = observations();
    o.outcome.set('dl-salvo-1', 'rejected');
    o.outcome.set('dl-2-3', 'rejected');
    expect(verdict(o)).toBe(
      '2 of 27 orders with ample stock, listing the same SKUs in opposite orders, were not applied (deadlock not avoided or not retried; e.g. dl-salvo-1: rejected)',
    );
  });

  it('names a deadlock victim recorded as invalid', () => {
    const o = observations();
    o.outcome.set('dl-3-5', 'invalid');
    expect(verdict(o)).toBe(
      '1 of 27 orders with ample stock, listing the same SKUs in opposite orders, were not applied (deadlock not avoided or not retried; e.g. dl-3-5: invalid)',
    );
  });

  it('refuses to judge when orders have no outcome (a replica stuck in a deadlock)', () => {
    const o = observations({ missing: 2 });
    o.outcome.delete('dl-salvo-0');
    o.outcome.delete('dl-salvo-2');
    expect(verdict(o)).toBe('only 25 of 27 messages were processed, so the invariant cannot hold for the workload');
  });

  it('says stock is above expected when an applied order took nothing (its effect lost)', () => {
    const o = observations({ stock: stockWith({ DL4: 99_993, DL5: 99_993, DL6: 99_993 }) });
    expect(verdict(o)).toBe(
      'Stock disagrees with the applied crossed orders: 3 of 9 SKUs wrong, 3 above expected (DL4 expected 99992, got 99993 (+1); DL5 expected 99992, got 99993 (+1); DL6 expected 99992, got 99993 (+1))',
    );
  });

  it('says stock is below expected when a retried order was applied twice', () => {
    const o = observations({ stock: stockWith({ DL1: 99_988, DL2: 99_988 }) });
    expect(verdict(o)).toBe(
      'Stock disagrees with the applied crossed orders: 2 of 9 SKUs wrong, 2 below (DL1 expected 99989, got 99988 (-1); DL2 expected 99989, got 99988 (-1))',
    );
  });
});
