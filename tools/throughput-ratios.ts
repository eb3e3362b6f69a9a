// Renders the README's table of throughput ratios from a `grader validate --run-dir DIR` (or
// `grader run --repeat N --run-dir DIR`) folder: every `<target>/run-N/throughput/timeline.log`
// marks "partitions|replicas: xR" with the ratio of each round to the baselines measured before
// and after it ("at most xR" for a round cut off early, already below the threshold, which is
// left out); timelines of older graders mark "single|partitions|replicas: R msg/s" instead.
//   pnpm exec tsx tools/throughput-ratios.ts /tmp/val-final
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSuite } from '../packages/grader/src/validation/suite.ts';

type Round = 'partitions' | 'replicas';

/** The ratio of each round measured to the end (the first measurement when it was measured twice). */
function ratiosOf(timeline: string): Partial<Record<Round, number>> {
  const ratios: Partial<Record<Round, number>> = {};
  for (const [, round, bound, value] of timeline.matchAll(/(partitions|replicas): (at most )?x([\d.]+)/g)) if (!bound) ratios[round as Round] ??= Number(value);
  if (Object.keys(ratios).length > 0) return ratios;
  const rates: Partial<Record<Round | 'single', number>> = {};
  for (const [, round, rate] of timeline.matchAll(/(single|partitions|replicas): ([\d.]+) msg\/s/g)) rates[round as Round] = Number(rate);
  for (const round of ['partitions', 'replicas'] as const) if (rates.single && rates[round]) ratios[round] = rates[round] / rates.single;
  return ratios;
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
    .map((file) => ratiosOf(readFileSync(file, 'utf8')));
  if (runs.length === 0) continue;
  const ratio = (round: Round): number[] => runs.flatMap((r) => (r[round] ? [r[round]] : []));
  console.log(`| ${target} | ${runs.length} | ${cell(ratio('partitions'), runs.length)} | ${cell(ratio('replicas'), runs.length)} |`);
}
