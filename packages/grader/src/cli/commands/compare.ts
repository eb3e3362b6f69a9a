import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import { collectResults } from '../../batch/merge.ts';
import type { GradingSettings } from '../../batch/content-key.ts';
import { ResultStore, settingsDifference, type SubmissionResult } from '../../batch/result-store.ts';
import { GraderError } from '../../errors/grader-error.ts';
import { compare, type Side } from '../../leaderboard/compare.ts';
import { forestSvg } from '../../leaderboard/plots.ts';
import { COMPARE_FORMATS, renderCompareJson, renderCompareMarkdown, renderCompareTable, type CompareFormat } from '../../leaderboard/render-compare.ts';
import { writeReport } from '../../reports/write-report.ts';
import type { Output } from '../output.ts';

const RENDER: Record<CompareFormat, (c: ReturnType<typeof compare>) => string> = { table: renderCompareTable, markdown: renderCompareMarkdown, json: renderCompareJson, svg: forestSvg };

function read(dirs: readonly string[]): { settings: GradingSettings; results: SubmissionResult[] } {
  const { settings, results } = collectResults(dirs.map((d) => ResultStore.openForReading(d)));
  return { settings, results: results.map((r) => r.result) };
}

const isFolder = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();

/** Two sides from the arguments: two models of the --results folders, or two batch folders (their every attempt). */
function sides(a: string, b: string, results: readonly string[] | undefined): { a: Side; b: Side; checks: readonly string[] } {
  if (results && results.length > 0) {
    const { settings, results: all } = read(results.map((d) => resolve(d)));
    const models = [...new Set(all.map((r) => r.submission.model))].sort();
    const side = (model: string): Side => {
      const mine = all.filter((r) => r.submission.model === model);
      if (mine.length === 0) throw new GraderError('USAGE', `no model ${JSON.stringify(model)} in ${results.join(', ')}`, `models there: ${models.slice(0, 10).map((m) => JSON.stringify(m)).join(', ')}${models.length > 10 ? ', ...' : ''}`);
      return { label: model, results: mine };
    };
    return { a: side(a), b: side(b), checks: settings.checks };
  }
  for (const p of [a, b]) {
    if (!isFolder(resolve(p))) throw new GraderError('USAGE', `${p} is not a batch folder`, 'give two folders written by grader batch, or two model names with --results FOLDER');
  }
  const left = read([resolve(a)]);
  const right = read([resolve(b)]);
  // Another seed is allowed (the same submissions graded again); anything else is not comparable.
  const difference = settingsDifference({ ...left.settings, seed: 0 }, { ...right.settings, seed: 0 });
  if (difference) throw new GraderError('BATCH_MISMATCH', `${b} was graded with other settings than ${a} (${difference})`, 'compare folders graded by the same grader with the same weights, checks, repeats and limits (the seed may differ)');
  return { a: { label: a, results: left.results }, b: { label: b, results: right.results }, checks: left.settings.checks };
}

export function compareCommand(yargs: Argv, output: Output): Argv {
  return yargs.command(
    'compare <a> <b>',
    'is A better than B? mean score, resolved share, categories and checks with 95 % intervals and tests (Holm-corrected), and the attempts 80 % power would need',
    (y) =>
      y
        .positional('a', { type: 'string', demandOption: true, describe: 'a model name (with --results) or a batch folder' })
        .positional('b', { type: 'string', demandOption: true, describe: 'a model name (with --results) or a batch folder' })
        .options({
          results: { type: 'string', array: true, describe: 'batch folders (shards of one batch) holding both models; without it, a and b are two batch folders of the same submissions' },
          format: { type: 'string', choices: COMPARE_FORMATS, default: 'table', describe: 'output format; svg is the forest plot of the differences' },
          output: { type: 'string', describe: 'write to this file instead of stdout' },
        }),
    async (argv) => {
      const { a, b, checks } = sides(String(argv.a), String(argv.b), argv.results);
      const text = RENDER[argv.format as CompareFormat](compare(a, b, checks));
      if (argv.output) {
        await writeReport(resolve(argv.output), text);
        output.info(`wrote the ${argv.format} comparison to ${resolve(argv.output)}`);
      } else {
        output.data(text.trimEnd());
      }
    },
  );
}
