import { readOwnThreads, STARVED_LATENCY_MS, type ThreadTimes } from '../engine/starvation-meter.ts';

/**
 * How long the grader's own threads waited on a run queue each time they were scheduled, since
 * this was made: the checks run in worker threads of the grader's process, so this is the CPU its
 * waits, producers and queries got while a wait on the target ran.
 */
export class OwnThreadsLatency {
  private readonly start: ThreadTimes | undefined;
  /** When it was made (ms epoch). */
  readonly at = Date.now();

  constructor(private readonly read: () => ThreadTimes | undefined = readOwnThreads) {
    this.start = read();
  }

  /** Mean run-queue wait per scheduling of the threads seen at both ends, in ms; undefined without any. */
  sinceMs(): number | undefined {
    const now = this.read();
    if (!this.start || !now) return undefined;
    let waitNs = 0;
    let slices = 0;
    for (const [tid, end] of now) {
      const begin = this.start.get(tid);
      if (!begin) continue;
      waitNs += end.waitNs - begin.waitNs;
      slices += end.slices - begin.slices;
    }
    return slices > 0 ? waitNs / slices / 1e6 : undefined;
  }
}

/**
 * Why a wait on the target that ran out proves nothing about it, or undefined when it does: the
 * grader's own threads were starved while it ran (STARVED_LATENCY_MS, engine/starvation-meter.ts).
 * Not the target's own CPU wait: time a target spends throttled by its own CPU quota counts there
 * too (a thread held to 10 % of a CPU for 2.5 s showed 2.2 s of run_delay), and a submission that
 * spins must not earn "no verdict". Its cgroup is one scheduling entity beside the grader's
 * threads, so its spinning hardly delays them; CPU hogs and other grades outside it do.
 */
export function overloadDuring(own: OwnThreadsLatency): string | undefined {
  const latency = own.sinceMs();
  if (latency !== undefined && latency >= STARVED_LATENCY_MS) {
    return `the grader's own threads waited ${latency.toFixed(1)} ms for a CPU each time they were scheduled during the wait (${STARVED_LATENCY_MS} ms is starved)`;
  }
  return undefined;
}

/**
 * What the waits of the scenario running in this thread found overloaded (one scenario at a time
 * runs in a worker thread: engine/scenario.ts clears it when one begins and reads it when it ends).
 */
const notes: string[] = [];

export function noteOverload(note: string): void {
  if (!notes.includes(note)) notes.push(note);
}

/** Notes a wait that ran out as overloaded when it was, since `own` began; returns whether it was. */
export function noteIfOverloaded(own: OwnThreadsLatency): boolean {
  const note = overloadDuring(own);
  if (note) noteOverload(note);
  return note !== undefined;
}

/** The notes since the last call, emptied. */
export function takeOverloadNotes(): string[] {
  return notes.splice(0, notes.length);
}
