import { readdirSync, readFileSync } from 'node:fs';

/** Run and run-queue wait (ns) of each thread of this process, from /proc/self/task/<tid>/schedstat ("cpu_ns wait_ns slices"). */
export type ThreadTimes = ReadonlyMap<string, { readonly runNs: number; readonly waitNs: number }>;

function readOwnThreads(): ThreadTimes | undefined {
  const times = new Map<string, { runNs: number; waitNs: number }>();
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return undefined;
  }
  for (const tid of tids) {
    try {
      const [run, wait] = readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
      if (Number.isFinite(run) && Number.isFinite(wait)) times.set(tid, { runNs: run ?? 0, waitNs: wait ?? 0 });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return times.size > 0 ? times : undefined;
}

/**
 * Past this share of their runnable time spent waiting for a CPU, the grader's own threads call
 * the machine starved: an infrastructure failure then proves nothing about the submission.
 * Calibrated in README "Security model" (grades alone, beside CPU hogs, beside other grades).
 */
export const STARVED_WAIT_SHARE = 0.5;

/** The window before a failure that its verdict looks at: as long as the longest wait that failed. */
export const STARVATION_WINDOW_MS = 30_000;

interface Step {
  readonly at: number;
  readonly runNs: number;
  readonly waitNs: number;
}

/**
 * How starved this process is: the share of its threads' runnable time spent on a run queue
 * (runnable, but every CPU busy with something else) over a recent window. Its threads run every
 * wait, set-up and health check of a grade (the checks run in worker threads of this process), so
 * when they wait most of the time they want a CPU, the servers beside them do too.
 */
export class StarvationMeter {
  private last: { at: number; times: ThreadTimes } | undefined;
  private readonly steps: Step[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly read: () => ThreadTimes | undefined = readOwnThreads,
    private readonly intervalMs = 2_000,
    private readonly now: () => number = Date.now,
  ) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  /** Adds what every thread seen in both this and the last sample ran and waited in between. */
  sample(): void {
    const times = this.read();
    if (!times) return;
    const at = this.now();
    if (this.last) {
      let runNs = 0;
      let waitNs = 0;
      for (const [tid, now] of times) {
        const before = this.last.times.get(tid);
        if (!before) continue;
        runNs += now.runNs - before.runNs;
        waitNs += now.waitNs - before.waitNs;
      }
      this.steps.push({ at, runNs, waitNs });
      while ((this.steps[0]?.at ?? at) < at - 2 * STARVATION_WINDOW_MS) this.steps.shift();
    }
    this.last = { at, times };
  }

  /** Wait share over the last `windowMs`; undefined without schedstat or before two samples. */
  recentWaitShare(windowMs = STARVATION_WINDOW_MS): number | undefined {
    this.sample();
    const from = this.now() - windowMs;
    const recent = this.steps.filter((s) => s.at > from);
    if (recent.length === 0) return undefined;
    const run = recent.reduce((n, s) => n + s.runNs, 0);
    const wait = recent.reduce((n, s) => n + s.waitNs, 0);
    return run + wait > 0 ? wait / (run + wait) : 0;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
