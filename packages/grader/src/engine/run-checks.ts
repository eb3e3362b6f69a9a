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

/** Runs the check files with vitest and returns one CheckResult per catalog check. */
export async function runChecks(ctx: GradingContext, run: number, listener?: CheckListener, signal?: AbortSignal): Promise<ChecksRun> {
  const collector = new ResultCollector(run, listener);
  if (signal?.aborted) return { results: [], infraFailures: [] };
  // Throughput ratios are measured alone; the other scenarios are latency-bound and share the
  // two cores three at a time (contention only widens their race windows; 10-run figures in
  // the README were taken this way).
  await runVitest(ctx, collector, [ISOLATED], [], 1, signal);
  if (!signal?.aborted) await runVitest(ctx, collector, ['**/*.check.ts'], [ISOLATED], 3, signal);
  if (collector.moduleErrors.length > 0) {
    throw new InfraFailure(`check files failed to load: ${collector.moduleErrors[0]}`);
  }
  return { results: collector.results, infraFailures: collector.infraFailures };
}

/** Check files that must not share the machine with another scenario. */
const ISOLATED = 'locking/throughput.check.ts';

async function runVitest(ctx: GradingContext, collector: ResultCollector, include: string[], exclude: string[], workers: number, signal?: AbortSignal): Promise<void> {
  const vitest = await createVitest(
    'test',
    {
      config: false,
      root: CHECKS_DIR,
      include,
      exclude,
      watch: false,
      pool: 'threads',
      fileParallelism: workers > 1,
      maxWorkers: workers,
      isolate: false,
      reporters: [collector],
      provide: { grading: ctx },
      passWithNoTests: true,
      testTimeout: 30_000,
      // Checks never retry: a flaky verdict is a grader defect to fix, not to hide.
      retry: 0,
    },
    { server: { watch: null } },
  );
  // An abort (the submission's budget) skips what has not started; what runs ends on its own.
  const cancel = (): void => void vitest.cancelCurrentRun('budget-exceeded' as 'keyboard-input');
  signal?.addEventListener('abort', cancel, { once: true });
  try {
    if (!signal?.aborted) await vitest.start();
  } finally {
    signal?.removeEventListener('abort', cancel);
    await vitest.close();
    // vitest sets a failing exit code when a check fails; the grader decides its own.
    process.exitCode = undefined;
  }
}
