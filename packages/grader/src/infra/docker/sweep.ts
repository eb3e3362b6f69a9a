import type Dockerode from 'dockerode';
import { hostname } from 'node:os';
import type { InfraLogger } from '../infra.ts';
import { OWNER_HOST_LABEL, OWNER_PID_LABEL, SESSION_LABEL } from './labels.ts';
import { removeContainer } from './remove-container.ts';

/** The part of a `listContainers()` entry the sweep looks at. */
export interface ListedContainer {
  readonly Id: string;
  readonly Names?: readonly string[];
  readonly Labels?: Readonly<Record<string, string>>;
}

export interface LeftoverCriteria {
  /** This machine's host name; containers labelled with another host are never touched. */
  readonly host: string;
  readonly isAlive: (pid: number) => boolean;
}

/** `process.kill(pid, 0)`: ESRCH means gone; EPERM means alive but not ours, so alive. */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Containers left by a grader that died without cleaning up: they carry the session label, were
 * created on this host (or carry no host label), and their owner pid is a valid pid that no
 * longer exists. Anything else (a live owner, another host, a malformed pid) is left alone.
 */
export function selectLeftovers<T extends ListedContainer>(containers: readonly T[], criteria: LeftoverCriteria): T[] {
  return containers.filter((container) => {
    const labels = container.Labels ?? {};
    if (labels[SESSION_LABEL] === undefined) return false;
    const host = labels[OWNER_HOST_LABEL];
    if (host !== undefined && host !== criteria.host) return false;
    const pidText = labels[OWNER_PID_LABEL];
    if (pidText === undefined || !/^[1-9][0-9]*$/.test(pidText)) return false;
    const pid = Number(pidText);
    if (!Number.isSafeInteger(pid)) return false;
    return !criteria.isAlive(pid);
  });
}

/**
 * Removes (force, with anonymous volumes) the containers of earlier grader sessions whose owner
 * died. Never throws: a sweep that cannot list or remove only warns, the start goes on.
 * Returns the ids it removed.
 */
export async function sweepLeftovers(
  docker: Dockerode,
  logger: InfraLogger,
  criteria: LeftoverCriteria = { host: hostname(), isAlive: isPidAlive },
): Promise<string[]> {
  let listed: ListedContainer[];
  try {
    listed = await docker.listContainers({ all: true, filters: { label: [SESSION_LABEL] } });
  } catch (error) {
    logger.warn(`could not list leftover grader containers: ${errorMessage(error)}`);
    return [];
  }
  const leftovers = selectLeftovers(listed, criteria);
  const removed: string[] = [];
  await Promise.all(
    leftovers.map(async (container) => {
      const name = container.Names?.[0]?.replace(/^\//, '') ?? container.Id.slice(0, 12);
      try {
        await removeContainer(docker, container.Id);
        removed.push(container.Id);
      } catch (error) {
        logger.warn(`could not remove leftover container ${name}: ${errorMessage(error)}`);
      }
    }),
  );
  if (removed.length > 0) {
    logger.warn(`removed ${removed.length} container(s) left by a grader that did not exit cleanly`);
  }
  return removed;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
