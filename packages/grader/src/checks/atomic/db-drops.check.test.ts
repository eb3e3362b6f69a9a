import { describe, expect, it } from 'vitest';
import { judge } from '../../engine/scenario.ts';
import scenario from './db-drops.check.ts';
import { mapWith, outcomeRows } from '../test-observations.ts';

type Obs = Parameters<(typeof scenario.checks)[string]>[0];

const IDS = Array.from({ length: 300 }, (_, i) => `dbd-${i}`);
/** Seed 10 000 plus the net of the adjustments (-5..5) each SKU got, all applied. */
const NET = [12, -7, 4, 0, 31, -18, 9, -2, 15, 6, -11, 3, 22, -4, 8, -15, 1, 17, -9, 5];
const EXPECTED = Object.fromEntries(NET.map((n, i) => [`DB${i + 1}`, 10_000 + n]));

const stock = (changes: Record<string, number> = {}): Map<string, number> => mapWith(EXPECTED, changes);

const counts = (changes: Record<string, number> = {}): Map<string, number> => outcomeRows(IDS, changes);

/** What a correct target leaves: three rounds of terminated connections, every message applied once. */
function observations(changes: Partial<Obs> = {}): Obs {
  return { terminated: [4, 4, 3], missing: [], lost: [], stock: stock(), expected: stock(), counts: counts(), ids: IDS, crashes: [], ...changes };
}

/** A target that lost 3 messages: they have no outcome, and their offsets were committed. */
const SKIPPED = ['dbd-212', 'dbd-213', 'dbd-250'];
const incomplete = (): Partial<Obs> => ({ missing: SKIPPED, lost: SKIPPED, counts: counts(Object.fromEntries(SKIPPED.map((id) => [id, 0]))) });

const verdict = (id: string, o: Obs) => () => scenario.checks[id]!(o);

/** The failure message of check `id` on `o` ("passed" when it passes). */
const failure = (id: string, o: Obs): string => judge(scenario, id, o);

describe('atomic.no_loss_on_connection_drop', () => {
  const id = 'atomic.no_loss_on_connection_drop';

  it('passes when every message got an outcome and none was skipped', () => {
    expect(verdict(id, observations())).not.toThrow();
  });

  it('fails an unfinished workload (nothing skipped: the rest sits past the committed offsets) with how many messages were processed', () => {
    expect(failure(id, observations({ ...incomplete(), lost: [] }))).toBe('only 297 of 300 messages were processed, so the invariant cannot hold for the workload');
  });

  it('names skipped messages before counting what is missing: committed without an outcome', () => {
    expect(failure(id, observations(incomplete()))).toMatch(/^3 message\(s\) were skipped: their offsets were committed but they have no outcome/);
  });

  it('names messages whose offsets were committed without an outcome, and the terminations', () => {
    expect(failure(id, observations({ lost: ['dbd-88', 'dbd-89'] }))).toBe(
      '2 message(s) were skipped: their offsets were committed but they have no outcome (e.g. dbd-88); connections terminated: 4, 4, 3',
    );
  });
});

describe('atomic.no_double_apply_on_connection_drop', () => {
  const id = 'atomic.no_double_apply_on_connection_drop';
  const title = 'Stock disagrees with the applied messages after terminated connections';

  it('passes when each message has one outcome and stock is the seed plus the applied messages', () => {
    expect(verdict(id, observations())).not.toThrow();
  });

  it('fails an unfinished workload with how many messages were processed', () => {
    expect(failure(id, observations(incomplete()))).toBe('only 297 of 300 messages were processed, so the invariant cannot hold for the workload');
  });

  it('names a message recorded again after its connection was terminated', () => {
    expect(failure(id, observations({ counts: counts({ 'dbd-17': 2, 'dbd-140': 2 }) }))).toBe(
      'After terminated connections: expected exactly one outcome for each of 300 messages; 2 message id(s) have 2+ outcome rows (e.g. dbd-17 has 2)',
    );
  });

  it('shows stock above the applied messages (a +4 applied again on retry)', () => {
    expect(failure(id, observations({ stock: stock({ DB3: 10_008 }) }))).toBe(`${title}: 1 of 20 SKUs wrong, 1 above expected (DB3 expected 10004, got 10008 (+4))`);
  });

  it('shows stock below the applied messages (a +5 recorded as applied that never took effect)', () => {
    expect(failure(id, observations({ stock: stock({ DB7: 10_004 }) }))).toBe(`${title}: 1 of 20 SKUs wrong, 1 below (DB7 expected 10009, got 10004 (-5))`);
  });

  it('counts SKUs above and below apart when both happen', () => {
    expect(failure(id, observations({ stock: stock({ DB1: 10_009, DB16: 9_990 }) }))).toBe(
      `${title}: 2 of 20 SKUs wrong, 1 above expected, 1 below (DB1 expected 10012, got 10009 (-3); DB16 expected 9985, got 9990 (+5))`,
    );
  });
});

describe('consumer_offsets.progress_after_connection_drop', () => {
  const id = 'consumer_offsets.progress_after_connection_drop';
  const stuck = IDS.slice(260);

  it('passes when every message got an outcome', () => {
    expect(verdict(id, observations())).not.toThrow();
  });

  it('reports the stall that stopped the terminations', () => {
    const stalledAt = 'target stalled: 61 of 300 messages had an outcome after 20 s (waiting for 135)';
    expect(failure(id, observations({ terminated: [4], missing: IDS.slice(61), stalledAt }))).toBe(stalledAt);
  });

  it('counts the messages without an outcome when processing stopped later', () => {
    expect(failure(id, observations({ missing: stuck }))).toBe('processing stopped after connections were terminated: 40 of 300 messages never got an outcome');
  });

  it('names the replica that crashed on a terminated connection', () => {
    const crash = 'replica r2 exited with code 1: Error: Connection terminated unexpectedly';
    expect(failure(id, observations({ missing: stuck, crashes: [crash] }))).toBe(
      `processing stopped after connections were terminated: 40 of 300 messages never got an outcome (${crash})`,
    );
  });
});
