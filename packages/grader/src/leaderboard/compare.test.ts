import { describe, expect, it } from 'vitest';
import type { SubmissionResult } from '../batch/result-store.ts';
import { compare, type Side } from './compare.ts';
import { forestSvg } from './plots.ts';
import { renderCompareJson, renderCompareMarkdown, renderCompareTable, verdictLine } from './render-compare.ts';

const CHECKS = ['race.sequential_final_stock', 'idempotency.one_outcome_per_id'];

/** An attempt of `model` whose checks passed as `passed` (one run each); the score is the share passed. */
function attempt(model: string, n: number, passed: readonly boolean[], id = `${model}/${n}`): SubmissionResult {
  const score = passed.filter(Boolean).length / passed.length;
  return {
    schemaVersion: 1,
    key: id,
    submission: { id, model, attempt: n, kind: 'diff', origin: 't', digest: id },
    status: 'graded',
    score,
    resolved: passed.every(Boolean),
    budgetExceeded: false,
    categories: [
      { category: 'race_conditions', weight: 0.5, earned: passed[0] ? 0.5 : 0, passed: passed[0] ? 1 : 0, total: 1 },
      { category: 'idempotency', weight: 0.5, earned: passed[1] ? 0.5 : 0, passed: passed[1] ? 1 : 0, total: 1 },
    ],
    checks: Object.fromEntries(CHECKS.map((c, i) => [c, { passed: passed[i] ? 1 : 0, runs: 1 }])),
    durationMs: 1,
    gradedAt: 't',
  };
}

const side = (label: string, attempts: readonly (readonly boolean[])[]): Side => ({ label, results: attempts.map((p, i) => attempt(label, i + 1, p)) });

describe('compare', () => {
  it('a model against a copy of itself: no detectable difference, and says so', () => {
    const attempts = [[true, true], [true, false], [false, true], [true, true]];
    const c = compare(side('a', attempts), side('b', attempts), CHECKS);
    expect(c.meanScore.difference).toBe(0);
    expect(c.noDetectableDifference).toBe(true);
    expect(verdictLine(c)).toMatch(/^no detectable difference between a and b/);
    expect(c.paired).toBe(false);
  });

  it('twenty right attempts against twenty that fail a check every time: detectable, on the mean, the resolved share and that check', () => {
    const c = compare(side('good', Array.from({ length: 20 }, () => [true, true])), side('bad', Array.from({ length: 20 }, () => [true, false])), CHECKS);
    expect(c.noDetectableDifference).toBe(false);
    expect(c.meanScore.difference).toBeCloseTo(0.5, 12);
    expect(c.resolvedShare.p).toBeLessThan(1e-6);
    expect(c.checks['idempotency.one_outcome_per_id']?.adjustedP).toBeLessThan(1e-6);
    expect(c.checks['race.sequential_final_stock']?.difference).toBe(0);
    expect(verdictLine(c)).toBe('good scores higher: mean score +0.500 (good - bad), 95 % interval [+0.500, +0.500]');
  });

  it('a small difference on few attempts: none detectable, and the attempts 80 % power would need', () => {
    const c = compare(side('a', [[true, true], [true, false], [true, true]]), side('b', [[true, false], [true, true], [true, false]]), CHECKS);
    expect(c.noDetectableDifference).toBe(true);
    // Pooled SD 0.2887 (scores 1, 0.5, 1 and 0.5, 1, 0.5), difference 1/6: 2 (1.96 + 0.84)^2 0.0833 / 0.0278 = 47.1.
    expect(c.attemptsFor80Power?.meanScore).toBe(48);
    expect(verdictLine(c)).toMatch(/would take about 48 attempts each$/);
  });

  it('pairs the same submissions graded twice (folders with other seeds), by submission id', () => {
    const first: Side = { label: 'seed-1', results: [attempt('m', 1, [true, true]), attempt('m', 2, [false, true]), attempt('n', 1, [true, false])] };
    const second: Side = { label: 'seed-2', results: [attempt('n', 1, [true, false]), attempt('m', 2, [false, true]), attempt('m', 1, [true, true])] };
    const c = compare(first, second, CHECKS);
    expect(c.paired).toBe(true);
    expect(c.attempts.pairs).toBe(3);
    expect(c.meanScore.difference).toBe(0);
    expect(c.noDetectableDifference).toBe(true);
  });

  it('one attempt or none: no interval, a note, never a crash; names with markup or control characters are printed safely', () => {
    const c = compare(side('<b>one\u001b[31m', [[true, true]]), { label: 'none', results: [] }, CHECKS);
    expect(c.notes).toEqual(['<b>one\u001b[31m has one attempt: no interval, and no difference can be called detectable', 'none has no attempts graded: nothing to compare']);
    expect(c.noDetectableDifference).toBe(true);
    const table = renderCompareTable(c);
    expect(table).not.toContain('\u001b');
    expect(table).toContain('no interval');
    expect(renderCompareMarkdown(c)).toContain('&lt;b&gt;one\uFFFD[31m');
    expect((JSON.parse(renderCompareJson(c)) as { verdict: string }).verdict).toMatch(/^no detectable difference/);
  });
});

describe('forestSvg', () => {
  it('draws each difference with its interval around a zero line, self-contained', () => {
    const c = compare(side('good', Array.from({ length: 5 }, () => [true, true])), side('bad', [[true, false], [true, true], [true, false], [true, false], [true, true]]), CHECKS);
    const svg = forestSvg(c);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('class="axis zero"');
    expect(svg).toMatch(/data-row="mean score" data-difference="0\.3/);
    expect(svg).toContain('data-row="idempotency.one_outcome_per_id"');
    expect(svg).not.toContain('data-row="race.sequential_final_stock"');
    // Nothing fetched from elsewhere: no links, images or fonts by URL.
    expect(svg).not.toMatch(/href=|url\(|<image|@import/);
  });
});
