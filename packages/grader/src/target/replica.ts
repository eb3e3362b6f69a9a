import { createWriteStream, type WriteStream } from 'node:fs';
import { runQueueWaitMs } from './cpu-wait.ts';
import { LaunchFailure, type LaunchedProcess, type ProcessLauncher } from './launcher.ts';
import { RaceReportCollector, type RaceReport } from './race-report.ts';

/** A replica's output beyond this is dropped and the replica is killed as flooding. */
export const MAX_REPLICA_LOG_BYTES = 20 * 1024 * 1024;

/** How a replica process ended. */
export interface ReplicaExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly at: number;
}

/** The result of a graceful stop: did it leave within the grace period on SIGTERM alone? */
export interface StopResult {
  readonly graceful: boolean;
  readonly exit: ReplicaExit;
  readonly durationMs: number;
  /** The first data race the replica's output reported (Go race detector), if any. */
  readonly race?: RaceReport;
}

/** How a replica is started: its command, environment and the ports it must reach. */
export interface ReplicaLaunch {
  readonly launcher: ProcessLauncher;
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Loopback ports to reach; absent = the servers are elsewhere and need the network. */
  readonly ports?: readonly number[];
  /** Names the replica's sandbox resources, e.g. `hot_sku-r2`. */
  readonly name: string;
}

/**
 * One target process (in its own sandbox, or process group with --no-sandbox, so `npm start` →
 * sh → node is signalled whole), with stdout+stderr captured to `logFile` up to
 * MAX_REPLICA_LOG_BYTES.
 */
export class Replica {
  private process?: LaunchedProcess;
  private log?: WriteStream;
  private logged = 0;
  private tail: string[] = [];
  /** The tail is too short for a race report (40+ lines): the first one is kept whole. */
  private readonly race = new RaceReportCollector();
  private exitInfo?: ReplicaExit;
  private exitPromise?: Promise<ReplicaExit>;
  /** Set when the replica printed more than MAX_REPLICA_LOG_BYTES and was killed for it. */
  flooded = false;
  /** Set when the launcher failed to start the process for its own reasons (not the target's). */
  launchFailure?: LaunchFailure;
  /** Set before the grader itself stops or kills the replica, so its exit is not a crash. */
  expectedExit = false;
  startedAt = 0;

  constructor(
    readonly id: string,
    private readonly launch: ReplicaLaunch,
    readonly logFile: string,
    private readonly generation = 1,
  ) {}

  /** A new, unstarted replica with the same id, command, environment and log file. */
  fresh(): Replica {
    return new Replica(this.id, this.launch, this.logFile, this.generation + 1);
  }

  start(): this {
    const { launcher, argv, env, ports, name } = this.launch;
    this.log = createWriteStream(this.logFile, { flags: 'a' });
    this.startedAt = Date.now();
    this.expectedExit = false;
    this.exitInfo = undefined;
    const launched = launcher.launch(argv, { kind: 'replica', name: `${name}-${this.generation}`, env, ...(ports ? { ports } : {}) });
    this.process = launched;
    const { child } = launched;
    child.stdout?.on('data', (chunk: Buffer) => this.capture(chunk, 'stdout'));
    child.stderr?.on('data', (chunk: Buffer) => this.capture(chunk, 'stderr'));
    launched.started.catch((error: Error) => {
      if (error instanceof LaunchFailure) this.launchFailure = error;
      this.capture(Buffer.from(`grader: could not start ${argv[0]}: ${error.message}\n`), 'grader');
    });
    this.exitPromise = new Promise((resolve) => {
      child.once('error', () => undefined);
      child.once('close', (code, signal) => {
        this.exitInfo = { ...launched.exitStatus(code, signal), at: Date.now() };
        resolve(this.exitInfo);
      });
    });
    return this;
  }

  get pid(): number | undefined {
    return this.process?.child.pid;
  }

  get running(): boolean {
    return this.process !== undefined && this.exitInfo === undefined;
  }

  /** How long its most-delayed thread has waited for a CPU so far, in ms (0 when not running). */
  cpuWaitMs(): number {
    return this.running && this.process ? runQueueWaitMs(this.process.processIds()) : 0;
  }

  /** ms the submission's CPU quota has held it back so far (its group's throttled time; 0 without one). */
  throttledMs(): number {
    return this.process?.throttledMs() ?? 0;
  }

  /** A sandbox limit the replica ran into (memory, processes), once it has exited. */
  limitHit(): string | undefined {
    return this.process?.limitHit();
  }

  get exit(): ReplicaExit | undefined {
    return this.exitInfo;
  }

  /** Resolves when the process has exited. */
  exited(): Promise<ReplicaExit> {
    return this.exitPromise ?? Promise.resolve({ code: null, signal: null, at: Date.now() });
  }

  /** The last lines the replica printed, for failure messages. */
  lastLines(n = 3): string {
    return this.tail.slice(-n).join(' | ').slice(0, 500);
  }

  /** The first data race report (Go race detector) in the replica's output, if any. */
  raceReport(): RaceReport | undefined {
    return this.race.report();
  }

  /** SIGKILL to the whole process group: no cleanup, no commit, like a crashed machine. */
  async kill(): Promise<ReplicaExit> {
    this.expectedExit = true;
    this.signalGroup('SIGKILL');
    return this.exited();
  }

  /** SIGTERM, then SIGKILL after `graceMs`; reports whether SIGTERM alone was enough. */
  async stop(graceMs = 10_000): Promise<StopResult> {
    const started = Date.now();
    this.expectedExit = true;
    if (!this.running) return this.stopResult(true, await this.exited(), 0);
    this.signalGroup('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.exited().then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), graceMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) this.signalGroup('SIGKILL');
    const exit = await this.exited();
    return this.stopResult(!timedOut, exit, Date.now() - started);
  }

  private stopResult(graceful: boolean, exit: ReplicaExit, durationMs: number): StopResult {
    const race = this.raceReport();
    return { graceful, exit, durationMs, ...(race ? { race } : {}) };
  }

  private signalGroup(signal: NodeJS.Signals): void {
    if (!this.running) return;
    this.process?.signal(signal);
  }

  private capture(chunk: Buffer, stream: string): void {
    if (this.flooded) return;
    this.logged += chunk.length;
    if (this.logged > MAX_REPLICA_LOG_BYTES) {
      this.flooded = true;
      this.log?.write(`\ngrader: output exceeded ${MAX_REPLICA_LOG_BYTES} bytes; replica killed\n`);
      this.signalGroup('SIGKILL');
      return;
    }
    this.log?.write(chunk);
    const text = chunk.toString();
    this.race.push(text, stream);
    const lines = text.split('\n').filter((l) => l.trim());
    this.tail.push(...lines.map((l) => l.slice(0, 300)));
    if (this.tail.length > 50) this.tail.splice(0, this.tail.length - 50);
  }

  /** Closes the log file once the process is gone. */
  async close(): Promise<void> {
    if (this.running) await this.kill();
    this.process?.release();
    await new Promise<void>((resolve) => (this.log ? this.log.end(resolve) : resolve()));
  }
}
