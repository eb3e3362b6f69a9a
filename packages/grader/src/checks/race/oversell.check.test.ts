import { describe, expect, it } from 'vitest';
import { judge } from '../../engine/scenario.ts';
import scenario from './oversell.check.ts';

type Obs = Parameters<(typeof scenario.checks)[string]>[0];

const SKUS = ['OS1', 'OS2', 'OS3', 'OS4'];

/** One value per SKU, `changes` overriding some. */
function perSku(value: number, changes: Record<string, number> = {}): Map<string, number> {
  return new Map(SKUS.map((s) => [s, changes[s] ?? value]));
}

/** What a correct target leaves: 20 of each SKU's 60 unit sales applied, stock 0, never below 0. */
function observations(changes: Partial<Obs> = {}): Obs {
  return {
    stock: perSku(0),
    appliedPerSku: perSku(20),
    sampled: { samples: 412, minStock: perSku(0), inconsistentSamples: 0 },
    missing: 0,
    total: 240,
    ...changes,
  };
}

const verdict = (id: string, o: Obs) => () => scenario.checks[id]!(o);

/** The failure message of check `id` on `o` ("passed" when it passes). */
const failure = (id: string, o: Obs): string => judge(scenario, id, o);

describe('race.oversell_never_negative', () => {
  const id = 'race.oversell_never_negative';

  it('passes when every sample saw stock >= 0 and every sale has an outcome', () => {
    expect(verdict(id, observations())).not.toThrow();
  });

  it('names the lowest stock and how many SKUs went below zero', () => {
    const sampled = { samples: 412, minStock: perSku(0, { OS2: -3, OS4: -1 }), inconsistentSamples: 0 };
    expect(failure(id, observations({ sampled, stock: perSku(0, { OS2: -3, OS4: -1 }), appliedPerSku: perSku(20, { OS2: 23, OS4: 21 }) }))).toBe(
      'Stock went negative: OS2 reached -3 (2 SKU(s) below zero, 412 samples)',
    );
  });

  it('does not pass an unfinished workload that never went negative', () => {
    expect(failure(id, observations({ missing: 12, appliedPerSku: perSku(20, { OS3: 8 }), stock: perSku(0, { OS3: 12 }) }))).toBe(
      'only 228 of 240 messages were processed, so the invariant cannot hold for the workload',
    );
  });

  it('says when no sample could be taken', () => {
    expect(failure(id, observations({ sampled: { samples: 0, minStock: new Map(), inconsistentSamples: 0 } }))).toBe('Oversell: no stock sample could be taken');
  });
});

describe('race.oversell_sold_exactly_stock', () => {
  const id = 'race.oversell_sold_exactly_stock';

  it('passes when exactly the stock of each SKU was sold', () => {
    expect(verdict(id, observations())).not.toThrow();
  });

  it('says a SKU with more sales applied than stock was oversold', () => {
    expect(failure(id, observations({ appliedPerSku: perSku(20, { OS1: 23 }), stock: perSku(0, { OS1: -3 }) }))).toBe(
      'expected exactly 20 of 60 unit sales applied per SKU; OS1: 23 (oversold by 3)',
    );
  });

  it('says a SKU with fewer sales applied than stock left stock unsold', () => {
    expect(failure(id, observations({ appliedPerSku: perSku(20, { OS3: 17 }), stock: perSku(0, { OS3: 3 }) }))).toBe(
      'expected exactly 20 of 60 unit sales applied per SKU; OS3: 17 (3 unit(s) of stock left unsold)',
    );
  });

  it('gives each wrong SKU its own direction', () => {
    expect(failure(id, observations({ appliedPerSku: perSku(20, { OS1: 60, OS2: 18, OS4: 21 }), stock: perSku(0, { OS1: -40, OS2: 2, OS4: -1 }) }))).toBe(
      'expected exactly 20 of 60 unit sales applied per SKU; OS1: 60 (oversold by 40), OS2: 18 (2 unit(s) of stock left unsold), OS4: 21 (oversold by 1)',
    );
  });
});

describe('race.oversell_conserved', () => {
  const id = 'race.oversell_conserved';

  it('passes when stock is the seed minus the applied sales', () => {
    expect(verdict(id, observations())).not.toThrow();
    // Too few sales applied is oversell_sold_exactly_stock's failure; the stock still adds up.
    expect(verdict(id, observations({ appliedPerSku: perSku(20, { OS3: 17 }), stock: perSku(0, { OS3: 3 }) }))).not.toThrow();
  });

  it('says stock above the applied sales (a sale recorded as applied whose effect was lost)', () => {
    expect(failure(id, observations({ stock: perSku(0, { OS2: 2 }) }))).toBe(
      'Stock does not match the applied sales (above: effects lost, below: more than the applied sales account for): 1 of 4 SKUs wrong, 1 above expected (OS2 expected 0, got 2 (+2))',
    );
  });

  it('says stock below the applied sales (a sale taken off twice)', () => {
    expect(failure(id, observations({ stock: perSku(0, { OS1: -3 }) }))).toBe(
      'Stock does not match the applied sales (above: effects lost, below: more than the applied sales account for): 1 of 4 SKUs wrong, 1 below (OS1 expected 0, got -3 (-3))',
    );
  });

  it('counts SKUs above, below and missing apart', () => {
    const stock = perSku(0, { OS1: -3, OS2: 2 });
    stock.delete('OS4');
    expect(failure(id, observations({ stock }))).toBe(
      'Stock does not match the applied sales (above: effects lost, below: more than the applied sales account for): 3 of 4 SKUs wrong, 1 above expected, 1 below, 1 missing (OS1 expected 0, got -3 (-3); OS2 expected 0, got 2 (+2); OS4 expected 0, got missing)',
    );
  });
});
