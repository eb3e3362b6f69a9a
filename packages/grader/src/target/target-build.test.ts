import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DirectLauncher, LaunchFailure, type LaunchedProcess, type ProcessLauncher } from './launcher.ts';
import { buildTarget } from './target-build.ts';
import { parseManifest, type TargetSpec } from './target-spec.ts';

describe('buildTarget', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'grader-build-test-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A target whose target.json has this `build` (a string runs in sh -c, an array is an argv). */
  const spec = (build: string | string[]): TargetSpec => ({ name: 't', dir, source: 'target.json', ...parseManifest(JSON.stringify({ build, start: ['true'] }), 'target.json') });

  it('passes a build that exits 0 and logs its output', async () => {
    const result = await buildTarget(spec('echo built'), new DirectLauncher(dir), join(dir, 'build.log'));
    expect(result).toMatchObject({ ok: true });
    expect(readFileSync(join(dir, 'build.log'), 'utf8')).toContain('built');
  });

  it('fails a build that exits non-zero, with its code and last lines', async () => {
    const result = await buildTarget(spec('echo first; echo "no such module" >&2; exit 3'), new DirectLauncher(dir), join(dir, 'build.log'));
    expect(result.ok).toBe(false);
    expect(result.reason).toBe('build exited with code 3: first | no such module');
    expect(result.launchFailure).toBeUndefined();
  });

  it('fails, without an unhandled rejection, a build whose command is not on PATH (the target named it)', async () => {
    const result = await buildTarget(spec(['no-such-build-tool-here', 'run']), new DirectLauncher(dir), join(dir, 'build.log'));
    expect(result.ok).toBe(false);
    expect(result.reason).toMatch(/^build exited with code -2: spawn no-such-build-tool-here ENOENT$/);
    expect(result.launchFailure).toBeUndefined();
  });

  it('reports a launcher that could not start the build as the grader\'s failure, not a verdict', async () => {
    // A launcher whose start fails as a sandbox's set-up can: rejected when its process closes.
    const failing: ProcessLauncher = {
      sandboxed: true,
      targetDir: dir,
      launch(): LaunchedProcess {
        const child = spawn('sh', ['-c', 'exit 1'], { stdio: ['ignore', 'pipe', 'pipe'] });
        const started = new Promise<void>((_, reject) => child.once('close', () => reject(new LaunchFailure('the sandbox did not start (exit code 1)'))));
        started.catch(() => undefined);
        return { child, started, signal: () => undefined, exitStatus: (code, signal) => ({ code, signal }), limitHit: () => undefined, release: () => undefined, processIds: () => [], throttledMs: () => 0 };
      },
    };
    const result = await buildTarget(spec('true'), failing, join(dir, 'build.log'));
    expect(result.ok).toBe(false);
    expect(result.launchFailure).toBeInstanceOf(LaunchFailure);
    expect(result.reason).toBe('build not started: the sandbox did not start (exit code 1)');
  });
});
