import { describe, expect, it } from 'vitest';
import { StarvationMeter } from './starvation-meter.ts';

function scripted(samples: [string, number, number][][]) {
  let clock = 0;
  const meter = new StarvationMeter(
    () => {
      const next = samples.shift();
      clock += 2_000;
      return next ? (new Map(next.map(([tid, runNs, waitNs]) => [tid, { runNs, waitNs }]))) : undefined;
    },
    2_000,
    () => clock,
  );
  return meter;
}

describe('StarvationMeter', () => {
  it('is the share of runnable time the threads spent waiting, between samples, over threads seen in both', () => {
    const meter = scripted([
      [['1', 100, 0], ['2', 0, 0]],
      // Thread 1 ran 100 and waited 300; thread 2 ran 100 and waited 500; thread 3 is new (not counted yet).
      [['1', 200, 300], ['2', 100, 500], ['3', 1e9, 1e9]],
      // Thread 2 ended; thread 3 ran 100 and waited 0.
      [['1', 300, 300], ['3', 1e9 + 100, 1e9]],
    ]);
    meter.sample();
    meter.sample();
    // The third sample is taken by recentWaitShare itself: 300 + 500 waited of 200 + 800 + 200 runnable.
    expect(meter.recentWaitShare()).toBeCloseTo(800 / 1200, 6);
  });

  it('looks only at the window asked for', () => {
    const meter = scripted([[['1', 0, 0]], [['1', 100, 900]], [['1', 1100, 900]]]);
    meter.sample();
    meter.sample();
    // Last 2 s: the last step only (ran 1000, waited 0).
    expect(meter.recentWaitShare(2_000)).toBe(0);
  });

  it('says nothing without schedstat', () => {
    expect(scripted([]).recentWaitShare()).toBeUndefined();
  });
});
