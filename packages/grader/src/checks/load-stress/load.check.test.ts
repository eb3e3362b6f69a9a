import { describe, expect, it } from 'vitest';
import { judge } from '../../engine/scenario.ts';
import { fallbackMessageId } from '../../workloads/messages.ts';
import scenario from './load.check.ts';
import { mapWith } from '../test-observations.ts';

type Obs = Parameters<(typeof scenario.checks)[string]>[0];

const SKUS = Array.from({ length: 100 }, (_, i) => `LD${i + 1}`);
/** 1500 messages, 120 orders naming an unknown SKU, 7 invalid payloads without a readable id and 16 with one. */
const IDS = [
  ...Array.from({ length: 1500 }, (_, i) => `load-${i}`),
  ...Array.from({ length: 120 }, (_, i) => `load-unknown-${i}`),
  ...Array.from({ length: 7 }, (_, i) => fallbackMessageId('grader-load-4f2c', i % 6, 250 + i)),
  ...Array.from({ length: 16 }, (_, i) => `load-invalid-${i + 7}`),
];
const CRASH = 'replica r2 exited with code 1: Error: Connection terminated unexpectedly';

/** "passed", or the failure message of check `id` on `o`. */
const verdict = (id: string, o: Obs): string => judge(scenario, id, o);

/** Final stock of a correct target: seed (5-60) plus the effects of the applied messages. */
function finalStock(): Map<string, number> {
  return new Map(SKUS.map((sku, i): [string, number] => [sku, 3 + ((i * 17) % 70)]));
}

const stockWith = (changes: Record<string, number | undefined>): Map<string, number> => mapWith(finalStock(), changes);

/** What a correct target produces: all done in 18 s, survived both rounds of terminated connections. */
function observations(overrides: Partial<Obs> = {}): Obs {
  return {
    stock: finalStock(),
    expected: finalStock(),
    counts: new Map(IDS.map((id): [string, number] => [id, 1])),
    ids: IDS,
    missing: [],
    elapsedMs: 18_412,
    sampled: { samples: 312, minStock: new Map(SKUS.map((sku): [string, number] => [sku, 0])), inconsistentSamples: 0 },
    terminated: [14, 11],
    crashes: [],
    ...overrides,
  };
}

const MISSING = ['load-88', 'load-412', 'load-413', 'load-unknown-5', 'load-unknown-6', 'load-unknown-7', 'load-1201', 'load-1202', 'load-1203', 'load-1204', 'load-1499', 'load-invalid-21'];
const INCOMPLETE = 'only 1631 of 1643 messages were processed, so the invariant cannot hold for the workload';

describe('load scenario', () => {
  it('has exactly the checks these tests cover', () => {
    expect(Object.keys(scenario.checks).sort()).toEqual([
      'load_stress.completes',
      'load_stress.conserved',
      'load_stress.exactly_once',
      'load_stress.never_negative',
      'load_stress.snapshot_consistent',
      'load_stress.survives_connection_drops',
    ]);
    expect(IDS).toHaveLength(1643);
    expect(MISSING).toHaveLength(12);
  });
});

describe('load_stress.conserved', () => {
  const id = 'load_stress.conserved';

  it('passes when stock equals the seed plus the effects of applied messages', () => {
    expect(verdict(id, observations())).toBe('passed');
  });

  it('says stock is above expected (a sale lost, or a restock applied twice)', () => {
    const o = observations({ stock: stockWith({ LD4: 57, LD10: 23 }) });
    expect(verdict(id, o)).toBe('Data corrupted under load: 2 of 100 SKUs wrong, 2 above expected (LD4 expected 54, got 57 (+3); LD10 expected 16, got 23 (+7))');
  });

  it('says stock is below expected (a restock lost, or a sale applied twice)', () => {
    const o = observations({ stock: stockWith({ LD1: 1, LD2: 18, LD3: 35 }) });
    expect(verdict(id, o)).toBe('Data corrupted under load: 3 of 100 SKUs wrong, 3 below (LD1 expected 3, got 1 (-2); LD2 expected 20, got 18 (-2); LD3 expected 37, got 35 (-2))');
  });

  it('lists no more than three SKUs and counts the rest', () => {
    const o = observations({ stock: stockWith({ LD1: 4, LD2: 21, LD3: 38, LD5: 2, LD6: undefined }) });
    expect(verdict(id, o)).toBe(
      'Data corrupted under load: 5 of 100 SKUs wrong, 3 above expected, 1 below, 1 missing (LD1 expected 3, got 4 (+1); LD2 expected 20, got 21 (+1); LD3 expected 37, got 38 (+1); … 2 more)',
    );
  });

  it('refuses to judge stock when messages have no outcome', () => {
    expect(verdict(id, observations({ missing: MISSING }))).toBe(INCOMPLETE);
  });
});

describe('load_stress.exactly_once', () => {
  const id = 'load_stress.exactly_once';

  it('passes when every id has exactly one outcome row', () => {
    expect(verdict(id, observations())).toBe('passed');
  });

  it('names an id recorded twice (a redelivered copy processed again)', () => {
    const o = observations();
    o.counts.set('load-7', 2);
    o.counts.set('load-960', 2);
    expect(verdict(id, o)).toBe('Under load: expected exactly one outcome for each of 1643 messages; 2 message id(s) have 2+ outcome rows (e.g. load-7 has 2)');
  });

  it('names an id with no outcome row', () => {
    const o = observations();
    o.counts.delete('load-unknown-3');
    o.counts.delete('load-invalid-21');
    expect(verdict(id, o)).toBe('Under load: expected exactly one outcome for each of 1643 messages; 2 have none (e.g. load-unknown-3)');
  });

  it('reports both kinds when they come together', () => {
    const o = observations();
    o.counts.set('load-31', 3);
    o.counts.delete('load-1499');
    expect(verdict(id, o)).toBe('Under load: expected exactly one outcome for each of 1643 messages; 1 message id(s) have 2+ outcome rows (e.g. load-31 has 3); 1 have none (e.g. load-1499)');
  });
});

describe('load_stress.never_negative', () => {
  const id = 'load_stress.never_negative';

  it('passes when every sampled stock is zero or more', () => {
    expect(verdict(id, observations())).toBe('passed');
  });

  it('names the lowest negative stock', () => {
    const minStock = new Map(SKUS.map((sku): [string, number] => [sku, sku === 'LD17' ? -4 : sku === 'LD60' ? -1 : 0]));
    const o = observations({ sampled: { samples: 312, minStock, inconsistentSamples: 0 } });
    expect(verdict(id, o)).toBe('Stock went negative: LD17 reached -4 (2 SKU(s) below zero, 312 samples)');
  });

  it('fails when no sample could be taken', () => {
    const o = observations({ sampled: { samples: 0, minStock: new Map(), inconsistentSamples: 0 } });
    expect(verdict(id, o)).toBe('Under load: no stock sample could be taken');
  });

  it('refuses to pass an unfinished workload', () => {
    expect(verdict(id, observations({ missing: MISSING }))).toBe(INCOMPLETE);
  });
});

describe('load_stress.completes', () => {
  const id = 'load_stress.completes';

  it('passes when every message has an outcome', () => {
    expect(verdict(id, observations())).toBe('passed');
  });

  it('says a replica exited when one did', () => {
    const o = observations({ missing: MISSING, elapsedMs: 45_003, crashes: [CRASH, 'replica r3 exited with code 1: Error: Connection terminated unexpectedly'] });
    expect(verdict(id, o)).toBe(`12 of 1643 messages had no outcome: 2 replica(s) exited (${CRASH})`);
  });

  it('says how long it waited when the replicas stalled without exiting', () => {
    const o = observations({ missing: MISSING, elapsedMs: 45_003 });
    expect(verdict(id, o)).toBe('12 of 1643 messages had no outcome after 45 s');
  });
});

describe('load_stress.survives_connection_drops', () => {
  const id = 'load_stress.survives_connection_drops';

  it('passes when no replica exited and the target kept up after each termination', () => {
    expect(verdict(id, observations())).toBe('passed');
  });

  it('names a replica that exited after its connections were terminated', () => {
    const o = observations({ crashes: [CRASH] });
    expect(verdict(id, o)).toBe(`1 replica(s) exited on their own after target connections were terminated (14, 11): ${CRASH}`);
  });

  it('does not blame terminated connections for an exit before any termination', () => {
    const o = observations({ terminated: [], crashes: ['replica r1 exited with code 1: TypeError: Cannot read properties of undefined'], stalledAt: 'target stalled: 0 of 1643 messages had an outcome after 20 s (waiting for 493)' });
    expect(verdict(id, o)).toBe('1 replica(s) exited on their own before any target connection was terminated: replica r1 exited with code 1: TypeError: Cannot read properties of undefined');
  });

  it('reports a stall before the first termination', () => {
    const o = observations({ terminated: [], stalledAt: 'target stalled: 312 of 1643 messages had an outcome after 20 s (waiting for 493)' });
    expect(verdict(id, o)).toBe('target stalled: 312 of 1643 messages had an outcome after 20 s (waiting for 493) (connections terminated so far: none)');
  });

  it('reports a stall after the first termination (connections not re-established)', () => {
    const o = observations({ terminated: [14], stalledAt: 'target stalled: 871 of 1643 messages had an outcome after 20 s (waiting for 986)' });
    expect(verdict(id, o)).toBe('target stalled: 871 of 1643 messages had an outcome after 20 s (waiting for 986) (connections terminated so far: 14)');
  });
});

describe('load_stress.snapshot_consistent', () => {
  const id = 'load_stress.snapshot_consistent';

  it('passes when every snapshot agrees with its applied outcomes', () => {
    expect(verdict(id, observations())).toBe('passed');
  });

  it('shows stock behind the applied outcomes', () => {
    const o = observations({ sampled: { samples: 312, minStock: finalStock(), inconsistentSamples: 4, example: 'LD42: stock 30 but its applied outcomes say 27' } });
    expect(verdict(id, o)).toBe('4 of 312 snapshots showed stock disagreeing with applied outcomes (e.g. LD42: stock 30 but its applied outcomes say 27)');
  });

  it('shows stock ahead of the applied outcomes', () => {
    const o = observations({ sampled: { samples: 312, minStock: finalStock(), inconsistentSamples: 19, example: 'LD8: stock 21 but its applied outcomes say 24' } });
    expect(verdict(id, o)).toBe('19 of 312 snapshots showed stock disagreeing with applied outcomes (e.g. LD8: stock 21 but its applied outcomes say 24)');
  });

  it('does not pass on no snapshot at all', () => {
    expect(verdict(id, observations({ sampled: { samples: 0, minStock: new Map(), inconsistentSamples: 0 } }))).toBe('no snapshot of stock and outcomes could be taken while the target ran');
  });

  it('refuses to pass an unfinished workload', () => {
    expect(verdict(id, observations({ missing: MISSING }))).toBe(INCOMPLETE);
  });
});
