import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { GradingSettings } from '../batch/content-key.ts';
import type { SubmissionResult } from '../batch/result-store.ts';
import { CATALOG } from '../checks/catalog.ts';
import { GraderError } from '../errors/grader-error.ts';
import type { JsonReport } from '../reports/json-report.ts';
import { TOOL_NAME } from '../reports/report-data.ts';

function read(file: string): JsonReport {
  let report: JsonReport;
  try {
    report = JSON.parse(readFileSync(file, 'utf8')) as JsonReport;
  } catch (error) {
    throw new GraderError('USAGE', `${file}: not a readable JSON file (${(error as Error).message})`, 'give batch folders, or reports written by grader run --json');
  }
  if (report.tool !== TOOL_NAME || report.schemaVersion !== 1 || typeof report.passRates !== 'object') {
    throw new GraderError('USAGE', `${file}: not a grader run --json report (schema version 1)`, 'give batch folders, or reports written by grader run --json');
  }
  return report;
}

/**
 * `grader run --json` reports as leaderboard entries: each report is one attempt of the model
 * named by its target's last path segment (several reports of one target are its attempts).
 * They must share a grader version and seed; the checks are those that ran in any of them.
 */
export function resultsFromRunReports(files: readonly string[]): { settings: GradingSettings; results: SubmissionResult[] } {
  const reports = files.map((file) => ({ file, report: read(file) }));
  const first = reports[0]?.report;
  if (!first) throw new GraderError('USAGE', 'no reports given', 'e.g. grader leaderboard a.json b.json');
  for (const { file, report } of reports) {
    if (report.graderVersion !== first.graderVersion || report.seed !== first.seed || report.repeats !== first.repeats || report.containment.sandboxed !== first.containment.sandboxed) {
      throw new GraderError(
        'BATCH_MISMATCH',
        `${file} was graded with other settings than ${reports[0]?.file ?? ''} (grader ${report.graderVersion} vs ${first.graderVersion}, seed ${report.seed} vs ${first.seed}, ${report.repeats} vs ${first.repeats} run(s), sandboxed ${String(report.containment.sandboxed)} vs ${String(first.containment.sandboxed)})`,
        'compare only reports of one grader version, seed and --repeat',
      );
    }
  }
  const ran = new Set(reports.flatMap(({ report }) => Object.keys(report.passRates)));
  const known = CATALOG.map((c) => c.id);
  const checks = [...known.filter((id) => ran.has(id)), ...[...ran].filter((id) => !known.includes(id)).sort()];
  const settings: GradingSettings = {
    graderVersion: first.graderVersion,
    graderBuild: 'grader run reports',
    seed: first.seed,
    repeat: first.repeats,
    weights: 'as each report',
    checks,
    containment: first.containment.description,
    budgetSeconds: 0,
  };
  const attempts = new Map<string, number>();
  const results = reports.map(({ file, report }): SubmissionResult => {
    const model = basename(report.target);
    const attempt = (attempts.get(model) ?? 0) + 1;
    attempts.set(model, attempt);
    const rates = Object.values(report.passRates);
    return {
      schemaVersion: 1,
      key: file,
      submission: { id: `${model}/${attempt}`, model, attempt, kind: 'directory', origin: file, digest: '' },
      status: 'graded',
      score: report.score.score,
      resolved: rates.length > 0 && rates.every((r) => r.passed === r.runs),
      budgetExceeded: false,
      categories: report.score.categories,
      checks: Object.fromEntries(Object.entries(report.passRates).map(([id, r]) => [id, { passed: r.passed, runs: r.runs }])),
      durationMs: report.durationMs,
      gradedAt: report.startedAt,
    };
  });
  return { settings, results };
}
