import { existsSync, openSync, closeSync, readdirSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readOwnThreads, StarvationMeter } from './starvation-meter.ts';
import { TurnCancelled } from './exclusive-turn.ts';
import type { GradingContext } from './grading-context.ts';

/** How one run lets scenarios in: part of the GradingContext. */
export interface AdmissionSpec {
  /** A folder of this run only (the exclusive turn's): slot files, queue markers and the sampled latency. */
  readonly dir: string;
  /** Scenarios (besides the exclusive one) that may work at once on a machine that is not busy. */
  readonly most: number;
  /** Scenarios (besides the exclusive one) that may work at once while it is busy. */
  readonly busyMost: number;
}

/**
 * Busy: the grader's own threads waited this long (ms) on a run queue each time they were
 * scheduled, over the last SAMPLE_WINDOW_MS. Measured: 0.0-0.4 ms in 1 s windows of a grade
 * alone; beside one other grade at most 2.1 ms in 1 s windows (mean 0.3); in a validation beside
 * another, 3 s windows at 0.39 ms median, 2.31 ms at the 90th percentile, 4.47 ms at most; beside
 * four CPU hogs and another grade, 3.2-5.4 ms over 10 s windows, where five scenarios at once no
 * longer got a verdict. Ten-second windows keep short peaks of a neighbour from halving the grade.
 */
export const BUSY_LATENCY_MS = 3;

/** The window the sampled latency covers, and how often it is sampled. */
const SAMPLE_WINDOW_MS = 10_000;
const SAMPLE_EVERY_MS = 1_000;

/** The longest a scenario waits to be let in: then it goes in anyway (a starved machine is then the overload rule's to judge). */
export const ADMISSION_WAIT_MS = 300_000;

const LATENCY_FILE = 'latency';
const SLOT = 'slot-';
const QUEUED = 'queued-';
const CANCELLED = 'cancelled';
const POLL_MS = 100;

/**
 * In the grading run's main thread: every second, the grader's own threads' latency over the last
 * SAMPLE_WINDOW_MS (engine/starvation-meter.ts) goes to `<dir>/latency`, where the scenarios
 * (vitest workers of this process) read it.
 */
export class LoadSampler {
  private readonly meter = new StarvationMeter(readOwnThreads, SAMPLE_EVERY_MS);
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly dir: string) {}

  start(): this {
    this.meter.start();
    this.timer = setInterval(() => this.write(), SAMPLE_EVERY_MS);
    this.timer.unref();
    return this;
  }

  private write(): void {
    const latency = this.meter.recentLatencyMs(SAMPLE_WINDOW_MS);
    if (latency === undefined) return;
    // Written whole, then renamed: a reader never sees half a number.
    const file = join(this.dir, LATENCY_FILE);
    try {
      writeFileSync(`${file}.new`, latency.toFixed(2));
      renameSync(`${file}.new`, file);
    } catch {
      // The run's folder is gone: the run is over.
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.meter.stop();
  }
}

/**
 * How many scenarios work at once, adapted to the CPU the grade gets: all of `most` while the
 * machine is not busy, `busyMost` while it is (BUSY_LATENCY_MS). A scenario takes a slot before
 * it sets anything up and gives it back when it has stopped everything; the exclusive one never
 * waits here (its neighbours wait for it, engine/exclusive-turn.ts).
 */
export class Admission {
  private slot: string | undefined;

  private constructor(private readonly spec: AdmissionSpec) {}

  static of(ctx: GradingContext): Admission | undefined {
    return ctx.admission ? new Admission(ctx.admission) : undefined;
  }

  /** Scenarios waiting to be let in, in `dir` (the exclusive scenario counts them as neighbours to come). */
  static queued(dir: string): number {
    return readdirSync(dir).filter((f) => f.startsWith(QUEUED)).length;
  }

  /** The latency last sampled, or undefined before the first sample. */
  latencyMs(): number | undefined {
    try {
      const value = Number(readFileSync(join(this.spec.dir, LATENCY_FILE), 'utf8'));
      return Number.isFinite(value) ? value : undefined;
    } catch {
      return undefined;
    }
  }

  /** Waits for a slot; returns how long it waited (ms). Throws TurnCancelled if the run is cancelled meanwhile. */
  async enter(scenario: string): Promise<number> {
    const started = Date.now();
    const queued = join(this.spec.dir, `${QUEUED}${scenario}`);
    writeFileSync(queued, '');
    try {
      for (;;) {
        if (existsSync(join(this.spec.dir, CANCELLED))) throw new TurnCancelled();
        const latency = this.latencyMs();
        const waitedTooLong = Date.now() - started >= ADMISSION_WAIT_MS;
        // Before the first sample, only the slots a busy machine allows.
        const open = waitedTooLong ? this.spec.most : latency !== undefined && latency < BUSY_LATENCY_MS ? this.spec.most : this.spec.busyMost;
        for (let i = 0; i < open; i += 1) {
          if (this.take(`${SLOT}${i}`)) return Date.now() - started;
        }
        if (waitedTooLong && this.take(`${SLOT}extra-${scenario}`)) return Date.now() - started;
        await sleep(POLL_MS);
      }
    } finally {
      rmSync(queued, { force: true });
    }
  }

  /** Gives the slot back (idempotent). */
  leave(): void {
    if (this.slot) rmSync(join(this.spec.dir, this.slot), { force: true });
    this.slot = undefined;
  }

  /** Creates the slot file if no one holds it (O_EXCL: one winner among the workers). */
  private take(name: string): boolean {
    try {
      closeSync(openSync(join(this.spec.dir, name), 'wx'));
      this.slot = name;
      return true;
    } catch {
      return false;
    }
  }
}
