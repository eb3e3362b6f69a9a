import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
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
  watching.set(`${dirname(dirname(sessionPath))}:${ownerPid}`, sessionPath);
  return spawnWatchdog(REAPER_MAIN, [sessionPath, String(ownerPid)]);
}

/** Runs a TypeScript `main` file in a detached node process that outlives this one; its pid. */
export function spawnWatchdog(main: string, args: readonly string[]): number | undefined {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const child = spawn(process.execPath, ['--import', tsx, main, ...args], { detached: true, stdio: 'ignore' });
  child.unref();
  return child.pid;
}

/** Per registry dir and owner: the session file the running reaper watches. */
const watching = new Map<string, string>();

/**
 * A reaper cleans every session of its owner, so one per owner is enough: starts one only if no
 * reaper this process started is still watching (it exits once its session file is gone).
 */
export function ensureReaper(sessionPath: string, ownerPid: number = process.pid): void {
  const key = `${dirname(dirname(sessionPath))}:${ownerPid}`;
  const watched = watching.get(key);
  if (watched && existsSync(watched)) return;
  startReaper(sessionPath, ownerPid);
  watching.set(key, sessionPath);
}
