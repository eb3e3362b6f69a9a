import { describe, expect, it } from 'vitest';
import { StarvationMeter } from './starvation-meter.ts';

/** A meter fed samples of [tid, waitNs, slices] and a clock that moves 2 s per sample. */
function scripted(samples: [string, number, number][][]) {
  let clock = 0;
  return new StarvationMeter(
    () => {
      const next = samples.shift();
      clock += 2_000;
      return next ? new Map(next.map(([tid, waitNs, slices]) => [tid, { runNs: 0, waitNs, slices }])) : undefined;
    },
    2_000,
    () => clock,
  );
}

describe('StarvationMeter', () => {
  it('is the mean run-queue wait per scheduling between samples, over threads seen in both', () => {
    const meter = scripted([
      [['1', 0, 0], ['2', 0, 0]],
      // Thread 1 waited 3 ms over 1 slice, thread 2 9 ms over 2; thread 3 is new (not counted yet).
      [['1', 3e6, 1], ['2', 9e6, 2], ['3', 1e12, 1e3]],
      // Thread 2 ended; thread 3 waited 0 over 1 slice.
      [['1', 3e6, 1], ['3', 1e12, 1e3 + 1]],
    ]);
    meter.sample();
    meter.sample();
    // The third sample is taken by recentLatencyMs itself: 12 ms over 4 slices.
    expect(meter.recentLatencyMs()).toBeCloseTo(3, 6);
  });

  it('looks only at the window asked for', () => {
    const meter = scripted([[['1', 0, 0]], [['1', 90e6, 1]], [['1', 90e6, 11]]]);
    meter.sample();
    meter.sample();
    // Last 2 s: the last step only (10 slices, no wait).
    expect(meter.recentLatencyMs(2_000)).toBe(0);
    expect(meter.recentLatencyMs(10_000)).toBeCloseTo(90 / 11, 6);
  });

  it('says nothing without schedstat', () => {
    expect(scripted([]).recentLatencyMs()).toBeUndefined();
  });

  it('finds the worst window of a grade, not only the last one', () => {
    // Steps of 2 s: 1 ms, then 10 ms, then 1 ms per slice.
    const meter = scripted([[['1', 0, 0]], [['1', 1e6, 1]], [['1', 11e6, 2]], [['1', 12e6, 3]]]);
    meter.sample();
    meter.sample();
    meter.sample();
    expect(meter.worstLatencyMs(0, 2_000)).toBeCloseTo(10, 6);
    // The clock moved on by one (empty) sample: the last step is within 4 s.
    expect(meter.recentLatencyMs(4_000)).toBeCloseTo(1, 6);
  });
});
