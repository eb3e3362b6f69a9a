import type Dockerode from 'dockerode';
import { describe, expect, it } from 'vitest';
import { isPortConflict } from './docker-boot.ts';
import { describeDockerEndpoint, engineCallError, engineUnavailableError, isLocalEndpoint, pingEngine } from './engine.ts';

function withModem(modem: object): Dockerode {
  return { modem } as unknown as Dockerode;
}

describe('describeDockerEndpoint', () => {
  it('names unix sockets, lazily resolved default sockets, tcp and ssh hosts', async () => {
    expect(await describeDockerEndpoint(withModem({ socketPath: '/var/run/docker.sock' }))).toBe('unix:///var/run/docker.sock');
    expect(await describeDockerEndpoint(withModem({ socketPath: () => Promise.resolve('/home/u/.docker/run/docker.sock') }))).toBe(
      'unix:///home/u/.docker/run/docker.sock',
    );
    expect(await describeDockerEndpoint(withModem({ host: '10.0.0.5', port: '2375', protocol: 'http' }))).toBe('tcp://10.0.0.5:2375');
    expect(await describeDockerEndpoint(withModem({ host: 'builder', protocol: 'ssh' }))).toBe('ssh://builder');
    expect(await describeDockerEndpoint(withModem({ socketPath: '//./pipe/docker_engine' }))).toBe('npipe:////./pipe/docker_engine');
  });
});

describe('isLocalEndpoint', () => {
  it('treats sockets and loopback hosts as this machine', () => {
    expect(isLocalEndpoint('unix:///var/run/docker.sock')).toBe(true);
    expect(isLocalEndpoint('tcp://127.0.0.1:2375')).toBe(true);
    expect(isLocalEndpoint('tcp://localhost:2375')).toBe(true);
    expect(isLocalEndpoint('tcp://[::1]:2375')).toBe(true);
    expect(isLocalEndpoint('tcp://10.0.0.5:2375')).toBe(false);
    expect(isLocalEndpoint('ssh://user@builder')).toBe(false);
  });
});

describe('engineUnavailableError', () => {
  const endpoint = 'unix:///var/run/docker.sock';
  const withCode = (code: string) => Object.assign(new Error(`connect ${code} /var/run/docker.sock`), { code });

  it('maps a missing socket and a refused connection to DOCKER_UNAVAILABLE', () => {
    for (const code of ['ENOENT', 'ECONNREFUSED']) {
      const error = engineUnavailableError(withCode(code), endpoint);
      expect(error.code).toBe('DOCKER_UNAVAILABLE');
      expect(error.message).toBe(`Docker engine not reachable at ${endpoint} (${code})`);
      expect(error.hint).toBe('start Docker or use --infra local');
      expect(error.exitCode).toBe(2);
    }
  });

  it('maps EACCES to DOCKER_PERMISSION_DENIED with the docker-group hint', () => {
    const error = engineUnavailableError(withCode('EACCES'), endpoint);
    expect(error.code).toBe('DOCKER_PERMISSION_DENIED');
    expect(error.message).toContain(endpoint);
    expect(error.hint).toMatch(/docker group.*--infra local/);
  });

  it('describes an HTTP answer that is not a healthy ping', () => {
    const error = engineUnavailableError(Object.assign(new Error('(HTTP code 500) server error'), { statusCode: 500 }), endpoint);
    expect(error.message).toContain('it answered GET /_ping with HTTP 500');
  });

  it('engineCallError only claims connection-level failures', () => {
    expect(engineCallError(withCode('ECONNRESET'), endpoint)?.code).toBe('DOCKER_UNAVAILABLE');
    expect(engineCallError(withCode('EACCES'), endpoint)?.code).toBe('DOCKER_PERMISSION_DENIED');
    expect(engineCallError(Object.assign(new Error('(HTTP code 409) conflict'), { statusCode: 409 }), endpoint)).toBeUndefined();
  });
});

describe('pingEngine', () => {
  it('gives up after the timeout and aborts the request', async () => {
    let seen: AbortSignal | undefined;
    const docker = {
      ping: (options: { abortSignal: AbortSignal }) => {
        seen = options.abortSignal;
        return new Promise(() => undefined);
      },
    } as unknown as Dockerode;
    const began = Date.now();
    await expect(pingEngine(docker, 100)).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(Date.now() - began).toBeLessThan(1_000);
    expect(seen?.aborted).toBe(true);
  });
});

describe('isPortConflict', () => {
  it('recognises the engine wordings for a taken host port', () => {
    expect(isPortConflict(new Error('Bind for 127.0.0.1:40001 failed: port is already allocated'))).toBe(true);
    expect(isPortConflict(new Error('listen tcp4 127.0.0.1:40001: bind: address already in use'))).toBe(true);
    expect(isPortConflict(new Error('Ports are not available: exposing port TCP 127.0.0.1:40001'))).toBe(true);
    expect(isPortConflict(new Error('no space left on device'))).toBe(false);
  });
});
