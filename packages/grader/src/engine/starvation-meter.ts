import { readdirSync, readFileSync } from 'node:fs';

/** Run and run-queue wait (ns) of each thread of this process, from /proc/self/task/<tid>/schedstat ("cpu_ns wait_ns slices"). */
export type ThreadTimes = ReadonlyMap<string, { readonly runNs: number; readonly waitNs: number; readonly slices: number }>;

export function readOwnThreads(): ThreadTimes | undefined {
  const times = new Map<string, { runNs: number; waitNs: number; slices: number }>();
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return undefined;
  }
  for (const tid of tids) {
    try {
      const [run, wait, slices] = readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
      if (Number.isFinite(run) && Number.isFinite(wait) && Number.isFinite(slices)) times.set(tid, { runNs: run ?? 0, waitNs: wait ?? 0, slices: slices ?? 0 });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return times.size > 0 ? times : undefined;
}

/**
 * Past this mean run-queue wait per scheduling of its own threads, the grader calls the machine
 * starved: an infrastructure failure then proves nothing about the submission. Measured over a
 * whole reference grade: 0.4 ms alone, 0.7 ms beside 4 CPU hogs (2.0 ms at most over 10 s), 4.3 ms
 * beside 4 CPU hogs and another grade (3.2-5.4 ms over 10 s once both grades ran). The share of
 * runnable time spent waiting does not tell these apart (0.84, 0.93, 0.97): five scenarios at once
 * keep two cores busy anyway.
 */
export const STARVED_LATENCY_MS = 3;

/** The window before a failure that its verdict looks at: as long as the longest wait that failed. */
export const STARVATION_WINDOW_MS = 30_000;

/** Samples older than this are dropped: longer than a grade's budget ever runs in practice. */
const KEPT_MS = 30 * 60_000;

interface Step {
  readonly at: number;
  readonly runNs: number;
  readonly waitNs: number;
  readonly slices: number;
}

/**
 * How starved this process is: how long its threads waited on a run queue (runnable, but every
 * CPU busy with something else) each time they were scheduled, over a recent window. Its threads
 * run every wait, set-up and health check of a grade (the checks run in worker threads of this
 * process), so when they wait long for a CPU, the servers beside them do too.
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
      let slices = 0;
      for (const [tid, now] of times) {
        const before = this.last.times.get(tid);
        if (!before) continue;
        runNs += now.runNs - before.runNs;
        waitNs += now.waitNs - before.waitNs;
        slices += now.slices - before.slices;
      }
      this.steps.push({ at, runNs, waitNs, slices });
      while ((this.steps[0]?.at ?? at) < at - KEPT_MS) this.steps.shift();
    }
    this.last = { at, times };
  }

  /** Mean time a thread waited on a run queue each time it was scheduled, in ms, over the last `windowMs`. */
  recentLatencyMs(windowMs = STARVATION_WINDOW_MS): number | undefined {
    this.sample();
    const from = this.now() - windowMs;
    return meanLatencyMs(this.steps.filter((s) => s.at > from));
  }

  /** The worst mean over any `windowMs` of steps taken since `since` (ms epoch); undefined without any. */
  worstLatencyMs(since: number, windowMs = STARVATION_WINDOW_MS): number | undefined {
    this.sample();
    const steps = this.steps.filter((s) => s.at > since);
    const means = steps.map((end) => meanLatencyMs(steps.filter((s) => s.at > end.at - windowMs && s.at <= end.at))).filter((m) => m !== undefined);
    return means.length > 0 ? Math.max(...means) : undefined;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** Run-queue wait per scheduling over `steps`, in ms; undefined when they hold no scheduling. */
function meanLatencyMs(steps: readonly Step[]): number | undefined {
  const slices = steps.reduce((n, s) => n + s.slices, 0);
  return slices > 0 ? steps.reduce((n, s) => n + s.waitNs, 0) / slices / 1e6 : undefined;
}
