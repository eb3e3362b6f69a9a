import { CATALOG } from '../checks/catalog.ts';
import { CATEGORIES, type Category, type CheckResult } from '../scoring/types.ts';
import type { Expectation } from './suite.ts';

/**
 * The checks a target is graded on. A score expectation needs every check. A "caught"
 * expectation needs only the scenarios of its `caughtBy` checks (or, without them, every
 * scenario that feeds its category); their checks of other categories are kept, as a scenario
 * runs once for all of its checks anyway. `full` grades everything.
 */
export function checksFor(expectation: Expectation, full: boolean): string[] {
  if (full || expectation.caughtIn === undefined) return CATALOG.map((c) => c.id);
  const named = new Set(expectation.caughtBy ?? []);
  const feeding = CATALOG.filter((c) => (named.size > 0 ? named.has(c.id) : c.category === expectation.caughtIn));
  const scenarios = new Set(feeding.map((c) => c.scenario));
  return CATALOG.filter((c) => scenarios.has(c.scenario)).map((c) => c.id);
}

export interface Verdict {
  readonly met: boolean;
  /** One line, in numbers. */
  readonly reason: string;
}

/** How many of `runs` runs each failing check failed in, e.g. "atomic.x 2/2". */
function failedChecks(results: readonly CheckResult[], category?: Category): Map<string, number> {
  const failed = new Map<string, number>();
  for (const r of results) if (r.status === 'failed' && (category === undefined || r.category === category)) failed.set(r.id, (failed.get(r.id) ?? 0) + 1);
  return failed;
}

const list = (failed: ReadonlyMap<string, number>, runs: number, max = 4): string =>
  [...failed].slice(0, max).map(([id, n]) => `${id} ${n}/${runs}`).join(', ') + (failed.size > max ? `, … ${failed.size - max} more` : '');

/** Judges one target's results (all repeats) against its expectation. */
export function judge(expectation: Expectation, results: readonly CheckResult[], score: number, runs: number): Verdict {
  const shown = score.toFixed(3);
  if (expectation.minScore !== undefined) {
    const failed = failedChecks(results);
    return score >= expectation.minScore
      ? { met: true, reason: `score ${shown} >= ${expectation.minScore}` }
      : { met: false, reason: `score ${shown} < ${expectation.minScore}; failed: ${list(failed, runs)}` };
  }
  if (expectation.maxScore !== undefined) {
    return score <= expectation.maxScore
      ? { met: true, reason: `score ${shown} <= ${expectation.maxScore}` }
      : { met: false, reason: `score ${shown} > ${expectation.maxScore}` };
  }
  const category = expectation.caughtIn;
  const caught = failedChecks(results, category);
  const escapedRuns = Array.from({ length: runs }, (_, run) => run).filter(
    (run) => !results.some((r) => r.run === run && r.category === category && r.status === 'failed'),
  );
  const missed = (expectation.caughtBy ?? []).filter((id) => (caught.get(id) ?? 0) < runs);
  if (escapedRuns.length > 0) {
    return { met: false, reason: `not caught in ${escapedRuns.length} of ${runs} run(s): every ${category} check passed${caught.size ? ` (caught otherwise by ${list(caught, runs)})` : ''}` };
  }
  if (missed.length > 0) {
    return { met: false, reason: `caught by ${list(caught, runs)}, but ${missed.map((id) => `${id} ${caught.get(id) ?? 0}/${runs}`).join(', ')} (expected ${runs}/${runs})` };
  }
  return { met: true, reason: `caught in ${runs}/${runs} run(s) by ${list(caught, runs)}` };
}

/** Check runs passed / check runs, per category (absent = no check of it ran). */
export function categoryCells(results: readonly CheckResult[]): Map<Category, { passed: number; total: number }> {
  const cells = new Map<Category, { passed: number; total: number }>();
  for (const r of results) {
    if (r.status === 'skipped') continue;
    const cell = cells.get(r.category) ?? { passed: 0, total: 0 };
    cell.total += 1;
    if (r.status === 'passed') cell.passed += 1;
    cells.set(r.category, cell);
  }
  return cells;
}

/** One row of the discrimination matrix. */
export interface MatrixRow {
  readonly target: string;
  readonly expectation: Expectation;
  readonly results: readonly CheckResult[];
  readonly score: number;
  readonly durationMs: number;
  readonly verdict: Verdict;
}

/** Column headings of the matrix, one per category. */
export const SHORT: Record<Category, string> = {
  race_conditions: 'race',
  idempotency: 'idemp',
  isolation: 'isol',
  locking: 'lock',
  atomic_operations: 'atomic',
  consumer_offsets: 'offsets',
  load_stress: 'load',
};

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/**
 * Targets × categories: each cell is "check runs passed/check runs" ("-" = not run; "*" marks
 * the category a mutant must lose points in), then the score, the wall time and the verdict.
 */
export function renderMatrix(rows: readonly MatrixRow[]): string {
  const width = Math.max(6, ...rows.map((r) => r.target.length));
  const header = ['target'.padEnd(width), ...CATEGORIES.map((c) => SHORT[c].padStart(8)), 'score'.padStart(7), 'time'.padStart(7), '  expectation'].join(' ');
  const lines = [header, '-'.repeat(header.length)];
  for (const row of rows) {
    const cells = categoryCells(row.results);
    const cols = CATEGORIES.map((c) => {
      const cell = cells.get(c);
      const text = cell ? `${cell.passed}/${cell.total}` : '-';
      return `${text}${row.expectation.caughtIn === c ? '*' : ' '}`.padStart(8);
    });
    const expected = row.expectation.caughtIn !== undefined ? `caught in ${SHORT[row.expectation.caughtIn]}` : row.expectation.minScore !== undefined ? `score >= ${row.expectation.minScore}` : `score <= ${row.expectation.maxScore}`;
    lines.push([row.target.padEnd(width), ...cols, row.score.toFixed(3).padStart(7), duration(row.durationMs).padStart(7), `  ${row.verdict.met ? 'met' : 'FAILED'} (${expected})`].join(' '));
  }
  return lines.join('\n');
}
