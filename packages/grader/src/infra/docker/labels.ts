import { hostname } from 'node:os';

/** Every container the grader creates carries these labels (keys are part of the public contract). */
export const LABEL_PREFIX = 'dev.inventory-grader';
export const SESSION_LABEL = `${LABEL_PREFIX}.session`;
export const OWNER_PID_LABEL = `${LABEL_PREFIX}.owner-pid`;
/**
 * The owner's host name. A pid only means something on the host that wrote it: two graders in
 * different containers sharing one engine (a mounted docker.sock in CI) have separate pid spaces.
 */
export const OWNER_HOST_LABEL = `${LABEL_PREFIX}.owner-host`;
export const COMPONENT_LABEL = `${LABEL_PREFIX}.component`;

export type Component = 'kafka' | 'postgres';

/** Who created a container: the grader session and the process that owns it. */
export interface ContainerOwner {
  readonly sessionId: string;
  readonly pid: number;
  readonly host: string;
}

export function currentOwner(sessionId: string): ContainerOwner {
  return { sessionId, pid: process.pid, host: hostname() };
}

export function graderLabels(owner: ContainerOwner, component: Component): Record<string, string> {
  return {
    [SESSION_LABEL]: owner.sessionId,
    [OWNER_PID_LABEL]: String(owner.pid),
    [OWNER_HOST_LABEL]: owner.host,
    [COMPONENT_LABEL]: component,
  };
}

/** `inventory-grader-<session>-<component>`, with characters Docker rejects in names replaced. */
export function containerName(sessionId: string, component: Component): string {
  const safe = sessionId.replace(/[^a-zA-Z0-9_.-]/g, '-');
  return `inventory-grader-${safe}-${component}`;
}
