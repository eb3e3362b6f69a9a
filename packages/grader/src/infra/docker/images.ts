import type Dockerode from 'dockerode';
import { GraderError } from '../../errors/grader-error.ts';
import type { InfraLogger } from '../infra.ts';
import { engineCallError } from './engine.ts';
import { PullProgress, pullEvents, pullEventError } from './pull-progress.ts';

/**
 * Makes sure `image` is present, pulling it (with one aggregated progress line) if it is not.
 * A failed pull, whether the request fails or the stream reports `{"error": ...}` on its
 * HTTP 200, becomes DOCKER_PULL_FAILED naming the image.
 */
export async function ensureImage(
  docker: Dockerode,
  image: string,
  logger: InfraLogger,
  endpoint: string,
  signal?: AbortSignal,
): Promise<'present' | 'pulled'> {
  if (await imagePresent(docker, image, endpoint)) return 'present';
  signal?.throwIfAborted();
  logger.info(`pulling ${image} (once; later runs reuse it)`);
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.pull(image);
  } catch (error) {
    throw engineCallError(error, endpoint) ?? pullFailed(image, messageOf(error), error);
  }
  const progress = new PullProgress(image);
  let lastLine = '';
  const abort = () => destroy(stream);
  signal?.addEventListener('abort', abort, { once: true });
  try {
    for await (const event of pullEvents(stream as AsyncIterable<Buffer | string>)) {
      const error = pullEventError(event);
      if (error !== undefined) throw pullFailed(image, error);
      progress.update(event);
      const line = progress.line();
      if (line !== lastLine) {
        logger.progress(line);
        lastLine = line;
      }
    }
  } catch (error) {
    signal?.throwIfAborted();
    if (error instanceof GraderError) throw error;
    throw pullFailed(image, `the pull stream broke off: ${messageOf(error)}`, error);
  } finally {
    signal?.removeEventListener('abort', abort);
    destroy(stream);
  }
  signal?.throwIfAborted();
  if (!(await imagePresent(docker, image, endpoint))) {
    throw pullFailed(image, 'the pull ended without an error but the image is not present');
  }
  logger.info(`pulled ${image}`);
  return 'pulled';
}

async function imagePresent(docker: Dockerode, image: string, endpoint: string): Promise<boolean> {
  try {
    await docker.getImage(image).inspect();
    return true;
  } catch (error) {
    if ((error as { statusCode?: unknown } | null)?.statusCode === 404) return false;
    throw engineCallError(error, endpoint) ?? error;
  }
}

function pullFailed(image: string, reason: string, cause?: unknown): GraderError {
  return new GraderError(
    'DOCKER_PULL_FAILED',
    `could not pull ${image}: ${reason}`,
    `check that this machine can reach the registry (or run "docker pull ${image}" yourself), or use --infra local`,
    undefined,
    cause === undefined ? undefined : { cause },
  );
}

function destroy(stream: NodeJS.ReadableStream): void {
  const destroyable = stream as { destroy?: () => void };
  if (typeof destroyable.destroy === 'function') destroyable.destroy();
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
