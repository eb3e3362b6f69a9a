import type { CheckStatus } from '../scoring/types.ts';
import { caseName, repeatCount, TOOL_NAME, type ReportData } from './report-data.ts';

/** CTRF test statuses (https://ctrf.io/docs/specification/status). */
export type CtrfStatus = 'passed' | 'failed' | 'skipped' | 'pending' | 'other';

/** One test case: one check in one run. */
export interface CtrfTest {
  /** Check id, with `[run N]` appended when the run has repeats. */
  readonly name: string;
  readonly status: CtrfStatus;
  /** Milliseconds, an integer as the schema requires. */
  readonly duration: number;
  /** CheckResult.message, present when the check said something (always on failures). */
  readonly message?: string;
  /** Suite hierarchy, top-level first: the check's category. */
  readonly suite: readonly string[];
}

/** A CTRF document (https://ctrf.io, schema ctrf.schema.json). */
export interface CtrfReport {
  readonly reportFormat: 'CTRF';
  readonly specVersion: string;
  readonly results: {
    readonly tool: { readonly name: string; readonly version: string };
    readonly summary: {
      readonly tests: number;
      readonly passed: number;
      readonly failed: number;
      readonly pending: number;
      readonly skipped: number;
      readonly other: number;
      /** Run start, milliseconds since the Unix epoch. */
      readonly start: number;
      /** Run end, milliseconds since the Unix epoch. */
      readonly stop: number;
    };
    readonly tests: readonly CtrfTest[];
    /** Grader-specific run metadata (CTRF's extension point). */
    readonly extra: { readonly target: string; readonly seed: number; readonly infraKind: string; readonly sandboxed: boolean; readonly containment: string; readonly score: number };
  };
}

/** The CTRF specification version this writer follows. */
export const CTRF_SPEC_VERSION = '0.0.0';

// Inconclusive is no verdict either way (engine/check-failure.ts).
const STATUS: Record<CheckStatus, CtrfStatus> = { passed: 'passed', failed: 'failed', skipped: 'skipped', inconclusive: 'other' };

/** Builds the CTRF document of a run: one test per check per run, suite = category. */
export function buildCtrfReport(data: ReportData): CtrfReport {
  const repeats = repeatCount(data.results);
  const tests: CtrfTest[] = data.results.map((r) => ({
    name: caseName(r, repeats),
    status: STATUS[r.status],
    duration: Math.max(0, Math.round(r.durationMs)),
    ...(r.message === undefined ? {} : { message: r.message }),
    suite: [r.category],
  }));
  const tally = (status: CtrfStatus): number => tests.filter((t) => t.status === status).length;
  const start = data.startedAt.getTime();
  return {
    reportFormat: 'CTRF',
    specVersion: CTRF_SPEC_VERSION,
    results: {
      tool: { name: TOOL_NAME, version: data.graderVersion },
      summary: {
        tests: tests.length,
        passed: tally('passed'),
        failed: tally('failed'),
        pending: tally('pending'),
        skipped: tally('skipped'),
        other: tally('other'),
        start,
        stop: start + Math.max(0, Math.round(data.durationMs)),
      },
      tests,
      extra: { target: data.target, seed: data.seed, infraKind: data.infraKind, sandboxed: data.containment.sandboxed, containment: data.containment.description, score: data.score.score },
    },
  };
}

/** The CTRF document as pretty-printed JSON with a final newline. */
export function renderCtrfReport(data: ReportData): string {
  return `${JSON.stringify(buildCtrfReport(data), null, 2)}\n`;
}
