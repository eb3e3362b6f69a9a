import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { SubmissionResult } from '../src/batch/result-store.ts';
import { graderCacheDir } from '../src/infra/cache-dir.ts';
import { REPO_ROOT } from '../src/paths.ts';

/** The act release the notes name; `go install` builds it from the Go proxy. */
const ACT_MODULE = 'github.com/nektos/act@v0.2.89';
const WORKFLOW = 'examples/ci/grade-submissions.github-actions.yml';
/** The actions the workflow uses, at the refs it names: mapped to local copies when BENCH_ACT_ACTIONS is set. */
const ACTIONS = ['checkout', 'setup-node', 'upload-artifact', 'download-artifact'] as const;

export interface ActRun {
  readonly exitCode: number | null;
  readonly wallMs: number;
  readonly log: string;
  /** The merged summary the leaderboard job made, if it got that far. */
  readonly results: readonly SubmissionResult[];
  /** The shard artifacts the artifact server holds (results-shard-N): the merge read these. */
  readonly uploaded: readonly string[];
  /** What the fixture batch should give and did not (empty: all met). */
  readonly unmet: readonly string[];
}

const text = (path: string): string => readFileSync(path, 'utf8');

function findAct(): string {
  if (process.env.ACT) return process.env.ACT;
  try {
    return execFileSync('sh', ['-c', 'command -v act'], { encoding: 'utf8' }).trim();
  } catch {
    const bin = join(graderCacheDir(), 'act-bin');
    console.error(`act not on PATH: go install ${ACT_MODULE} into ${bin} (1-2 minutes)`);
    execFileSync('go', ['install', ACT_MODULE], { env: { ...process.env, GOBIN: bin }, stdio: 'inherit' });
    return join(bin, 'act');
  }
}

/** What the fixture batch (examples/submissions/README.md) should give, checked on the merged summary. */
export function fixtureBatchUnmet(results: readonly SubmissionResult[]): string[] {
  const byId = new Map(results.map((r) => [r.submission.id, r]));
  const unmet: string[] = [];
  const expect = (id: string, ok: (r: SubmissionResult) => boolean, what: string): void => {
    const r = byId.get(id);
    if (!r) unmet.push(`${id}: missing from the merged results`);
    else if (!ok(r)) unmet.push(`${id}: expected ${what}, got ${r.status} with score ${r.score}`);
  };
  if (results.length !== 8) unmet.push(`expected 8 results, got ${results.length}`);
  for (const id of ['reference-as-diff/1', 'reference-as-directory/1']) expect(id, (r) => r.score === 1 && r.resolved, 'score 1.000, resolved');
  for (const id of ['mutants/1', 'mutants/2', 'mutants/3']) expect(id, (r) => r.score < 1 && !r.resolved, 'caught (score below 1)');
  expect('stale-diff/1', (r) => r.status === 'not_applied' && r.score === 0, 'not applied, score 0');
  expect('no-change/1', (r) => r.score < 0.5, "the buggy service's score (below 0.5)");
  expect('never-ready/1', (r) => r.score === 0, 'score 0');
  return unmet;
}

/**
 * Runs examples/ci's workflow end to end with nektos/act on this machine, on a clone of the
 * committed HEAD: four shards of the fixture batch (one at a time, max-parallel 1 in the copy:
 * each leg is sized for a machine of its own), the artifacts through act's artifact server, merge and leaderboard.
 * Steps run on the host (-P ubuntu-latest=-self-hosted); setup-node finds this machine's Node in
 * the runner's tool cache, as GitHub's images have theirs.
 */
export async function runWorkflowUnderAct(keep?: string): Promise<ActRun> {
  const act = findAct();
  const work = mkdtempSync(join(tmpdir(), 'grader-act-'));
  try {
    const repo = join(work, 'repo');
    execFileSync('git', ['clone', '--quiet', REPO_ROOT, repo]);
    // act runs a matrix's legs side by side on this one machine (four by default, whatever
    // --concurrent-jobs says); each leg is sized for a machine of its own, so this copy runs one at a time.
    const workflowPath = join(repo, WORKFLOW);
    const original = readFileSync(workflowPath, 'utf8');
    const serial = original.replace(/^( +)fail-fast: false$/m, '$1fail-fast: false\n$1max-parallel: 1');
    if (serial === original) throw new Error(`${WORKFLOW} has no "fail-fast: false" line to put max-parallel: 1 beside`);
    writeFileSync(workflowPath, serial);
    const cache = join(work, 'act-cache');
    const nodeCache = join(cache, 'tool_cache', 'node', process.versions.node);
    mkdirSync(nodeCache, { recursive: true });
    // setup-node puts <version>/x64/bin on PATH once <version>/x64.complete exists.
    symlinkSync(dirname(dirname(process.execPath)), join(nodeCache, 'x64'));
    writeFileSync(join(nodeCache, 'x64.complete'), '');
    const actions = process.env.BENCH_ACT_ACTIONS;
    const mapped = actions ? ACTIONS.flatMap((name) => ['--local-repository', `actions/${name}@v4=${join(actions, name)}`]) : [];
    const args = [
      'workflow_dispatch',
      '-W', WORKFLOW,
      '-P', 'ubuntu-latest=-self-hosted',
      '--artifact-server-path', join(work, 'artifacts'),
      '--action-cache-path', cache,
      '--concurrent-jobs', '1',
      '--input', 'submissions=examples/submissions',
      ...mapped,
    ];
    const logPath = join(work, 'act.log');
    const log = createWriteStream(logPath);
    const started = Date.now();
    // Writes reach the file in order: once this one's callback runs, everything before it is there.
    const flushed = (): Promise<void> => new Promise((resolve) => log.write('', () => resolve()));
    const runAct = async (extra: readonly string[]): Promise<number | null> => {
      log.write(`$ act ${[...args, ...extra].join(' ')}\n`);
      const child = spawn(act, [...args, ...extra], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: '1' } });
      child.stdout.pipe(log, { end: false });
      child.stderr.pipe(log, { end: false });
      return new Promise<number | null>((resolve) => {
        child.once('error', (error) => {
          log.write(`could not start ${act}: ${error.message}\n`);
          resolve(null);
        });
        child.once('close', resolve);
      });
    };
    const exitCode = await runAct([]);
    const wallMs = Date.now() - started;
    // A rerun of one shard's job (same run, same artifact server): it must take back what the
    // first attempt graded and grade nothing again.
    await flushed();
    const rerunFrom = text(logPath).length;
    const rerunCode = await runAct(['-j', 'grade', '--matrix', 'shard:1']);
    await flushed();
    const rerun = text(logPath).slice(rerunFrom);
    const resumed = /2 submission\(s\): 2 graded before with the same content and settings, 0 identical to one graded before, 0 to grade/.test(rerun);
    await new Promise<void>((resolve) => log.end(resolve));
    // Each job's workspace is act's own copy, removed with the job: what the jobs made is read back
    // from the artifact server, as the next job and the user get it (<run>/<name>/<name>.zip).
    const artifacts = join(work, 'artifacts');
    const zips = existsSync(artifacts) ? readdirSync(artifacts).flatMap((run) => readdirSync(join(artifacts, run)).map((name) => join(artifacts, run, name, `${name}.zip`))) : [];
    const uploaded = zips.map((zip) => basename(dirname(zip))).filter((name) => name.startsWith('results-shard-')).sort();
    const leaderboard = zips.find((zip) => basename(zip) === 'leaderboard.zip');
    const board = join(work, 'leaderboard');
    if (leaderboard) execFileSync('unzip', ['-q', '-o', leaderboard, '-d', board]);
    const summaryPath = join(board, 'merged', 'summary.json');
    const results = existsSync(summaryPath) ? (JSON.parse(readFileSync(summaryPath, 'utf8')) as { results: SubmissionResult[] }).results : [];
    const unmet = [
      ...(exitCode === 0 ? [] : [`act exited with ${exitCode}`]),
      ...(rerunCode === 0 && resumed ? [] : [`the rerun of shard 1's job (exit ${rerunCode}) did not take back its 2 results and grade nothing`]), ...(uploaded.length === 4 ? [] : [`${uploaded.length} of 4 shard artifacts were uploaded`]), ...(leaderboard ? [] : ['no leaderboard artifact']), ...fixtureBatchUnmet(results)];
    const printed = text(logPath);
    if (keep) {
      mkdirSync(keep, { recursive: true });
      writeFileSync(join(keep, 'act.log'), printed);
      if (existsSync(summaryPath)) writeFileSync(join(keep, 'summary.json'), readFileSync(summaryPath));
      if (existsSync(join(board, 'leaderboard.html'))) writeFileSync(join(keep, 'leaderboard.html'), readFileSync(join(board, 'leaderboard.html')));
    }
    return { exitCode, wallMs, log: printed, results, uploaded, unmet };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
