import { CATEGORIES } from '../scoring/types.ts';
import { SHORT } from '../validation/verdict.ts';
import type { CheckRow, Leaderboard, ModelRow } from './leaderboard.ts';
import type { Interval } from './statistics.ts';

/** The formats `grader leaderboard --format` writes. */
export const LEADERBOARD_FORMATS = ['table', 'markdown', 'csv', 'json', 'html', 'svg'] as const;
export type LeaderboardFormat = (typeof LEADERBOARD_FORMATS)[number];

const num = (x: number | null | undefined, digits = 3): string => (x === null || x === undefined ? '-' : x.toFixed(digits));

/** How a value and its 95 % interval are written: the table compactly, Markdown in full. */
type Style = 'compact' | 'full';

/** "0.813±0.104" (half the interval's width) or "0.813 [0.709, 0.917]"; the value alone without an interval. */
function withInterval(value: number | null | undefined, interval: Interval | undefined, style: Style, digits = 3): string {
  if (value === null || value === undefined) return '-';
  if (!interval) return value.toFixed(digits);
  return style === 'compact' ? `${value.toFixed(digits)}±${((interval.high - interval.low) / 2).toFixed(digits)}` : `${value.toFixed(digits)} [${interval.low.toFixed(digits)}, ${interval.high.toFixed(digits)}]`;
}

/** "3/5 (23-88%)" or "3/5 [0.23, 0.88]": resolved attempts with the share's Wilson interval. */
function resolvedCell(m: ModelRow, style: Style): string {
  const { low, high } = m.resolvedInterval;
  return style === 'compact' ? `${m.resolved}/${m.submissions} (${Math.round(low * 100)}-${Math.round(high * 100)}%)` : `${m.resolved}/${m.submissions} [${low.toFixed(2)}, ${high.toFixed(2)}]`;
}

/** Header and cells of the models table, shared by the table, Markdown and CSV renderers. */
function modelColumns(board: Leaderboard, style: Style = 'compact'): { header: string[]; rows: string[][] } {
  const categories = CATEGORIES.filter((c) => board.models.some((m) => m.categories[c] !== null));
  const header = ['model', 'attempts', 'mean score', 'resolved', ...board.ks.map((k) => `pass@${k}`), ...categories.map((c) => SHORT[c]), 'not graded', 'over budget'];
  const rows = board.models.map((m: ModelRow) => [
    m.model,
    String(m.submissions),
    withInterval(m.meanScore, m.meanScoreInterval, style),
    resolvedCell(m, style),
    ...board.ks.map((k) => (style === 'full' ? withInterval(m.passAtK[String(k)], m.passAtKInterval[String(k)], style) : num(m.passAtK[String(k)]))),
    ...categories.map((c) => (style === 'full' ? withInterval(m.categories[c], m.categoryIntervals[c], style, 2) : num(m.categories[c], 2))),
    String(m.notGraded),
    String(m.budgetExceeded),
  ]);
  return { header, rows };
}

/** What the intervals are, under every table that shows them. */
export const INTERVALS_NOTE =
  'Intervals are 95 %: mean ± 1.96 standard errors over attempts (± is half the width), Wilson for shares, a seeded bootstrap over attempts for pass@k; a model with one attempt has none.';

/** A check's name, marked `~` when some attempt gave it different verdicts across its repeats. */
const checkName = (c: CheckRow): string => (c.flaky.length > 0 ? `${c.id} ~` : c.id);

function checkColumns(board: Leaderboard): { header: string[]; rows: string[][] } {
  const models = board.models.map((m) => m.model);
  return {
    header: ['check', ...models],
    rows: board.checks.map((c) => [checkName(c), ...models.map((m) => (c.rates[m] ? `${c.rates[m].passed}/${c.rates[m].runs}` : '-'))]),
  };
}

/** Under the checks table: what `~` means and where it happened. */
export function flakyNote(board: Leaderboard): string {
  const flaky = board.checks.filter((c) => c.flaky.length > 0);
  if (flaky.length === 0) return board.settings.repeat > 1 ? `No check gave different verdicts across the ${board.settings.repeat} runs of an attempt.` : 'One run per attempt: flaky checks cannot be told (grade with --repeat 2 or more).';
  const where = flaky.map((c) => `${c.id} (${c.flaky.slice(0, 3).join(', ')}${c.flaky.length > 3 ? `, and ${c.flaky.length - 3} more` : ''})`);
  return `~ flaky: ${flaky.length} check(s) gave different verdicts across the runs of one attempt (grader noise or the submission's own race, not model variance): ${where.join('; ')}.`;
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
  return `${describeSettings(board)}\n\n${aligned(models.header, models.rows)}\n${INTERVALS_NOTE}\n\nper-check pass rates (runs passed / runs):\n${aligned(checks.header, checks.rows)}\n${flakyNote(board)}\n`;
}

function markdownTable(header: string[], rows: string[][]): string {
  // Markdown renders raw HTML: a model name with markup is shown as text.
  const esc = (s: string): string => s.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return [`| ${header.map(esc).join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

export function renderMarkdown(board: Leaderboard): string {
  const models = modelColumns(board, 'full');
  const checks = checkColumns(board);
  return `# Leaderboard\n\n${describeSettings(board)}.\n\n${markdownTable(models.header, models.rows)}\n\n${INTERVALS_NOTE}\n\n## Per-check pass rates\n\nRuns passed / runs, over every attempt of the model.\n\n${markdownTable(checks.header, checks.rows.map((r) => [`\`${r[0] ?? ''}\``, ...r.slice(1)]))}\n\n${flakyNote(board)}\n`;
}

/**
 * One row per model: the table's columns (values alone), each interval's bounds as `<column>_low`
 * and `<column>_high` (empty without one), then one `check:<id>` column per check (pass rate 0..1).
 */
export function renderCsv(board: Leaderboard): string {
  const models = csvColumns(board);
  // A leading = + - @ would make a spreadsheet run the cell as a formula (CSV injection).
  const quote = (raw: string): string => {
    const s = /^[=+\-@\t\r]/.test(raw) && !/^-?\d/.test(raw) ? `'${raw}` : raw;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const header = [...models.header.map((h) => h.replace(/ /g, '_')), ...board.checks.map((c) => `check:${checkName(c)}`)];
  const rows = board.models.map((m, i) => [
    ...(models.rows[i] ?? []),
    ...board.checks.map((c) => {
      const rate = c.rates[m.model];
      return rate && rate.runs > 0 ? (rate.passed / rate.runs).toFixed(3) : '';
    }),
  ]);
  return `${[header, ...rows].map((r) => r.map(quote).join(',')).join('\n')}\n`;
}

/** The models table for CSV: plain values, then interval bounds in columns of their own. */
function csvColumns(board: Leaderboard): { header: string[]; rows: string[][] } {
  const categories = CATEGORIES.filter((c) => board.models.some((m) => m.categories[c] !== null));
  const bounds = (name: string): string[] => [`${name} low`, `${name} high`];
  const cells = (interval: Interval | undefined, digits = 3): string[] => (interval ? [interval.low.toFixed(digits), interval.high.toFixed(digits)] : ['', '']);
  const header = [
    'model',
    'attempts',
    'mean score',
    ...bounds('mean score'),
    'resolved',
    ...bounds('resolved share'),
    ...board.ks.flatMap((k) => [`pass@${k}`, ...bounds(`pass@${k}`)]),
    ...categories.flatMap((c) => [SHORT[c], ...bounds(SHORT[c])]),
    'not graded',
    'over budget',
  ];
  const rows = board.models.map((m: ModelRow) => [
    m.model,
    String(m.submissions),
    num(m.meanScore),
    ...cells(m.meanScoreInterval),
    `${m.resolved}/${m.submissions}`,
    ...cells(m.resolvedInterval),
    ...board.ks.flatMap((k) => [num(m.passAtK[String(k)]), ...cells(m.passAtKInterval[String(k)])]),
    ...categories.flatMap((c) => [num(m.categories[c], 2), ...cells(m.categoryIntervals[c], 2)]),
    String(m.notGraded),
    String(m.budgetExceeded),
  ]);
  return { header, rows };
}

export function renderJson(board: Leaderboard): string {
  return `${JSON.stringify(board, null, 2)}\n`;
}
