import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './temp-dirs.ts';

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../bin/grader.js');

/** A `grader` CLI child with its own TMPDIR and an env marker that every descendant inherits. */
export interface GraderProcess {
  readonly child: ChildProcess;
  readonly marker: string;
  readonly tmp: string;
  stderr: string;
  stdout: string;
  /** Resolves when stderr/stdout matches `pattern`, rejects after `timeoutMs` or on exit. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnGrader(args: string[], env: NodeJS.ProcessEnv = {}): GraderProcess {
  const marker = `GRADER_TEST_MARK=${randomUUID()}`;
  const tmp = tempDir('grader-cli-test-');
  // The unprivileged postgres user must be able to reach its data dir below this one.
  chmodSync(tmp, 0o755);
  const [key, value] = marker.split('=') as [string, string];
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, CI: '1', NO_COLOR: '1', TMPDIR: tmp, [key]: value, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc: GraderProcess = {
    child,
    marker,
    tmp,
    stderr: '',
    stdout: '',
    exited: new Promise((res) => child.once('exit', (code, signal) => res({ code, signal }))),
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((res, rej) => {
        const check = (): boolean => pattern.test(proc.stderr + proc.stdout);
        if (check()) return res();
        const timer = setTimeout(() => rej(new Error(`no ${String(pattern)} within ${timeoutMs} ms; stderr: ${proc.stderr}`)), timeoutMs);
        const onData = (): void => {
          if (check()) {
            clearTimeout(timer);
            res();
          }
        };
        child.stdout?.on('data', onData);
        child.stderr?.on('data', onData);
        child.once('exit', () => {
          clearTimeout(timer);
          if (check()) res();
          else rej(new Error(`grader exited before ${String(pattern)}; stderr: ${proc.stderr}`));
        });
      });
    },
  };
  child.stdout?.on('data', (c: Buffer) => (proc.stdout += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (proc.stderr += c.toString()));
  return proc;
}
