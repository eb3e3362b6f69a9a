import { describe, expect, it } from 'vitest';
import { judge } from '../../engine/scenario.ts';
import type { Measurement, Rate } from './speedup.ts';
import scenario from './throughput.check.ts';

type Obs = Parameters<(typeof scenario.checks)[string]>[0];

const PARTITIONS = 'locking.partitions_in_parallel';
const REPLICAS = 'locking.replicas_in_parallel';

const rate = (perSecond: number, upperBound = false): Rate => ({ perSecond, upperBound });
/** A round at `perSecond` between one-partition baselines of 18.6 and 19.4 msg/s. */
const m = (perSecond: number, upperBound = false): Measurement => ({ rate: rate(perSecond, upperBound), before: rate(18.6), after: rate(19.4) });

/** "passed", or the failure message of check `id` on `o`. */
const verdict = (id: string, o: Obs): string => judge(scenario, id, o);

/** What a correct target produces: x5.1 on six partitions, x2.7 on three replicas. */
function observations(overrides: Partial<Obs> = {}): Obs {
  return { partitions: [m(96.7)], replicas: [m(52.1)], ...overrides };
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

  it('passes when the mean of two measurements near the threshold reaches it', () => {
    expect(verdict(PARTITIONS, observations({ partitions: [m(22.8), m(25.4)] }))).toBe('passed');
  });

  it('suspects a global lock when six partitions run no faster than one', () => {
    expect(verdict(PARTITIONS, observations({ partitions: [m(19.6)] }))).toBe(
      'Global lock suspected: 6 busy partitions on 1 replica ran at 19.6 msg/s vs 18.6 and 19.4 msg/s for 1 partition before and after (x1.03), need x1.25',
    );
  });

  it('says a round cut off early was at most that fast', () => {
    expect(verdict(PARTITIONS, observations({ partitions: [m(20.1, true)] }))).toBe(
      'Global lock suspected: 6 busy partitions on 1 replica ran at at most 20.1 msg/s vs 18.6 and 19.4 msg/s for 1 partition before and after (at most x1.06), need x1.25',
    );
  });

  it('reports both measurements and their mean when the mean stays below the threshold', () => {
    expect(verdict(PARTITIONS, observations({ partitions: [m(25.5), m(19.8)] }))).toBe(
      'Global lock suspected: 6 busy partitions on 1 replica ran at 25.5 msg/s vs 18.6 and 19.4 msg/s for 1 partition before and after (x1.34), then 19.8 msg/s vs 18.6 and 19.4 msg/s for 1 partition before and after (x1.04) when measured again (the first was not clearly outside x1.1-x1.4); mean x1.19, need x1.25',
    );
  });

  it('reports why the first baseline was never measured', () => {
    expect(verdict(PARTITIONS, { failure: '100 messages were not processed within 30 s' })).toBe('100 messages were not processed within 30 s');
  });

  it('reports why the round itself was never measured', () => {
    expect(verdict(PARTITIONS, { failure: 'replica r1 exited with code 1: Error: deadlock detected' })).toBe('replica r1 exited with code 1: Error: deadlock detected');
  });

  it('says "not measured" when nothing was measured and no reason was recorded', () => {
    expect(verdict(PARTITIONS, {})).toBe('not measured');
  });
});

describe('locking.replicas_in_parallel', () => {
  it('passes when three replicas run well above x1.25', () => {
    expect(verdict(REPLICAS, observations())).toBe('passed');
  });

  it('passes when the mean of two measurements near the threshold reaches it', () => {
    expect(verdict(REPLICAS, observations({ replicas: [m(26.3), m(23.0)] }))).toBe('passed');
  });

  it('suspects a lock across replicas when three replicas run no faster than one', () => {
    expect(verdict(REPLICAS, observations({ replicas: [m(18.9)] }))).toBe(
      'Lock across replicas suspected: 3 replicas ran at 18.9 msg/s vs 18.6 and 19.4 msg/s for 1 partition before and after (x0.99), need x1.25',
    );
  });

  it('says a round cut off early was at most that fast', () => {
    expect(verdict(REPLICAS, observations({ replicas: [m(19.5, true)] }))).toBe(
      'Lock across replicas suspected: 3 replicas ran at at most 19.5 msg/s vs 18.6 and 19.4 msg/s for 1 partition before and after (at most x1.03), need x1.25',
    );
  });

  it('reports both measurements when the second, cut off early, pulls the mean below', () => {
    expect(verdict(REPLICAS, observations({ replicas: [m(23.4), m(20.4, true)] }))).toBe(
      'Lock across replicas suspected: 3 replicas ran at 23.4 msg/s vs 18.6 and 19.4 msg/s for 1 partition before and after (x1.23), then at most 20.4 msg/s vs 18.6 and 19.4 msg/s for 1 partition before and after (at most x1.07) when measured again (the first was not clearly outside x1.1-x1.4); mean at most x1.15, need x1.25',
    );
  });

  it('reports why the replicas round was never measured, while the partitions round still passes', () => {
    const o: Obs = { partitions: [m(96.7)], failure: 'target not ready after 30 s: group PreparingRebalance with 2 of 3 member(s) holding partitions [3, 3]' };
    expect(verdict(REPLICAS, o)).toBe('target not ready after 30 s: group PreparingRebalance with 2 of 3 member(s) holding partitions [3, 3]');
    expect(verdict(PARTITIONS, o)).toBe('passed');
  });

  it('says "not measured" when nothing was measured and no reason was recorded', () => {
    expect(verdict(REPLICAS, {})).toBe('not measured');
  });
});
