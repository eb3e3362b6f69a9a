import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import { ResultStore, settingsDifference } from '../../batch/result-store.ts';
import { GraderError } from '../../errors/grader-error.ts';
import { buildLeaderboard, type Leaderboard } from '../../leaderboard/leaderboard.ts';
import { renderHtml } from '../../leaderboard/render-html.ts';
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

export function leaderboardCommand(yargs: Argv, output: Output): Argv {
  return yargs.command(
    'leaderboard <dirs..>',
    'per model: mean score, resolved share, pass@k, per-category means, per-check pass rates; as a table, Markdown, CSV, JSON or one HTML page',
    (y) =>
      y.positional('dirs', { type: 'string', array: true, demandOption: true, describe: 'batch output folders (graded with the same settings)' }).options({
        format: { type: 'string', choices: LEADERBOARD_FORMATS, default: 'table', describe: 'output format' },
        output: { type: 'string', describe: 'write to this file instead of stdout' },
      }),
    async (argv) => {
      const stores = (argv.dirs).map((d) => ResultStore.openForReading(resolve(d)));
      const first = stores[0];
      if (!first) throw new GraderError('USAGE', 'grader leaderboard needs a batch folder', 'e.g. grader leaderboard results/');
      for (const store of stores.slice(1)) {
        const difference = settingsDifference(first.manifest.settings, store.manifest.settings);
        if (difference) throw new GraderError('BATCH_MISMATCH', `${store.dir} was graded with other settings than ${first.dir} (${difference})`, 'compare only batches graded with the same grader, seed, weights and options');
      }
      const results = new Map(stores.flatMap((s) => s.results()).map((r) => [r.submission.id, r]));
      const board = buildLeaderboard(first.manifest.settings, [...results.values()]);
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
