import { describe, expect, it } from 'vitest';
import { buildJsonReport, renderJsonReport, type JsonReport } from './json-report.ts';
import { NASTY_MESSAGE, reportData } from './test-fixture.ts';

describe('buildJsonReport', () => {
  it('carries the run metadata under schema version 1', () => {
    const report = buildJsonReport(reportData());
    expect(report).toMatchObject({
      schemaVersion: 1,
      tool: 'inventory-grader',
      graderVersion: '0.1.0',
      target: 'buggy-service',
      seed: 42,
      infraKind: 'local',
      startedAt: '2025-01-02T03:04:05.678Z',
      durationMs: 12_345,
      repeats: 1,
    });
  });

  it('includes every result, the score and pass rates over repeats', () => {
    const data = reportData(4);
    const report = buildJsonReport(data);
    expect(report.results).toHaveLength(16);
    expect(report.results[0]).toEqual({
      id: 'race.lost_updates',
      category: 'race_conditions',
      description: 'catches race.lost_updates',
      scenario: 'hot-sku',
      status: 'failed',
      message: NASTY_MESSAGE,
      durationMs: 1234,
      run: 0,
    });
    expect(report.results[1]).not.toHaveProperty('message');
    expect(report.passRates).toEqual({
      'race.lost_updates': { passed: 3, runs: 4, rate: 0.75 },
      'race.never_negative': { passed: 4, runs: 4, rate: 1 },
      'iso.dirty_reads': { passed: 0, runs: 4, rate: 0 },
    });
    expect(report.score.score).toBe(data.score.score);
    expect(report.score.categories).toHaveLength(7);
    expect(report.repeats).toBe(4);
  });

  it('renders JSON that parses back to the report', () => {
    const data = reportData(2);
    const parsed = JSON.parse(renderJsonReport(data)) as JsonReport;
    expect(parsed).toEqual(buildJsonReport(data));
  });
});
