import { createWriteStream } from 'node:fs';
import { spawn } from 'node:child_process';
import { commandArgv, type TargetSpec } from './target-spec.ts';

export interface BuildResult {
  readonly ok: boolean;
  readonly durationMs: number;
  /** Why the build failed, one line, e.g. "build exited with code 2: <last lines>". */
  readonly reason?: string;
}

/** Runs the target's build command once (if it has one), logging to `logFile`. */
export async function buildTarget(target: TargetSpec, logFile: string, timeoutMs = 300_000): Promise<BuildResult> {
  const started = Date.now();
  if (!target.build) return { ok: true, durationMs: 0 };
  const [command, ...args] = commandArgv(target.build);
  const log = createWriteStream(logFile);
  const tail: string[] = [];
  return new Promise<BuildResult>((resolve) => {
    const child = spawn(command as string, args, { cwd: target.dir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const onData = (chunk: Buffer): void => {
      log.write(chunk);
      tail.push(...chunk.toString().split('\n').filter((l) => l.trim()));
      tail.splice(0, Math.max(0, tail.length - 5));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => {
      try {
        process.kill(-(child.pid ?? 0), 'SIGKILL');
      } catch {
        // gone
      }
    }, timeoutMs);
    child.once('error', (error) => tail.push(error.message));
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      log.end();
      const durationMs = Date.now() - started;
      if (code === 0) resolve({ ok: true, durationMs });
      else {
        const how = signal === 'SIGKILL' && durationMs >= timeoutMs ? `timed out after ${timeoutMs / 1000} s` : `exited with ${signal ?? `code ${code}`}`;
        resolve({ ok: false, durationMs, reason: `build ${how}: ${tail.slice(-3).join(' | ')}` });
      }
    });
  });
}
