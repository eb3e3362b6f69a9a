// Renders the README's validation matrix (and the per-check pass rates of the reference fix and
// the buggy service) from one or more `grader validate --json` reports. A target that appears in
// several reports is taken from the last one given.
//   pnpm exec tsx tools/validation-matrix.ts [--measured] a.json b.json ...
// --measured leaves out the targets none of the reports graded.
import { readFileSync } from 'node:fs';
import { CATALOG } from '../packages/grader/src/checks/catalog.ts';
import { CATEGORIES, type Category } from '../packages/grader/src/scoring/types.ts';
import { loadSuite } from '../packages/grader/src/validation/suite.ts';
import { SHORT } from '../packages/grader/src/validation/verdict.ts';

interface ReportTarget {
  target: string;
  met: boolean;
  reason: string;
  score: number;
  durationMs: number;
  categories: Partial<Record<Category, { passed: number; total: number }>>;
  failed: { id: string; run: number }[];
}

interface Report {
  repeat: number;
  seed: number;
  startedAt: string;
  targets: ReportTarget[];
}


const measuredOnly = process.argv.includes('--measured');
const reports = process.argv.slice(2).filter((a) => a !== '--measured').map((file) => JSON.parse(readFileSync(file, 'utf8')) as Report);
const byTarget = new Map<string, { row: ReportTarget; repeat: number }>();
for (const report of reports) for (const row of report.targets) byTarget.set(row.target, { row, repeat: report.repeat });

const { expectations } = loadSuite();
const lines = [
  `| target | ${CATEGORIES.map((c) => SHORT[c]).join(' | ')} | score | runs | expectation |`,
  `| --- | ${CATEGORIES.map(() => '---').join(' | ')} | --- | --- | --- |`,
];
for (const expectation of expectations) {
  const entry = byTarget.get(expectation.target);
  if (!entry) {
    if (measuredOnly) continue;
    lines.push(`| ${expectation.target} | ${CATEGORIES.map(() => '').join(' | ')} | | 0 | not measured |`);
    continue;
  }
  const { row, repeat } = entry;
  const cells = CATEGORIES.map((c) => {
    const cell = row.categories[c];
    const text = cell ? `${cell.passed}/${cell.total}` : '-';
    return expectation.caughtIn === c ? `**${text}**` : text;
  });
  lines.push(`| ${row.target} | ${cells.join(' | ')} | ${row.score.toFixed(3)} | ${repeat} | ${row.met ? 'met' : '**FAILED**'}: ${row.reason} |`);
}
console.log(lines.join('\n'));

for (const name of ['reference-fix', 'buggy-service', 'reference-fix-go', 'buggy-service-go']) {
  const entry = byTarget.get(name);
  if (!entry) continue;
  const failures = new Map<string, number>();
  for (const f of entry.row.failed) failures.set(f.id, (failures.get(f.id) ?? 0) + 1);
  console.log(`\n${name}: ${entry.repeat} runs, score ${entry.row.score.toFixed(3)}`);
  for (const check of CATALOG) console.log(`| \`${check.id}\` | ${entry.repeat - (failures.get(check.id) ?? 0)}/${entry.repeat} |`);
}
