import { describe, expect, it } from 'vitest';
import { judge } from '../../engine/scenario.ts';
import type { StopResult } from '../../target/replica.ts';
import scenario from './rebalance.check.ts';
import { mapWith, outcomeRows } from '../test-observations.ts';

type Obs = Parameters<(typeof scenario.checks)[string]>[0];

const IDS = Array.from({ length: 900 }, (_, i) => `rbl-${i}`);
/** Seed 0 plus the restocks recorded as applied, per SKU (900 restocks of 1..3 over six SKUs). */
const EXPECTED: Record<string, number> = { RB1: 301, RB2: 296, RB3: 312, RB4: 288, RB5: 305, RB6: 298 };
const EXITED_AT = 1_767_000_000_000;

const stock = (changes: Record<string, number> = {}): Map<string, number> => mapWith(EXPECTED, changes);

const counts = (changes: Record<string, number> = {}): Map<string, number> => outcomeRows(IDS, changes);

function stop(changes: Partial<StopResult> = {}): StopResult {
  return { graceful: true, exit: { code: 0, signal: null, at: EXITED_AT }, durationMs: 840, ...changes };
}

/** What a correct target leaves: every restock applied once, the SIGTERMed replica gone from the group at once. */
function observations(changes: Partial<Obs> = {}): Obs {
  return { stock: stock(), expected: stock(), counts: counts(), ids: IDS, stop: stop(), leftAfterMs: 120, ...changes };
}

/** The stall `waitForProgress` reports when the target does not reach the next event. */
const STALL = 'target stalled: 52 of 300 messages had an outcome after 20 s (waiting for 90)';
const STOCK_TITLE = 'Stock disagrees with the restocks recorded as applied across rebalances (below: effects lost, above: more than the applied restocks account for)';

const verdict = (id: string, o: Obs) => () => scenario.checks[id]!(o);

/** The failure message of check `id` on `o` ("passed" when it passes). */
const failure = (id: string, o: Obs): string => judge(scenario, id, o);

describe('race.conserved_across_rebalances', () => {
  const id = 'race.conserved_across_rebalances';

  it('passes when stock is the seed plus every applied restock and all 900 have an outcome', () => {
    expect(verdict(id, observations())).not.toThrow();
  });

  it('says stock below the applied restocks (effects lost in a rebalance)', () => {
    expect(failure(id, observations({ stock: stock({ RB2: 280, RB5: 303 }) }))).toBe(
      `${STOCK_TITLE}: 2 of 6 SKUs wrong, 2 below (RB2 expected 296, got 280 (-16); RB5 expected 305, got 303 (-2))`,
    );
  });

  it('says stock above the applied restocks (a batch applied again after a rebalance)', () => {
    expect(failure(id, observations({ stock: stock({ RB4: 291 }) }))).toBe(`${STOCK_TITLE}: 1 of 6 SKUs wrong, 1 above expected (RB4 expected 288, got 291 (+3))`);
  });

  it('counts SKUs above and below apart when both happen', () => {
    expect(failure(id, observations({ stock: stock({ RB1: 250, RB3: 315 }) }))).toBe(
      `${STOCK_TITLE}: 2 of 6 SKUs wrong, 1 above expected, 1 below (RB1 expected 301, got 250 (-51); RB3 expected 312, got 315 (+3))`,
    );
  });

  it('says how many restocks never got an outcome', () => {
    expect(failure(id, observations({ counts: counts({ 'rbl-898': 0, 'rbl-899': 0 }) }))).toBe('only 898 of 900 restocks were processed across rebalances');
  });

  it('reports a stall before the events with the stall', () => {
    expect(failure(id, observations({ stalled: STALL, stock: stock({ RB1: 120 }) }))).toBe(STALL);
  });
});

describe('idempotency.exactly_once_across_rebalances', () => {
  const id = 'idempotency.exactly_once_across_rebalances';

  it('passes with exactly one outcome row per restock', () => {
    expect(verdict(id, observations())).not.toThrow();
  });

  it('names restocks without an outcome', () => {
    expect(failure(id, observations({ counts: counts({ 'rbl-610': 0, 'rbl-611': 0, 'rbl-612': 0 }) }))).toBe(
      'Across rebalances: expected exactly one outcome for each of 900 messages; 3 have none (e.g. rbl-610)',
    );
  });

  it('names restocks recorded twice', () => {
    expect(failure(id, observations({ counts: counts({ 'rbl-301': 2, 'rbl-302': 2 }) }))).toBe(
      'Across rebalances: expected exactly one outcome for each of 900 messages; 2 message id(s) have 2+ outcome rows (e.g. rbl-301 has 2)',
    );
  });

  it('names both at once', () => {
    expect(failure(id, observations({ counts: counts({ 'rbl-301': 3, 'rbl-899': 0 }) }))).toBe(
      'Across rebalances: expected exactly one outcome for each of 900 messages; 1 message id(s) have 2+ outcome rows (e.g. rbl-301 has 3); 1 have none (e.g. rbl-899)',
    );
  });
});

describe('consumer_offsets.sigterm_drains_and_leaves', () => {
  const id = 'consumer_offsets.sigterm_drains_and_leaves';

  it('passes when the replica exits 0 within the grace period and leaves the group', () => {
    expect(verdict(id, observations())).not.toThrow();
  });

  it('reports the stall that kept the scenario from stopping a replica', () => {
    const { stop: _stop, leftAfterMs: _left, ...o } = observations({ stalled: STALL });
    expect(failure(id, o)).toBe(STALL);
  });

  it('says when there was no replica to stop', () => {
    const { stop: _stop, leftAfterMs: _left, ...o } = observations();
    expect(failure(id, o)).toBe('no replica to stop');
  });

  it('says a replica that hung on SIGTERM was killed', () => {
    const o = observations({ stop: stop({ graceful: false, exit: { code: null, signal: 'SIGKILL', at: EXITED_AT }, durationMs: 10_000 }) });
    expect(failure(id, o)).toBe('a replica did not exit within 10 s of SIGTERM and was killed');
  });

  it('says a replica that crashed on SIGTERM exited with a code', () => {
    expect(failure(id, observations({ stop: stop({ exit: { code: 1, signal: null, at: EXITED_AT } }) }))).toBe('a replica exited with code 1 on SIGTERM, expected code 0');
  });

  it('names the signal a replica died of', () => {
    expect(failure(id, observations({ stop: stop({ exit: { code: null, signal: 'SIGABRT', at: EXITED_AT } }) }))).toBe('a replica exited with SIGABRT on SIGTERM, expected code 0');
  });

  it('quotes the data race a replica stopped on', () => {
    const race = {
      access: { kind: 'Write', address: '0x00c0001a4060', by: 'goroutine 23', frame: 'main.(*stockCache).put()', location: 'cache.go:31' },
      previous: { kind: 'Previous read', address: '0x00c0001a4060', by: 'goroutine 25', frame: 'main.(*stockCache).get()', location: 'cache.go:24' },
      complete: true,
    };
    expect(failure(id, observations({ stop: stop({ exit: { code: 66, signal: null, at: EXITED_AT }, race }) }))).toBe(
      'a replica exited with code 66 on SIGTERM, expected code 0: it stopped on a data race (Go race detector): Write at 0x00c0001a4060 by goroutine 23 in main.(*stockCache).put() cache.go:31; previous read by goroutine 25 in main.(*stockCache).get() cache.go:24',
    );
  });

  it('says when the group still counted the stopped replica', () => {
    const { leftAfterMs: _left, ...o } = observations();
    expect(failure(id, o)).toBe('the group still counted the stopped replica 3 s after it exited: it never left the group');
  });
});
