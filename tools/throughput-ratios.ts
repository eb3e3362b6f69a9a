// Renders the README's table of throughput ratios from a `grader validate --run-dir DIR` (or
// `grader run --repeat N --run-dir DIR`) folder: every `<target>/run-N/throughput/timeline.log`
// marks "single|partitions|replicas: R msg/s" for each round it measured to the end; a round cut
// off early (already below the threshold) leaves no mark.
//   pnpm exec tsx tools/throughput-ratios.ts /tmp/val-final
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSuite } from '../packages/grader/src/validation/suite.ts';

type Round = 'single' | 'partitions' | 'replicas';

function ratesOf(timeline: string): Partial<Record<Round, number>> {
  const rates: Partial<Record<Round, number>> = {};
  for (const [, round, rate] of timeline.matchAll(/(single|partitions|replicas): ([\d.]+) msg\/s/g)) rates[round as Round] = Number(rate);
  return rates;
}

function cell(ratios: number[], runs: number): string {
  const cut = runs - ratios.length;
  const range = ratios.length > 0 ? `x${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}` : '';
  if (cut === 0) return range;
  const cutText = `cut off early in ${cut} of ${runs}`;
  return range ? `${range} (${cutText})` : cutText;
}

const [dir] = process.argv.slice(2);
if (!dir || !existsSync(dir)) {
  console.error('throughput-ratios: give the run folder of a grader validate or grader run (hint: --run-dir of that run)');
  process.exit(2);
}
const known = loadSuite().expectations.map((e) => e.target);
const targets = readdirSync(dir).sort((a, b) => (known.indexOf(a) + 1 || 1e9) - (known.indexOf(b) + 1 || 1e9) || a.localeCompare(b));
console.log('| target | runs | 6 partitions / 1 | 3 replicas / 1 |');
console.log('| --- | --- | --- | --- |');
for (const target of targets) {
  const runs = readdirSync(join(dir, target))
    .map((run) => join(dir, target, run, 'throughput', 'timeline.log'))
    .filter((file) => existsSync(file))
    .map((file) => ratesOf(readFileSync(file, 'utf8')));
  if (runs.length === 0) continue;
  const ratio = (round: Round): number[] => runs.flatMap((r) => (r.single && r[round] ? [r[round] / r.single] : []));
  console.log(`| ${target} | ${runs.length} | ${cell(ratio('partitions'), runs.length)} | ${cell(ratio('replicas'), runs.length)} |`);
}
