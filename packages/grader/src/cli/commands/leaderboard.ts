import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Argv } from 'yargs';
import { collectResults } from '../../batch/merge.ts';
import type { GradingSettings } from '../../batch/content-key.ts';
import { ResultStore, type SubmissionResult } from '../../batch/result-store.ts';
import { GraderError } from '../../errors/grader-error.ts';
import { buildLeaderboard, type Leaderboard } from '../../leaderboard/leaderboard.ts';
import { renderHtml } from '../../leaderboard/render-html.ts';
import { resultsFromRunReports } from '../../leaderboard/run-reports.ts';
import { LEADERBOARD_FORMATS, renderCsv, renderJson, renderMarkdown, renderTable, type LeaderboardFormat } from '../../leaderboard/render-leaderboard.ts';
import { writeReport } from '../../reports/write-report.ts';
import { makeOutputDir, type Output } from '../output.ts';
import { leaderboardSvgs } from '../../leaderboard/plots.ts';

const RENDER: Record<Exclude<LeaderboardFormat, 'svg'>, (board: Leaderboard) => string> = {
  table: renderTable,
  markdown: renderMarkdown,
  csv: renderCsv,
  json: renderJson,
  html: renderHtml,
};

function fromBatchFolders(dirs: readonly string[]): { settings: GradingSettings; results: SubmissionResult[] } {
  const { settings, results } = collectResults(dirs.map((d) => ResultStore.openForReading(d)));
  return { settings, results: results.map((r) => r.result) };
}

export function leaderboardCommand(yargs: Argv, output: Output): Argv {
  return yargs.command(
    'leaderboard <paths..>',
    'per model: mean score, resolved share, pass@k, per-category means, per-check pass rates; as a table, Markdown, CSV, JSON or one HTML page',
    (y) =>
      y.positional('paths', { type: 'string', array: true, demandOption: true, describe: 'batch output folders graded with the same settings, or grader run --json reports (each one attempt of its target)' }).options({
        format: { type: 'string', choices: LEADERBOARD_FORMATS, default: 'table', describe: 'output format; svg writes scores.svg, pass-at-k.svg and categories.svg to the --output folder' },
        output: { type: 'string', describe: 'write to this file instead of stdout' },
      }),
    async (argv) => {
      const paths = (argv.paths).map((d) => resolve(d));
      const files = paths.filter((p) => existsSync(p) && statSync(p).isFile());
      if (files.length > 0 && files.length < paths.length) throw new GraderError('USAGE', 'give either batch folders or grader run --json reports, not both', 'grader leaderboard results/ or grader leaderboard a.json b.json');
      const { settings, results } = files.length > 0 ? resultsFromRunReports(files) : fromBatchFolders(paths);
      const board = buildLeaderboard(settings, results);
      if (argv.format === 'svg') {
        // Several plots: a folder of them.
        if (!argv.output) throw new GraderError('USAGE', '--format svg writes a folder of plots and needs --output DIR', 'e.g. grader leaderboard results/ --format svg --output plots/');
        const dir = resolve(argv.output);
        makeOutputDir(dir, '--output');
        const files = leaderboardSvgs(board);
        for (const [name, svg] of Object.entries(files)) await writeReport(join(dir, name), svg);
        output.info(`wrote ${Object.keys(files).join(', ')} for ${board.models.length} model(s) to ${dir}`);
        return;
      }
      const text = RENDER[argv.format as Exclude<LeaderboardFormat, 'svg'>](board);
      if (argv.output) {
        await writeReport(resolve(argv.output), text);
        output.info(`wrote the ${argv.format} leaderboard of ${board.models.length} model(s), ${board.submissions} submission(s) to ${resolve(argv.output)}`);
      } else {
        output.data(text.trimEnd());
      }
    },
  );
}
