import chalk from 'chalk';
import { describe, expect, it } from 'vitest';
import { computeScore, inconclusiveChecks } from '../scoring/score.ts';
import { renderConsoleReport } from './console-report.ts';
import { buildCtrfReport } from './ctrf-report.ts';
import { buildJsonReport } from './json-report.ts';
import { renderJunitReport } from './junit-report.ts';
import type { ReportData } from './report-data.ts';
import { checkResult, reportData } from './test-fixture.ts';

const WHY = "inconclusive (machine overloaded): the target's processes waited 75 s for a busy CPU during the wait, past the 60 s a wait allows for that; it would have failed with: target not ready after 30 s";

/** The fixture run with `race.never_negative` inconclusive in run 0. */
function withInconclusive(): ReportData {
  const data = reportData(2);
  const results = data.results.map((r) => (r.id === 'race.never_negative' && r.run === 0 ? checkResult(r.id, r.category, 'inconclusive', 0, WHY) : r));
  const weights = new Map([
    ['race.lost_updates', 0.3],
    ['race.never_negative', 0.3],
    ['iso.dirty_reads', 0.2],
    ['locking.fair', 0.2],
  ]);
  return { ...data, results, score: computeScore(results, weights) };
}

describe('reports of a run with an inconclusive check (no verdict)', () => {
  it('lists the inconclusive checks once each, in order', () => {
    expect(inconclusiveChecks(withInconclusive().results)).toEqual(['race.never_negative']);
    expect(inconclusiveChecks(reportData(2).results)).toEqual([]);
  });

  it('counts an inconclusive run as not passed, never as passed', () => {
    expect(withInconclusive().score.score).toBeLessThan(reportData(2).score.score);
  });

  it('console: says NOT A VERDICT, names the check, its run and why, apart from the failures', () => {
    const saved = chalk.level;
    chalk.level = 0;
    try {
      const text = renderConsoleReport(withInconclusive());
      expect(text).toContain('NOT A VERDICT: 1 check(s) inconclusive');
      expect(text).toContain(`INCONCLUSIVE race.never_negative [race_conditions] (run 1): ${WHY}`);
      expect(text).not.toMatch(/FAIL race\.never_negative/);
      expect(renderConsoleReport(reportData(2))).not.toContain('NOT A VERDICT');
    } finally {
      chalk.level = saved;
    }
  });

  it('JSON: the status and a top-level list, absent when there is none', () => {
    const json = buildJsonReport(withInconclusive());
    expect(json.inconclusive).toEqual(['race.never_negative']);
    expect(json.results.find((r) => r.id === 'race.never_negative' && r.run === 0)).toMatchObject({ status: 'inconclusive', message: WHY });
    expect(buildJsonReport(reportData(2)).inconclusive).toBeUndefined();
  });

  it('JUnit: skipped with why, not a failure', () => {
    const xml = renderJunitReport(withInconclusive());
    expect(xml).toContain('<skipped message="inconclusive (machine overloaded): the target&apos;s processes');
    expect(xml).toMatch(/<testsuites [^>]*failures="3"[^>]*skipped="3"/);
  });

  it('CTRF: status other', () => {
    const ctrf = buildCtrfReport(withInconclusive());
    expect(ctrf.results.summary.other).toBe(1);
    expect(ctrf.results.tests.filter((t) => t.status === 'other').map((t) => t.message)).toEqual([WHY]);
  });
});
