import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execa } from 'execa';
import { join } from 'node:path';
import type { Lifecycle } from '../cli/lifecycle.ts';
import type { Output } from '../cli/output.ts';
import { gradeSubmission, overloadedError, tidyServers, type Budget } from '../engine/grade-submission.ts';
import { GraderError, isGraderError } from '../errors/grader-error.ts';
import type { Infra, StartedInfra } from '../infra/infra.ts';
import { renderJsonReport } from '../reports/json-report.ts';
import type { SandboxLimits } from '../sandbox/sandbox-command.ts';
import { isGoTarget } from '../sandbox/go-build-cache.ts';
import { ensureGoBuildCache } from '../sandbox/warm-go-cache.ts';
import { computeScore, inconclusiveChecks, passRates } from '../scoring/score.ts';
import type { Weights } from '../scoring/types.ts';
import { resolveTarget, type TargetSpec } from '../target/target-spec.ts';
import { exportTask } from '../task/export-task.ts';
import { GRADER_VERSION } from '../version.ts';
import { applyDiff, DEPENDENCY_FILES, keepsDependencies } from './apply-diff.ts';
import { resultKey, submissionDigest, type GradingSettings } from './content-key.ts';
import { summaryLine, TASK_BASE_PREFIX, type ResultStore, type SubmissionResult } from './result-store.ts';
import type { Submission } from './submission.ts';

/** What one `grader batch` grades, and how. */
export interface BatchPlan {
  readonly submissions: readonly Submission[];
  readonly store: ResultStore;
  readonly settings: GradingSettings;
  readonly weights: Weights;
  readonly selected: readonly string[];
  readonly sandbox: boolean;
  readonly limits: SandboxLimits;
  readonly buildTimeoutMs: number;
  /** Wall-clock budget of one submission: diff, build and every run. */
  readonly budgetMs: number;
  /** false (`--no-resume`): grade everything again, replacing earlier results. */
  readonly resume: boolean;
}

/** What a batch did, for the command's last lines and exit code. */
export interface BatchOutcome {
  readonly total: number;
  readonly doneBefore: number;
  readonly reused: number;
  readonly graded: number;
}

interface Pending {
  readonly sub: Submission;
  readonly digest: string;
  readonly key: string;
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** Splits the submissions into done (same key), reusable (same content graded under another id) and to grade. */
export function planBatch(plan: BatchPlan): { doneBefore: number; reusable: (Pending & { from: SubmissionResult })[]; todo: Pending[] } {
  let doneBefore = 0;
  const reusable: (Pending & { from: SubmissionResult })[] = [];
  const todo: Pending[] = [];
  for (const sub of plan.submissions) {
    const digest = submissionDigest(sub);
    const key = resultKey(plan.settings, digest);
    if (plan.resume && plan.store.doneFor(sub, key)) {
      doneBefore += 1;
      continue;
    }
    const same = plan.resume ? plan.store.withKey(key) : undefined;
    if (same && same.result.submission.id !== sub.id) reusable.push({ sub, digest, key, from: same.result });
    else todo.push({ sub, digest, key });
  }
  return { doneBefore, reusable, todo };
}

/**
 * Grades every submission that has no result for its key, one at a time, on infrastructure booted
 * once, and records each result as soon as it is known. An infrastructure failure while a
 * submission runs gets it graded again on fresh servers, and becomes its verdict if it happens
 * again (engine/grade-submission.ts); one the grader cannot repair (servers that cannot be
 * replaced, or fail a probe right after) stops the batch (exit 2) without recording the
 * submission it interrupted.
 */
export async function runBatch(plan: BatchPlan, infra: Infra, lifecycle: Lifecycle, output: Output): Promise<BatchOutcome> {
  const { store } = plan;
  const { doneBefore, reusable, todo } = planBatch(plan);
  for (const { sub, digest, key, from } of reusable) {
    store.begin(sub);
    const result: SubmissionResult = { ...from, key, submission: describe(sub, digest), reusedFrom: from.submission.id, gradedAt: new Date().toISOString() };
    store.finish(sub, result);
    output.info(summaryLine(result));
  }
  output.info(
    `${plan.submissions.length} submission(s): ${doneBefore} graded before with the same content and settings, ${reusable.length} identical to one graded before, ${todo.length} to grade; results in ${store.dir}`,
  );
  if (todo.length === 0) {
    store.writeSummary();
    return { total: plan.submissions.length, doneBefore, reused: reusable.length, graded: 0 };
  }

  const started = await infra.start(lifecycle.signal);
  lifecycle.defer(() => started.stop());
  output.info(`${started.kind} infrastructure ready (Kafka ${started.bootTimes.kafkaMs} ms, PostgreSQL ${started.bootTimes.postgresMs} ms)`);
  const bases = taskBases(lifecycle, todo, output, store.dir, plan.sandbox);
  const batchStart = Date.now();
  let graded = 0;
  // A grade the machine's starvation made inconclusive goes to the end of the queue, once.
  const queue = todo.map((pending) => ({ pending, deferred: false }));
  const inconclusive: { id: string; why: string }[] = [];
  for (let i = 0; i < queue.length; i += 1) {
    const next = queue[i];
    if (!next) break;
    const { pending, deferred } = next;
    if (lifecycle.signal.aborted) throw lifecycle.signal.reason as Error;
    try {
      const result = await gradeOne(plan, pending, started, await bases(), output);
      // Whatever it left on the servers goes before the next one starts.
      const leftOnServers = await tidyServers(started, output);
      if (leftOnServers) writeFileSync(join(store.folderOf(pending.sub), 'left-on-servers.txt'), `${leftOnServers}\n`);
      store.finish(pending.sub, result);
      store.writeSummary();
      graded += 1;
      const elapsed = Date.now() - batchStart;
      const left = queue.length - i - 1;
      const eta = left > 0 ? `, about ${formatDuration((elapsed / graded) * left)} left` : '';
      output.info(summaryLine(result));
      output.progress(`${doneBefore + reusable.length + graded}/${plan.submissions.length} done, ${left} left, ${formatDuration(elapsed)} elapsed${eta}`);
    } catch (error) {
      if (isGraderError(error) && error.code === 'MACHINE_STARVED') {
        // No result.json, so a rerun grades it again; its logs stay, with why, until it is graded again.
        writeFileSync(join(store.folderOf(pending.sub), 'inconclusive.txt'), `${error.message}\n`);
        // What it left goes before the next one, as after any submission (the servers are fresh already).
        await tidyServers(started, output);
        if (!deferred) {
          output.warn(`${error.message}; it is graded again at the end of the batch`);
          queue.push({ pending, deferred: true });
        } else {
          output.warn(error.message);
          inconclusive.push({ id: pending.sub.id, why: error.message });
        }
        continue;
      }
      const ungraded = [...new Set(queue.slice(i).map((q) => q.pending.sub.id))];
      const names = `${ungraded.slice(0, 5).join(', ')}${ungraded.length > 5 ? `, and ${ungraded.length - 5} more` : ''}`;
      store.writeSummary();
      if (isGraderError(error)) {
        throw new GraderError(error.code, `${error.message}; the batch stopped with ${ungraded.length} submission(s) ungraded (${names}), none of them scored`, `${error.hint}; then rerun the same command: it grades only those`, error.exitCode, { cause: error });
      }
      throw error;
    }
  }
  if (inconclusive.length > 0) {
    store.writeSummary();
    const names = inconclusive.map((x) => x.id);
    throw new GraderError(
      'MACHINE_STARVED',
      `${inconclusive.length} submission(s) could not be graded on this machine, twice, because it was starved (the infrastructure failed, or checks were inconclusive) (${names.slice(0, 5).join(', ')}${names.length > 5 ? `, and ${names.length - 5} more` : ''}); every other submission was graded`,
      'free the machine or give it more CPUs, then rerun the same command: it grades only those',
    );
  }
  return { total: plan.submissions.length, doneBefore, reused: reusable.length, graded };
}

function describe(sub: Submission, digest: string): SubmissionResult['submission'] {
  return { id: sub.id, model: sub.model, attempt: sub.attempt, ...(sub.instanceId === undefined ? {} : { instanceId: sub.instanceId }), kind: sub.source.kind, origin: sub.origin, digest };
}

/** The exported task a diff applies to; `modules` is its service's installed node_modules, if the install worked. */
type Bases = readonly { readonly name: string; readonly dir: string; readonly modules?: string }[];

/**
 * The exported tasks (TypeScript and Go, with and without BUG comments) that diffs apply to, exported once on first
 * use, with the service's dependencies installed once (npm install of the task's own
 * package.json, by the grader): a diff that leaves package.json alone gets them linked in, and a
 * sandboxed directory whose dependency files are the task's gets them in its sandbox's copy, so
 * its `npm install` finds them up to date instead of downloading them again.
 */
function taskBases(lifecycle: Lifecycle, todo: readonly Pending[], output: Output, near: string, sandboxed: boolean): () => Promise<Bases> {
  let bases: Promise<Bases> | undefined;
  const useful = todo.some(({ sub: { source } }) => source.kind === 'diff' || (sandboxed && existsSync(join(source.dir, 'package.json'))));
  return () => {
    if (!useful) return Promise.resolve([]);
    bases ??= (async () => {
      // Beside the results, so that linking the dependencies into a submission's folder can use hard links.
      const root = mkdtempSync(join(near, TASK_BASE_PREFIX));
      lifecycle.defer(() => rmSync(root, { recursive: true, force: true }));
      await exportTask({ out: join(root, 'task'), hints: true });
      await exportTask({ out: join(root, 'task-no-hints'), hints: false });
      // A diff against the Go task touches Go files that the TypeScript task does not have, so
      // it applies to these bases only (bases are tried in order).
      await exportTask({ out: join(root, 'task-go'), hints: true, language: 'go' });
      await exportTask({ out: join(root, 'task-go-no-hints'), hints: false, language: 'go' });
      const modules = await installDependencies(join(root, 'task', 'service'), join(root, 'dependencies'), output);
      return [
        { name: 'grader export-task', dir: join(root, 'task'), ...(modules ? { modules } : {}) },
        { name: 'grader export-task --no-hints', dir: join(root, 'task-no-hints'), ...(modules ? { modules } : {}) },
        { name: 'grader export-task --language go', dir: join(root, 'task-go') },
        { name: 'grader export-task --language go --no-hints', dir: join(root, 'task-go-no-hints') },
      ];
    })();
    return bases;
  };
}

/** Installs the dependencies `service` declares in a folder of their own: the exported task stays as exported (no lockfile npm would add). */
async function installDependencies(service: string, into: string, output: Output): Promise<string | undefined> {
  const t0 = Date.now();
  mkdirSync(into);
  for (const file of DEPENDENCY_FILES) if (existsSync(join(service, file))) copyFileSync(join(service, file), join(into, file));
  const result = await execa('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: into, reject: false, timeout: 300_000, all: true, env: { CI: '1' } });
  if (result.exitCode !== 0) {
    const last = String(result.all ?? '').trim().split('\n').slice(-1)[0] ?? '';
    output.warn(`could not install the exported task's dependencies once for all diffs (${last}); each diff's build installs its own`);
    return undefined;
  }
  output.info(`installed the exported task's dependencies in ${Math.round((Date.now() - t0) / 1000)} s (used by every diff and directory whose dependency files are the task's)`);
  return join(into, 'node_modules');
}

async function gradeOne(plan: BatchPlan, { sub, digest, key }: Pending, infra: StartedInfra, bases: Bases, output: Output): Promise<SubmissionResult> {
  const startedAt = new Date();
  const folder = plan.store.begin(sub);
  const notGraded = (status: 'not_applied' | 'not_a_target', reason: string): SubmissionResult => ({
    schemaVersion: 1,
    key,
    submission: describe(sub, digest),
    status,
    score: 0,
    resolved: false,
    reason,
    budgetExceeded: false,
    categories: [],
    checks: {},
    durationMs: Date.now() - startedAt.getTime(),
    gradedAt: new Date().toISOString(),
  });

  let dir: string;
  let linked: string | undefined;
  let dependencies: string | undefined;
  if (sub.source.kind === 'diff') {
    writeFileSync(join(folder, 'submission.diff'), sub.source.patch);
    const applied = await applyDiff(sub.source.patch, bases, join(folder, 'task'));
    if (!applied.ok) return notGraded('not_applied', applied.reason);
    dir = join(folder, 'task', 'service');
    const base = bases.find((b) => b.name === applied.base);
    if (!lstatSync(dir, { throwIfNoEntry: false })?.isDirectory()) return notGraded('not_a_target', 'after the diff, service/ is not a directory');
    if (base?.modules && keepsDependencies(dir, join(base.dir, 'service'))) {
      if (plan.sandbox) {
        dependencies = base.modules;
      } else {
        // Unsandboxed, the build runs in this folder. Hard links: instant and no extra disk.
        const target = join(dir, 'node_modules');
        const copy = await execa('cp', ['-al', base.modules, target], { reject: false });
        if (copy.exitCode !== 0) {
          rmSync(target, { recursive: true, force: true });
          await execa('cp', ['-a', base.modules, target], { reject: false });
        }
        // Whatever got there is the task's (or nothing, and the build installs it).
        linked = target;
      }
    }
  } else {
    dir = sub.source.dir;
    // Into the sandbox's copy only: the user's folder is never written (unsandboxed, the build installs them there).
    const base = bases.find((b) => b.modules);
    if (plan.sandbox && base?.modules && keepsDependencies(dir, join(base.dir, 'service'))) dependencies = base.modules;
  }
  let target: TargetSpec;
  try {
    target = { ...resolveTarget(dir), name: sub.id };
  } catch (error) {
    if (isGraderError(error) && (error.code === 'TARGET_INVALID' || error.code === 'TARGET_NOT_FOUND')) return notGraded('not_a_target', error.message);
    throw error;
  }

  // The budget covers the diff, the build and the runs: not repairing servers a previous
  // submission broke, nor the machine's one warm-up of its Go cache (about a minute).
  const spentMs = Date.now() - startedAt.getTime();
  const down = await infra.health();
  if (down.length > 0) {
    output.warn(`the servers are not healthy before grading ${sub.id} (${down.join('; ')}); restarting them`);
    await infra.recover();
  }
  if (plan.sandbox && isGoTarget(target)) await ensureGoBuildCache(output, plan.limits);
  const reason = `budget exceeded: the submission's grade ran past its budget of ${Math.round(plan.budgetMs / 1000)} s`;
  let grades = 0;
  // The first grade's budget has paid for the diff; a grade again on fresh servers gets it whole.
  const budget = (): Budget => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(reason), Math.max(0, plan.budgetMs - (grades++ === 0 ? spentMs : 0)));
    return { signal: controller.signal, done: () => clearTimeout(timer) };
  };
  try {
    const { results, containment, infraAttempts, budgetExceeded } = await gradeSubmission({
      target,
      selected: plan.selected,
      seed: plan.settings.seed,
      repeat: plan.settings.repeat,
      runDir: join(folder, 'logs'),
      infra,
      sandbox: plan.sandbox,
      sandboxLimits: plan.limits,
      ...(dependencies ? { dependencies } : {}),
      buildTimeoutMs: plan.buildTimeoutMs,
      logger: output,
      budget,
    });
    const score = computeScore(results, plan.weights);
    const durationMs = Date.now() - startedAt.getTime();
    writeFileSync(
      join(folder, 'report.json'),
      renderJsonReport({ target: sub.id, seed: plan.settings.seed, graderVersion: GRADER_VERSION, infraKind: infra.kind, containment, startedAt, durationMs, results, score, infraAttempts }),
    );
    // Inconclusive twice: no result (the batch grades it again at its end, once), its report kept.
    if (inconclusiveChecks(results).length > 0) throw overloadedError(sub.id, results);
    const checks: Record<string, { passed: number; runs: number }> = {};
    for (const [id, rate] of passRates(results)) checks[id] = { passed: rate.passed, runs: rate.runs };
    return {
      schemaVersion: 1,
      key,
      submission: describe(sub, digest),
      status: 'graded',
      score: score.score,
      resolved: !budgetExceeded && results.some((r) => r.status === 'passed') && results.every((r) => r.status !== 'failed'),
      ...(budgetExceeded ? { reason } : {}),
      budgetExceeded,
      categories: score.categories.map(({ category, weight, earned, passed, total }) => ({ category, weight, earned, passed, total })),
      checks,
      durationMs,
      gradedAt: new Date().toISOString(),
      ...(infraAttempts.length > 0 ? { infraAttempts } : {}),
    };
  } finally {
    // What was graded stays in the folder; the linked dependencies are the task's, not the submission's.
    if (linked) rmSync(linked, { recursive: true, force: true });
  }
}
