import { describe, expect, it } from 'vitest';
import type { ThreadTimes } from '../engine/starvation-meter.ts';
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
  it('says nothing of a wait on a calm machine', () => {
    expect(overloadDuring(new OwnThreadsLatency(reader(times({ 1: [0, 0, 0] }), times({ 1: [0, 4e6, 10] }))))).toBeUndefined(); // 0.4 ms
    expect(overloadDuring(new OwnThreadsLatency(() => undefined))).toBeUndefined();
  });

  it('names the grader\'s own starvation', () => {
    expect(overloadDuring(new OwnThreadsLatency(reader(times({ 1: [0, 0, 0] }), times({ 1: [0, 50e6, 10] }))))).toBe(
      "the grader's own threads waited 5.0 ms for a CPU each time they were scheduled during the wait (3 ms is starved)",
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

  it('noteIfOverloaded notes a starved wait, and only that', () => {
    takeOverloadNotes();
    expect(noteIfOverloaded(new OwnThreadsLatency(reader(times({ 1: [0, 0, 0] }), times({ 1: [0, 1e6, 10] }))))).toBe(false);
    expect(takeOverloadNotes()).toEqual([]);
    expect(noteIfOverloaded(new OwnThreadsLatency(reader(times({ 1: [0, 0, 0] }), times({ 1: [0, 40e6, 10] }))))).toBe(true);
    expect(takeOverloadNotes()).toEqual(["the grader's own threads waited 4.0 ms for a CPU each time they were scheduled during the wait (3 ms is starved)"]);
  });
});
