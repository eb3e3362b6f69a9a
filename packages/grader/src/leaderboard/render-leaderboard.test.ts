import { describe, expect, it } from 'vitest';
import type { GradingSettings } from '../batch/content-key.ts';
import type { SubmissionResult } from '../batch/result-store.ts';
import { buildLeaderboard } from './leaderboard.ts';
import { leaderboardSvgs } from './plots.ts';
import { renderCsv, renderMarkdown, renderTable } from './render-leaderboard.ts';

const SETTINGS: GradingSettings = { graderVersion: '0.1.0', graderBuild: 'b', seed: 1, repeat: 1, weights: 'w', checks: ['race.sequential_final_stock'], containment: 'c', budgetSeconds: 900 };

function result(model: string, passed: boolean): SubmissionResult {
  return {
    schemaVersion: 1,
    key: model,
    submission: { id: `${model}/1`, model, attempt: 1, kind: 'diff', origin: 't', digest: 'd' },
    status: 'graded',
    score: passed ? 1 : 0,
    resolved: passed,
    budgetExceeded: false,
    categories: [{ category: 'race_conditions', weight: 1, earned: passed ? 1 : 0, passed: passed ? 1 : 0, total: 1 }],
    checks: { 'race.sequential_final_stock': { passed: passed ? 1 : 0, runs: 1 } },
    durationMs: 1,
    gradedAt: 't',
  };
}

describe('leaderboard renderers', () => {
  const board = buildLeaderboard(SETTINGS, [result('=HYPERLINK("http://x")', true), result('two\nlines', false), result('__proto__', true)]);

  it('CSV: a cell that a spreadsheet would run as a formula is written as text; quotes and newlines are quoted', () => {
    const csv = renderCsv(board);
    expect(csv).toContain(`"'=HYPERLINK(""http://x"")"`);
    expect(csv).toContain('"two\nlines"');
    expect(csv.split('\n')[0]).toBe(
      'model,attempts,mean_score,mean_score_low,mean_score_high,resolved,resolved_share_low,resolved_share_high,pass@1,pass@1_low,pass@1_high,race,race_low,race_high,not_graded,over_budget,check:race.sequential_final_stock',
    );
  });

  it('Markdown keeps one row per model whatever the name holds', () => {
    const rows = renderMarkdown(board).split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| ---'));
    expect(rows.filter((l) => /two lines/.test(l))).toHaveLength(2);
  });

  it('a model called __proto__ keeps its per-check rates', () => {
    expect(board.checks[0]?.rates['__proto__']).toMatchObject({ passed: 1, runs: 1 });
    expect(renderTable(board)).toMatch(/__proto__ +1 +1\.000/);
  });
});

describe('error bars', () => {
  // Model a: 3 of 5 attempts resolved (scores 1, 1, 1, 0, 0); model b: one attempt.
  const results = [...[true, true, true, false, false].map((p, i) => ({ ...result('a', p), key: `a${i}`, submission: { ...result('a', p).submission, id: `a/${i + 1}`, attempt: i + 1 } })), result('b', true)];
  const board = buildLeaderboard(SETTINGS, results);
  const a = board.models.find((m) => m.model === 'a');
  const b = board.models.find((m) => m.model === 'b');

  it('carries the mean score\'s SE and interval, the resolved share\'s Wilson interval, pass@k\'s bootstrap interval', () => {
    // scipy.stats.sem([1, 1, 1, 0, 0]) = 0.2449489742783178; statsmodels Wilson 3/5 = (0.2307242812760129, 0.8823792257673522), 1/1 = (0.2065, 1).
    expect(a?.meanScoreSe).toBeCloseTo(0.2449489742783178, 12);
    expect(a?.meanScoreInterval?.low).toBeCloseTo(0.6 - 1.959963984540054 * 0.2449489742783178, 12);
    expect(a?.resolvedInterval.low).toBeCloseTo(0.2307242812760129, 12);
    expect(a?.resolvedInterval.high).toBeCloseTo(0.8823792257673522, 12);
    expect(a?.passAtKInterval['1']?.low).toBeLessThan(0.6);
    expect(a?.passAtKInterval['1']?.high).toBeGreaterThan(0.6);
    expect(a?.categoryIntervals.race_conditions).toEqual(a?.meanScoreInterval);
    expect(board.checks[0]?.rates['a']?.interval?.low).toBeCloseTo(0.2307242812760129, 12);
  });

  it('says a model with one attempt has no interval, instead of inventing one', () => {
    expect(b?.meanScoreInterval).toBeUndefined();
    expect(b?.passAtKInterval).toEqual({});
    expect(renderTable(board)).toMatch(/a model with one attempt has none/);
    expect(renderCsv(board).split('\n').find((l) => l.startsWith('b,'))).toMatch(/^b,1,1\.000,,,1\/1,0\.207,1\.000,/);
  });

  it('the table shows them compactly, Markdown in full', () => {
    expect(renderTable(board)).toMatch(/a +5 +0\.600±0\.480 +3\/5 \(23-88%\)/);
    expect(renderMarkdown(board)).toContain('| a | 5 | 0.600 [0.120, 1.080] | 3/5 [0.23, 0.88] |');
  });
});

describe('flaky checks', () => {
  const repeated: GradingSettings = { ...SETTINGS, repeat: 3 };
  const steady = { ...result('a', true), checks: { 'race.sequential_final_stock': { passed: 3, runs: 3 } } };
  const wobbly = { ...result('b', true), key: 'b', submission: { ...result('b', true).submission, id: 'b/1' }, checks: { 'race.sequential_final_stock': { passed: 2, runs: 3 } } };

  it('marks a check that gave different verdicts across the runs of one attempt, in every format, naming the attempt', () => {
    const board = buildLeaderboard(repeated, [steady, wobbly]);
    expect(board.checks[0]?.flaky).toEqual(['b/1']);
    expect(renderTable(board)).toMatch(/race\.sequential_final_stock ~ +3\/3 +2\/3/);
    expect(renderTable(board)).toContain('~ flaky: 1 check(s) gave different verdicts across the runs of one attempt');
    expect(renderMarkdown(board)).toContain('`race.sequential_final_stock ~`');
    expect(renderCsv(board).split('\n')[0]).toMatch(/,check:race\.sequential_final_stock ~$/);
  });

  it('says when flakiness cannot be told (one run each) or none was seen', () => {
    expect(renderTable(buildLeaderboard(SETTINGS, [result('a', true)]))).toContain('One run per attempt: flaky checks cannot be told');
    expect(renderTable(buildLeaderboard(repeated, [steady]))).toContain('No check gave different verdicts across the 3 runs of an attempt.');
  });
});

describe('leaderboard plots (SVG)', () => {
  it('three self-contained plots; a long or hostile name is cut and escaped, never widening them', () => {
    const long = `<script>${'y'.repeat(200)}`;
    const svgs = leaderboardSvgs(buildLeaderboard(SETTINGS, [result('a', true), result(long, false)]));
    expect(Object.keys(svgs)).toEqual(['scores.svg', 'pass-at-k.svg', 'categories.svg']);
    for (const svg of Object.values(svgs)) {
      expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="(\d+)"/);
      expect(Number(/width="(\d+)/.exec(svg)?.[1])).toBeLessThan(800);
      expect(svg).not.toContain('<script>');
      expect(svg).not.toMatch(/href=|url\(|<image|@import/);
      expect(svg).toContain('prefers-color-scheme: dark');
    }
    expect(svgs['scores.svg']).toMatch(/>&#60;script&#62;y{19}…<\/text>/);
  });
});
