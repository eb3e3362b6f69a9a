import { spawn, type ChildProcess } from 'node:child_process';
import { processGroup } from './cpu-wait.ts';

/**
 * The launcher could not start a process, for a reason that is not the target's (a sandbox that
 * fails to set up): the grader's own failure, never scored against the target.
 */
export class LaunchFailure extends Error {
  override readonly name = 'LaunchFailure';
}

/** What a target process is for: builds reach package registries, replicas the run's servers. */
export type ProcessKind = 'build' | 'replica';

export interface LaunchOptions {
  readonly kind: ProcessKind;
  /** Unique within the grade, e.g. `hot_sku-r2-1`; names the process's cgroup. */
  readonly name: string;
  /** The target's environment (the contract's variables for replicas). */
  readonly env: Readonly<Record<string, string>>;
  /**
   * Loopback ports a replica must reach (Kafka, PostgreSQL or its proxy); without them (servers
   * on another host) a replica gets outbound network as a build does.
   */
  readonly ports?: readonly number[];
}

/** A started target process: stdout and stderr are pipes on `child`. */
export interface LaunchedProcess {
  readonly child: ChildProcess;
  /**
   * SIGTERM/SIGINT go to the target's own processes (as a process-group signal would); SIGKILL
   * ends everything the launch started.
   */
  signal(signal: NodeJS.Signals): void;
  /** The target's own exit status, given what the spawned process reported. */
  exitStatus(code: number | null, signal: NodeJS.Signals | null): { code: number | null; signal: NodeJS.Signals | null };
  /** After exit: a limit the process ran into, e.g. "memory limit of 1024 MiB reached (OOM kill)". */
  limitHit(): string | undefined;
  /**
   * Resolves once the target itself runs (the sandbox is set up); rejects if that failed, with a
   * LaunchFailure unless the target's own limits explain it.
   */
  readonly started: Promise<void>;
  /** Frees what the launch holds (its cgroup); the process must have exited. */
  release(): void;
  /** Host pids of every process the launch runs now (the sandbox's wrappers included). */
  processIds(): number[];
  /** ms the submission's CPU quota has held its processes back so far (cgroup cpu.stat), summed over CPUs; 0 without a quota. */
  throttledMs(): number;
}

/** Starts target processes, contained or not. */
export interface ProcessLauncher {
  /** `sandboxed` shows in reports; false means the target ran as the grader's own user. */
  readonly sandboxed: boolean;
  /** The directory the target's commands run in. */
  readonly targetDir: string;
  launch(argv: readonly string[], options: LaunchOptions): LaunchedProcess;
}

/**
 * `--no-sandbox`: the target runs as the grader's user, in its own process group, with the
 * grader's environment plus its own variables. For debugging a target, never for untrusted code.
 */
export class DirectLauncher implements ProcessLauncher {
  readonly sandboxed = false;

  constructor(readonly targetDir: string) {}

  launch(argv: readonly string[], options: LaunchOptions): LaunchedProcess {
    const [command, ...args] = argv;
    const child = spawn(command as string, args, {
      cwd: this.targetDir,
      env: { ...process.env, ...options.env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const started = new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    // A command not on PATH rejects this; callers that do not wait for the start see it in the
    // exit status instead, and it must not become an unhandled rejection of the grader.
    started.catch(() => undefined);
    return {
      child,
      signal(signal) {
        if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
        try {
          process.kill(-child.pid, signal);
        } catch {
          // Already gone.
        }
      },
      limitHit: () => undefined,
      exitStatus: (code, signal) => ({ code, signal }),
      started,
      release() {},
      processIds: () => (child.pid === undefined ? [] : processGroup(child.pid)),
      throttledMs: () => 0,
    };
  }
}
