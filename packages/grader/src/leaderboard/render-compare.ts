import { CATALOG_BY_ID } from '../checks/catalog.ts';
import type { Comparison, Difference } from './compare.ts';

/** The formats `grader compare --format` writes. */
export const COMPARE_FORMATS = ['table', 'markdown', 'json', 'svg'] as const;
export type CompareFormat = (typeof COMPARE_FORMATS)[number];

// Model names and folder paths are the user's: control characters never reach the terminal.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const printable = (s: string): string => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '\uFFFD');

const signed = (x: number, digits = 3): string => (Number.isNaN(x) ? '-' : `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`);
const fixed = (x: number, digits = 3): string => (Number.isNaN(x) ? '-' : x.toFixed(digits));
const pValue = (p: number | undefined): string => (p === undefined ? '-' : p < 0.001 ? '<0.001' : p.toFixed(3));

function row(name: string, d: Difference): string[] {
  return [name, fixed(d.a), fixed(d.b), signed(d.difference), d.interval ? `[${signed(d.interval.low)}, ${signed(d.interval.high)}]` : 'no interval', pValue(d.p), pValue(d.adjustedP)];
}

/** The verdict in one sentence: a difference, or plainly none. */
export function verdictLine(c: Comparison): string {
  const a = printable(c.a);
  const b = printable(c.b);
  if (c.noDetectableDifference) {
    const power = c.attemptsFor80Power?.meanScore;
    const more = power !== undefined ? `; detecting a difference of ${Math.abs(c.meanScore.difference).toFixed(3)} in mean score with 80 % power would take about ${power} attempts each` : '';
    return `no detectable difference between ${a} and ${b} (5 % level, checks and categories Holm-corrected)${more}`;
  }
  const higher = c.meanScore.difference >= 0 ? a : b;
  return `${higher} scores higher: mean score ${signed(c.meanScore.difference)} (${a} - ${b})${c.meanScore.interval ? `, 95 % interval [${signed(c.meanScore.interval.low)}, ${signed(c.meanScore.interval.high)}]` : ''}`;
}

function rows(c: Comparison): { header: string[]; body: string[][] } {
  const header = ['', printable(c.a), printable(c.b), 'A - B', '95 % interval', 'p', 'p (Holm)'];
  const body = [
    row('mean score', c.meanScore),
    row('resolved share', c.resolvedShare),
    ...Object.entries(c.categories).map(([category, d]) => row(`category ${category}`, d)),
    ...Object.entries(c.checks)
      .filter(([, d]) => d.difference !== 0 || (d.adjustedP ?? 1) < 1)
      .map(([id, d]) => row(`check ${id}${CATALOG_BY_ID.has(id) ? '' : ' (unknown)'}`, d)),
  ];
  return { header, body };
}

function describe(c: Comparison): string[] {
  return [
    `A = ${printable(c.a)} (${c.attempts.a} attempt(s)), B = ${printable(c.b)} (${c.attempts.b} attempt(s)); ${c.paired ? `paired over the ${c.attempts.pairs} submissions both sides graded` : 'unpaired (different submissions)'}`,
    ...c.notes.map(printable),
    `checks whose pass rate is the same on both sides are not listed; ${c.attemptsFor80Power?.resolvedShare !== undefined ? `the resolved shares seen would need about ${c.attemptsFor80Power.resolvedShare} attempts each to tell apart with 80 % power` : 'the resolved shares are equal'}`,
  ];
}

export function renderCompareTable(c: Comparison): string {
  const { header, body } = rows(c);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((x, i) => (i === 0 ? x.padEnd(widths[i] ?? 0) : x.padStart(widths[i] ?? 0))).join('  ').trimEnd();
  return [verdictLine(c), '', ...describe(c), '', line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line), ''].join('\n');
}

export function renderCompareMarkdown(c: Comparison): string {
  const { header, body } = rows(c);
  // Markdown renders raw HTML: a model name with markup is shown as text.
  const esc = (s: string): string => s.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const table = [`| ${header.map(esc).join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...body.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
  return `# Comparison\n\n**${esc(verdictLine(c))}**\n\n${describe(c).map((l) => `- ${esc(l)}`).join('\n')}\n\n${table}\n`;
}

export function renderCompareJson(c: Comparison): string {
  return `${JSON.stringify({ schemaVersion: 1, verdict: verdictLine(c), ...c }, null, 2)}\n`;
}
