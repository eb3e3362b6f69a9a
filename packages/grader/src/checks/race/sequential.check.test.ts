import { describe, expect, it } from 'vitest';
import { judge } from '../../engine/scenario.ts';
import scenario from './sequential.check.ts';
import { mapWith } from '../test-observations.ts';

type Obs = Parameters<(typeof scenario.checks)[string]>[0];

/**
 * A short partition in offset order: the gated order (S0 1, S8 5) takes all of S8 so the gated
 * sale of 3 on S8 is rejected; a restock of 2 on S1; a sale of 1 on S2; the doomed sale (8 of S6's
 * 7); an order needing 1 of S3 (stock 0); the doomed order (S7 2, S6 9).
 */
const MODEL_OUTCOMES: Record<string, 'applied' | 'rejected'> = {
  'seq-gated-order': 'applied',
  'seq-gated-sale': 'rejected',
  'seq-0': 'applied',
  'seq-1': 'applied',
  'seq-doomed-sale': 'rejected',
  'seq-2': 'rejected',
  'seq-doomed-order': 'rejected',
};
const VALID = Object.keys(MODEL_OUTCOMES);
/** Seed S0 10, S1 5, S2 3, S3 0, S4 10, S5 2, S6 7, S7 50, S8 5 after the messages above. */
const MODEL_STOCK: Record<string, number> = { S0: 9, S1: 7, S2: 2, S3: 0, S4: 10, S5: 2, S6: 7, S7: 50, S8: 0 };
/** Poison messages: unreadable ones are recorded under the topic/partition/offset fallback id. */
const INVALID = ['g_sequential_4f2a.inventory/0/1', 'g_sequential_4f2a.inventory/0/3', 'seq-invalid-7', 'seq-invalid-14'];

const stock = (changes: Record<string, number> = {}): Map<string, number> => mapWith(MODEL_STOCK, changes);

/** First outcome per id as an in-order target records it, `changes` overriding some (null = no outcome). */
function firstOutcome(changes: Record<string, string | null> = {}): Map<string, string> {
  const rows = new Map<string, string>([...Object.entries(MODEL_OUTCOMES), ...INVALID.map((id): [string, string] => [id, 'invalid'])]);
  for (const [id, outcome] of Object.entries(changes)) {
    if (outcome === null) rows.delete(id);
    else rows.set(id, outcome);
  }
  return rows;
}

/** Outcome rows per id: one each, `changes` overriding some (0 = no outcome row at all). */
function counts(changes: Record<string, number> = {}): Map<string, number> {
  const rows = new Map([...VALID, ...INVALID].map((id) => [id, 1]));
  for (const [id, n] of Object.entries(changes)) {
    if (n === 0) rows.delete(id);
    else rows.set(id, n);
  }
  return rows;
}

/** What a correct target leaves: the in-order outcomes and stock, one outcome per message, nothing stuck. */
function observations(changes: Partial<Obs> = {}): Obs {
  return {
    stock: stock(),
    model: { stock: stock(), outcomes: new Map(Object.entries(MODEL_OUTCOMES)) },
    counts: counts(),
    firstOutcome: firstOutcome(),
    validIds: VALID,
    invalidIds: INVALID,
    missing: [],
    crashes: [],
    ...changes,
  };
}

const verdict = (id: string, o: Obs) => () => scenario.checks[id]!(o);

/** The failure message of check `id` on `o` ("passed" when it passes). */
const failure = (id: string, o: Obs): string => judge(scenario, id, o);

describe('race.sequential_final_stock', () => {
  const id = 'race.sequential_final_stock';

  it('passes when stock is what applying the partition in order gives', () => {
    expect(verdict(id, observations())).not.toThrow();
  });

  it('says stock above the in-order model (the sale ran before the order, which was then rejected)', () => {
    expect(failure(id, observations({ stock: stock({ S0: 10, S8: 2 }) }))).toBe(
      'Sequential updates: 2 of 9 SKUs wrong, 2 above expected (S0 expected 9, got 10 (+1); S8 expected 0, got 2 (+2))',
    );
  });

  it('says stock below the in-order model (a sale taken off twice)', () => {
    expect(failure(id, observations({ stock: stock({ S2: 1 }) }))).toBe('Sequential updates: 1 of 9 SKUs wrong, 1 below (S2 expected 2, got 1 (-1))');
  });

  it('says both directions and a missing SKU apart', () => {
    const s = stock({ S1: 9, S2: 1 });
    s.delete('S5');
    expect(failure(id, observations({ stock: s }))).toBe(
      'Sequential updates: 3 of 9 SKUs wrong, 1 above expected, 1 below, 1 missing (S1 expected 7, got 9 (+2); S2 expected 2, got 1 (-1); S5 expected 2, got missing)',
    );
  });
});

describe('atomic.sequential_outcomes', () => {
  const id = 'atomic.sequential_outcomes';

  it('passes when every message got its in-order outcome', () => {
    expect(verdict(id, observations())).not.toThrow();
  });

  it('counts rejected-instead-of-applied and applied-instead-of-rejected apart (the gated pair run out of order)', () => {
    expect(failure(id, observations({ firstOutcome: firstOutcome({ 'seq-gated-order': 'rejected', 'seq-gated-sale': 'applied' }) }))).toBe(
      '2 of 7 messages got the wrong outcome: 1 rejected instead of applied (e.g. seq-gated-order), 1 applied instead of rejected (e.g. seq-gated-sale)',
    );
  });

  it('says messages that should have been rejected were applied', () => {
    expect(failure(id, observations({ firstOutcome: firstOutcome({ 'seq-doomed-sale': 'applied', 'seq-2': 'applied' }) }))).toBe(
      '2 of 7 messages got the wrong outcome: 2 applied instead of rejected (e.g. seq-doomed-sale)',
    );
  });

  it('says messages that got no outcome, by the outcome they should have had', () => {
    expect(failure(id, observations({ firstOutcome: firstOutcome({ 'seq-0': null, 'seq-1': null, 'seq-2': null }) }))).toBe(
      '3 of 7 messages got the wrong outcome: 2 with no outcome instead of applied (e.g. seq-0), 1 with no outcome instead of rejected (e.g. seq-2)',
    );
  });

  it('names an outcome the contract does not expect for a valid message', () => {
    expect(failure(id, observations({ firstOutcome: firstOutcome({ 'seq-1': 'invalid' }) }))).toBe('1 of 7 messages got the wrong outcome: 1 invalid instead of applied (e.g. seq-1)');
  });
});

describe('atomic.rejected_has_no_effect', () => {
  const id = 'atomic.rejected_has_no_effect';

  it('passes when both doomed messages were rejected and S6, S7 kept their stock', () => {
    expect(verdict(id, observations())).not.toThrow();
  });

  it('says the doomed sale was applied, or not recorded', () => {
    expect(failure(id, observations({ firstOutcome: firstOutcome({ 'seq-doomed-sale': 'applied' }), stock: stock({ S6: -1 }) }))).toBe(
      'a sale of 8 with stock 7 was applied, expected rejected',
    );
    expect(failure(id, observations({ firstOutcome: firstOutcome({ 'seq-doomed-sale': null }) }))).toBe('a sale of 8 with stock 7 was not recorded, expected rejected');
  });

  it('says the doomed order was applied, or not recorded', () => {
    expect(failure(id, observations({ firstOutcome: firstOutcome({ 'seq-doomed-order': 'applied' }), stock: stock({ S6: -2, S7: 48 }) }))).toBe(
      'an order needing 9 of a stock of 7 was applied, expected rejected',
    );
    expect(failure(id, observations({ firstOutcome: firstOutcome({ 'seq-doomed-order': null }) }))).toBe('an order needing 9 of a stock of 7 was not recorded, expected rejected');
  });

  it('says stock went below when a rejected order kept the effect of its first line', () => {
    expect(failure(id, observations({ stock: stock({ S7: 48 }) }))).toBe('Rejected messages changed stock: 1 of 2 SKUs wrong, 1 below (S7 expected 50, got 48 (-2))');
  });

  it('says stock went above when a rejection put back more than was taken', () => {
    expect(failure(id, observations({ stock: stock({ S6: 15 }) }))).toBe('Rejected messages changed stock: 1 of 2 SKUs wrong, 1 above expected (S6 expected 7, got 15 (+8))');
  });
});

describe('idempotency.invalid_recorded_once', () => {
  const id = 'idempotency.invalid_recorded_once';

  it('passes when every poison message has exactly one invalid outcome', () => {
    expect(verdict(id, observations())).not.toThrow();
  });

  it('names a poison message without an outcome', () => {
    expect(failure(id, observations({ counts: counts({ 'g_sequential_4f2a.inventory/0/3': 0 }), firstOutcome: firstOutcome({ 'g_sequential_4f2a.inventory/0/3': null }) }))).toBe(
      'Invalid messages: expected exactly one outcome for each of 4 messages; 1 have none (e.g. g_sequential_4f2a.inventory/0/3)',
    );
  });

  it('names a poison message recorded twice', () => {
    expect(failure(id, observations({ counts: counts({ 'seq-invalid-7': 2 }) }))).toBe(
      'Invalid messages: expected exactly one outcome for each of 4 messages; 1 message id(s) have 2+ outcome rows (e.g. seq-invalid-7 has 2)',
    );
  });

  it('names a poison message recorded as something other than invalid', () => {
    expect(failure(id, observations({ firstOutcome: firstOutcome({ 'seq-invalid-14': 'rejected' }) }))).toBe(
      '1 invalid message(s) recorded as something else (e.g. seq-invalid-14: rejected)',
    );
  });
});

describe('consumer_offsets.poison_does_not_stall', () => {
  const id = 'consumer_offsets.poison_does_not_stall';

  it('passes when every message got an outcome', () => {
    expect(verdict(id, observations())).not.toThrow();
  });

  it('counts the valid and invalid messages stuck behind the poison', () => {
    expect(failure(id, observations({ missing: ['g_sequential_4f2a.inventory/0/3', 'seq-1', 'seq-doomed-sale', 'seq-2', 'seq-invalid-7', 'seq-doomed-order'] }))).toBe(
      'partition stalled behind a poison message: 4 valid and 2 invalid message(s) never got an outcome',
    );
  });

  it('names the replica that crashed on it', () => {
    const crash = 'replica r1 exited with code 1: SyntaxError: Unexpected end of JSON input';
    expect(failure(id, observations({ missing: ['g_sequential_4f2a.inventory/0/1', 'seq-gated-sale'], crashes: [crash] }))).toBe(
      `partition stalled behind a poison message: 1 valid and 1 invalid message(s) never got an outcome (${crash})`,
    );
  });
});
