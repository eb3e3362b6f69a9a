import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import { mergeBatches } from '../../batch/merge.ts';
import type { Output } from '../output.ts';

export function mergeCommand(yargs: Argv, output: Output): Argv {
  return yargs.command(
    'merge <dirs..>',
    'combine the --out folders of several batch shards into one (same grader, seed, weights and options only)',
    (y) =>
      y
        .positional('dirs', { type: 'string', array: true, demandOption: true, describe: 'batch output folders (one per shard)' })
        .options({ out: { type: 'string', demandOption: true, describe: 'folder to merge into (new, or a batch folder with the same settings)' } }),
    (argv) => {
      const out = resolve(argv.out);
      const outcome = mergeBatches((argv.dirs).map((d) => resolve(d)), out);
      output.data(`merged ${outcome.inputs} folder(s) into ${out}: ${outcome.copied} result(s) copied, ${outcome.unchanged} already there (grader leaderboard ${out})`);
    },
  );
}
