import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import { exportTask } from '../../task/export-task.ts';
import type { Output } from '../output.ts';

export function exportTaskCommand(yargs: Argv, output: Output): Argv {
  return yargs.command(
    'export-task',
    'write the bundle a model receives (prompt, buggy service, compose file, contract); nothing of the grader or the fix',
    (y) =>
      y.options({
        out: { type: 'string', demandOption: true, describe: 'an empty or missing directory to write the bundle into' },
        hints: { type: 'boolean', default: true, describe: 'keep the // BUG: comments (--no-hints removes them)' },
      }),
    async (argv) => {
      const out = resolve(argv.out);
      const { files } = await exportTask({ out, hints: argv.hints });
      output.data(`wrote ${files.length} files to ${out}${argv.hints ? '' : ' (BUG comments removed)'}`);
    },
  );
}
