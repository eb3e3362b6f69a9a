import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BaseSequencer, createVitest, type Reporter, type TestModule, type TestSpecification } from 'vitest/node';
import { CATALOG_BY_ID } from '../checks/catalog.ts';
import type { CheckResult, CheckStatus } from '../scoring/types.ts';
import { GraderFault, Inconclusive, InfraFailure } from './check-failure.ts';
import { LoadSampler } from './admission.ts';
import { ExclusiveTurn, type ExclusiveSpec } from './exclusive-turn.ts';
import type { GradingContext } from './grading-context.ts';

const CHECKS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../checks');

/** Called as checks finish, for live progress. */
export type CheckListener = (result: CheckResult) => void;

/** One run of every scenario, with its results and whether the grader's infrastructure broke. */
export interface ChecksRun {
  readonly results: CheckResult[];
  /** Messages of infrastructure failures (not the target's fault): fresh servers may help (engine/grade-submission.ts). */
  readonly infraFailures: string[];
  /** Messages of the grader's own failures (a sandbox that did not start): the run must exit 2. */
  readonly graderFaults: string[];
}

class ResultCollector implements Reporter {
  readonly results: CheckResult[] = [];
  readonly infraFailures: string[] = [];
  readonly graderFaults: string[] = [];
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
    if (message?.startsWith(GraderFault.PREFIX)) this.graderFaults.push(message.slice(GraderFault.PREFIX.length));
    const status = checkStatus(result.state, message);
    const check: CheckResult = {
      ...definition,
      status,
      ...(status !== 'passed' && status !== 'skipped' && message ? { message } : {}),
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

/** A check's status from its vitest state and first error's message. */
export function checkStatus(state: string, message: string | undefined): CheckStatus {
  if (state === 'passed') return 'passed';
  if (state !== 'failed') return 'skipped';
  return message?.startsWith(Inconclusive.PREFIX) ? 'inconclusive' : 'failed';
}

/** Runs the check files with vitest and returns one CheckResult per catalog check. */
export async function runChecks(ctx: GradingContext, run: number, listener?: CheckListener, signal?: AbortSignal): Promise<ChecksRun> {
  const collector = new ResultCollector(run, listener);
  if (signal?.aborted) return { results: [], infraFailures: [], graderFaults: [] };
  await runVitest(ctx, collector, signal);
  if (collector.moduleErrors.length > 0) {
    throw new InfraFailure(`check files failed to load: ${collector.moduleErrors[0]}`);
  }
  return { results: collector.results, infraFailures: collector.infraFailures, graderFaults: collector.graderFaults };
}

/**
 * Scenarios graded at once, in a fixed order (not vitest's cache of earlier durations, which
 * differs between machines). Batches of three reference directories on 2026-12-04 (one
 * machine, one hour): the ten after throughput took 23.1-24.3 s four at once, 20.8-23.2 s five
 * at once and 20.0-22.6 s six at once. At five the rebalance scenario (17-19 s, it waits on
 * rebalances of kafkajs members) bounds them as much as the two cores do.
 */
export const SCENARIOS_AT_ONCE = 5;

/**
 * Scenarios (besides the exclusive one) at once while the machine is busy (engine/admission.ts):
 * beside four CPU hogs and another grade, five at once left most checks of the reference fix
 * waiting for a CPU past every allowance.
 */
export const BUSY_SCENARIOS_AT_ONCE = 2;

/**
 * The scenario that measures alone: its six-partition rounds need CPU that its one-partition
 * baselines do not, so scenarios beside it (they share the target's CPU limit) pull a correct
 * target's ratios towards the threshold (the reference fix measured x2.1-3.3 beside four
 * others, x4.3-5.4 alone). The others started with it wait (engine/exclusive-turn.ts).
 */
export const EXCLUSIVE_SCENARIO = 'throughput';
/** The longest a scenario waits for the exclusive one: more than its hook timeout (scenarioHookTimeoutMs of its budget), so it never goes on while that one measures. */
export const EXCLUSIVE_WAIT_MS = 480_000;

/** Scenario files, longest first, so that a long one never starts last. */
export const LONGEST_FIRST = ['throughput', 'rebalance', 'restart', 'load', 'orders', 'sequential', 'hot-sku', 'duplicates', 'oversell', 'deadlock', 'db-drops'];

export class LongestFirst extends BaseSequencer {
  override sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification): number => {
      const i = LONGEST_FIRST.findIndex((name) => f.moduleId.endsWith(`/${name}.check.ts`));
      return i < 0 ? LONGEST_FIRST.length : i;
    };
    return Promise.resolve([...files].sort((a, b) => rank(a) - rank(b)));
  }
}

/** How the other scenarios wait for the exclusive one in this run; undefined when it is not selected. */
export function exclusiveSpec(selected: readonly string[], dir: string): ExclusiveSpec | undefined {
  const scenarios = new Set(selected.map((id) => CATALOG_BY_ID.get(id)?.scenario));
  if (!scenarios.has(EXCLUSIVE_SCENARIO)) return undefined;
  const others = [...scenarios].filter((s) => s !== undefined && s !== EXCLUSIVE_SCENARIO).length;
  return { scenario: EXCLUSIVE_SCENARIO, dir, neighbours: Math.min(SCENARIOS_AT_ONCE - 1, others), waitMs: EXCLUSIVE_WAIT_MS };
}

/** One vitest run of every scenario file, SCENARIOS_AT_ONCE at a time, the exclusive one first and alone while it measures. */
async function runVitest(grading: GradingContext, collector: ResultCollector, signal?: AbortSignal): Promise<void> {
  // Beside the run's logs (never a leftover in /tmp if the grader is killed); removed after the run.
  const turnDir = join(grading.runDir, '.turn');
  rmSync(turnDir, { recursive: true, force: true });
  mkdirSync(turnDir, { recursive: true });
  const spec = exclusiveSpec(grading.selected, turnDir);
  const ctx: GradingContext = { ...grading, ...(spec ? { exclusive: spec } : {}), admission: { dir: turnDir, most: SCENARIOS_AT_ONCE, busyMost: BUSY_SCENARIOS_AT_ONCE } };
  const load = new LoadSampler(turnDir).start();
  const vitest = await createVitest(
    'test',
    {
      config: false,
      root: CHECKS_DIR,
      include: ['**/*.check.ts'],
      watch: false,
      pool: 'threads',
      fileParallelism: true,
      maxWorkers: SCENARIOS_AT_ONCE,
      isolate: false,
      reporters: [collector],
      provide: { grading: ctx },
      passWithNoTests: true,
      sequence: { sequencer: LongestFirst },
      testTimeout: 30_000,
      // Checks never retry: a flaky verdict is a grader defect to fix, not to hide.
      retry: 0,
    },
    { server: { watch: null } },
  );
  // An abort (the submission's budget) skips what has not started; what runs ends on its own.
  const cancel = (): void => {
    // Scenarios waiting for the exclusive one end instead of running their workload for nothing.
    ExclusiveTurn.cancel(turnDir);
    void vitest.cancelCurrentRun('budget-exceeded' as 'keyboard-input');
  };
  signal?.addEventListener('abort', cancel, { once: true });
  try {
    // In LongestFirst's order (the pool sorts every run with the sequencer), so the exclusive scenario starts first.
    if (!signal?.aborted) await vitest.runTestSpecifications(await vitest.globTestSpecifications(), true);
  } finally {
    signal?.removeEventListener('abort', cancel);
    load.stop();
    await vitest.close();
    rmSync(turnDir, { recursive: true, force: true });
    // vitest sets a failing exit code when a check fails; the grader decides its own.
    process.exitCode = undefined;
  }
}
