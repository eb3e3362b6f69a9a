import { CATEGORIES } from '../scoring/types.ts';
import { SHORT } from '../validation/verdict.ts';
import type { Leaderboard } from './leaderboard.ts';
import { leaderboardSvgs, MAX_LABEL } from './plots.ts';
import { flakyNote, INTERVALS_NOTE } from './render-leaderboard.ts';
import type { Interval } from './statistics.ts';

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A model name as a header or first cell shows it: cut at MAX_LABEL (the whole name on hover), so a long one never stretches a table. */
function shortName(name: string): string {
  return name.length > MAX_LABEL ? `${name.slice(0, MAX_LABEL - 1)}…` : name;
}

/** A cell that sorts by `value` (numbers) and shows `text`, with `title` on hover. */
function cell(text: string, value: number | string | null, title?: string): string {
  const sort = value === null ? '' : ` data-sort="${escapeHtml(String(value))}"`;
  return `<td${sort}${title ? ` title="${escapeHtml(title)}"` : ''}>${escapeHtml(text)}</td>`;
}

/** A cell's hover text: its 95 % interval, or why it has none. */
function interval(bounds: Interval | undefined, digits: number, attempts: number): string {
  if (bounds) return `95 % interval ${bounds.low.toFixed(digits)}-${bounds.high.toFixed(digits)}`;
  return attempts < 2 ? 'one attempt: no interval' : 'no interval';
}

/** Red (0) through yellow to green (1). */
function heat(rate: number): string {
  return `hsl(${Math.round(rate * 120)}, 70%, 80%)`;
}

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; color: #222; background: #fff; }
#plots { display: flex; flex-wrap: wrap; gap: 1rem; }
#plots figure { margin: 0; }
table { border-collapse: collapse; margin: 1rem 0 2rem; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
#models th { cursor: pointer; background: #f3f3f3; user-select: none; }
#models th[aria-sort="ascending"]::after { content: " \\25B2"; }
#models th[aria-sort="descending"]::after { content: " \\25BC"; }
#heatmap td.rate { min-width: 4rem; text-align: center; }
#heatmap th.model { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap; }
.muted { color: #666; }
.flaky { color: #a60; font-size: 0.85em; }
#heatmap td.rate { color: #222; }
@media (prefers-color-scheme: dark) {
  body { color: #eee; background: #151515; }
  th, td { border-color: #555; }
  #models th { background: #2a2a2a; }
  .muted { color: #aaa; }
  .flaky { color: #fb3; }
}
`;

// Sorts #models by the clicked column: numbers by data-sort, text otherwise; a second click reverses.
const SCRIPT = `
document.querySelectorAll('#models thead th').forEach(function (th, column) {
  th.addEventListener('click', function () {
    var table = th.closest('table');
    var body = table.tBodies[0];
    var descending = th.getAttribute('aria-sort') !== 'descending';
    table.querySelectorAll('thead th').forEach(function (h) { h.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', descending ? 'descending' : 'ascending');
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[column], y = b.cells[column];
      var nx = parseFloat(x.dataset.sort), ny = parseFloat(y.dataset.sort);
      var order = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.textContent.localeCompare(y.textContent);
      if (isNaN(nx) !== isNaN(ny)) order = isNaN(nx) ? -1 : 1;
      return descending ? -order : order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  });
});
`;

/** One self-contained page: a sortable models table and a checks x models heat map. No external resources. */
export function renderHtml(board: Leaderboard): string {
  const categories = CATEGORIES.filter((c) => board.models.some((m) => m.categories[c] !== null));
  const s = board.settings;
  const modelHead = ['model', 'attempts', 'mean score', 'resolved', ...board.ks.map((k) => `pass@${k}`), ...categories.map((c) => SHORT[c]), 'not graded', 'over budget'];
  const modelRows = board.models.map(
    (m) =>
      `<tr>${[
        `<td class="name" title="${escapeHtml(m.model)}">${escapeHtml(shortName(m.model))}</td>`,
        cell(String(m.submissions), m.submissions),
        cell(m.meanScoreInterval ? `${m.meanScore.toFixed(3)} ± ${((m.meanScoreInterval.high - m.meanScoreInterval.low) / 2).toFixed(3)}` : m.meanScore.toFixed(3), m.meanScore, interval(m.meanScoreInterval, 3, m.submissions)),
        cell(`${m.resolved}/${m.submissions}`, m.resolvedShare, interval(m.resolvedInterval, 2, m.submissions)),
        ...board.ks.map((k) => {
          const v = m.passAtK[String(k)];
          return v === undefined ? cell('-', -1) : cell(v.toFixed(3), v, interval(m.passAtKInterval[String(k)], 2, m.submissions));
        }),
        ...categories.map((c) => {
          const v = m.categories[c];
          return v === null ? cell('-', -1) : cell(v.toFixed(2), v, interval(m.categoryIntervals[c], 2, m.submissions));
        }),
        cell(String(m.notGraded), m.notGraded),
        cell(String(m.budgetExceeded), m.budgetExceeded),
      ].join('')}</tr>`,
  );
  const models = board.models.map((m) => m.model);
  const heatRows = board.checks.map((c) => {
    const cells = models.map((m) => {
      const rate = c.rates[m];
      if (!rate || rate.runs === 0) return '<td class="rate muted">-</td>';
      const share = rate.passed / rate.runs;
      return `<td class="rate" style="background:${heat(share)}" title="${escapeHtml(`${c.id} / ${m}: ${rate.passed} of ${rate.runs} runs passed`)}" data-rate="${share.toFixed(3)}">${rate.passed}/${rate.runs}</td>`;
    });
    const flaky = c.flaky.length > 0 ? ` <span class="flaky" title="${escapeHtml(`different verdicts across the runs of one attempt: ${c.flaky.join(', ')}`)}">~ flaky</span>` : '';
    return `<tr><td><code>${escapeHtml(c.id)}</code>${flaky}</td>${cells.join('')}</tr>`;
  });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Leaderboard: inventory-grader</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Leaderboard</h1>
<p class="muted">${escapeHtml(`${board.submissions} submission(s); grader ${s.graderVersion} (build ${s.graderBuild}); seed ${s.seed}; ${s.repeat} run(s) each; ${s.checks.length} check(s). Click a column to sort.`)}</p>
<table id="models">
<thead><tr>${modelHead.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('')}</tr></thead>
<tbody>
${modelRows.join('\n')}
</tbody>
</table>
<p class="muted">${escapeHtml(INTERVALS_NOTE)} Hover a cell for its interval.</p>
<h2>Plots</h2>
<div id="plots">
${Object.entries(leaderboardSvgs(board)).map(([name, svg]) => `<figure data-plot="${escapeHtml(name)}">${svg}</figure>`).join('\n')}
</div>
<h2>Checks x models</h2>
<p class="muted">Runs passed / runs over every attempt of the model; attempts not graded count as failed runs. ${escapeHtml(flakyNote(board))}</p>
<table id="heatmap">
<thead><tr><th>check</th>${models.map((m) => `<th class="model" scope="col" title="${escapeHtml(m)}">${escapeHtml(shortName(m))}</th>`).join('')}</tr></thead>
<tbody>
${heatRows.join('\n')}
</tbody>
</table>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
