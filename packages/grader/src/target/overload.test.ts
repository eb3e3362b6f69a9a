import { describe, expect, it } from 'vitest';
import type { ThreadTimes } from '../engine/starvation-meter.ts';
import { CpuStarvation, type CpuWaiter } from './cpu-wait.ts';
import { noteIfOverloaded, noteOverload, overloadDuring, OwnThreadsLatency, takeOverloadNotes } from './overload.ts';

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
  const starved = (): OwnThreadsLatency => new OwnThreadsLatency(reader(times({ 1: [0, 0, 0] }), times({ 1: [0, 50e6, 10] }))); // 5 ms

  it('says nothing when the allowance covered the target\'s CPU wait, however starved the grader', () => {
    expect(overloadDuring(59_000, 60_000, starved())).toBeUndefined();
  });

  it('says nothing of a target past its allowance on a machine where the grader was not starved (its own CPU quota held it)', () => {
    expect(overloadDuring(75_000, 60_000, calm())).toBeUndefined();
    expect(overloadDuring(75_000, 60_000, new OwnThreadsLatency(() => undefined))).toBeUndefined();
  });

  it('names both when the target waited past its allowance and the grader was starved', () => {
    expect(overloadDuring(75_400, 60_000, starved())).toBe(
      "the target's processes waited 75 s for a busy CPU during the wait (the wait allows 60 s for that) and the grader's own threads waited 5.0 ms for a CPU each time they were scheduled (3 ms is starved)",
    );
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

  it('CpuStarvation notes a wait past its cap on a starved machine, and only then', () => {
    takeOverloadNotes();
    const member: CpuWaiter & { waited: number } = { waited: 1_000, cpuWaitMs() { return this.waited; } };
    const starved = (): OwnThreadsLatency => new OwnThreadsLatency(reader(times({ 1: [0, 0, 0] }), times({ 1: [0, 40e6, 10] })));
    const starvation = new CpuStarvation(() => [member], 2_000);
    member.waited = 2_500;
    expect(starvation.noteIfOverloaded(starved())).toBe(false);
    member.waited = 4_000;
    expect(starvation.ms()).toBe(2_000);
    expect(starvation.rawMs()).toBe(3_000);
    expect(noteIfOverloaded(3_000, 2_000, new OwnThreadsLatency(reader(times({ 1: [0, 0, 0] }), times({ 1: [0, 1e6, 10] }))))).toBe(false);
    expect(takeOverloadNotes()).toEqual([]);
    expect(starvation.noteIfOverloaded(starved())).toBe(true);
    expect(takeOverloadNotes()).toEqual([
      "the target's processes waited 3 s for a busy CPU during the wait (the wait allows 2 s for that) and the grader's own threads waited 4.0 ms for a CPU each time they were scheduled (3 ms is starved)",
    ]);
  });
});
