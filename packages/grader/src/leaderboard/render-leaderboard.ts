import { CATEGORIES } from '../scoring/types.ts';
import { SHORT } from '../validation/verdict.ts';
import type { Leaderboard, ModelRow } from './leaderboard.ts';

/** The formats `grader leaderboard --format` writes. */
export const LEADERBOARD_FORMATS = ['table', 'markdown', 'csv', 'json', 'html'] as const;
export type LeaderboardFormat = (typeof LEADERBOARD_FORMATS)[number];

const num = (x: number | null | undefined, digits = 3): string => (x === null || x === undefined ? '-' : x.toFixed(digits));

/** Header and cells of the models table, shared by the table, Markdown and CSV renderers. */
function modelColumns(board: Leaderboard): { header: string[]; rows: string[][] } {
  const categories = CATEGORIES.filter((c) => board.models.some((m) => m.categories[c] !== null));
  const header = ['model', 'attempts', 'mean score', 'resolved', ...board.ks.map((k) => `pass@${k}`), ...categories.map((c) => SHORT[c]), 'not graded', 'over budget'];
  const rows = board.models.map((m: ModelRow) => [
    m.model,
    String(m.submissions),
    num(m.meanScore),
    `${m.resolved}/${m.submissions}`,
    ...board.ks.map((k) => num(m.passAtK[String(k)])),
    ...categories.map((c) => num(m.categories[c], 2)),
    String(m.notGraded),
    String(m.budgetExceeded),
  ]);
  return { header, rows };
}

function checkColumns(board: Leaderboard): { header: string[]; rows: string[][] } {
  const models = board.models.map((m) => m.model);
  return {
    header: ['check', ...models],
    rows: board.checks.map((c) => [c.id, ...models.map((m) => (c.rates[m] ? `${c.rates[m].passed}/${c.rates[m].runs}` : '-'))]),
  };
}

function aligned(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function describeSettings(board: Leaderboard): string {
  const s = board.settings;
  return `${board.submissions} submission(s), grader ${s.graderVersion} (build ${s.graderBuild}), seed ${s.seed}, ${s.repeat} run(s) each, ${s.checks.length} check(s)`;
}

export function renderTable(board: Leaderboard): string {
  const models = modelColumns(board);
  const checks = checkColumns(board);
  return `${describeSettings(board)}\n\n${aligned(models.header, models.rows)}\n\nper-check pass rates (runs passed / runs):\n${aligned(checks.header, checks.rows)}\n`;
}

function markdownTable(header: string[], rows: string[][]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
  return [`| ${header.map(esc).join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

export function renderMarkdown(board: Leaderboard): string {
  const models = modelColumns(board);
  const checks = checkColumns(board);
  return `# Leaderboard\n\n${describeSettings(board)}.\n\n${markdownTable(models.header, models.rows)}\n\n## Per-check pass rates\n\nRuns passed / runs, over every attempt of the model.\n\n${markdownTable(checks.header.map((h, i) => (i === 0 ? h : h)), checks.rows.map((r) => [`\`${r[0] ?? ''}\``, ...r.slice(1)]))}\n`;
}

/** One row per model: the table's columns, then one `check:<id>` column per check (pass rate 0..1). */
export function renderCsv(board: Leaderboard): string {
  const models = modelColumns(board);
  // A leading = + - @ would make a spreadsheet run the cell as a formula (CSV injection).
  const quote = (raw: string): string => {
    const s = /^[=+\-@\t\r]/.test(raw) && !/^-?\d/.test(raw) ? `'${raw}` : raw;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const header = [...models.header.map((h) => h.replace(/ /g, '_')), ...board.checks.map((c) => `check:${c.id}`)];
  const rows = board.models.map((m, i) => [
    ...(models.rows[i] ?? []),
    ...board.checks.map((c) => {
      const rate = c.rates[m.model];
      return rate && rate.runs > 0 ? (rate.passed / rate.runs).toFixed(3) : '';
    }),
  ]);
  return `${[header, ...rows].map((r) => r.map(quote).join(',')).join('\n')}\n`;
}

export function renderJson(board: Leaderboard): string {
  return `${JSON.stringify(board, null, 2)}\n`;
}
