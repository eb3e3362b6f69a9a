import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GRADER_ROOT } from '../src/paths.ts';
import { MemorySampler, treeRss } from './memory-sampler.ts';

export interface GradeSample {
  readonly target: string;
  readonly wallMs: number;
  readonly peakRssBytes: number;
  readonly score: number;
  /** Every check that ran, passed or not. */
  readonly passed: ReadonlyMap<string, boolean>;
}

/**
 * One full `grader run` as a user runs it (infra boot included), measuring wall time and the
 * peak resident memory of the grader and everything it started (Kafka, PostgreSQL, replicas).
 * On `--infra local` unless extraArgs names another provider (containers are not its descendants,
 * so their memory is not in the figure then).
 */
export async function benchGrade(target: string, extraArgs: readonly string[] = []): Promise<GradeSample> {
  const dir = mkdtempSync(join(tmpdir(), 'grader-bench-grade-'));
  const report = join(dir, 'report.json');
  const infra = extraArgs.includes('--infra') ? [] : ['--infra', 'local'];
  const started = Date.now();
  const child = spawn(process.execPath, [join(GRADER_ROOT, 'bin/grader.js'), 'run', '--target', target, ...infra, '--json', report, '--run-dir', join(dir, 'logs'), ...extraArgs], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, CI: '1' },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const sampler = new MemorySampler(() => treeRss([child.pid ?? 0]), 200);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const peakRssBytes = sampler.stop();
  const wallMs = Date.now() - started;
  try {
    // Keep the grader's own last lines: an exit 2 says why on stderr.
    if (code !== 0) throw new Error(`grader run --target ${target} exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    // BENCH_KEEP_REPORTS=DIR keeps every grade's JSON report (failure messages of a flipping check).
    const keep = process.env.BENCH_KEEP_REPORTS;
    if (keep) {
      mkdirSync(keep, { recursive: true });
      copyFileSync(report, join(keep, `${target}-${new Date(started).toISOString().replace(/[:.]/g, '-')}.json`));
    }
    const json = JSON.parse(readFileSync(report, 'utf8')) as { score: { score: number }; results: { id: string; status: string }[] };
    const passed = new Map(json.results.filter((r) => r.status !== 'skipped').map((r) => [r.id, r.status === 'passed']));
    return { target, wallMs, peakRssBytes, score: json.score.score, passed };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
