import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { GradingContext } from './grading-context.ts';
import { ExclusiveTurn, TurnCancelled } from './exclusive-turn.ts';
import { exclusiveSpec, SCENARIOS_AT_ONCE } from './run-checks.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function turn(neighbours: number, waitMs = 5_000): ExclusiveTurn {
  const dir = mkdtempSync(join(tmpdir(), 'grader-turn-test-'));
  dirs.push(dir);
  const turn = ExclusiveTurn.of({ exclusive: { scenario: 'throughput', dir, neighbours, waitMs } } as unknown as GradingContext);
  if (!turn) throw new Error('no turn');
  return turn;
}

const settledWithin = async (promise: Promise<unknown>, ms: number): Promise<boolean> =>
  Promise.race([promise.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);

describe('ExclusiveTurn', () => {
  it('has no turn when the exclusive scenario is not in the run', () => {
    expect(ExclusiveTurn.of({} as GradingContext)).toBeUndefined();
  });

  it('lets the exclusive scenario measure only once every neighbour started and waits or ended', async () => {
    const t = turn(3);
    await t.started('a');
    await t.started('b');
    const waiting = t.neighboursWaiting(5_000);
    const parkedA = t.waitForTurn('a');
    expect(await settledWithin(waiting, 150)).toBe(false);
    t.finished('b'); // ended before its wait (a target that never became ready)
    expect(await settledWithin(waiting, 150)).toBe(false); // only two of three began
    await t.started('c');
    const parkedC = t.waitForTurn('c');
    expect(await waiting).toBe(2);
    expect(await settledWithin(parkedA, 100)).toBe(false);
    t.finish();
    expect(await settledWithin(Promise.all([parkedA, parkedC]), 500)).toBe(true);
  });

  it('gives up waiting after its bound: a worker that died never says it finished', async () => {
    const t = turn(1, 200);
    const from = Date.now();
    await t.waitForTurn('a');
    expect(Date.now() - from).toBeGreaterThanOrEqual(200);
    const waited = Date.now();
    await t.started('b'); // never waits nor ends
    expect(await t.neighboursWaiting(100)).toBe(1);
    expect(Date.now() - waited).toBeGreaterThanOrEqual(100);
  });

  it('holds a scenario that begins while the exclusive one measures before it sets anything up', async () => {
    const t = turn(1);
    await t.started('a');
    t.finished('a'); // its target never became ready; its worker takes the next file
    expect(await t.neighboursWaiting(1_000)).toBe(0);
    const late = t.started('b');
    expect(await settledWithin(late, 150)).toBe(false);
    t.finish();
    expect(await settledWithin(late, 500)).toBe(true);
  });

  it('ends every wait with TurnCancelled when the run is cancelled', async () => {
    const t = turn(1);
    await t.started('a');
    const parked = t.waitForTurn('a').catch((error: unknown) => error);
    ExclusiveTurn.cancel(dirs[0] ?? '');
    expect(await parked).toBeInstanceOf(TurnCancelled);
  });
});

describe('exclusiveSpec', () => {
  it('is set only when a throughput check is selected, with one neighbour per other worker at most', () => {
    expect(exclusiveSpec(['race.hot_sku_all_applied'], '/d')).toBeUndefined();
    expect(exclusiveSpec(['locking.partitions_in_parallel'], '/d')).toMatchObject({ scenario: 'throughput', neighbours: 0 });
    expect(exclusiveSpec(['locking.partitions_in_parallel', 'race.hot_sku_all_applied', 'race.hot_sku_restocks_conserved'], '/d')).toMatchObject({ neighbours: 1 });
    const all = ['locking.partitions_in_parallel', 'race.hot_sku_all_applied', 'race.oversell_conserved', 'race.orders_conserved', 'idempotency.one_outcome_per_id', 'consumer_offsets.committed_to_end', 'race.sequential_final_stock'];
    expect(exclusiveSpec(all, '/d')).toMatchObject({ neighbours: SCENARIOS_AT_ONCE - 1 });
  });
});
