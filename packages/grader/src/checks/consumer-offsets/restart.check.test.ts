import { describe, expect, it } from 'vitest';
import { judge } from '../../engine/scenario.ts';
import scenario from './restart.check.ts';
import { mapWith } from '../test-observations.ts';

type Obs = Parameters<(typeof scenario.checks)[string]>[0];

const SKUS = Array.from({ length: 20 }, (_, i) => `RS${i + 1}`);
const IDS = Array.from({ length: 300 }, (_, i) => `rst-${i}`);
/** The records at positions 3 and 4 of every five, the first 60 of them: rst-3, rst-4, rst-8, rst-9, ... */
const REPLAYED = IDS.filter((_, i) => i % 5 >= 3).slice(0, 60);
const LOST = ['rst-241', 'rst-247', 'rst-253', 'rst-259', 'rst-265', 'rst-271', 'rst-277', 'rst-283', 'rst-289', 'rst-295'];
const CRASH = 'replica r1 exited with code 1: Error: The group is rebalancing, so a rejoin is needed';

/** "passed", or the failure message of check `id` on `o`. */
const verdict = (id: string, o: Obs): string => judge(scenario, id, o);

/** Seed 10000 plus each of the 300 messages' effects, once. */
function finalStock(): Map<string, number> {
  return new Map(SKUS.map((sku, i): [string, number] => [sku, 10_000 + ((i * 11) % 23) - 9]));
}

const stockWith = (changes: Record<string, number>): Map<string, number> => mapWith(finalStock(), changes);

const once = (ids: readonly string[]): Map<string, number> => new Map(ids.map((id): [string, number] => [id, 1]));

/** What a correct target produces: nothing lost, nothing applied twice, offsets committed after the writes and up to the end. */
function observations(overrides: Partial<Obs> = {}): Obs {
  return {
    missingAfterRestart: [],
    stockAfterRestart: finalStock(),
    expected: finalStock(),
    countsAfterRestart: once(IDS),
    stockAfterReplay: finalStock(),
    countsAfterReplay: once(IDS),
    ids: IDS,
    replayedIds: REPLAYED,
    offsets: { samples: 96, aheadSamples: 0 },
    committedToEnd: { reached: true, lagging: [] },
    crashes: [],
    ...overrides,
  };
}

/** A target that lost LOST: no outcome for them after the restart. */
function lost(overrides: Partial<Obs> = {}): Obs {
  const seen = IDS.filter((id) => !LOST.includes(id));
  return observations({ missingAfterRestart: LOST, countsAfterRestart: once(seen), countsAfterReplay: once(seen), ...overrides });
}

describe('restart scenario', () => {
  it('has exactly the checks these tests cover', () => {
    expect(Object.keys(scenario.checks).sort()).toEqual([
      'consumer_offsets.commit_after_durable',
      'consumer_offsets.committed_to_end',
      'consumer_offsets.nothing_lost_after_kill',
      'idempotency.dedup_survives_restart',
      'idempotency.no_double_apply_after_kill',
    ]);
    expect(REPLAYED.slice(0, 4)).toEqual(['rst-3', 'rst-4', 'rst-8', 'rst-9']);
    expect(REPLAYED).toHaveLength(60);
  });
});

describe('consumer_offsets.nothing_lost_after_kill', () => {
  const id = 'consumer_offsets.nothing_lost_after_kill';

  it('passes when every message got an outcome after the restart', () => {
    expect(verdict(id, observations())).toBe('passed');
  });

  it('says why the drain gave up while the group kept consuming (offsets committed ahead of the work)', () => {
    const o = lost({ drainGaveUp: 'no new outcome for 10.0 s at 290 of 300, while the group was consuming (Stable, every running replica holding partitions)' });
    expect(verdict(id, o)).toBe(
      'Lost after SIGKILL: 10 of 300 messages never got an outcome (e.g. rst-241; no new outcome for 10.0 s at 290 of 300, while the group was consuming (Stable, every running replica holding partitions))',
    );
  });

  it('names the replica that exited when none was left running', () => {
    const o = lost({ drainGaveUp: 'no replica was left running (at 290 of 300)', crashes: [CRASH] });
    expect(verdict(id, o)).toBe(`Lost after SIGKILL: 10 of 300 messages never got an outcome (e.g. rst-241; no replica was left running (at 290 of 300)); ${CRASH}`);
  });

  it('still says messages were lost when the drain recorded no reason', () => {
    expect(verdict(id, lost())).toBe('Lost after SIGKILL: 10 of 300 messages never got an outcome (e.g. rst-241; the drain stopped)');
  });
});

describe('idempotency.no_double_apply_after_kill', () => {
  const id = 'idempotency.no_double_apply_after_kill';

  it('passes when stock is each message applied once and each has one outcome', () => {
    expect(verdict(id, observations())).toBe('passed');
  });

  it('says stock is below expected when a redelivered sale was applied again', () => {
    const o = observations({ stockAfterRestart: stockWith({ RS3: 10_004 }) });
    expect(verdict(id, o)).toBe('Stock after SIGKILL and redelivery is not each message applied once: 1 of 20 SKUs wrong, 1 below (RS3 expected 10013, got 10004 (-9))');
  });

  it('says stock is above expected when a redelivered restock was applied again', () => {
    const o = observations({ stockAfterRestart: stockWith({ RS7: 10_013, RS8: 10_005 }) });
    expect(verdict(id, o)).toBe(
      'Stock after SIGKILL and redelivery is not each message applied once: 2 of 20 SKUs wrong, 2 above expected (RS7 expected 10011, got 10013 (+2); RS8 expected 9999, got 10005 (+6))',
    );
  });

  it('names a message recorded twice even when stock came out right', () => {
    const o = observations();
    o.countsAfterRestart.set('rst-121', 2);
    expect(verdict(id, o)).toBe('After SIGKILL and restart: expected exactly one outcome for each of 300 messages; 1 message id(s) have 2+ outcome rows (e.g. rst-121 has 2)');
  });
});

describe('idempotency.dedup_survives_restart', () => {
  const id = 'idempotency.dedup_survives_restart';

  it('passes when replayed ids get no new outcome and stock does not move', () => {
    expect(verdict(id, observations())).toBe('passed');
  });

  it('does not count a message lost before the replay that gets its first outcome from it', () => {
    const o = observations();
    o.countsAfterRestart.delete('rst-9');
    o.stockAfterReplay.set('RS2', 10_005);
    expect(verdict(id, o)).toBe('passed');
  });

  it('names replayed messages that were processed again', () => {
    const o = observations();
    o.countsAfterReplay.set('rst-13', 2);
    o.countsAfterReplay.set('rst-44', 2);
    expect(verdict(id, o)).toBe('2 of 60 messages replayed after the restart were processed again (e.g. rst-13)');
  });

  it('says stock went up when a replayed restock was applied again without a new outcome row', () => {
    const o = observations({ stockAfterReplay: stockWith({ RS4: 10_005 }) });
    expect(verdict(id, o)).toBe('Replayed messages changed stock again: 1 of 20 SKUs wrong, 1 above expected (RS4 expected 10001, got 10005 (+4))');
  });

  it('says stock went down when a replayed sale or order was applied again without a new outcome row', () => {
    const o = observations({ stockAfterReplay: stockWith({ RS11: 10_007, RS12: 9_993 }) });
    expect(verdict(id, o)).toBe('Replayed messages changed stock again: 2 of 20 SKUs wrong, 2 below (RS11 expected 10009, got 10007 (-2); RS12 expected 9997, got 9993 (-4))');
  });

  it('cannot judge a replay of messages that never had an outcome', () => {
    const o = observations({ countsAfterRestart: once(IDS.filter((id) => !REPLAYED.includes(id))) });
    expect(verdict(id, o)).toBe('none of the 60 replayed messages had an outcome before the replay');
  });
});

describe('consumer_offsets.commit_after_durable', () => {
  const id = 'consumer_offsets.commit_after_durable';

  it('passes when no sample saw an offset committed ahead of the outcomes', () => {
    expect(verdict(id, observations())).toBe('passed');
  });

  it('says an offset was committed before the write it covers was durable', () => {
    const example = 'partition 2 committed offset 40 while the message at offset 37 (rst-224) had no outcome (3 such message(s) in that sample)';
    const o = observations({ offsets: { samples: 96, aheadSamples: 3, example } });
    expect(verdict(id, o)).toBe(`offset committed before the write was durable in 3 of 96 samples: ${example}`);
  });

  it('fails when no committed offset could be sampled', () => {
    expect(verdict(id, observations({ offsets: { samples: 0, aheadSamples: 0 } }))).toBe('no committed-offset sample could be taken');
  });

  it('refuses to pass when messages were lost (nothing committed ahead may still have lost them)', () => {
    expect(verdict(id, lost())).toBe('only 290 of 300 messages were processed, so the invariant cannot hold for the workload');
  });
});

describe('consumer_offsets.committed_to_end', () => {
  const id = 'consumer_offsets.committed_to_end';

  it('passes when every partition is committed to its end', () => {
    expect(verdict(id, observations())).toBe('passed');
  });

  it('shows partitions never committed (offset -1), at most three', () => {
    const lagging = [0, 1, 2, 3, 4, 5].map((p) => `partition ${p} at -1 of 60`);
    const o = observations({ committedToEnd: { reached: false, lagging } });
    expect(verdict(id, o)).toBe('20 s after the last message the group had not committed to the end: partition 0 at -1 of 60, partition 1 at -1 of 60, partition 2 at -1 of 60');
  });

  it('shows a partition committed only part of the way (the replayed duplicates never committed)', () => {
    const o = observations({ committedToEnd: { reached: false, lagging: ['partition 4 at 50 of 60'] } });
    expect(verdict(id, o)).toBe('20 s after the last message the group had not committed to the end: partition 4 at 50 of 60');
  });
});
