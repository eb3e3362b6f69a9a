import { describe, expect, it } from 'vitest';
import { buildCtrfReport, renderCtrfReport } from './ctrf-report.ts';
import { NASTY_MESSAGE, reportData } from './test-fixture.ts';

describe('buildCtrfReport', () => {
  it('counts every status in the summary, with start and stop in epoch ms', () => {
    const { results } = buildCtrfReport(reportData(3));
    const start = Date.parse('2025-01-02T03:04:05.678Z');
    expect(results.summary).toEqual({ tests: 12, passed: 5, failed: 4, pending: 0, skipped: 3, other: 0, start, stop: start + 12_345 });
    expect(results.tests).toHaveLength(12);
    expect(results.tool).toEqual({ name: 'inventory-grader', version: '0.1.0' });
  });

  it('maps each check run to a test with suite = category and the message when there is one', () => {
    const { results, reportFormat, specVersion } = buildCtrfReport(reportData());
    expect(reportFormat).toBe('CTRF');
    expect(specVersion).toMatch(/^\d+\.\d+\.\d+$/);
    expect(results.tests).toEqual([
      { name: 'race.lost_updates', status: 'failed', duration: 1234, message: NASTY_MESSAGE, suite: ['race_conditions'] },
      { name: 'race.never_negative', status: 'passed', duration: 1234, suite: ['race_conditions'] },
      { name: 'iso.dirty_reads', status: 'failed', duration: 1234, message: 'Dirty reads seen: 3 of 50 samples', suite: ['isolation'] },
      { name: 'locking.fair', status: 'skipped', duration: 1234, suite: ['locking'] },
    ]);
    expect(results.extra).toMatchObject({ target: 'buggy-service', seed: 42, infraKind: 'local' });
  });

  it('renders JSON that parses back to the same document', () => {
    const data = reportData(2);
    const text = renderCtrfReport(data);
    expect(text.endsWith('\n')).toBe(true);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(buildCtrfReport(data))));
  });
});
