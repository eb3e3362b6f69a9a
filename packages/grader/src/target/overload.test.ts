import { describe, expect, it } from 'vitest';
import type { ThreadTimes } from '../engine/starvation-meter.ts';
import { CpuStarvation } from './cpu-wait.ts';
import { noteOverload, overloadDuring, OwnThreadsLatency, takeOverloadNotes, waitRecord } from './overload.ts';

const times = (entries: Record<string, [number, number, number]>): ThreadTimes =>
  new Map(Object.entries(entries).map(([tid, [runNs, waitNs, slices]]) => [tid, { runNs, waitNs, slices }]));

/** A reader returning `samples` in turn. */
const reader = (...samples: ThreadTimes[]): (() => ThreadTimes) => {
  let i = 0;
  return () => samples[Math.min(i++, samples.length - 1)] as ThreadTimes;
};

describe('OwnThreadsLatency', () => {
  it('is the run-queue wait per scheduling of the threads seen at both ends, in ms', () => {
    // Thread 1: 40 ms waited over 10 schedulings; thread 2: 20 ms over 10; thread 3 is new (not counted).
    const own = new OwnThreadsLatency(reader(times({ 1: [0, 0, 0], 2: [0, 5e6, 5] }), times({ 1: [1e9, 40e6, 10], 2: [1e9, 25e6, 15], 3: [0, 9e9, 1] })));
    expect(own.sinceMs()).toBeCloseTo(3, 6);
  });

  it('is undefined without a scheduling in between, or without /proc', () => {
    expect(new OwnThreadsLatency(reader(times({ 1: [0, 0, 3] }), times({ 1: [0, 0, 3] }))).sinceMs()).toBeUndefined();
    expect(new OwnThreadsLatency(() => undefined).sinceMs()).toBeUndefined();
  });

  it('reads this process\'s own threads', () => {
    const own = new OwnThreadsLatency();
    let spin = 0;
    for (let i = 0; i < 5e6; i += 1) spin += i;
    expect(spin).toBeGreaterThan(0);
    const latency = own.sinceMs();
    expect(latency === undefined || latency >= 0).toBe(true);
  });
});

describe('overloadDuring', () => {
  const calm = (): OwnThreadsLatency => new OwnThreadsLatency(reader(times({ 1: [0, 0, 0] }), times({ 1: [0, 4e6, 10] }))); // 0.4 ms

  it('says nothing when the allowance covered what the machine made the target wait', () => {
    expect(overloadDuring(59_000, 80_000, 60_000, calm())).toBeUndefined();
  });

  it('names the wait past the allowance, what the quota added, and the grader\'s latency for the record', () => {
    expect(overloadDuring(75_400, 2_000, 60_000, calm())).toBe(
      "the machine kept the target's processes waiting 75 s for a CPU during the wait (it allows 60 s for that; 2 s more were its own CPU quota), the grader's own threads 0.4 ms per scheduling",
    );
    expect(overloadDuring(75_400, 0, 60_000, new OwnThreadsLatency(() => undefined))).toBe("the machine kept the target's processes waiting 75 s for a CPU during the wait (it allows 60 s for that; 0 s more were its own CPU quota)");
  });

  it('the record of a wait that was judged', () => {
    expect(waitRecord(4_210, 900, calm())).toBe("the target's processes waited 4.2 s for a busy CPU and 0.9 s on their own quota, the grader's threads 0.4 ms per scheduling");
  });
});

describe('overload notes', () => {
  it('keeps each note once until taken, then starts empty', () => {
    takeOverloadNotes();
    noteOverload('a');
    noteOverload('a');
    noteOverload('b');
    expect(takeOverloadNotes()).toEqual(['a', 'b']);
    expect(takeOverloadNotes()).toEqual([]);
  });

  it('CpuStarvation notes a wait past its cap, counting only what the machine made it wait (not its own quota)', () => {
    takeOverloadNotes();
    const member = { waited: 1_000, throttled: 500, cpuWaitMs() { return this.waited; }, throttledMs() { return this.throttled; } };
    const calm = (): OwnThreadsLatency => new OwnThreadsLatency(reader(times({ 1: [0, 0, 0] }), times({ 1: [0, 1e6, 10] })));
    const starvation = new CpuStarvation(() => [member], 2_000);
    // 3 s of waiting, all of it its own quota: a spinning target, its verdict.
    member.waited = 4_000;
    member.throttled = 3_500;
    expect(starvation.rawMs()).toBe(3_000);
    expect(starvation.machineMs()).toEqual({ waitedMs: 0, throttledMs: 3_000 });
    expect(starvation.noteIfOverloaded(calm())).toBe(false);
    expect(takeOverloadNotes()).toEqual([]);
    // 3 s more, none of it quota: past the 2 s cap.
    member.waited = 7_000;
    expect(starvation.machineMs()).toEqual({ waitedMs: 3_000, throttledMs: 3_000 });
    expect(starvation.noteIfOverloaded(calm())).toBe(true);
    expect(takeOverloadNotes()).toEqual([
      "the machine kept the target's processes waiting 3 s for a CPU during the wait (it allows 2 s for that; 3 s more were its own CPU quota), the grader's own threads 0.1 ms per scheduling",
    ]);
    // A member without a quota reading counts its whole wait.
    expect(new CpuStarvation(() => [{ cpuWaitMs: () => 0 }]).machineMs()).toEqual({ waitedMs: 0, throttledMs: 0 });
  });
});
