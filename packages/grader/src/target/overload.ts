import { readOwnThreads, type ThreadTimes } from '../engine/starvation-meter.ts';

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
 * machine made the target's processes wait for a CPU longer than the wait allows for that
 * (`allowanceMs`), beyond what its own CPU quota held them back (`throttledMs` is already taken
 * out of `machineWaitMs`: a thread held to 10 % of a CPU for 2.5 s had 2.2 s of run_delay, and a
 * submission that spins must not earn "no verdict"). The grader's own latency is said too, for
 * the record: it does not decide (two validations at once reached 3.1 ms while a crashed target's
 * wait ran out; beside four CPU hogs and another grade it stayed at 0.3-2.9 ms in 10 s windows
 * while a reference fix's throughput round ran out).
 */
export function overloadDuring(machineWaitMs: number, throttledMs: number, allowanceMs: number, own: OwnThreadsLatency): string | undefined {
  if (machineWaitMs <= allowanceMs) return undefined;
  const latency = own.sinceMs();
  return `the machine kept the target's processes waiting ${Math.round(machineWaitMs / 1000)} s for a CPU during the wait (it allows ${Math.round(allowanceMs / 1000)} s for that; ${Math.round(throttledMs / 1000)} s more were its own CPU quota)${latency === undefined ? '' : `, the grader's own threads ${latency.toFixed(1)} ms per scheduling`}`;
}

/** The numbers behind a wait that ran out and was judged (not overloaded), for its failure message. */
export function waitRecord(machineWaitMs: number, throttledMs: number, own: OwnThreadsLatency): string {
  const latency = own.sinceMs();
  return `the target's processes waited ${(machineWaitMs / 1000).toFixed(1)} s for a busy CPU and ${(throttledMs / 1000).toFixed(1)} s on their own quota${latency === undefined ? '' : `, the grader's threads ${latency.toFixed(1)} ms per scheduling`}`;
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
export function noteIfOverloaded(machineWaitMs: number, throttledMs: number, allowanceMs: number, own: OwnThreadsLatency): boolean {
  const note = overloadDuring(machineWaitMs, throttledMs, allowanceMs, own);
  if (note) noteOverload(note);
  return note !== undefined;
}

/** The notes since the last call, emptied. */
export function takeOverloadNotes(): string[] {
  return notes.splice(0, notes.length);
}
