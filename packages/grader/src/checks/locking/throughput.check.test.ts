import { describe, expect, it } from 'vitest';
import { judge } from '../../engine/scenario.ts';
import type { Rate } from './speedup.ts';
import scenario from './throughput.check.ts';

type Obs = Parameters<(typeof scenario.checks)[string]>[0];

const PARTITIONS = 'locking.partitions_in_parallel';
const REPLICAS = 'locking.replicas_in_parallel';

const rate = (perSecond: number, upperBound = false): Rate => ({ perSecond, upperBound });
const SINGLE = rate(18.6);

/** "passed", or the failure message of check `id` on `o`. */
const verdict = (id: string, o: Obs): string => judge(scenario, id, o);

/** What a correct target produces: x5.2 on six partitions, x2.8 on three replicas. */
function observations(overrides: Partial<Obs> = {}): Obs {
  return { single: SINGLE, partitions: [rate(96.7)], replicas: [rate(52.1)], ...overrides };
}

describe('throughput scenario', () => {
  it('has exactly the checks these tests cover', () => {
    expect(Object.keys(scenario.checks).sort()).toEqual([PARTITIONS, REPLICAS]);
  });
});

describe('locking.partitions_in_parallel', () => {
  it('passes when six partitions run well above x1.25', () => {
    expect(verdict(PARTITIONS, observations())).toBe('passed');
  });

  it('passes on the better of two measurements near the threshold', () => {
    expect(verdict(PARTITIONS, observations({ partitions: [rate(22.3), rate(24.4)] }))).toBe('passed');
  });

  it('suspects a global lock when six partitions run no faster than one', () => {
    expect(verdict(PARTITIONS, observations({ partitions: [rate(19.2)] }))).toBe(
      'Global lock suspected: 6 busy partitions on 1 replica ran at 19.2 msg/s (x1.03) vs 18.6 msg/s for 1 partition, need x1.25',
    );
  });

  it('says a round cut off early was at most that fast', () => {
    expect(verdict(PARTITIONS, observations({ partitions: [rate(20.1, true)] }))).toBe(
      'Global lock suspected: 6 busy partitions on 1 replica ran at at most 20.1 msg/s (at most x1.08) vs 18.6 msg/s for 1 partition, need x1.25',
    );
  });

  it('reports both measurements when both stay below the threshold', () => {
    expect(verdict(PARTITIONS, observations({ partitions: [rate(21.9), rate(22.5)] }))).toBe(
      'Global lock suspected: 6 busy partitions on 1 replica ran at 21.9 msg/s (x1.18), then 22.5 msg/s (x1.21) when measured again (the first was within x1.1-x1.4) vs 18.6 msg/s for 1 partition, need x1.25',
    );
  });

  it('reports why the single-partition rate was never measured', () => {
    expect(verdict(PARTITIONS, { failure: '50 messages were not processed within 30 s' })).toBe('50 messages were not processed within 30 s');
  });

  it('reports why the round itself was never measured', () => {
    expect(verdict(PARTITIONS, { single: SINGLE, failure: 'replica r1 exited with code 1: Error: deadlock detected' })).toBe('replica r1 exited with code 1: Error: deadlock detected');
  });

  it('says "not measured" when nothing was measured and no reason was recorded', () => {
    expect(verdict(PARTITIONS, {})).toBe('not measured');
  });
});

describe('locking.replicas_in_parallel', () => {
  it('passes when three replicas run well above x1.25', () => {
    expect(verdict(REPLICAS, observations())).toBe('passed');
  });

  it('passes on the better of two measurements near the threshold', () => {
    expect(verdict(REPLICAS, observations({ replicas: [rate(25.1), rate(22.0)] }))).toBe('passed');
  });

  it('suspects a lock across replicas when three replicas run no faster than one', () => {
    expect(verdict(REPLICAS, observations({ replicas: [rate(18.9)] }))).toBe(
      'Lock across replicas suspected: 3 replicas ran at 18.9 msg/s (x1.02) vs 18.6 msg/s for 1 partition, need x1.25',
    );
  });

  it('says a round cut off early was at most that fast', () => {
    expect(verdict(REPLICAS, observations({ replicas: [rate(19.5, true)] }))).toBe(
      'Lock across replicas suspected: 3 replicas ran at at most 19.5 msg/s (at most x1.05) vs 18.6 msg/s for 1 partition, need x1.25',
    );
  });

  it('reports both measurements when the second, cut off early, is no better', () => {
    expect(verdict(REPLICAS, observations({ replicas: [rate(22.9), rate(20.4, true)] }))).toBe(
      'Lock across replicas suspected: 3 replicas ran at 22.9 msg/s (x1.23), then at most 20.4 msg/s (at most x1.10) when measured again (the first was within x1.1-x1.4) vs 18.6 msg/s for 1 partition, need x1.25',
    );
  });

  it('reports why the replicas round was never measured, while the partitions round still passes', () => {
    const o: Obs = { single: SINGLE, partitions: [rate(96.7)], failure: 'target not ready after 30 s: group PreparingRebalance with 2 of 3 member(s) holding partitions [3, 3]' };
    expect(verdict(REPLICAS, o)).toBe('target not ready after 30 s: group PreparingRebalance with 2 of 3 member(s) holding partitions [3, 3]');
    expect(verdict(PARTITIONS, o)).toBe('passed');
  });

  it('says "not measured" when nothing was measured and no reason was recorded', () => {
    expect(verdict(REPLICAS, {})).toBe('not measured');
  });
});
