import type Dockerode from 'dockerode';
import { setTimeout as sleep } from 'node:timers/promises';
import { GraderError } from '../../errors/grader-error.ts';
import { lastLines, readContainerLogs } from './container-logs.ts';
import { engineCallError } from './engine.ts';
import type { Component } from './labels.ts';

export interface WaitForContainerOptions {
  readonly component: Component;
  readonly name: string;
  readonly container: Dockerode.Container;
  readonly endpoint: string;
  /** When the component's boot began (epoch ms); the timeout counts from here. */
  readonly startedAt: number;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly intervalMs?: number;
  /**
   * One readiness attempt against the freshly inspected container: resolves to undefined when
   * ready, else to what it is still waiting for (shown if the wait times out). It must not
   * throw for "not yet"; a throw is a fatal failure.
   */
  readonly check: (info: Dockerode.ContainerInspectInfo) => Promise<string | undefined>;
}

const LOG_LINES_IN_ERRORS = 12;

/**
 * Polls until `check` reports ready, the container exits (fatal at once) or the timeout passes;
 * both failures are DOCKER_NOT_READY naming the component, the time waited and the last log lines.
 */
export async function waitForContainer(options: WaitForContainerOptions): Promise<void> {
  const { component, name, container, endpoint, startedAt, timeoutMs, signal } = options;
  const intervalMs = options.intervalMs ?? 250;
  const deadline = startedAt + timeoutMs;
  for (;;) {
    signal.throwIfAborted();
    let info: Dockerode.ContainerInspectInfo;
    try {
      info = await container.inspect();
    } catch (error) {
      throw (
        engineCallError(error, endpoint) ??
        new GraderError('DOCKER_NOT_READY', `${component} container ${name} could not be inspected: ${messageOf(error)}`, hintFor(component), undefined, {
          cause: error,
        })
      );
    }
    const status = info.State?.Status;
    if (status === 'exited' || status === 'dead') {
      const logs = await tailLogs(container);
      throw new GraderError(
        'DOCKER_NOT_READY',
        `${component} container ${name} exited with code ${info.State.ExitCode} after ${seconds(Date.now() - startedAt)}${logs}`,
        hintFor(component),
      );
    }
    const waitingFor = await options.check(info);
    if (waitingFor === undefined) return;
    const now = Date.now();
    if (now >= deadline) {
      const logs = await tailLogs(container);
      throw new GraderError(
        'DOCKER_NOT_READY',
        `${component} container ${name} not ready after ${seconds(now - startedAt)} (still waiting for ${waitingFor})${logs}`,
        hintFor(component),
      );
    }
    await sleep(Math.min(intervalMs, deadline - now), undefined, { signal });
  }
}

async function tailLogs(container: Dockerode.Container): Promise<string> {
  try {
    const lines = lastLines(await readContainerLogs(container, LOG_LINES_IN_ERRORS * 2), LOG_LINES_IN_ERRORS);
    return lines.length === 0 ? '; the container logged nothing' : `; last log lines:\n  ${lines.join('\n  ')}`;
  } catch (error) {
    return `; its logs could not be read (${messageOf(error)})`;
  }
}

function hintFor(component: Component): string {
  return component === 'kafka'
    ? 'make sure Docker has about 1 GB of memory free for the broker, or use --infra local'
    : 'make sure Docker has resources left for PostgreSQL, or use --infra local';
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
