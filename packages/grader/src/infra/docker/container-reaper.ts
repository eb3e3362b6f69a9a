import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REAPER_MAIN = join(dirname(fileURLToPath(import.meta.url)), 'container-reaper-main.ts');

/**
 * Starts a detached watchdog (what testcontainers' Ryuk does, as a process on this machine) that
 * removes the containers of `sessionId` within about a second of the owner's death, e.g. after
 * SIGKILL. It talks to the engine DOCKER_HOST names (inherited), and exits on its own once the
 * owner has removed its containers itself.
 */
export function startContainerReaper(sessionId: string, ownerPid: number = process.pid): number | undefined {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const child = spawn(process.execPath, ['--import', tsx, REAPER_MAIN, sessionId, String(ownerPid)], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  return child.pid;
}
