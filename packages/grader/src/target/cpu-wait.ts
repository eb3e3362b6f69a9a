import { readdirSync, readFileSync } from 'node:fs';
import { noteIfOverloaded, OwnThreadsLatency } from './overload.ts';

/** Reads a /proc file; undefined once the process or thread is gone. */
export type ProcReader = (path: string) => string | undefined;

const readProc: ProcReader = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

const listProc = (path: string): string[] => {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
};

/**
 * How long the most-delayed thread of `pids` has waited on a run queue (runnable, but the CPU was
 * busy with something else), in ms, from /proc/<pid>/task/<tid>/schedstat ("cpu_ns wait_ns
 * slices"). A target's processes that wait this long were starved by the machine, not slow by
 * themselves: readiness allows that time on top of its own bound.
 */
export function runQueueWaitMs(pids: readonly number[], read: ProcReader = readProc, list: (path: string) => string[] = listProc): number {
  let most = 0;
  for (const pid of pids) {
    for (const tid of list(`/proc/${pid}/task`)) {
      const fields = read(`/proc/${pid}/task/${tid}/schedstat`)?.trim().split(/\s+/);
      const waitNs = Number(fields?.[1]);
      if (Number.isFinite(waitNs)) most = Math.max(most, waitNs / 1e6);
    }
  }
  return Math.round(most);
}

/** Host pids in process group `pgid` (a `--no-sandbox` replica and its children). */
export function processGroup(pgid: number, read: ProcReader = readProc, list: (path: string) => string[] = listProc): number[] {
  const found: number[] = [];
  for (const entry of list('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = read(`/proc/${entry}/stat`);
    if (!stat) continue;
    // Fields after "(comm)": state ppid pgrp ...
    const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    if (pgrp === pgid) found.push(Number(entry));
  }
  return found;
}

/** Something whose processes can be asked how long they waited for a CPU (a replica). */
export interface CpuWaiter {
  cpuWaitMs(): number;
  /** Of that, time its own CPU quota held it back (throttled, not starved by the machine); 0 if unknown. */
  throttledMs?(): number;
}

/** The most a loaded machine may add to one wait on the target (readiness, a drain, progress). */
export const STARVATION_CAP_MS = 60_000;

/**
 * How long the target's processes have waited for a busy CPU since this was made, capped: a wait
 * on the target adds it to its own bound, so a machine loaded by others (CI neighbours, CPU hogs)
 * does not turn into a verdict against the target. Members started later count from their start.
 */
export class CpuStarvation {
  private readonly baseline = new Map<CpuWaiter, number>();
  private readonly throttledBaseline = new Map<CpuWaiter, number>();

  constructor(
    private readonly members: () => readonly CpuWaiter[],
    private readonly capMs = STARVATION_CAP_MS,
  ) {
    for (const member of members()) {
      this.baseline.set(member, member.cpuWaitMs());
      this.throttledBaseline.set(member, member.throttledMs?.() ?? 0);
    }
  }

  ms(): number {
    return Math.min(this.capMs, this.rawMs());
  }

  /** The same wait less the time the submission's own CPU quota held it back: what the machine made it wait. */
  machineMs(): { waitedMs: number; throttledMs: number } {
    let waitedMs = 0;
    let throttledMs = 0;
    for (const m of this.members()) {
      const waited = m.cpuWaitMs() - (this.baseline.get(m) ?? 0);
      const throttled = (m.throttledMs?.() ?? 0) - (this.throttledBaseline.get(m) ?? 0);
      waitedMs = Math.max(waitedMs, waited - throttled);
      throttledMs = Math.max(throttledMs, throttled);
    }
    return { waitedMs: Math.max(0, waitedMs), throttledMs: Math.max(0, throttledMs) };
  }

  /** Notes the wait as overloaded (target/overload.ts) when the machine made the target wait past the cap. */
  noteIfOverloaded(own: OwnThreadsLatency): boolean {
    const { waitedMs, throttledMs } = this.machineMs();
    return noteIfOverloaded(waitedMs, throttledMs, this.capMs, own);
  }

  /** The same wait, uncapped. */
  rawMs(): number {
    const waited = this.members().map((m) => m.cpuWaitMs() - (this.baseline.get(m) ?? 0));
    return Math.max(0, ...waited);
  }

}


/**
 * A bound on a wait on the target, stretched by the time its processes waited for a busy CPU
 * since the wait began (/proc is read only once the bound itself has passed).
 */
export class TargetDeadline {
  private readonly at: number;
  private readonly starvation: CpuStarvation;
  private readonly own = new OwnThreadsLatency();
  private starvedMs = 0;
  private judged = false;

  constructor(
    private readonly boundMs: number,
    members: () => readonly CpuWaiter[],
  ) {
    this.at = Date.now() + boundMs;
    this.starvation = new CpuStarvation(members);
  }

  passed(): boolean {
    if (Date.now() <= this.at) return false;
    this.starvedMs = this.starvation.ms();
    const passed = Date.now() > this.at + this.starvedMs;
    // A wait that ran out on an overloaded machine is not the target's verdict (engine/scenario.ts).
    if (passed && !this.judged) {
      this.judged = true;
      this.starvation.noteIfOverloaded(this.own);
    }
    return passed;
  }

  /** "30 s", or "30 s (+ 12 s its processes waited for a busy CPU)". */
  describe(): string {
    return withAllowance(this.boundMs, this.starvedMs);
  }
}

/** "30 s", or "30 s (+ 12 s its processes waited for a busy CPU)" when the allowance mattered. */
export function withAllowance(boundMs: number, starvedMs: number): string {
  return `${Math.round(boundMs / 1000)} s${starvedMs >= 1_000 ? ` (+ ${Math.round(starvedMs / 1000)} s its processes waited for a busy CPU)` : ''}`;
}
