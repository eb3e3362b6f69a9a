import { InterruptedError } from '../errors/grader-error.ts';
import { SessionRegistry } from '../infra/session/session-registry.ts';
import type { Output } from './output.ts';

type Cleanup = () => Promise<void> | void;

const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/**
 * Owns everything a command started. Cleanups run in reverse order on normal completion, on an
 * error, and on SIGINT/SIGTERM/SIGHUP; whatever they cannot finish in time is killed
 * synchronously through the session registry, which knows every process this grader spawned.
 */
export class Lifecycle {
  private readonly cleanups: Cleanup[] = [];
  private readonly controller = new AbortController();
  private closing?: Promise<void>;
  private readonly handlers = new Map<NodeJS.Signals, () => void>();

  constructor(
    private readonly output: Output,
    private readonly registry = new SessionRegistry(),
    private readonly cleanupTimeoutMs = 15_000,
  ) {}

  /** Aborted when a signal arrives; long waits should pass it on. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Registers a cleanup; they run last-in first-out. */
  defer(cleanup: Cleanup): void {
    this.cleanups.push(cleanup);
  }

  /**
   * Installs the signal handlers. `onSignal` decides the exit code (e.g. `infra up` ends with 0
   * on Ctrl-C, as that is how it is meant to stop).
   */
  install(exitCodeFor: (signal: NodeJS.Signals) => number = (s) => SIGNAL_EXIT[s] ?? 1): void {
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      const handler = (): void => this.onSignal(sig, exitCodeFor(sig));
      this.handlers.set(sig, handler);
      process.on(sig, handler);
    }
    // Last resort for crashes: `exit` handlers run synchronously even after process.exit().
    process.once('exit', this.exitHandler);
  }

  /** Runs the cleanups once (later calls share the first run). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const failures: unknown[] = [];
      for (const cleanup of this.cleanups.splice(0).reverse()) {
        try {
          await cleanup();
        } catch (error) {
          failures.push(error);
        }
      }
      this.registry.closeOwnedSync();
      for (const [sig, handler] of this.handlers) process.off(sig, handler);
      process.off('exit', this.exitHandler);
      if (failures.length > 0) this.output.warn(`cleanup reported ${failures.length} error(s): ${String(failures[0])}`);
    })();
    return this.closing;
  }

  private readonly exitHandler = (): void => {
    this.registry.closeOwnedSync();
  };

  private interrupted = false;

  private onSignal(signal: NodeJS.Signals, exitCode: number): void {
    if (this.interrupted) {
      // A second Ctrl-C: stop waiting for graceful cleanup.
      this.registry.closeOwnedSync();
      process.exit(exitCode);
    }
    this.interrupted = true;
    this.output.warn(`received ${signal}: stopping everything the grader started`);
    this.controller.abort(new InterruptedError(signal));
    const timer = setTimeout(() => {
      this.output.warn(`cleanup took longer than ${this.cleanupTimeoutMs} ms; killing what is left`);
      this.registry.closeOwnedSync();
      process.exit(exitCode);
    }, this.cleanupTimeoutMs);
    timer.unref();
    void this.close().finally(() => process.exit(exitCode));
  }
}
