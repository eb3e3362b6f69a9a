import { mkdirSync } from 'node:fs';
import { GraderError } from '../errors/grader-error.ts';
import chalk from 'chalk';
import type { InfraLogger } from '../infra/infra.ts';

/** Where CLI text goes. Progress rewrites one line on a TTY and is throttled to plain lines otherwise. */
export interface Output extends InfraLogger {
  /** Data for stdout (env lines, reports); everything else goes to stderr. */
  data(line: string): void;
  error(line: string): void;
  /** True on a terminal (progress lines are redrawn in place). */
  readonly interactive?: boolean;
}

export function createOutput(options: {
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
  env?: NodeJS.ProcessEnv;
  quiet?: boolean;
} = {}): Output {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const env = options.env ?? process.env;
  // https://no-color.org: any non-empty NO_COLOR disables colour.
  if (env.NO_COLOR) chalk.level = 0;
  const tty = Boolean(stderr.isTTY) && env.TERM !== 'dumb' && !env.CI;
  let progressShown = false;
  let lastPlainProgress = 0;
  const clearProgress = (): void => {
    if (progressShown) stderr.write('\r\x1b[2K');
    progressShown = false;
  };
  const line = (text: string): void => {
    clearProgress();
    stderr.write(`${text}\n`);
  };
  return {
    interactive: tty,
    info: (m) => {
      if (!options.quiet) line(chalk.dim(m));
    },
    warn: (m) => line(chalk.yellow(`warning: ${m}`)),
    error: (m) => line(chalk.red(m)),
    progress: (m) => {
      if (options.quiet) return;
      if (tty) {
        stderr.write(`\r\x1b[2K${chalk.cyan(m)}`);
        progressShown = true;
      } else if (Date.now() - lastPlainProgress >= 2_000) {
        lastPlainProgress = Date.now();
        stderr.write(`${m}\n`);
      }
    },
    data: (m) => {
      clearProgress();
      stdout.write(`${m}\n`);
    },
  };
}

/** Makes a folder the grader writes results into; one line naming it and the flag when it cannot. */
export function makeOutputDir(dir: string, flag: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw new GraderError('USAGE', `cannot make the folder ${dir} (${code ?? message})`, `pass ${flag} <a folder this user can write>`);
  }
}
