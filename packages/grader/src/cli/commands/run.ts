import { join, resolve } from 'node:path';
import chalk from 'chalk';
import type { Argv } from 'yargs';
import { CATALOG } from '../../checks/catalog.ts';
import { NOT_CONTAINED } from '../../engine/grade-target.ts';
import { gradeSubmission, overloadedError } from '../../engine/grade-submission.ts';
import { ExitCode, GraderError } from '../../errors/grader-error.ts';
import { selectInfra } from '../../infra/select-infra.ts';
import { REPO_ROOT } from '../../paths.ts';
import { renderConsoleReport } from '../../reports/console-report.ts';
import { renderCtrfReport } from '../../reports/ctrf-report.ts';
import { renderJsonReport } from '../../reports/json-report.ts';
import { renderJunitReport } from '../../reports/junit-report.ts';
import type { ReportData } from '../../reports/report-data.ts';
import { writeReport } from '../../reports/write-report.ts';
import { computeScore, inconclusiveChecks } from '../../scoring/score.ts';
import { CATEGORIES, type Category } from '../../scoring/types.ts';
import { loadWeights } from '../../scoring/weights.ts';
import { resolveTarget } from '../../target/target-spec.ts';
import { Lifecycle } from '../lifecycle.ts';
import { infraChoice, pickOptions, runOptionNames, sandboxChoice, type InfraArgs, type SandboxArgs } from '../options.ts';
import { makeOutputDir, type Output } from '../output.ts';
import { GRADER_VERSION } from '../../version.ts';

export interface RunArgs extends InfraArgs, SandboxArgs {
  target: string;
  seed: number;
  repeat: number;
  only?: string | undefined;
  category?: string | undefined;
  'min-score'?: number | undefined;
  weights?: string | undefined;
  json?: string | undefined;
  junit?: string | undefined;
  ctrf?: string | undefined;
  'run-dir'?: string | undefined;
}

export function runCommand(yargs: Argv, output: Output): Argv {
  return yargs.command(
    'run',
    'boot the infrastructure, grade a target against every check, print the weighted score',
    (y) => y.options(pickOptions(runOptionNames)),
    async (argv) => {
      process.exitCode = await gradeRun(argv, output);
    },
  );
}

/** The check ids `--only` and `--category` select (all when neither is given). */
export function selectChecks(only: string | undefined, category: string | undefined): string[] {
  let ids = CATALOG.map((c) => c.id);
  if (only !== undefined) {
    const wanted = only.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = wanted.filter((id) => !ids.includes(id));
    if (unknown.length > 0 || wanted.length === 0) {
      throw new GraderError('USAGE', `--only: unknown check id '${unknown[0] ?? only}'`, 'see the check table in the README or `grader run --help`');
    }
    ids = ids.filter((id) => wanted.includes(id));
  }
  if (category !== undefined) {
    const wanted = category.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = wanted.filter((c) => !CATEGORIES.includes(c as Category));
    if (unknown.length > 0 || wanted.length === 0) {
      throw new GraderError('USAGE', `--category: unknown category '${unknown[0] ?? category}'`, `use one of ${CATEGORIES.join(', ')}`);
    }
    ids = ids.filter((id) => wanted.includes(CATALOG.find((c) => c.id === id)?.category ?? ''));
  }
  return ids;
}

export function validateNumbers(args: { repeat: number; seed: number; 'min-score'?: number | undefined }): void {
  if (!Number.isInteger(args.repeat) || args.repeat < 1 || args.repeat > 1000) {
    throw new GraderError('USAGE', `--repeat must be an integer from 1 to 1000, got ${args.repeat}`, 'e.g. --repeat 10');
  }
  if (!Number.isInteger(args.seed)) throw new GraderError('USAGE', `--seed must be an integer, got ${args.seed}`, 'e.g. --seed 42');
  const min = args['min-score'];
  if (min !== undefined && !(min >= 0 && min <= 1)) throw new GraderError('USAGE', `--min-score must be between 0 and 1, got ${min}`, 'e.g. --min-score 0.9');
}

/** The whole `grader run`; returns the exit code. */
export async function gradeRun(args: RunArgs, output: Output): Promise<number> {
  const startedAt = new Date();
  // Everything that can be wrong with the input is checked before anything starts.
  validateNumbers(args);
  const weights = loadWeights(args.weights ? resolve(args.weights) : join(REPO_ROOT, 'weights.json'), CATALOG);
  for (const warning of weights.warnings) output.warn(warning);
  const selected = selectChecks(args.only, args.category);
  const target = resolveTarget(args.target);
  const { sandbox, limits, buildTimeoutMs } = sandboxChoice(args);
  if (!sandbox) output.warn(NOT_CONTAINED);
  const runDir = resolve(args['run-dir'] ?? join(REPO_ROOT, '.grader', 'runs', `${startedAt.toISOString().replace(/[:.]/g, '-')}-${target.name}`));
  makeOutputDir(runDir, '--run-dir');

  const lifecycle = new Lifecycle(output);
  lifecycle.install();
  try {
    const infra = await selectInfra(infraChoice(args, output));
    output.info(`grading ${target.name} (${target.dir}) with seed ${args.seed}; logs in ${runDir}`);
    const started = await infra.start(lifecycle.signal);
    lifecycle.defer(() => started.stop());
    output.info(`${started.kind} infrastructure ready (Kafka ${started.bootTimes.kafkaMs} ms, PostgreSQL ${started.bootTimes.postgresMs} ms)`);

    const total = selected.length * args.repeat;
    let finished = 0;
    const { results, containment, infraAttempts } = await gradeSubmission({
      target,
      sandbox,
      sandboxLimits: limits,
      buildTimeoutMs,
      logger: output,
      selected,
      seed: args.seed,
      repeat: args.repeat,
      runDir,
      infra: started,
      onRun: (run) => {
        if (args.repeat > 1) output.info(`run ${run + 1} of ${args.repeat}`);
      },
      listener: (r) => {
        if (r.status === 'skipped') return;
        finished += 1;
        const mark = r.status === 'passed' ? chalk.green('✓') : r.status === 'inconclusive' ? chalk.yellow('?') : chalk.red('✗');
        output.info(`${mark} ${r.id}${r.status !== 'passed' && r.message ? chalk.dim(` — ${r.message}`) : ''}`);
        // A status line on a terminal; plain output (CI) gets the per-check lines only.
        if (output.interactive) output.progress(`${finished}/${total} checks done`);
      },
    });
    const score = computeScore(results, weights);
    const data: ReportData = {
      target: args.target,
      seed: args.seed,
      graderVersion: GRADER_VERSION,
      infraKind: started.kind,
      containment,
      startedAt,
      durationMs: Date.now() - startedAt.getTime(),
      results,
      score,
      infraAttempts,
    };
    if (args.json) await writeReport(resolve(args.json), renderJsonReport(data));
    if (args.junit) await writeReport(resolve(args.junit), renderJunitReport(data));
    if (args.ctrf) await writeReport(resolve(args.ctrf), renderCtrfReport(data));
    output.data(renderConsoleReport(data));
    // Printed and written, but no verdict: exit 2 with why.
    if (inconclusiveChecks(results).length > 0) throw overloadedError(target.name, results);
    const min = args['min-score'];
    return min !== undefined && score.score < min ? ExitCode.belowMinScore : ExitCode.ok;
  } finally {
    await lifecycle.close();
  }
}
