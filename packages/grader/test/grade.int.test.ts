import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOG } from '../src/checks/catalog.ts';
import { spawnGrader } from './helpers/grader-process.ts';
import { eventually, processesWithEnvMarker, sandboxLeftovers } from './helpers/processes.ts';
import { tempDir } from './helpers/temp-dirs.ts';

interface Report {
  score: { score: number };
  results: { id: string; status: string; message?: string }[];
}

async function grade(target: string, extra: string[] = []): Promise<{ code: number | null; report: Report; stderr: string; marker: string }> {
  const reportPath = join(tempDir('grader-report-'), 'report.json');
  const run = spawnGrader(['run', '--target', target, '--infra', 'local', '--json', reportPath, ...extra]);
  const exit = await run.exited;
  const report = JSON.parse(readFileSync(reportPath, 'utf8')) as Report;
  return { code: exit.code, report, stderr: run.stderr, marker: run.marker };
}

describe('grader run (real Kafka, PostgreSQL and targets)', () => {
  it('the reference fix passes every check and scores 1.0', async () => {
    const { code, report, stderr, marker } = await grade('reference-fix');
    const failed = report.results.filter((r) => r.status !== 'passed');
    expect(failed, stderr.slice(-2000)).toEqual([]);
    expect(report.results).toHaveLength(CATALOG.length);
    expect(report.score.score).toBe(1);
    expect(code).toBe(0);
    expect(await eventually(() => processesWithEnvMarker(marker).length === 0 && sandboxLeftovers().length === 0, 10_000), sandboxLeftovers().join(', ')).toBe(true);
  }, 240_000);

  it('the buggy service scores at most 0.25, and --min-score turns that into exit 1', async () => {
    const { code, report } = await grade('buggy-service', ['--min-score', '0.5']);
    expect(report.score.score).toBeLessThanOrEqual(0.25);
    expect(code).toBe(1);
    // Failures say what was seen, in numbers.
    const lost = report.results.find((r) => r.id === 'race.hot_sku_restocks_conserved');
    expect(lost?.status).toBe('failed');
    expect(lost?.message).toMatch(/^Lost updates detected: \d+ message\(s\) recorded as applied make HOT = \d+, got \d+: \d+ unit\(s\) of applied effects never took effect$/);
  }, 400_000);
});
