import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/temp-dirs.ts';
import { renderJsonReport } from '../reports/json-report.ts';
import { reportData } from '../reports/test-fixture.ts';
import { buildLeaderboard } from './leaderboard.ts';
import { resultsFromRunReports } from './run-reports.ts';

function write(dir: string, name: string, data: ReturnType<typeof reportData>): string {
  const file = join(dir, name);
  writeFileSync(file, renderJsonReport(data));
  return file;
}

describe('resultsFromRunReports', () => {
  it('turns grader run --json reports into attempts of their targets, with per-check pass rates over the repeats', () => {
    const dir = tempDir('grader-run-reports-');
    const a = write(dir, 'a.json', reportData(3));
    const b = write(dir, 'b.json', { ...reportData(3), target: '/some/where/alt-fix' });
    const c = write(dir, 'c.json', reportData(3));
    const { settings, results } = resultsFromRunReports([a, b, c]);
    expect(results.map((r) => r.submission.id)).toEqual(['buggy-service/1', 'alt-fix/1', 'buggy-service/2']);
    expect(settings.seed).toBe(42);
    expect(settings.repeat).toBe(3);
    const board = buildLeaderboard(settings, results);
    const lost = board.checks.find((c) => c.id === 'race.lost_updates');
    expect(lost?.rates).toMatchObject({ 'buggy-service': { passed: 4, runs: 6 }, 'alt-fix': { passed: 2, runs: 3 } });
    expect(board.models.find((m) => m.model === 'buggy-service')?.submissions).toBe(2);
  });

  it('refuses reports of different seeds, and files that are not reports', () => {
    const dir = tempDir('grader-run-reports-');
    const a = write(dir, 'a.json', reportData(1));
    const b = write(dir, 'b.json', { ...reportData(1), seed: 7 });
    expect(() => resultsFromRunReports([a, b])).toThrow(/b\.json was graded with other settings than .*a\.json \(grader 0\.1\.0 vs 0\.1\.0, seed 7 vs 42/);
    const junk = join(dir, 'junk.json');
    writeFileSync(junk, '{"hello": 1}');
    expect(() => resultsFromRunReports([junk])).toThrow(/junk\.json: not a grader run --json report/);
  });
});
