import { describe, expect, it } from 'vitest';
import { GraderError } from '../../errors/grader-error.ts';
import { FakeDocker } from './fake-docker.ts';
import { ensureImage } from './images.ts';

const IMAGE = 'postgres:18.4';
const endpoint = 'unix:///fake/docker.sock';

function logger() {
  const progress: string[] = [];
  const info: string[] = [];
  return { progress: (m: string) => progress.push(m), info: (m: string) => info.push(m), warn() {}, lines: { progress, info } };
}

async function failure(promise: Promise<unknown>): Promise<GraderError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof GraderError)) throw new Error(`expected a GraderError, got ${String(error)}`);
  return error;
}

describe('ensureImage (FakeDocker, not a Docker engine)', () => {
  it('does not pull an image that is present', async () => {
    const fake = new FakeDocker();
    fake.images.add(IMAGE);
    expect(await ensureImage(fake.asDockerode(), IMAGE, logger(), endpoint)).toBe('present');
    expect(fake.pulls).toEqual([]);
  });

  it('pulls a missing image and reports one progress line per change', async () => {
    const fake = new FakeDocker();
    fake.pullScripts.set(IMAGE, [
      { status: 'Pulling fs layer', id: 'a' },
      { status: 'Downloading', id: 'a', progressDetail: { current: 1e6, total: 4e6 } },
      { status: 'Downloading', id: 'a', progressDetail: { current: 1e6, total: 4e6 } },
      { status: 'Downloading', id: 'a', progressDetail: { current: 2e6, total: 4e6 } },
      { status: 'Pull complete', id: 'a' },
    ]);
    const log = logger();
    expect(await ensureImage(fake.asDockerode(), IMAGE, log, endpoint)).toBe('pulled');
    expect(log.lines.progress).toEqual([
      `pulling ${IMAGE}: waiting (1 layers to download)`,
      `pulling ${IMAGE}: 25% of 4 MB`,
      `pulling ${IMAGE}: 50% of 4 MB`,
      `pulling ${IMAGE}: extracting (1 of 1 layers done)`,
    ]);
  });

  it('fails on an error event even though the response was 200', async () => {
    const fake = new FakeDocker();
    fake.pullScripts.set(IMAGE, [{ status: 'Pulling fs layer', id: 'a' }, { error: 'unexpected EOF' }, { status: 'Pull complete', id: 'a' }]);
    const error = await failure(ensureImage(fake.asDockerode(), IMAGE, logger(), endpoint));
    expect(error.code).toBe('DOCKER_PULL_FAILED');
    expect(error.message).toBe(`could not pull ${IMAGE}: unexpected EOF`);
    expect(error.hint).toContain(`docker pull ${IMAGE}`);
  });

  it('fails when the pull request itself is refused', async () => {
    const fake = new FakeDocker();
    fake.pull = () => Promise.reject(Object.assign(new Error('(HTTP code 404) no such image - pull access denied'), { statusCode: 404 }));
    const error = await failure(ensureImage(fake.asDockerode(), IMAGE, logger(), endpoint));
    expect(error.code).toBe('DOCKER_PULL_FAILED');
    expect(error.message).toContain('pull access denied');
  });

  it('fails when the stream ends cleanly but the image is still missing', async () => {
    const fake = new FakeDocker();
    fake.pullScripts.set(IMAGE, [{ status: 'Pulling fs layer', id: 'a' }]);
    fake.pullStoresImage = false;
    const error = await failure(ensureImage(fake.asDockerode(), IMAGE, logger(), endpoint));
    expect(error.code).toBe('DOCKER_PULL_FAILED');
    expect(error.message).toContain('not present');
  });
});
