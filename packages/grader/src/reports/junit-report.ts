import { CATEGORIES, type CheckResult } from '../scoring/types.ts';
import { caseName, repeatCount, TOOL_NAME, type ReportData } from './report-data.ts';
import { escapeXmlAttribute as attr, escapeXmlText as text } from './xml.ts';

/**
 * JUnit XML for CI: one `<testsuite>` per category (in CATEGORIES order, categories without
 * results omitted), one `<testcase>` per check per run. A failed check has a `<failure>` whose
 * message is CheckResult.message; a skipped one has `<skipped/>`. Run metadata (target, seed,
 * grader version, infra, score) goes into each suite's `<properties>`.
 */
export function renderJunitReport(data: ReportData): string {
  const repeats = repeatCount(data.results);
  const timestamp = data.startedAt.toISOString();
  const properties = [
    ['target', data.target],
    ['seed', String(data.seed)],
    ['grader.version', data.graderVersion],
    ['infra', data.infraKind],
    ['sandboxed', String(data.containment.sandboxed)],
    ['containment', data.containment.description],
    ['repeats', String(repeats)],
    ['score', String(data.score.score)],
  ]
    .map(([name = '', value = '']) => `      <property name="${attr(name)}" value="${attr(value)}"/>`)
    .join('\n');

  const suites: string[] = [];
  for (const category of CATEGORIES) {
    const results = data.results.filter((r) => r.category === category);
    if (results.length === 0) continue;
    const counts = count(results);
    suites.push(
      [
        `  <testsuite name="${attr(category)}" tests="${results.length}" failures="${counts.failed}" errors="0" skipped="${counts.skipped}" time="${seconds(counts.durationMs)}" timestamp="${timestamp}">`,
        '    <properties>',
        properties,
        '    </properties>',
        ...results.map((r) => testcase(r, repeats)),
        '  </testsuite>',
      ].join('\n'),
    );
  }
  const all = count(data.results);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${TOOL_NAME}" tests="${data.results.length}" failures="${all.failed}" errors="0" skipped="${all.skipped}" time="${seconds(data.durationMs)}" timestamp="${timestamp}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}

function testcase(result: CheckResult, repeats: number): string {
  const open = `    <testcase name="${attr(caseName(result, repeats))}" classname="${attr(result.category)}" time="${seconds(result.durationMs)}"`;
  if (result.status === 'passed') return `${open}/>`;
  if (result.status === 'skipped') return `${open}>\n      <skipped/>\n    </testcase>`;
  // No verdict: skipped, with why (engine/check-failure.ts).
  if (result.status === 'inconclusive') return `${open}>\n      <skipped message="${attr(result.message ?? 'inconclusive')}"/>\n    </testcase>`;
  const message = result.message ?? 'check failed';
  return [
    `${open}>`,
    `      <failure message="${attr(message)}" type="CheckFailed">${text(`${message}\n${result.id}: ${result.description}`)}</failure>`,
    '    </testcase>',
  ].join('\n');
}

function count(results: readonly CheckResult[]): { failed: number; skipped: number; durationMs: number } {
  let failed = 0;
  let skipped = 0;
  let durationMs = 0;
  for (const r of results) {
    if (r.status === 'failed') failed += 1;
    if (r.status === 'skipped' || r.status === 'inconclusive') skipped += 1;
    durationMs += r.durationMs;
  }
  return { failed, skipped, durationMs };
}

function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}
