import yargs from 'yargs';
import { ExitCode, GraderError, isGraderError } from '../errors/grader-error.ts';
import { batchCommand } from './commands/batch.ts';
import { compareCommand } from './commands/compare.ts';
import { infraCommand } from './commands/infra.ts';
import { sandboxCommand } from './commands/sandbox.ts';
import { leaderboardCommand } from './commands/leaderboard.ts';
import { mergeCommand } from './commands/merge.ts';
import { exportTaskCommand } from './commands/export-task.ts';
import { runCommand } from './commands/run.ts';
import { validateCommand } from './commands/validate.ts';
import { checkNumericArgs } from './options.ts';
import { createOutput, type Output } from './output.ts';
import { GRADER_VERSION } from '../version.ts';

/** Parses argv, runs one command, and maps every outcome to an exit code. Never throws. */
export async function main(argv: string[], output: Output = createOutput()): Promise<number> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
    output.data(GRADER_VERSION);
    return ExitCode.ok;
  }
  const parser = commandLine(argv, output);
  try {
    checkNumericArgs(argv);
    await parser.parseAsync();
    // Commands that end with a verdict (run: 1 below --min-score) set process.exitCode.
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (error) {
    if (isGraderError(error)) {
      output.error(error.toLine());
      return error.exitCode;
    }
    output.error(`internal error (a bug in the grader, please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return ExitCode.infraOrUsage;
  }
}

/** The whole command line, every command and option, as yargs parses it (docs-commands.test.ts parses the docs' examples with it). */
export function commandLine(argv: string[], output: Output) {
  return compareCommand(leaderboardCommand(mergeCommand(batchCommand(validateCommand(exportTaskCommand(runCommand(yargs(argv).scriptName('grader').usage('$0 <command> [options]'), output), output), output), output), output), output), output)
    .command('infra', 'manage the Kafka + PostgreSQL the grader runs on', (y) => infraCommand(y, output))
    .command('sandbox', 'check the sandbox on this host, or set it up once for a user without root', (y) => sandboxCommand(y, output))
    .demandCommand(1, 'name a command (see --help)')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(false)
    .epilogue('grader --version prints the version of the grader.')
    .wrap(Math.min(110, process.stdout.columns || 110))
    // Throwing stops yargs from running the command after a validation failure.
    .fail((message, error) => {
      throw error ?? new GraderError('USAGE', message, 'run grader --help');
    });
}
