import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REAPER_MAIN = join(dirname(fileURLToPath(import.meta.url)), 'reaper-main.ts');

/**
 * Starts a detached watchdog (like testcontainers' Ryuk, but a local process) that cleans up a
 * session when its owner dies without doing so itself, e.g. after SIGKILL. It exits on its own
 * as soon as the session file is removed by a normal stop.
 */
export function startReaper(sessionPath: string, ownerPid: number = process.pid): number | undefined {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const child = spawn(process.execPath, ['--import', tsx, REAPER_MAIN, sessionPath, String(ownerPid)], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  return child.pid;
}
