import { createWriteStream } from 'node:fs';
import { LaunchFailure, type ProcessLauncher } from './launcher.ts';
import { MAX_REPLICA_LOG_BYTES } from './replica.ts';
import { commandArgv, type TargetSpec } from './target-spec.ts';

export interface BuildResult {
  readonly ok: boolean;
  readonly durationMs: number;
  /** Why the build failed, one line, e.g. "build exited with code 2: <last lines>". */
  readonly reason?: string;
  /** The launcher could not start the build (the grader's failure, not the target's). */
  readonly launchFailure?: LaunchFailure;
}

/** The build's wall-clock budget unless the caller gives one. */
export const BUILD_TIMEOUT_MS = 300_000;

/** Runs the target's build command once (if it has one), logging to `logFile`. */
export async function buildTarget(target: TargetSpec, launcher: ProcessLauncher, logFile: string, timeoutMs = BUILD_TIMEOUT_MS): Promise<BuildResult> {
  const started = Date.now();
  if (!target.build) return { ok: true, durationMs: 0 };
  const log = createWriteStream(logFile);
  const tail: string[] = [];
  const launched = launcher.launch(commandArgv(target.build), { kind: 'build', name: 'build', env: {} });
  const { child } = launched;
  return new Promise<BuildResult>((resolve) => {
    let logged = 0;
    let flooded = false;
    const onData = (chunk: Buffer): void => {
      if (flooded) return;
      logged += chunk.length;
      if (logged > MAX_REPLICA_LOG_BYTES) {
        flooded = true;
        log.write(`\ngrader: output exceeded ${MAX_REPLICA_LOG_BYTES} bytes; build killed\n`);
        launched.signal('SIGKILL');
        return;
      }
      log.write(chunk);
      tail.push(...chunk.toString().split('\n').filter((l) => l.trim()));
      tail.splice(0, Math.max(0, tail.length - 5));
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      launched.signal('SIGKILL');
    }, timeoutMs);
    child.once('error', (error) => tail.push(error.message));
    // Settled by now (a launch reports its start or failure before it closes); read after this
    // 'close' event's other listeners, one of which may be what rejects it.
    const launchFailure = launched.started.then(
      () => undefined,
      (error: unknown) => (error instanceof LaunchFailure ? error : undefined),
    );
    const finish = (rawCode: number | null, rawSignal: NodeJS.Signals | null, failure: LaunchFailure | undefined): BuildResult => {
      const { code, signal } = launched.exitStatus(rawCode, rawSignal);
      const durationMs = Date.now() - started;
      if (failure) return { ok: false, durationMs, reason: `build not started: ${failure.message}`, launchFailure: failure };
      if (code === 0 && !timedOut && !flooded) return { ok: true, durationMs };
      const limit = launched.limitHit();
      const how = timedOut
        ? `exceeded its time budget of ${timeoutMs / 1000} s and was killed`
        : flooded
          ? `flooded its output (over ${MAX_REPLICA_LOG_BYTES / 1024 / 1024} MB) and was killed`
          : `exited with ${signal ?? `code ${code}`}`;
      return { ok: false, durationMs, reason: `build ${how}${limit ? ` (${limit})` : ''}: ${tail.slice(-3).join(' | ') || '(no output)'}` };
    };
    child.once('close', (rawCode, rawSignal) => void launchFailure.then((failure) => {
      clearTimeout(timer);
      const result = finish(rawCode, rawSignal, failure);
      launched.release();
      // Resolved once build.log is on disk: a report or a reader of the log sees all of it.
      log.end(() => resolve(result));
    }));
  });
}
