import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import { exportTask, TASK_LANGUAGES } from '../../task/export-task.ts';
import type { Output } from '../output.ts';

export function exportTaskCommand(yargs: Argv, output: Output): Argv {
  return yargs.command(
    'export-task',
    'write the bundle a model receives (prompt, buggy service, compose file, contract); nothing of the grader or the fix',
    (y) =>
      y.options({
        out: { type: 'string', demandOption: true, describe: 'an empty or missing directory to write the bundle into' },
        hints: { type: 'boolean', default: true, describe: 'keep the // BUG: comments (--no-hints removes them)' },
        language: { type: 'string', choices: TASK_LANGUAGES, default: TASK_LANGUAGES[0], describe: 'the service to fix: typescript (packages/buggy-service) or go (packages/buggy-service-go, with prompt-go.md)' },
      }),
    async (argv) => {
      const out = resolve(argv.out);
      const { files } = await exportTask({ out, hints: argv.hints, language: argv.language });
      output.data(`wrote ${files.length} files to ${out} (${argv.language} service${argv.hints ? '' : ', BUG comments removed'})`);
    },
  );
}
