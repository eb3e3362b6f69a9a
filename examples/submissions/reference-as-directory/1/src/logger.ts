import type { LogLevel } from './config.ts';

export type Fields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: Fields): void;
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
}

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** One JSON object per line: info and below on stdout, warnings and errors on stderr. */
export function createLogger(base: Fields, level: LogLevel = 'info'): Logger {
  const write = (lvl: LogLevel, message: string, fields?: Fields): void => {
    if (rank[lvl] < rank[level]) return;
    const line = JSON.stringify({ time: new Date().toISOString(), level: lvl, msg: message, ...base, ...fields }) + '\n';
    (rank[lvl] >= rank.warn ? process.stderr : process.stdout).write(line);
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
