import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createVitest, type Reporter, type TestModule } from 'vitest/node';
import { CATALOG_BY_ID } from '../checks/catalog.ts';
import type { CheckResult } from '../scoring/types.ts';
import { InfraFailure } from './check-failure.ts';
import type { GradingContext } from './grading-context.ts';

const CHECKS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../checks');

/** Called as checks finish, for live progress. */
export type CheckListener = (result: CheckResult) => void;

/** One run of every scenario, with its results and whether the grader's infrastructure broke. */
export interface ChecksRun {
  readonly results: CheckResult[];
  /** Messages of infrastructure failures (not the target's fault): the run must exit 2. */
  readonly infraFailures: string[];
}

class ResultCollector implements Reporter {
  readonly results: CheckResult[] = [];
  readonly infraFailures: string[] = [];
  readonly moduleErrors: string[] = [];

  constructor(
    private readonly run: number,
    private readonly listener?: CheckListener,
  ) {}

  onTestCaseResult(test: Parameters<NonNullable<Reporter['onTestCaseResult']>>[0]): void {
    const definition = CATALOG_BY_ID.get(test.name);
    if (!definition) return;
    const result = test.result();
    const error = result.errors?.[0];
    const message = error?.message;
    if (message?.startsWith(InfraFailure.PREFIX)) this.infraFailures.push(message.slice(InfraFailure.PREFIX.length));
    const status = result.state === 'passed' ? 'passed' : result.state === 'failed' ? 'failed' : 'skipped';
    const check: CheckResult = {
      ...definition,
      status,
      ...(status === 'failed' && message ? { message } : {}),
      durationMs: Math.round(test.diagnostic()?.duration ?? 0),
      run: this.run,
    };
    this.results.push(check);
    this.listener?.(check);
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    for (const module of modules) {
      for (const error of module.errors()) this.moduleErrors.push(`${module.moduleId}: ${error.message}`);
    }
  }
}

/**
 * Runs the check files with vitest (one worker thread, files in sequence: scenarios must not
 * compete for the 2 cores they measure) and returns one CheckResult per catalog check.
 */
export async function runChecks(ctx: GradingContext, run: number, listener?: CheckListener): Promise<ChecksRun> {
  const collector = new ResultCollector(run, listener);
  const vitest = await createVitest(
    'test',
    {
      config: false,
      root: CHECKS_DIR,
      include: ['**/*.check.ts'],
      watch: false,
      pool: 'threads',
      fileParallelism: false,
      maxWorkers: 1,
      isolate: false,
      reporters: [collector],
      provide: { grading: ctx },
      passWithNoTests: true,
      testTimeout: 30_000,
      // Checks never retry: a flaky verdict is a grader defect to fix, not to hide.
      retry: 0,
    } as Parameters<typeof createVitest>[1],
    { server: { watch: null } },
  );
  try {
    await vitest.start();
  } finally {
    await vitest.close();
    // vitest sets a failing exit code when a check fails; the grader decides its own.
    process.exitCode = undefined;
  }
  if (collector.moduleErrors.length > 0) {
    throw new InfraFailure(`check files failed to load: ${collector.moduleErrors[0]}`);
  }
  return { results: collector.results, infraFailures: collector.infraFailures };
}
