import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { batchOptions } from '../cli/commands/batch.ts';
import { REPO_ROOT } from '../paths.ts';
import { parseShard, pickShard } from './shard.ts';

const EXAMPLES = join(REPO_ROOT, 'examples');

/** The options a `grader batch ...` command line uses (every one must exist). */
function flagsOf(command: string): string[] {
  return [...command.slice(command.indexOf('grader batch')).matchAll(/--([a-z-]+)/g)].map((m) => m[1] as string);
}

/** Every n-th shard of a list covers it exactly once. */
function expectCover(shards: readonly string[], count: number): void {
  const parsed = shards.map(parseShard);
  expect(parsed.map((s) => s.count)).toEqual(shards.map(() => count));
  expect(parsed.map((s) => s.index).sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  const items = Array.from({ length: 23 }, (_, i) => ({ id: `m${i}/1` }));
  expect(parsed.flatMap((s) => pickShard(items, s)).map((x) => x.id).sort()).toEqual(items.map((x) => x.id).sort());
}

describe('examples/ci: the GitHub Actions workflow', () => {
  const workflow = parse(readFileSync(join(EXAMPLES, 'ci/grade-submissions.github-actions.yml'), 'utf8')) as {
    jobs: { grade: { strategy: { matrix: { shard: number[] } }; steps: { run?: string; uses?: string; with?: Record<string, unknown> }[] }; leaderboard: { needs: string; steps: { run?: string }[] } };
  };
  const shards = workflow.jobs.grade.strategy.matrix.shard;
  const gradeRun = workflow.jobs.grade.steps.map((s) => s.run ?? '').find((r) => r.includes('grader batch')) ?? '';

  it('gives each matrix job its own shard and folder, and together they cover every submission', () => {
    const commands = shards.map((shard) => gradeRun.replaceAll('${{ matrix.shard }}', String(shard)));
    const count = Number(/--shard .*?\/(\d+)/.exec(gradeRun)?.[1]);
    expect(count).toBe(shards.length);
    expectCover(commands.map((c) => /--shard (\S+)/.exec(c)?.[1] ?? ''), count);
    expect(new Set(commands.map((c) => /--out (\S+)/.exec(c)?.[1])).size).toBe(shards.length);
  });

  it('resumes a rerun job: it takes back its own shard artifact before grading into that folder, and replaces it after', () => {
    const steps = workflow.jobs.grade.steps;
    const grading = steps.findIndex((s) => (s.run ?? '').includes('grader batch'));
    const download = steps.findIndex((s) => s.uses?.startsWith('actions/download-artifact@') && s.with?.name === 'results-shard-${{ matrix.shard }}');
    const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(download).toBeGreaterThan(-1);
    expect(download).toBeLessThan(grading);
    expect(gradeRun).toContain(`--out ${String(steps[download]?.with?.path)} `);
    expect(upload?.with).toMatchObject({ name: 'results-shard-${{ matrix.shard }}', overwrite: true });
  });

  it('uses only options grader batch has, and merges every shard it uploads', () => {
    for (const flag of flagsOf(gradeRun)) expect(Object.keys(batchOptions)).toContain(flag);
    const merge = workflow.jobs.leaderboard.steps.map((s) => s.run ?? '').find((r) => r.includes('grader merge')) ?? '';
    for (const shard of shards) expect(merge).toContain(`results/results-shard-${shard}`);
    expect(workflow.jobs.leaderboard.needs).toBe('grade');
  });
});

describe('examples/kubernetes: the Indexed Job', () => {
  const job = parse(readFileSync(join(EXAMPLES, 'kubernetes/grade-submissions.indexed-job.yaml'), 'utf8')) as {
    spec: { completionMode: string; completions: number; template: { spec: { containers: { command: string[] }[] } } };
  };
  const command = job.spec.template.spec.containers[0]?.command ?? [];

  it('maps completion indexes 0..n-1 to shards 1..n, as the pod shell expands them', async () => {
    expect(job.spec.completionMode).toBe('Indexed');
    expect(command.slice(0, 2)).toEqual(['sh', '-c']);
    const script = (command[2] ?? '').replace(/^pnpm grader/, 'echo grader');
    const expanded = await Promise.all(
      Array.from({ length: job.spec.completions }, async (_, index) => (await execa('sh', ['-c', script], { env: { JOB_COMPLETION_INDEX: String(index) } })).stdout),
    );
    expectCover(expanded.map((line) => /--shard (\S+)/.exec(line)?.[1] ?? ''), job.spec.completions);
    expect(new Set(expanded.map((line) => /--out (\S+)/.exec(line)?.[1])).size).toBe(job.spec.completions);
    for (const flag of flagsOf(expanded[0] ?? '')) expect(Object.keys(batchOptions)).toContain(flag);
  });
});
