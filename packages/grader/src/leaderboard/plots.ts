import { CATEGORIES } from '../scoring/types.ts';
import { SHORT } from '../validation/verdict.ts';
import type { Comparison, Difference } from './compare.ts';
import type { Leaderboard } from './leaderboard.ts';
import type { Interval } from './statistics.ts';

const escapeXml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Longer names are cut (the whole name is the row's tooltip), so a long model name never widens a plot. */
export const MAX_LABEL = 28;

const label = (name: string): string => {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  const clean = name.replace(/[\u0000-\u001f\u007f-\u009f]/g, '\uFFFD');
  return clean.length > MAX_LABEL ? `${clean.slice(0, MAX_LABEL - 1)}…` : clean;
};

/** Colours as CSS variables, so the same file reads on a light page and a dark one. */
const STYLE = `<style>
svg { --ink: #222; --muted: #666; --grid: #ddd; --mark: #1f5fbf; }
@media (prefers-color-scheme: dark) { svg { --ink: #eee; --muted: #aaa; --grid: #444; --mark: #7fb0ff; } }
text { font: 12px system-ui, sans-serif; fill: var(--ink); }
.muted { fill: var(--muted); }
.grid { stroke: var(--grid); stroke-width: 1; }
.axis { stroke: var(--muted); stroke-width: 1; }
.whisker { stroke: var(--mark); stroke-width: 2; }
.point { fill: var(--mark); }
.line { fill: none; stroke-width: 2; }
</style>`;

/** Eight colours told apart in either scheme (Okabe-Ito), for lines of models. */
const PALETTE = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#999999', '#f0e442'];

/** Red (0) through yellow to green (1), as the page's heat map. */
export function heat(rate: number): string {
  return `hsl(${Math.round(Math.max(0, Math.min(1, rate)) * 120)}, 70%, 75%)`;
}

function svg(width: number, height: number, title: string, body: string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(title)}">
<title>${escapeXml(title)}</title>
${STYLE}
${body.join('\n')}
</svg>
`;
}

const LABEL_WIDTH = 200;
const ROW = 26;
const PLOT_WIDTH = 360;

/** An x axis from `from` to `to` under rows, with ticks. */
function xAxis(x: (v: number) => number, top: number, bottom: number, ticks: readonly number[], format: (v: number) => string): string[] {
  return [
    ...ticks.map((t) => `<line class="grid" x1="${x(t)}" x2="${x(t)}" y1="${top}" y2="${bottom}"/>`),
    `<line class="axis" x1="${x(ticks[0] ?? 0)}" x2="${x(ticks.at(-1) ?? 1)}" y1="${bottom}" y2="${bottom}"/>`,
    ...ticks.map((t) => `<text class="muted" x="${x(t)}" y="${bottom + 16}" text-anchor="middle">${format(t)}</text>`),
  ];
}

/** One row: a label, a point at `value` and a whisker over `interval` (cut to the axis). */
function pointRow(y: number, name: string, value: number, interval: Interval | undefined, x: (v: number) => number, clamp: Interval, note: string, data: string): string {
  const cut = (v: number): number => Math.max(clamp.low, Math.min(clamp.high, v));
  const whisker = interval ? `<line class="whisker" x1="${x(cut(interval.low)).toFixed(1)}" x2="${x(cut(interval.high)).toFixed(1)}" y1="${y}" y2="${y}"/>` : '';
  return `<g class="row" ${data}><title>${escapeXml(`${name}: ${note}`)}</title><text x="${LABEL_WIDTH - 8}" y="${y + 4}" text-anchor="end">${escapeXml(label(name))}</text>${whisker}<circle class="point" cx="${x(cut(value)).toFixed(1)}" cy="${y}" r="4"/></g>`;
}

/** Mean score per model with its 95 % interval as a whisker; one attempt: a point alone, said in its tooltip. */
export function scoresSvg(board: Leaderboard): string {
  const top = 30;
  const height = top + board.models.length * ROW + 40;
  const x = (v: number): number => LABEL_WIDTH + v * PLOT_WIDTH;
  const rows = board.models.map((m, i) => {
    const note = m.meanScoreInterval ? `mean score ${m.meanScore.toFixed(3)}, 95 % interval ${m.meanScoreInterval.low.toFixed(3)} to ${m.meanScoreInterval.high.toFixed(3)}, ${m.submissions} attempts` : `mean score ${m.meanScore.toFixed(3)}, ${m.submissions} attempt: no interval`;
    return pointRow(top + i * ROW + ROW / 2, m.model, m.meanScore, m.meanScoreInterval, x, { low: 0, high: 1 }, note, `data-model="${escapeXml(m.model)}" data-mean="${m.meanScore}"`);
  });
  const bottom = top + board.models.length * ROW;
  return svg(LABEL_WIDTH + PLOT_WIDTH + 30, height, 'Mean score per model, with 95 % intervals', [
    `<text x="${LABEL_WIDTH}" y="18">mean score (95 % interval)</text>`,
    ...xAxis(x, top, bottom, [0, 0.25, 0.5, 0.75, 1], (t) => t.toFixed(2)),
    ...rows,
  ]);
}

/** pass@k against k, a line per model (up to eight colours, then repeated), with a legend. */
export function passAtKSvg(board: Leaderboard): string {
  const top = 30;
  const plotHeight = 200;
  const left = 50;
  const width = 300;
  const ks = board.ks;
  const x = (i: number): number => left + (ks.length <= 1 ? width / 2 : (i / (ks.length - 1)) * width);
  const y = (v: number): number => top + (1 - v) * plotHeight;
  const body: string[] = [`<text x="${left}" y="18">pass@k</text>`];
  for (const t of [0, 0.25, 0.5, 0.75, 1]) body.push(`<line class="grid" x1="${left}" x2="${left + width}" y1="${y(t)}" y2="${y(t)}"/>`, `<text class="muted" x="${left - 6}" y="${y(t) + 4}" text-anchor="end">${t.toFixed(2)}</text>`);
  ks.forEach((k, i) => body.push(`<text class="muted" x="${x(i)}" y="${top + plotHeight + 16}" text-anchor="middle">k=${k}</text>`));
  board.models.forEach((m, n) => {
    const colour = PALETTE[n % PALETTE.length] as string;
    const points = ks.map((k, i) => ({ k, i, v: m.passAtK[String(k)] })).filter((p): p is { k: number; i: number; v: number } => p.v !== undefined);
    const path = points.map((p) => `${x(p.i).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ');
    body.push(`<g class="model" data-model="${escapeXml(m.model)}"><title>${escapeXml(`${m.model}: ${points.map((p) => `pass@${p.k} ${p.v.toFixed(3)}`).join(', ')}`)}</title><polyline class="line" stroke="${colour}" points="${path}"/>${points.map((p) => `<circle cx="${x(p.i).toFixed(1)}" cy="${y(p.v).toFixed(1)}" r="3" fill="${colour}"/>`).join('')}</g>`);
    const ly = top + n * 18;
    body.push(`<g><rect x="${left + width + 20}" y="${ly - 9}" width="12" height="12" fill="${colour}"/><text x="${left + width + 38}" y="${ly + 1}">${escapeXml(label(m.model))}</text></g>`);
  });
  return svg(left + width + 40 + MAX_LABEL * 7.5, Math.max(top + plotHeight + 30, top + board.models.length * 18 + 10), 'pass@k per model', body);
}

/** Categories x models: each cell the mean share of the category's weight earned, coloured, with the scale. */
export function categoriesSvg(board: Leaderboard): string {
  const categories = CATEGORIES.filter((c) => board.models.some((m) => m.categories[c] !== null));
  const cell = 56;
  const top = 40;
  const body: string[] = [`<text x="${LABEL_WIDTH}" y="18">share of each category's weight earned</text>`];
  categories.forEach((c, j) => body.push(`<text class="muted" x="${LABEL_WIDTH + j * cell + cell / 2}" y="${top - 6}" text-anchor="middle">${SHORT[c]}</text>`));
  board.models.forEach((m, i) => {
    const y = top + i * ROW;
    body.push(`<text x="${LABEL_WIDTH - 8}" y="${y + ROW / 2 + 4}" text-anchor="end"><title>${escapeXml(m.model)}</title>${escapeXml(label(m.model))}</text>`);
    categories.forEach((c, j) => {
      const v = m.categories[c];
      const fill = v === null ? 'none' : heat(v);
      body.push(`<g class="cell" data-model="${escapeXml(m.model)}" data-category="${c}"><title>${escapeXml(`${m.model}, ${c}: ${v === null ? 'not graded' : v.toFixed(2)}`)}</title><rect x="${LABEL_WIDTH + j * cell}" y="${y}" width="${cell - 2}" height="${ROW - 2}" fill="${fill}"/><text x="${LABEL_WIDTH + j * cell + cell / 2 - 1}" y="${y + ROW / 2 + 3}" text-anchor="middle" style="fill:#222">${v === null ? '-' : v.toFixed(2)}</text></g>`);
    });
  });
  const scaleY = top + board.models.length * ROW + 14;
  const steps = 10;
  for (let s = 0; s <= steps; s += 1) body.push(`<rect class="scale" x="${LABEL_WIDTH + s * 14}" y="${scaleY}" width="14" height="10" fill="${heat(s / steps)}"/>`);
  body.push(`<text class="muted" x="${LABEL_WIDTH - 8}" y="${scaleY + 9}" text-anchor="end">scale</text>`, `<text class="muted" x="${LABEL_WIDTH}" y="${scaleY + 24}">0</text>`, `<text class="muted" x="${LABEL_WIDTH + (steps + 1) * 14}" y="${scaleY + 24}" text-anchor="end">1</text>`);
  // Wide enough for its title with few categories.
  return svg(LABEL_WIDTH + Math.max(categories.length * cell, (steps + 1) * 14, 260) + 20, scaleY + 34, 'Category shares per model', body);
}

/** The comparison as a forest plot: each difference A - B with its interval, a line at zero. */
export function forestSvg(c: Comparison): string {
  const rows: [string, Difference][] = [['mean score', c.meanScore], ['resolved share', c.resolvedShare], ...Object.entries(c.categories).map(([k, d]) => [`category ${k}`, d] as [string, Difference]), ...Object.entries(c.checks).filter(([, d]) => d.difference !== 0).map(([k, d]) => [k, d] as [string, Difference])];
  const top = 46;
  const x = (v: number): number => LABEL_WIDTH + ((v + 1) / 2) * PLOT_WIDTH;
  const bottom = top + rows.length * ROW;
  const body = [
    `<text x="${LABEL_WIDTH}" y="16">${escapeXml(label(c.a))} − ${escapeXml(label(c.b))} (95 % intervals)</text>`,
    `<text class="muted" x="${LABEL_WIDTH}" y="32">${escapeXml(c.noDetectableDifference ? 'no detectable difference' : 'a difference is detectable')}</text>`,
    ...xAxis(x, top, bottom, [-1, -0.5, 0, 0.5, 1], (t) => (t > 0 ? `+${t}` : String(t))),
    `<line class="axis zero" x1="${x(0)}" x2="${x(0)}" y1="${top}" y2="${bottom}"/>`,
    ...rows.map(([name, d], i) => {
      const p = d.adjustedP ?? d.p;
      const note = `${d.difference >= 0 ? '+' : ''}${Number.isNaN(d.difference) ? '-' : d.difference.toFixed(3)}${d.interval ? `, 95 % interval ${d.interval.low.toFixed(3)} to ${d.interval.high.toFixed(3)}` : ', no interval'}${p !== undefined ? `, p ${p.toFixed(3)}` : ''}`;
      return pointRow(top + i * ROW + ROW / 2, name, Number.isNaN(d.difference) ? 0 : d.difference, d.interval, x, { low: -1, high: 1 }, note, `data-row="${escapeXml(name)}" data-difference="${d.difference}"`);
    }),
  ];
  return svg(LABEL_WIDTH + PLOT_WIDTH + 30, bottom + 30, `Comparison of ${c.a} and ${c.b}`, body);
}

/** The leaderboard's plots by file name, for `--format svg` (a folder) and the HTML page. */
export function leaderboardSvgs(board: Leaderboard): Record<string, string> {
  return { 'scores.svg': scoresSvg(board), 'pass-at-k.svg': passAtKSvg(board), 'categories.svg': categoriesSvg(board) };
}
