import chalk from 'chalk';
import { passRates, type PassRate } from '../scoring/score.ts';
import { CATEGORIES, type CategoryScore, type CheckResult } from '../scoring/types.ts';
import { repeatCount, TOOL_NAME, type ReportData } from './report-data.ts';

/**
 * The human summary printed at the end of `grader run`: a header line, the per-category table,
 * the weighted score, each check's pass rate (only with repeats) and every failure with its
 * check id and message. Colour comes from chalk; the caller sets `chalk.level` (0 for NO_COLOR
 * or a non-TTY), so this returns plain text when colour is off.
 */
export function renderConsoleReport(data: ReportData): string {
  const repeats = repeatCount(data.results);
  const sections = [header(data, repeats), categoryTable(data.score.categories, data.score.score)];
  const skipped = new Set(data.results.filter((r) => r.status === 'skipped').map((r) => r.id));
  for (const id of passRates(data.results).keys()) skipped.delete(id);
  if (skipped.size > 0) {
    sections.push(chalk.dim(`${skipped.size} check(s) skipped by --only/--category; the score is renormalised over the checks that ran.`));
  }
  if (repeats > 1) sections.push(passRateList(data.results, repeats));
  sections.push(failureList(data.results, repeats));
  const undecided = inconclusiveList(data.results, repeats);
  if (undecided) sections.push(undecided);
  return `${sections.join('\n\n')}\n`;
}

function header(data: ReportData, repeats: number): string {
  const parts = [
    `target ${data.target}`,
    `seed ${data.seed}`,
    `infra ${data.infraKind}`,
    ...(repeats > 1 ? [`${repeats} repeats`] : []),
    `${(data.durationMs / 1000).toFixed(1)} s`,
  ];
  const line = `${chalk.bold(`${TOOL_NAME} ${data.graderVersion}`)}: ${parts.join(', ')}`;
  return data.containment.sandboxed ? line : `${line}\n${chalk.bold.red(`WARNING: ${data.containment.description}`)}`;
}

function categoryTable(categories: readonly CategoryScore[], score: number): string {
  const width = Math.max(...CATEGORIES.map((c) => c.length), 'category'.length);
  const plain = (text: string): string => text;
  // Pad before colouring: ANSI codes would otherwise count towards the width.
  const row = (cells: readonly [string, string, string, string], colour = plain): string =>
    `${cells[0].padEnd(width)}  ${cells[1].padStart(6)}  ${colour(cells[2].padStart(6))}  ${colour(cells[3].padStart(9))}`;
  const lines = [chalk.dim(row(['category', 'weight', 'earned', 'passed']))];
  for (const c of categories) {
    if (c.total === 0) {
      lines.push(chalk.dim(row([c.category, '-', '-', 'skipped'])));
      continue;
    }
    const colour = ratioColour(c.weight > 0 ? c.earned / c.weight : c.passed / c.total);
    lines.push(row([c.category, c.weight.toFixed(3), c.earned.toFixed(3), `${c.passed}/${c.total}`], colour));
  }
  lines.push(`${chalk.bold('score'.padEnd(width))}  ${''.padStart(6)}  ${chalk.bold(ratioColour(score)(formatScore(score).padStart(6)))}`);
  return lines.join('\n');
}

function passRateList(results: readonly CheckResult[], repeats: number): string {
  const rates = passRates(results);
  const order = [...rates.keys()].sort(byCategoryThenAppearance(results));
  const lines = [chalk.bold(`pass rates over ${repeats} repeats`)];
  const width = String(repeats).length * 2 + 1;
  for (const id of order) {
    const rate = rates.get(id) as PassRate;
    lines.push(`  ${ratioColour(rate.passed / rate.runs)(`${rate.passed}/${rate.runs}`.padStart(width))}  ${id}`);
  }
  return lines.join('\n');
}

function failureList(results: readonly CheckResult[], repeats: number): string {
  // check id → message → 1-based runs that failed with it, in order of first appearance.
  const failures = new Map<string, { result: CheckResult; messages: Map<string, number[]> }>();
  for (const r of results) {
    if (r.status !== 'failed') continue;
    const entry = failures.get(r.id) ?? { result: r, messages: new Map<string, number[]>() };
    const message = r.message ?? 'check failed (no message)';
    entry.messages.set(message, [...(entry.messages.get(message) ?? []), r.run + 1]);
    failures.set(r.id, entry);
  }
  if (failures.size === 0) return chalk.green('no failures');
  const lines = [chalk.bold(`failures (${failures.size} check${failures.size === 1 ? '' : 's'})`)];
  for (const [id, { result, messages }] of failures) {
    for (const [message, runs] of messages) {
      const where = repeats > 1 ? ` (run${runs.length === 1 ? '' : 's'} ${runs.join(', ')})` : '';
      const text = printable(message).replace(/\n/g, '\n      ');
      lines.push(`  ${chalk.red('FAIL')} ${chalk.bold(id)} ${chalk.dim(`[${result.category}]`)}${where}: ${text}`);
    }
  }
  return lines.join('\n');
}

/** The checks without a verdict, loudly: the run is then not a verdict on the target. */
function inconclusiveList(results: readonly CheckResult[], repeats: number): string | undefined {
  const undecided = results.filter((r) => r.status === 'inconclusive');
  if (undecided.length === 0) return undefined;
  const ids = [...new Set(undecided.map((r) => r.id))];
  const lines = [chalk.bold.yellow(`NOT A VERDICT: ${ids.length} check(s) inconclusive (the machine was overloaded when they would have failed; they count as not passed above)`)];
  for (const r of undecided) {
    const where = repeats > 1 ? ` (run ${r.run + 1})` : '';
    lines.push(`  ${chalk.yellow('INCONCLUSIVE')} ${chalk.bold(r.id)} ${chalk.dim(`[${r.category}]`)}${where}: ${printable(r.message ?? '')}`);
  }
  return lines.join('\n');
}

function byCategoryThenAppearance(results: readonly CheckResult[]): (a: string, b: string) => number {
  const rank = new Map<string, number>();
  for (const r of results) {
    if (!rank.has(r.id)) rank.set(r.id, CATEGORIES.indexOf(r.category) * 1e6 + rank.size);
  }
  return (a, b) => (rank.get(a) ?? 0) - (rank.get(b) ?? 0);
}

/** Messages may quote target output: keep control characters (and ANSI escapes) off the terminal. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/\r\n/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '\uFFFD');
}

function ratioColour(ratio: number): (text: string) => string {
  if (ratio >= 1) return chalk.green;
  return ratio <= 0 ? chalk.red : chalk.yellow;
}

/** Three decimals, never rounding a score below 1 up to "1.000". */
export function formatScore(score: number): string {
  const text = score.toFixed(3);
  return text === '1.000' && score < 1 ? '0.999' : text;
}
