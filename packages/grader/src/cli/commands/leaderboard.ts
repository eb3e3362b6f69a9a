import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { GradingSettings } from '../../batch/content-key.ts';
import type { Argv } from 'yargs';
import { ResultStore, settingsDifference, type SubmissionResult } from '../../batch/result-store.ts';
import { GraderError } from '../../errors/grader-error.ts';
import { buildLeaderboard, type Leaderboard } from '../../leaderboard/leaderboard.ts';
import { renderHtml } from '../../leaderboard/render-html.ts';
import { resultsFromRunReports } from '../../leaderboard/run-reports.ts';
import { LEADERBOARD_FORMATS, renderCsv, renderJson, renderMarkdown, renderTable, type LeaderboardFormat } from '../../leaderboard/render-leaderboard.ts';
import { writeReport } from '../../reports/write-report.ts';
import type { Output } from '../output.ts';

const RENDER: Record<LeaderboardFormat, (board: Leaderboard) => string> = {
  table: renderTable,
  markdown: renderMarkdown,
  csv: renderCsv,
  json: renderJson,
  html: renderHtml,
};

/** The results of batch folders graded with the same settings (one per submission id). */
function fromBatchFolders(dirs: readonly string[]): { settings: GradingSettings; results: SubmissionResult[] } {
  const stores = dirs.map((d) => ResultStore.openForReading(d));
  const first = stores[0];
  if (!first) throw new GraderError('USAGE', 'grader leaderboard needs a batch folder', 'e.g. grader leaderboard results/');
  for (const store of stores.slice(1)) {
    const difference = settingsDifference(first.manifest.settings, store.manifest.settings);
    if (difference) throw new GraderError('BATCH_MISMATCH', `${store.dir} was graded with other settings than ${first.dir} (${difference})`, 'compare only batches graded with the same grader, seed, weights and options');
  }
  const results = new Map<string, SubmissionResult>();
  for (const store of stores) {
    for (const r of store.results()) {
      const other = results.get(r.submission.id);
      if (other && other.key !== r.key) throw new GraderError('BATCH_MISMATCH', `submission ${r.submission.id} has different content in two of the folders (${store.dir} and another)`, 'give folders of one batch, or merge them first with grader merge');
      results.set(r.submission.id, r);
    }
  }
  return { settings: first.manifest.settings, results: [...results.values()] };
}

export function leaderboardCommand(yargs: Argv, output: Output): Argv {
  return yargs.command(
    'leaderboard <paths..>',
    'per model: mean score, resolved share, pass@k, per-category means, per-check pass rates; as a table, Markdown, CSV, JSON or one HTML page',
    (y) =>
      y.positional('paths', { type: 'string', array: true, demandOption: true, describe: 'batch output folders graded with the same settings, or grader run --json reports (each one attempt of its target)' }).options({
        format: { type: 'string', choices: LEADERBOARD_FORMATS, default: 'table', describe: 'output format' },
        output: { type: 'string', describe: 'write to this file instead of stdout' },
      }),
    async (argv) => {
      const paths = (argv.paths).map((d) => resolve(d));
      const files = paths.filter((p) => existsSync(p) && statSync(p).isFile());
      if (files.length > 0 && files.length < paths.length) throw new GraderError('USAGE', 'give either batch folders or grader run --json reports, not both', 'grader leaderboard results/ or grader leaderboard a.json b.json');
      const { settings, results } = files.length > 0 ? resultsFromRunReports(files) : fromBatchFolders(paths);
      const board = buildLeaderboard(settings, results);
      const text = RENDER[argv.format as LeaderboardFormat](board);
      if (argv.output) {
        await writeReport(resolve(argv.output), text);
        output.info(`wrote the ${argv.format} leaderboard of ${board.models.length} model(s), ${board.submissions} submission(s) to ${resolve(argv.output)}`);
      } else {
        output.data(text.trimEnd());
      }
    },
  );
}
