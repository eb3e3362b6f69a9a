import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnWatchdog } from '../session/reaper.ts';

const REAPER_MAIN = join(dirname(fileURLToPath(import.meta.url)), 'container-reaper-main.ts');

/**
 * Starts a detached watchdog (what testcontainers' Ryuk does, as a process on this machine) that
 * removes the containers of `sessionId` within about 2 s of the owner's death, e.g. after
 * SIGKILL. It talks to the engine DOCKER_HOST names (inherited), and exits on its own once the
 * owner has removed its containers itself.
 */
export function startContainerReaper(sessionId: string, ownerPid: number = process.pid): number | undefined {
  return spawnWatchdog(REAPER_MAIN, [sessionId, String(ownerPid)]);
}
