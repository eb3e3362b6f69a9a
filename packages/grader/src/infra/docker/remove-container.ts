import type Dockerode from 'dockerode';

/**
 * `docker rm -f -v <id>`: `v` also removes the anonymous volumes both images declare (otherwise
 * every run would leave a volume behind). A container that is already gone counts as removed;
 * so does one whose removal is already in progress.
 */
export async function removeContainer(docker: Dockerode, id: string): Promise<void> {
  try {
    await docker.getContainer(id).remove({ force: true, v: true });
  } catch (error) {
    if (isAlreadyGone(error)) return;
    throw error;
  }
}

export function isAlreadyGone(error: unknown): boolean {
  const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
  if (statusCode === 404) return true;
  // 409 "removal of container ... is already in progress"
  return statusCode === 409 && /already in progress/i.test(error instanceof Error ? error.message : '');
}
