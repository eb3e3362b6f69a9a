import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CATALOG } from '../checks/catalog.ts';
import { GraderError } from '../errors/grader-error.ts';
import type { InfraEndpoints } from '../infra/infra.ts';
import type { CheckResult } from '../scoring/types.ts';
import { buildTarget } from '../target/target-build.ts';
import type { TargetSpec } from '../target/target-spec.ts';
import { runChecks, type CheckListener } from './run-checks.ts';

/** One target, graded `repeat` times on infrastructure that is already up. */
export interface GradeTargetOptions {
  readonly target: TargetSpec;
  /** Check ids to run; every other catalog check is reported as skipped. */
  readonly selected: readonly string[];
  readonly seed: number;
  readonly repeat: number;
  /** Gets build.log and one run-N folder per run. */
  readonly runDir: string;
  readonly endpoints: InfraEndpoints;
  readonly listener?: CheckListener;
  /** Called before each run (0-based). */
  readonly onRun?: (run: number) => void;
}

/**
 * Builds the target once, then runs the selected checks `repeat` times. A failed build fails
 * every selected check (a verdict on the target); a failure of the grader's own infrastructure
 * throws INFRA_FAILED, as it says nothing about the target.
 */
export async function gradeTarget(options: GradeTargetOptions): Promise<CheckResult[]> {
  const { target, selected, seed, repeat, runDir, endpoints, listener, onRun } = options;
  mkdirSync(runDir, { recursive: true });
  const build = await buildTarget(target, join(runDir, 'build.log'));
  const results: CheckResult[] = [];
  for (let run = 0; run < repeat; run++) {
    onRun?.(run);
    if (!build.ok) {
      results.push(
        ...CATALOG.map((c) =>
          selected.includes(c.id)
            ? { ...c, status: 'failed' as const, message: `target build failed: ${build.reason}`, durationMs: 0, run }
            : { ...c, status: 'skipped' as const, durationMs: 0, run },
        ),
      );
      continue;
    }
    const outcome = await runChecks({ endpoints, target, seed, runDir: join(runDir, `run-${run + 1}`), selected }, run, listener);
    if (outcome.infraFailures.length > 0) {
      throw new GraderError('INFRA_FAILED', `the grader's infrastructure failed while grading ${target.name}: ${outcome.infraFailures[0]}`, `see the logs in ${runDir}; this is not the target's fault, rerun`);
    }
    results.push(...outcome.results);
  }
  return results;
}
