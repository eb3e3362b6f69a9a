import { spawn } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, GRADER_ROOT } from '../src/paths.ts';
import type { SubmissionResult } from '../src/batch/result-store.ts';

export interface BatchSample {
  readonly wallMs: number;
  readonly results: readonly SubmissionResult[];
}

/** One `grader batch` of `submissions` (default: the fixture batch, examples/submissions) into a fresh folder, as a user runs it. */
export async function benchBatch(extraArgs: readonly string[] = [], submissions = join(REPO_ROOT, 'examples/submissions')): Promise<BatchSample> {
  const out = mkdtempSync(join(tmpdir(), 'grader-bench-batch-'));
  const started = Date.now();
  const child = spawn(process.execPath, [join(GRADER_ROOT, 'bin/grader.js'), 'batch', '--submissions', submissions, '--out', join(out, 'results'), '--infra', 'local', ...extraArgs], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, CI: '1' },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const wallMs = Date.now() - started;
  try {
    if (code !== 0) throw new Error(`grader batch exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    const summary = JSON.parse(readFileSync(join(out, 'results', 'summary.json'), 'utf8')) as { results: SubmissionResult[] };
    return { wallMs, results: summary.results };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/**
 * `count` attempts of one model, each the Go reference fix as a directory with one line of its
 * README changed (identical submissions would be graded once and reused).
 */
export function goReferenceSubmissions(count: number): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'grader-bench-go-'));
  for (let attempt = 1; attempt <= count; attempt++) {
    const copy = join(dir, 'go-reference', String(attempt));
    cpSync(join(REPO_ROOT, 'packages/reference-fix-go'), copy, { recursive: true, filter: (src) => !src.endsWith('/inventory-service') });
    appendFileSync(join(copy, 'README.md'), `\nattempt ${attempt}\n`);
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
