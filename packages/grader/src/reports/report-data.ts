import type { InfraAttempt } from '../engine/grade-submission.ts';
import type { Containment } from '../engine/grade-target.ts';
import type { InfraKind } from '../infra/infra.ts';
import type { CheckResult, Score } from '../scoring/types.ts';

/** The name every report gives the tool. */
export const TOOL_NAME = 'inventory-grader';

/** One finished `grader run` (all its repeats): what every report writer receives. */
export interface ReportData {
  /** The `--target` as given: a named target or a path. */
  readonly target: string;
  /** The `--seed` every fault and workload was derived from. */
  readonly seed: number;
  /** Version of the grader package that produced the run. */
  readonly graderVersion: string;
  /** Which provider supplied Kafka and PostgreSQL. */
  readonly infraKind: InfraKind;
  /** How the target was contained (the sandbox's limits, or NOT CONTAINED with --no-sandbox). */
  readonly containment: Containment;
  /** When the run started (infra boot included). */
  readonly startedAt: Date;
  /** Wall time of the whole run, milliseconds. */
  readonly durationMs: number;
  /** Every check's verdict in every repeat, skipped ones included. */
  readonly results: readonly CheckResult[];
  /** computeScore(results, weights). */
  readonly score: Score;
  /** Earlier grades that the infrastructure ended (engine/grade-submission.ts); these results are the last grade's. */
  readonly infraAttempts?: readonly InfraAttempt[];
}

/** Number of repeats in the results (distinct `run` indices; 0 when there are none). */
export function repeatCount(results: readonly CheckResult[]): number {
  return new Set(results.map((r) => r.run)).size;
}

/** A test case's display name: the check id, plus the 1-based run when there are repeats. */
export function caseName(result: CheckResult, repeats: number): string {
  return repeats > 1 ? `${result.id} [run ${result.run + 1}]` : result.id;
}
