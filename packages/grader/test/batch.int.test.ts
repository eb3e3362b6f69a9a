import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SubmissionResult } from '../src/batch/result-store.ts';
import { FIXTURE_MUTANTS, FIXTURE_SUBMISSIONS } from './helpers/submission-fixtures.ts';
import { spawnGrader, type GraderProcess } from './helpers/grader-process.ts';
import { eventually, processesWithEnvMarker, sandboxedProcesses, sandboxLeftovers } from './helpers/processes.ts';
import { tempDir } from './helpers/temp-dirs.ts';

// One check of each fixture mutant's category (three scenarios): a grade in about 20 s, not 60.
const ONLY = FIXTURE_MUTANTS.map((m) => m.caughtBy).join(',');
const started: GraderProcess[] = [];
afterAll(() => {
  for (const g of started) g.child.kill('SIGKILL');
});

function grader(args: string[]): GraderProcess {
  // Commands that boot servers use the local provider (a test never depends on a Docker engine).
  const g = spawnGrader(['batch', 'run'].includes(args[0] ?? '') ? [...args, '--infra', 'local'] : args);
  started.push(g);
  return g;
}

async function finished(g: GraderProcess): Promise<number | null> {
  const { code } = await g.exited;
  return code;
}

function results(out: string): Map<string, SubmissionResult> {
  const found = new Map<string, SubmissionResult>();
  const root = join(out, 'submissions');
  if (!existsSync(root)) return found;
  for (const model of readdirSync(root)) {
    for (const attempt of readdirSync(join(root, model))) {
      const file = join(root, model, attempt, 'result.json');
      if (existsSync(file)) {
        const r = JSON.parse(readFileSync(file, 'utf8')) as SubmissionResult;
        found.set(r.submission.id, r);
      }
    }
  }
  return found;
}

async function expectNothingLeft(g: GraderProcess): Promise<void> {
  const clean = await eventually(() => processesWithEnvMarker(g.marker).length === 0 && sandboxLeftovers(g.tmp).length === 0 && sandboxedProcesses().length === 0, 20_000);
  expect(clean ? [] : [...processesWithEnvMarker(g.marker).map((p) => p.cmd), ...sandboxLeftovers(g.tmp), ...sandboxedProcesses().map((p) => p.cmd)]).toEqual([]);
}

function failedChecks(out: string, id: string): string[] {
  const [model, attempt] = id.split('/') as [string, string];
  const report = JSON.parse(readFileSync(join(out, 'submissions', model, attempt, 'report.json'), 'utf8')) as { results: { id: string; status: string; message?: string }[] };
  return report.results.filter((r) => r.status === 'failed').map((r) => `${r.id}: ${r.message ?? ''}`);
}

describe('grader batch on the fixture batch (examples/submissions)', () => {
  const root = tempDir('grader-batch-int-');
  const out = join(root, 'all');
  const batchArgs = (dir: string, ...more: string[]): string[] => ['batch', '--submissions', FIXTURE_SUBMISSIONS, '--out', dir, '--only', ONLY, ...more];

  it('killed with SIGKILL mid-way, leaves nothing running; rerun, it grades only the rest; every verdict is right', async () => {
    const first = grader(batchArgs(out));
    // Killed once two results are recorded and a third submission is being graded.
    expect(await eventually(() => results(out).size >= 2, 600_000, 500)).toBe(true);
    first.child.kill('SIGKILL');
    await first.exited;
    await expectNothingLeft(first);
    const before = results(out);
    expect(before.size).toBeGreaterThanOrEqual(2);
    expect(before.size).toBeLessThan(8);

    const second = grader(batchArgs(out));
    expect(await finished(second), second.stderr).toBe(0);
    await expectNothingLeft(second);
    expect(second.stderr).toMatch(new RegExp(`8 submission\\(s\\): ${before.size} graded before with the same content and settings, 0 identical to one graded before, ${8 - before.size} to grade`));
    const after = results(out);
    expect([...after.keys()].sort()).toEqual(['mutants/1', 'mutants/2', 'mutants/3', 'never-ready/1', 'no-change/1', 'reference-as-diff/1', 'reference-as-directory/1', 'stale-diff/1']);
    // Results of the first run were kept, not graded again.
    for (const [id, r] of before) expect(after.get(id)?.gradedAt).toBe(r.gradedAt);

    const get = (id: string): SubmissionResult => after.get(id) as SubmissionResult;
    for (const id of ['reference-as-diff/1', 'reference-as-directory/1']) {
      expect(get(id).score, failedChecks(out, id).join('\n')).toBe(1);
      expect(get(id).resolved).toBe(true);
      // Their dependency files are the task's: the build found the task's dependencies installed.
      expect(readFileSync(join(out, 'submissions', id, 'logs', 'build.log'), 'utf8')).toMatch(/^up to date in /m);
    }
    // Added to the sandbox's copy of the directory, never to the user's folder.
    expect(existsSync(join(FIXTURE_SUBMISSIONS, 'reference-as-directory', '1', 'node_modules'))).toBe(false);
    FIXTURE_MUTANTS.forEach((mutant, i) => {
      expect(failedChecks(out, `mutants/${i + 1}`).map((f) => f.split(':')[0])).toContain(mutant.caughtBy);
      expect(get(`mutants/${i + 1}`).resolved).toBe(false);
    });
    expect(get('stale-diff/1')).toMatchObject({ status: 'not_applied', score: 0, resolved: false });
    expect(get('stale-diff/1').reason).toMatch(/^the diff does not apply to the exported task: error: patch failed: service\/src\//);
    expect(get('no-change/1').score).toBeLessThan(0.5);
    expect(get('never-ready/1').score).toBe(0);
    for (const failure of failedChecks(out, 'never-ready/1')) expect(failure).toMatch(/not ready after \d+ s/);
    // One line per submission on top of the folders.
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { submissions: number };
    expect(summary.submissions).toBe(8);
  }, 1_500_000);

  it('a score in the batch is the score grader run gives the same submission', async () => {
    // Three submissions whose verdicts on these checks are the same in every run (README matrix).
    for (const id of ['no-change/1', 'mutants/3', 'reference-as-diff/1']) {
      const json = join(root, `${id.replace('/', '-')}.json`);
      const run = grader(['run', '--target', join(out, 'submissions', id, 'task', 'service'), '--only', ONLY, '--json', json]);
      expect(await finished(run), run.stderr).toBe(0);
      const report = JSON.parse(readFileSync(json, 'utf8')) as { score: { score: number } };
      expect(report.score.score, id).toBe(results(out).get(id)?.score);
    }
  }, 600_000);

  it('--shard 1/2 and 2/2, merged, give the same leaderboard as the unsharded batch', async () => {
    for (const shard of ['1/2', '2/2']) {
      const g = grader(batchArgs(join(root, `shard-${shard[0]}`), '--shard', shard));
      expect(await finished(g), g.stderr).toBe(0);
      expect(g.stderr).toContain(`shard ${shard}: 4 of 8 submission(s)`);
    }
    const merge = grader(['merge', join(root, 'shard-1'), join(root, 'shard-2'), '--out', join(root, 'merged')]);
    expect(await finished(merge), merge.stderr).toBe(0);
    const board = async (dir: string): Promise<string> => {
      const g = grader(['leaderboard', dir, '--format', 'json']);
      expect(await finished(g), g.stderr).toBe(0);
      return g.stdout;
    };
    const merged = await board(join(root, 'merged'));
    expect(JSON.parse(merged)).toMatchObject({ submissions: 8 });
    expect(merged).toBe(await board(out));
  }, 1_500_000);

  it('a submission over its budget gets the verdicts observed so far, the rest "budget exceeded"', async () => {
    const dir = join(root, 'budget');
    const g = grader(['batch', '--submissions', join(FIXTURE_SUBMISSIONS, 'never-ready'), '--out', dir, '--only', ONLY, '--budget', '8']);
    expect(await finished(g), g.stderr).toBe(0);
    const r = results(dir).get('never-ready/1');
    expect(r).toMatchObject({ status: 'graded', score: 0, budgetExceeded: true });
    expect(r?.reason).toBe("budget exceeded: the submission's grade ran past its budget of 8 s");
    expect(r?.durationMs).toBeLessThan(60_000);
    await expectNothingLeft(g);
  }, 300_000);

  it('bad input: one line, exit 2, nothing graded, nothing overwritten', async () => {
    const foreign = join(root, 'foreign');
    cpSync(out, foreign, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(foreign, 'batch.json'), 'utf8')) as { settings: { graderVersion: string } };
    manifest.settings.graderVersion = '0.0.1';
    writeFileSync(join(foreign, 'batch.json'), JSON.stringify(manifest));
    const snapshot = (): string => JSON.stringify([...results(foreign).values()]);
    const before = snapshot();
    const bad = join(root, 'bad.jsonl');
    writeFileSync(bad, '{"instance_id":"i","model_name_or_path":"m","model_patch":""}\nnot json\n');
    const cases: [string[], RegExp][] = [
      [batchArgs(foreign), /^error\[BATCH_MISMATCH\]: --out .*foreign holds results graded with other settings \(graderVersion "0\.0\.1" vs "0\.1\.0"\)/],
      [['batch', '--submissions', bad, '--out', join(root, 'x')], /^error\[SUBMISSIONS_INVALID\]: .*bad\.jsonl:2: not valid JSON/],
      [['batch', '--submissions', join(root, 'missing'), '--out', join(root, 'x')], /^error\[SUBMISSIONS_INVALID\]: --submissions .*missing: no such file or directory/],
      [batchArgs(join(root, 'x'), '--shard', '3/2'), /^error\[USAGE\]: --shard must be i\/n with 1 <= i <= n, got '3\/2'/],
    ];
    for (const [args, message] of cases) {
      const g = grader(args);
      expect(await finished(g)).toBe(2);
      const lines = g.stderr.trim().split('\n').filter((l) => l.startsWith('error'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
    }
    expect(snapshot()).toBe(before);
    expect(existsSync(join(root, 'x'))).toBe(false);
  }, 120_000);
});
