import { readFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import type { Argv } from 'yargs';
import { runBatch } from '../../batch/batch-run.ts';
import { digestText, graderBuild, type GradingSettings } from '../../batch/content-key.ts';
import { ResultStore } from '../../batch/result-store.ts';
import { parseShard, pickShard } from '../../batch/shard.ts';
import { loadSubmissions } from '../../batch/submission.ts';
import { NOT_CONTAINED } from '../../engine/grade-target.ts';
import { ExitCode, GraderError } from '../../errors/grader-error.ts';
import { selectInfra } from '../../infra/select-infra.ts';
import { REPO_ROOT } from '../../paths.ts';
import { loadWeights } from '../../scoring/weights.ts';
import { CATALOG } from '../../checks/catalog.ts';
import { GRADER_VERSION } from '../../version.ts';
import { Lifecycle } from '../lifecycle.ts';
import { infraChoice, infraOptionNames, pickOptions, sandboxChoice, sandboxOptionNames, type InfraArgs, type SandboxArgs } from '../options.ts';
import type { Output } from '../output.ts';
import { selectChecks, validateNumbers } from './run.ts';

export interface BatchArgs extends InfraArgs, SandboxArgs {
  submissions: string[];
  out: string;
  resume: boolean;
  shard?: string | undefined;
  budget: number;
  seed: number;
  repeat: number;
  only?: string | undefined;
  category?: string | undefined;
  weights?: string | undefined;
}

export const batchOptions = pickOptions(['submissions', 'out', 'resume', 'shard', 'budget', 'seed', 'repeat', 'only', 'category', 'weights', ...sandboxOptionNames, ...infraOptionNames]);

export function batchCommand(yargs: Argv, output: Output): Argv {
  return yargs.command(
    'batch',
    'grade many submissions (predictions file, diffs, directories) on infrastructure booted once; resumable, shardable',
    (y) => y.options(batchOptions),
    async (argv) => {
      process.exitCode = await batch(argv, output);
    },
  );
}

/** The whole `grader batch`; returns the exit code. */
export async function batch(args: BatchArgs, output: Output): Promise<number> {
  // Everything that can be wrong with the input is refused before anything starts or is written.
  validateNumbers(args);
  if (!Number.isFinite(args.budget) || args.budget < 1 || args.budget > 86_400) {
    throw new GraderError('USAGE', `--budget must be a number of seconds from 1 to 86400, got ${String(args.budget)}`, 'e.g. --budget 900');
  }
  const shard = args.shard === undefined ? undefined : parseShard(args.shard);
  const weightsFile = args.weights ? resolve(args.weights) : join(REPO_ROOT, 'weights.json');
  const weights = loadWeights(weightsFile, CATALOG);
  for (const warning of weights.warnings) output.warn(warning);
  const selected = selectChecks(args.only, args.category);
  const { sandbox, limits, buildTimeoutMs } = sandboxChoice(args);
  if (!sandbox) output.warn(NOT_CONTAINED);
  const out = resolve(args.out);
  for (const given of args.submissions) {
    const path = resolve(given);
    if (out === path || out.startsWith(`${path}${sep}`)) {
      throw new GraderError('USAGE', `--out ${args.out} is inside --submissions ${given}`, 'write results outside the submissions, or the next run reads them as submissions');
    }
  }
  const all = loadSubmissions(args.submissions);
  const submissions = shard ? pickShard(all, shard) : all;
  if (shard) output.info(`shard ${shard.index}/${shard.count}: ${submissions.length} of ${all.length} submission(s)`);
  const settings: GradingSettings = {
    graderVersion: GRADER_VERSION,
    graderBuild: graderBuild(),
    seed: args.seed,
    repeat: args.repeat,
    weights: digestText(readFileSync(weightsFile)).slice(0, 16),
    checks: selected,
    containment: sandbox ? `sandboxed: ${JSON.stringify(limits)}, build ${buildTimeoutMs / 1000} s` : 'not sandboxed',
    budgetSeconds: args.budget,
  };
  const store = ResultStore.openForGrading(out, settings);

  const lock = store.lock();
  const lifecycle = new Lifecycle(output);
  lifecycle.defer(() => lock.release());
  lifecycle.install();
  try {
    const infra = await selectInfra(infraChoice(args, output));
    const outcome = await runBatch(
      { submissions, store, settings, weights, selected, sandbox, limits, buildTimeoutMs, budgetMs: args.budget * 1000, resume: args.resume },
      infra,
      lifecycle,
      output,
    );
    const ids = new Set(submissions.map((s) => s.id));
    const results = store.results().filter((r) => ids.has(r.submission.id));
    const mean = results.length > 0 ? results.reduce((sum, r) => sum + r.score, 0) / results.length : 0;
    output.data(
      `${outcome.total} submission(s): ${outcome.graded} graded now, ${outcome.doneBefore} before, ${outcome.reused} reused; mean score ${mean.toFixed(3)}, ${results.filter((r) => r.resolved).length} resolved; results in ${store.dir} (grader leaderboard ${store.dir})`,
    );
    return ExitCode.ok;
  } finally {
    await lifecycle.close();
  }
}
