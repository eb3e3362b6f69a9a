import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import chalk from 'chalk';
import type { Argv } from 'yargs';
import { CATALOG } from '../../checks/catalog.ts';
import { gradeTarget, NOT_CONTAINED } from '../../engine/grade-target.ts';
import { ExitCode, GraderError } from '../../errors/grader-error.ts';
import { selectInfra } from '../../infra/select-infra.ts';
import { REPO_ROOT } from '../../paths.ts';
import { writeReport } from '../../reports/write-report.ts';
import { computeScore } from '../../scoring/score.ts';
import { loadWeights } from '../../scoring/weights.ts';
import { resolveTarget } from '../../target/target-spec.ts';
import { materialise } from '../../validation/materialise.ts';
import { loadSuite, selectExpectations, type Expectation } from '../../validation/suite.ts';
import { categoryCells, checksFor, judge, renderMatrix, type MatrixRow } from '../../validation/verdict.ts';
import { Lifecycle } from '../lifecycle.ts';
import { infraChoice, infraOptionNames, pickOptions, sandboxChoice, sandboxOptionNames, type InfraArgs, type SandboxArgs } from '../options.ts';
import { makeOutputDir, type Output } from '../output.ts';

export interface ValidateArgs extends InfraArgs, SandboxArgs {
  seed: number;
  repeat: number;
  only?: string | undefined;
  full: boolean;
  json?: string | undefined;
  weights?: string | undefined;
  'run-dir'?: string | undefined;
}

const validateOptions = {
  ...pickOptions(['seed', 'repeat', 'json', 'weights', 'run-dir', ...sandboxOptionNames, ...infraOptionNames]),
  only: { type: 'string', describe: 'comma-separated target ids to validate, a trailing * matches a prefix, e.g. mutant-*,mistake-* (default: every target in expectations.json)', group: 'Validation:' },
  full: { type: 'boolean', default: false, describe: 'grade mutants and mistakes on every check, not only the scenarios of their category', group: 'Validation:' },
} as const;

export function validateCommand(yargs: Argv, output: Output): Argv {
  return yargs.command(
    'validate',
    'grade the reference, the buggy service, every mutant, mistake and alternative fix; print the discrimination matrix',
    (y) => y.options(validateOptions),
    async (argv) => {
      process.exitCode = await validate(argv, output);
    },
  );
}

/** The whole `grader validate`; returns the exit code (1 when an expectation is not met). */
export async function validate(args: ValidateArgs, output: Output): Promise<number> {
  const startedAt = new Date();
  if (!Number.isInteger(args.repeat) || args.repeat < 1 || args.repeat > 1000) {
    throw new GraderError('USAGE', `--repeat must be an integer from 1 to 1000, got ${args.repeat}`, 'e.g. --repeat 10');
  }
  if (!Number.isInteger(args.seed)) throw new GraderError('USAGE', `--seed must be an integer, got ${args.seed}`, 'e.g. --seed 42');
  const weights = loadWeights(args.weights ? resolve(args.weights) : join(REPO_ROOT, 'weights.json'), CATALOG);
  for (const warning of weights.warnings) output.warn(warning);
  const { sandbox, limits, buildTimeoutMs } = sandboxChoice(args);
  if (!sandbox) output.warn(NOT_CONTAINED);
  const suite = loadSuite();
  let expectations = suite.expectations;
  if (args.only !== undefined) expectations = selectExpectations(expectations, args.only);
  const runDir = resolve(args['run-dir'] ?? join(REPO_ROOT, '.grader', 'validate', startedAt.toISOString().replace(/[:.]/g, '-')));
  makeOutputDir(runDir, '--run-dir');
  if (!args.full && expectations.some((e) => e.caughtIn !== undefined)) {
    output.info('mutants and mistakes are graded only on the scenarios of their caughtBy checks (or of their category), with all checks of those scenarios; --full grades every check');
  }

  const lifecycle = new Lifecycle(output);
  lifecycle.install();
  try {
    const infra = await selectInfra(infraChoice(args, output));
    const started = await infra.start(lifecycle.signal);
    lifecycle.defer(() => started.stop());
    output.info(`${started.kind} infrastructure ready; validating ${expectations.length} target(s), ${args.repeat} run(s) each, seed ${args.seed}; logs in ${runDir}`);
    const variantsRoot = mkdtempSync(join(tmpdir(), 'grader-validate-'));
    lifecycle.defer(() => rmSync(variantsRoot, { recursive: true, force: true }));

    const rows: MatrixRow[] = [];
    for (const expectation of expectations) {
      const t0 = Date.now();
      const variant = suite.variants.get(expectation.target);
      const target = variant ? materialise(variant, variantsRoot) : resolveTarget(expectation.target);
      const selected = checksFor(expectation, args.full);
      output.info(`${chalk.bold(expectation.target)}: ${selected.length} checks x ${args.repeat} run(s)`);
      const { results: graded } = await gradeTarget({
        target,
        sandbox,
        sandboxLimits: limits,
      buildTimeoutMs,
        logger: output,
        selected,
        seed: args.seed,
        repeat: args.repeat,
        runDir: join(runDir, expectation.target),
        infra: started,
        listener: (r) => {
          if (r.status === 'failed') output.info(`  ${chalk.red('✗')} ${r.id}${chalk.dim(` — ${r.message ?? ''}`)}`);
          if (r.status === 'inconclusive') output.warn(`  ? ${r.id} — ${r.message ?? ''}`);
        },
      });
      const results = graded.filter((r) => r.status !== 'skipped');
      const score = computeScore(results, weights).score;
      const verdict = judge(expectation, results, score, args.repeat);
      rows.push({ target: expectation.target, expectation, results, score, durationMs: Date.now() - t0, verdict });
      output.info(`${verdict.met ? chalk.green('met') : chalk.red('FAILED')} ${expectation.target}: ${verdict.reason}`);
      // Written after every target, so a long validation that is interrupted keeps what it measured.
      if (args.json) await writeReport(resolve(args.json), renderJson(rows, args, startedAt));
    }

    output.data(renderMatrix(rows));
    const failed = rows.filter((r) => !r.verdict.met);
    for (const row of failed) output.data(`FAILED ${row.target}: ${row.verdict.reason}${row.expectation.note ? ` [note: ${row.expectation.note}]` : ''}`);
    output.data(`${rows.length - failed.length} of ${rows.length} expectations met in ${Math.round((Date.now() - startedAt.getTime()) / 1000)} s (${args.repeat} run(s) each, seed ${args.seed}${args.full ? ', every check' : ''})`);
    return failed.length > 0 ? ExitCode.belowMinScore : ExitCode.ok;
  } finally {
    await lifecycle.close();
  }
}

function renderJson(rows: readonly MatrixRow[], args: ValidateArgs, startedAt: Date): string {
  const targets = rows.map((row) => ({
    target: row.target,
    expectation: row.expectation satisfies Expectation,
    met: row.verdict.met,
    reason: row.verdict.reason,
    score: row.score,
    durationMs: row.durationMs,
    categories: Object.fromEntries(categoryCells(row.results)),
    failed: row.results.filter((r) => r.status === 'failed').map((r) => ({ id: r.id, run: r.run, message: r.message ?? '' })),
    // No verdict: neither passed nor caught (engine/check-failure.ts); listed only when there are some.
    ...(row.results.some((r) => r.status === 'inconclusive') ? { inconclusive: row.results.filter((r) => r.status === 'inconclusive').map((r) => ({ id: r.id, run: r.run, message: r.message ?? '' })) } : {}),
  }));
  const report = { schemaVersion: 1, seed: args.seed, repeat: args.repeat, full: args.full, startedAt: startedAt.toISOString(), durationMs: Date.now() - startedAt.getTime(), targets };
  return `${JSON.stringify(report, null, 2)}\n`;
}
