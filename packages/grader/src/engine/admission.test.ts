import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Admission, BUSY_LATENCY_MS, LoadSampler } from './admission.ts';
import { ExclusiveTurn, TurnCancelled } from './exclusive-turn.ts';
import type { GradingContext } from './grading-context.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'grader-admission-test-'));
  dirs.push(dir);
  return dir;
}

function admission(dir: string, most = 4, busyMost = 2): Admission {
  const a = Admission.of({ admission: { dir, most, busyMost } } as unknown as GradingContext);
  if (!a) throw new Error('no admission');
  return a;
}

const latency = (dir: string, ms: number): void => writeFileSync(join(dir, 'latency'), ms.toFixed(2));

const settledWithin = async (promise: Promise<unknown>, ms: number): Promise<boolean> =>
  Promise.race([promise.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);

describe('Admission', () => {
  it('is absent when the run sets no admission', () => {
    expect(Admission.of({} as GradingContext)).toBeUndefined();
  });

  it('lets `most` scenarios in while the machine is not busy, and the next one once a slot is given back', async () => {
    const dir = folder();
    latency(dir, BUSY_LATENCY_MS / 4);
    const held = [admission(dir), admission(dir), admission(dir), admission(dir)];
    for (const [i, a] of held.entries()) await a.enter(`s${i}`);
    const fifth = admission(dir);
    const waiting = fifth.enter('s4');
    expect(await settledWithin(waiting, 300)).toBe(false);
    expect(Admission.queued(dir)).toBe(1);
    held[2]?.leave();
    held[2]?.leave(); // idempotent
    expect(await settledWithin(waiting, 1_000)).toBe(true);
    expect(Admission.queued(dir)).toBe(0);
  });

  it('lets only `busyMost` in while the machine is busy, and the rest once it is not', async () => {
    const dir = folder();
    latency(dir, BUSY_LATENCY_MS * 2);
    await admission(dir).enter('a');
    await admission(dir).enter('b');
    const third = admission(dir).enter('c');
    expect(await settledWithin(third, 400)).toBe(false);
    latency(dir, BUSY_LATENCY_MS / 2);
    expect(await settledWithin(third, 1_000)).toBe(true);
  });

  it('before the first sample, lets in only what a busy machine would', async () => {
    const dir = folder();
    await admission(dir).enter('a');
    await admission(dir).enter('b');
    const third = admission(dir).enter('c');
    expect(await settledWithin(third, 300)).toBe(false);
    ExclusiveTurn.cancel(dir);
    await expect(third).rejects.toBeInstanceOf(TurnCancelled);
  });

  it('ends a wait when the run is cancelled', async () => {
    const dir = folder();
    latency(dir, BUSY_LATENCY_MS * 2);
    await admission(dir, 1, 1).enter('a');
    const waiting = admission(dir, 1, 1).enter('b');
    ExclusiveTurn.cancel(dir);
    await expect(waiting).rejects.toBeInstanceOf(TurnCancelled);
    expect(Admission.queued(dir)).toBe(0);
  });

  it('counts queued scenarios as neighbours of the exclusive one: it measures while they wait to be let in', async () => {
    const dir = folder();
    const turn = ExclusiveTurn.of({ exclusive: { scenario: 'throughput', dir, neighbours: 2, waitMs: 5_000 } } as unknown as GradingContext);
    if (!turn) throw new Error('no turn');
    latency(dir, BUSY_LATENCY_MS * 2);
    await admission(dir, 2, 1).enter('a');
    await turn.started('a');
    const queued = admission(dir, 2, 1).enter('b');
    const measuring = turn.neighboursWaiting(5_000);
    expect(await settledWithin(measuring, 200)).toBe(false); // a is set up but not waiting yet
    const parked = turn.waitForTurn('a');
    expect(await settledWithin(measuring, 1_000)).toBe(true);
    turn.finish();
    await parked;
    latency(dir, 0);
    await queued;
  });
});

describe('LoadSampler', () => {
  it('writes the grader threads\' latency each second, a number readers can parse', async () => {
    const dir = folder();
    const sampler = new LoadSampler(dir).start();
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_300));
      const value = admission(dir).latencyMs();
      expect(value).toBeTypeOf('number');
      expect(value).toBeGreaterThanOrEqual(0);
    } finally {
      sampler.stop();
    }
  });
});
