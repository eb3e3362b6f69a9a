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
 * target's processes waited for a busy CPU longer than the wait's allowance for that (so they did
 * not get the wait's bound of CPU), and the machine, not the target, is what kept them waiting:
 * the grader's own threads were starved too (STARVED_LATENCY_MS, engine/starvation-meter.ts).
 * Both, because each alone misleads: a target throttled by its own CPU quota shows the first (a
 * thread held to 10 % of a CPU for 2.5 s had 2.2 s of run_delay), and spinning must not earn "no
 * verdict"; the second comes and goes with two validations at once (3.1 ms while a crashed
 * target's wait ran out), and a crash is a verdict whatever the load.
 */
export function overloadDuring(targetWaitedMs: number, allowanceMs: number, own: OwnThreadsLatency): string | undefined {
  if (targetWaitedMs <= allowanceMs) return undefined;
  const latency = own.sinceMs();
  if (latency === undefined || latency < STARVED_LATENCY_MS) return undefined;
  return `the target's processes waited ${Math.round(targetWaitedMs / 1000)} s for a busy CPU during the wait (the wait allows ${Math.round(allowanceMs / 1000)} s for that) and the grader's own threads waited ${latency.toFixed(1)} ms for a CPU each time they were scheduled (${STARVED_LATENCY_MS} ms is starved)`;
}

/**
 * What the waits of the scenario running in this thread found overloaded (one scenario at a time
 * runs in a worker thread: engine/scenario.ts clears it when one begins and reads it when it ends).
 */
const notes: string[] = [];

export function noteOverload(note: string): void {
  if (!notes.includes(note)) notes.push(note);
}

/** Notes a wait that ran out as overloaded when it was (overloadDuring), since `own` began; returns whether it was. */
export function noteIfOverloaded(targetWaitedMs: number, allowanceMs: number, own: OwnThreadsLatency): boolean {
  const note = overloadDuring(targetWaitedMs, allowanceMs, own);
  if (note) noteOverload(note);
  return note !== undefined;
}

/** The notes since the last call, emptied. */
export function takeOverloadNotes(): string[] {
  return notes.splice(0, notes.length);
}
