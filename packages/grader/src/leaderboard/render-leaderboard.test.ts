import { describe, expect, it } from 'vitest';
import type { GradingSettings } from '../batch/content-key.ts';
import type { SubmissionResult } from '../batch/result-store.ts';
import { buildLeaderboard } from './leaderboard.ts';
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
    expect(csv.split('\n')[0]).toMatch(/^model,attempts,mean_score,resolved,pass@1,race,not_graded,over_budget,check:race\.sequential_final_stock$/);
  });

  it('Markdown keeps one row per model whatever the name holds', () => {
    const rows = renderMarkdown(board).split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| ---'));
    expect(rows.filter((l) => /two lines/.test(l))).toHaveLength(2);
  });

  it('a model called __proto__ keeps its per-check rates', () => {
    expect(board.checks[0]?.rates['__proto__']).toEqual({ passed: 1, runs: 1 });
    expect(renderTable(board)).toMatch(/__proto__ +1 +1\.000/);
  });
});
