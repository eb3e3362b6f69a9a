import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Admission } from './admission.ts';
import type { GradingContext } from './grading-context.ts';

/** How one run lets its exclusive scenario measure alone; part of the GradingContext. */
export interface ExclusiveSpec {
  /** The scenario that must run while no other scenario works. */
  readonly scenario: string;
  /** A folder of this run only, where scenarios (each in its own vitest worker) leave markers. */
  readonly dir: string;
  /** Scenarios that will wait beside it: one per other worker, at most the selected ones. */
  readonly neighbours: number;
  /** The longest a neighbour waits for it (a worker that died never says it finished). */
  readonly waitMs: number;
}

const DONE = 'done';
const MEASURING = 'measuring';
const CANCELLED = 'cancelled';
const STARTED = 'started-';
const PARKED = 'parked-';
const FINISHED = 'finished-';
const POLL_MS = 20;

/** Thrown to a scenario waiting for its turn when the run was cancelled (the submission's budget). */
export class TurnCancelled extends Error {
  constructor() {
    super('the run was cancelled while this scenario waited for the exclusive one');
  }
}

/**
 * One vitest run for every scenario, with the exclusive one (throughput) alone while it
 * measures. The scenarios started beside it load, set up their namespace and start their
 * replicas meanwhile, then wait, idle, before their first message; it measures once each of
 * them waits (or has ended), and they go on when it is done. A scenario that starts once it
 * measures (after a neighbour ended early) waits before it sets anything up. Their setup thus
 * takes the CPU its own setup leaves idle, instead of following it.
 */
export class ExclusiveTurn {
  private constructor(private readonly spec: ExclusiveSpec) {}

  /** The turn of this run, or undefined when its exclusive scenario is not selected. */
  static of(ctx: GradingContext): ExclusiveTurn | undefined {
    return ctx.exclusive ? new ExclusiveTurn(ctx.exclusive) : undefined;
  }

  /** Tells every scenario waiting in `dir` that the run is cancelled. */
  static cancel(dir: string): void {
    writeFileSync(join(dir, CANCELLED), '');
  }

  isExclusive(scenario: string): boolean {
    return scenario === this.spec.scenario;
  }

  get neighbours(): number {
    return this.spec.neighbours;
  }

  /** The longest a neighbour waits for the exclusive scenario. */
  get waitMs(): number {
    return this.spec.waitMs;
  }

  /**
   * A neighbour begins (its markers are what the exclusive scenario counts). One that begins
   * while the exclusive scenario measures waits here for it, before it sets anything up.
   */
  async started(scenario: string): Promise<void> {
    this.touch(`${STARTED}${scenario}`);
    if (this.has(MEASURING)) await this.waitForDone();
  }

  /** A neighbour ended, whether or not it reached its wait (a target that never became ready). */
  finished(scenario: string): void {
    this.touch(`${FINISHED}${scenario}`);
  }

  /** A neighbour, set up and idle: says so, then waits until the exclusive scenario is done (or waitMs). */
  async waitForTurn(scenario: string): Promise<void> {
    this.touch(`${PARKED}${scenario}`);
    await this.waitForDone();
  }

  /**
   * The exclusive scenario, before it measures: waits until `neighbours` scenarios began and
   * each of them waits or has ended (or timeoutMs); returns how many wait. From then on, a
   * scenario that begins waits before its setup.
   */
  async neighboursWaiting(timeoutMs: number): Promise<number> {
    const marked = (prefix: string): Set<string> => new Set(readdirSync(this.spec.dir).filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length)));
    const settled = (): boolean => {
      const started = marked(STARTED);
      const idle = new Set([...marked(PARKED), ...marked(FINISHED)]);
      // Those still waiting to be let in (engine/admission.ts) wait for this one's end before they set up.
      return started.size + Admission.queued(this.spec.dir) >= this.spec.neighbours && [...started].every((s) => idle.has(s));
    };
    await until(settled, timeoutMs);
    this.touch(MEASURING);
    return marked(PARKED).size;
  }

  /** The exclusive scenario is done (whatever its outcome): the neighbours go on. */
  finish(): void {
    this.touch(DONE);
  }

  private async waitForDone(): Promise<void> {
    await until(() => this.has(DONE) || this.has(CANCELLED), this.spec.waitMs);
    if (this.has(CANCELLED)) throw new TurnCancelled();
  }

  private has(name: string): boolean {
    return existsSync(join(this.spec.dir, name));
  }

  private touch(name: string): void {
    writeFileSync(join(this.spec.dir, name), '');
  }
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await sleep(POLL_MS);
}
