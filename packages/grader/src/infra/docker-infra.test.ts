import Dockerode from 'dockerode';
import getPort from 'get-port';
import { spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GraderError } from '../errors/grader-error.ts';
import { DockerInfra, dockerEngineAvailable, KAFKA_STARTED_MESSAGE, type DockerInfraOptions } from './docker-infra.ts';
import { FakeDocker } from './docker/fake-docker.ts';
import { COMPONENT_LABEL, OWNER_HOST_LABEL, OWNER_PID_LABEL, SESSION_LABEL } from './docker/labels.ts';
import type { InfraLogger } from './infra.ts';
import { graderClientId } from './kafka/client-quotas.ts';
import { BUILT_KAFKA_IMAGE, DEBOOTSTRAP_BASE_IMAGE, KAFKA_IMAGE, KAFKA_VERSION, POSTGRES_IMAGE } from './versions.ts';
import { digestInputs, imagesDir, INPUTS_LABEL } from './docker/image-builder.ts';

async function rejection(promise: Promise<unknown>): Promise<GraderError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GraderError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

// ---------------------------------------------------------------------------------------------
// Real: this machine has no Docker engine. These use the real dockerode client and sockets.
// ---------------------------------------------------------------------------------------------
describe('without a Docker engine (real dockerode, no fake)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'docker-infra-test-'));
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    rmSync(dir, { recursive: true, force: true });
  });

  it('dockerEngineAvailable() is false for a socket that does not exist', async () => {
    const socketPath = join(dir, 'missing.sock');
    expect(await dockerEngineAvailable(new Dockerode({ socketPath }))).toBe(false);
    vi.stubEnv('DOCKER_HOST', `unix://${socketPath}`);
    expect(await dockerEngineAvailable()).toBe(false);
  });

  it('start() rejects with DOCKER_UNAVAILABLE naming DOCKER_HOST within a couple of seconds', async () => {
    const socketPath = join(dir, 'missing.sock');
    vi.stubEnv('DOCKER_HOST', `unix://${socketPath}`);
    const began = Date.now();
    const error = await rejection(new DockerInfra().start());
    expect(Date.now() - began).toBeLessThan(2_000);
    expect(error.code).toBe('DOCKER_UNAVAILABLE');
    expect(error.message).toContain(`Docker engine not reachable at unix://${socketPath}`);
    expect(error.message).toContain('ENOENT');
    expect(error.hint).toBe('start Docker or use --infra local');
    expect(error.exitCode).toBe(2);
    expect(error.toLine()).toMatch(/^error\[DOCKER_UNAVAILABLE\]: /);
  });

  it('a path that is not a listening socket (ECONNREFUSED) is DOCKER_UNAVAILABLE', async () => {
    const notASocket = join(dir, 'plain-file');
    writeFileSync(notASocket, '');
    vi.stubEnv('DOCKER_HOST', `unix://${notASocket}`);
    const error = await rejection(new DockerInfra().start());
    expect(error.code).toBe('DOCKER_UNAVAILABLE');
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('a tcp DOCKER_HOST nobody listens on is DOCKER_UNAVAILABLE naming tcp://host:port', async () => {
    const port = await getPort({ host: '127.0.0.1' });
    vi.stubEnv('DOCKER_HOST', `tcp://127.0.0.1:${port}`);
    expect(await dockerEngineAvailable()).toBe(false);
    const error = await rejection(new DockerInfra().start());
    expect(error.code).toBe('DOCKER_UNAVAILABLE');
    expect(error.message).toContain(`tcp://127.0.0.1:${port}`);
  });

  it('a DOCKER_HOST dockerode cannot parse is DOCKER_UNAVAILABLE, and auto says no', async () => {
    vi.stubEnv('DOCKER_HOST', 'tcp://[not-an-address');
    expect(await dockerEngineAvailable()).toBe(false);
    const error = await rejection(new DockerInfra().start());
    expect(error.code).toBe('DOCKER_UNAVAILABLE');
    expect(error.message).toContain('tcp://[not-an-address');
  });
});

// ---------------------------------------------------------------------------------------------
// Orchestration against FakeDocker: a hand-written stand-in, NOT a Docker engine.
// ---------------------------------------------------------------------------------------------
interface RecordingLogger extends InfraLogger {
  readonly lines: { level: string; message: string }[];
}

function recordingLogger(): RecordingLogger {
  const lines: { level: string; message: string }[] = [];
  return {
    lines,
    info: (message) => lines.push({ level: 'info', message }),
    progress: (message) => lines.push({ level: 'progress', message }),
    warn: (message) => lines.push({ level: 'warn', message }),
  };
}

/** A fake where both images exist and both components become ready on the first look. */
function readyFake(): FakeDocker {
  const fake = new FakeDocker();
  fake.images.add(KAFKA_IMAGE);
  fake.images.add(POSTGRES_IMAGE);
  fake.behaviour.kafka = {
    onInspect: (c) => {
      if (c.status === 'running' && !c.log.includes(KAFKA_STARTED_MESSAGE)) {
        c.log += `[KafkaRaftServer nodeId=1] ${KAFKA_STARTED_MESSAGE} (kafka.server.KafkaRaftServer)\n`;
      }
    },
  };
  return fake;
}

const okProbes = { kafka: () => Promise.resolve(), postgres: () => Promise.resolve(), lockKafka: () => Promise.resolve() };

function infra(fake: FakeDocker, options: Partial<DockerInfraOptions> = {}): DockerInfra {
  return new DockerInfra({ docker: fake.asDockerode(), sessionId: 'test-session', probes: okProbes, readyTimeoutMs: 2_000, ...options });
}

function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid;
}

describe('DockerInfra orchestration (FakeDocker, not a Docker engine)', () => {
  it('sweeps leftovers, pulls missing images with progress, boots both, stops idempotently', async () => {
    const fake = readyFake();
    fake.images.clear();
    fake.pullScripts.set(KAFKA_IMAGE, [
      { status: 'Pulling from apache/kafka', id: '4.1.1' },
      { status: 'Pulling fs layer', id: 'a' },
      { status: 'Pulling fs layer', id: 'b' },
      { status: 'Downloading', id: 'a', progressDetail: { current: 50e6, total: 100e6 } },
      { status: 'Downloading', id: 'b', progressDetail: { current: 0, total: 80e6 } },
      { status: 'Download complete', id: 'a' },
      { status: 'Download complete', id: 'b' },
      { status: 'Pull complete', id: 'a' },
      { status: 'Pull complete', id: 'b' },
      { status: `Status: Downloaded newer image for ${KAFKA_IMAGE}` },
    ]);
    const dead = deadPid();
    fake.foreign.push(
      { Id: 'leftover-dead', Names: ['/old-kafka'], Labels: { [SESSION_LABEL]: 'old', [OWNER_PID_LABEL]: String(dead), [OWNER_HOST_LABEL]: hostname() } },
      { Id: 'other-live', Names: ['/live'], Labels: { [SESSION_LABEL]: 'live', [OWNER_PID_LABEL]: String(process.pid), [OWNER_HOST_LABEL]: hostname() } },
      { Id: 'other-host', Names: ['/elsewhere'], Labels: { [SESSION_LABEL]: 'x', [OWNER_PID_LABEL]: String(dead), [OWNER_HOST_LABEL]: 'another-host' } },
    );
    const logger = recordingLogger();
    const started = await infra(fake, { logger }).start();

    expect(fake.removedIds).toEqual(['leftover-dead']);
    expect(fake.pulls).toEqual([KAFKA_IMAGE, POSTGRES_IMAGE]);
    const progress = logger.lines.filter((l) => l.level === 'progress').map((l) => l.message);
    expect(progress).toContain(`pulling ${KAFKA_IMAGE}: 27% of 180 MB`);
    expect(progress.at(-1)).toMatch(/^pulling postgres:18\.4: /);

    expect(started.kind).toBe('docker');
    expect(started.sessionId).toBe('test-session');
    const live = fake.live();
    expect(live.map((c) => c.component).sort()).toEqual(['kafka', 'postgres']);
    for (const c of live) {
      expect(c.options.Labels).toMatchObject({
        [SESSION_LABEL]: 'test-session',
        [OWNER_PID_LABEL]: String(process.pid),
        [COMPONENT_LABEL]: c.component,
      });
    }
    const kafka = live.find((c) => c.component === 'kafka');
    const bindings = kafka?.options.HostConfig?.PortBindings as Record<string, { HostPort: string }[]> | undefined;
    const hostPort = bindings?.['9092/tcp']?.[0]?.HostPort;
    expect(hostPort).toMatch(/^[0-9]+$/);
    expect(started.endpoints.kafkaBrokers).toEqual([`127.0.0.1:${hostPort}`]);
    expect(kafka?.options.Env).toContain(`KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://kafka:19092,EXTERNAL://127.0.0.1:${hostPort}`);
    expect(started.endpoints.databaseUrl).toMatch(/^postgres:\/\/postgres:[0-9a-f]{24}@127\.0\.0\.1:49153\/postgres$/);
    expect(started.bootTimes.kafkaMs).toBeGreaterThanOrEqual(0);
    expect(started.bootTimes.postgresMs).toBeGreaterThanOrEqual(0);

    await started.stop();
    expect(fake.live()).toEqual([]);
    for (const c of fake.containers.values()) expect(c.removeOptions).toEqual({ force: true, v: true });
    const removals = fake.removedIds.length;
    await started.stop();
    await started[Symbol.asyncDispose]();
    expect(fake.removedIds.length).toBe(removals);
  });

  it('recover() replaces a container that exited (new container, new Kafka port) and health() names the exit', async () => {
    const fake = readyFake();
    const logger = recordingLogger();
    const started = await infra(fake, { logger }).start();
    expect(await started.health()).toEqual([]);
    const oldKafka = fake.live().find((c) => c.component === 'kafka');
    const oldBrokers = started.endpoints.kafkaBrokers;
    const databaseUrl = started.endpoints.databaseUrl;
    if (!oldKafka) throw new Error('no kafka container');
    oldKafka.status = 'exited';
    oldKafka.exitCode = 137;

    expect(await started.health()).toEqual(['Kafka: the kafka container exited with code 137']);
    await started.recover();

    expect(fake.removedIds).toContain(oldKafka.id);
    const live = fake.live();
    expect(live.map((c) => c.component).sort()).toEqual(['kafka', 'postgres']);
    const newKafka = live.find((c) => c.component === 'kafka');
    expect(newKafka?.id).not.toBe(oldKafka.id);
    const bindings = newKafka?.options.HostConfig?.PortBindings as Record<string, { HostPort: string }[]> | undefined;
    expect(started.endpoints.kafkaBrokers).toEqual([`127.0.0.1:${bindings?.['9092/tcp']?.[0]?.HostPort}`]);
    expect(started.endpoints.kafkaBrokers).not.toEqual(oldBrokers);
    expect(started.endpoints.databaseUrl).toBe(databaseUrl);
    expect(logger.lines).toContainEqual({ level: 'warn', message: 'restarting Kafka in a new container (Kafka: the kafka container exited with code 137)' });
    expect(await started.health()).toEqual([]);

    await started.stop();
    expect(fake.live()).toEqual([]);
  });

  it('recover() that cannot start a new container is INFRA_FAILED naming both the damage and the failure', async () => {
    const fake = readyFake();
    const started = await infra(fake).start();
    const pg = fake.live().find((c) => c.component === 'postgres');
    if (!pg) throw new Error('no postgres container');
    pg.status = 'exited';
    pg.exitCode = 1;
    fake.behaviour.postgres = { startError: () => new Error('(HTTP code 500) no space left on device') };
    const error = await rejection(started.recover());
    expect(error.code).toBe('INFRA_FAILED');
    expect(error.message).toMatch(/^the docker infrastructure is down \(PostgreSQL: the postgres container exited with code 1\) and a new postgres container did not start: could not start the postgres container: \(HTTP code 500\) no space left on device/);
    await started.stop();
    expect(fake.live()).toEqual([]);
  });

  it('turns an {"error": ...} event on the pull stream of a named image into DOCKER_PULL_FAILED and creates nothing', async () => {
    const fake = readyFake();
    const named = 'registry.example/kafka:custom';
    fake.pullScripts.set(named, [
      { status: 'Pulling fs layer', id: 'a' },
      { errorDetail: { message: 'toomanyrequests: You have reached your pull rate limit.' }, error: 'toomanyrequests: You have reached your pull rate limit.' },
    ]);
    const error = await rejection(infra(fake, { kafkaImage: named }).start());
    expect(error.code).toBe('DOCKER_PULL_FAILED');
    expect(error.message).toBe(`could not pull ${named}: toomanyrequests: You have reached your pull rate limit.`);
    expect(fake.containers.size).toBe(0);
  });

  it('runs the offline-built image, with one line saying so, when the official one cannot be pulled', async () => {
    const fake = readyFake();
    fake.images.delete(KAFKA_IMAGE);
    fake.pullScripts.set(KAFKA_IMAGE, [{ errorDetail: { message: 'no such host' }, error: 'no such host' }]);
    // Present and built from the current inputs, so it is used as it is (a stale one would be rebuilt).
    fake.images.add(DEBOOTSTRAP_BASE_IMAGE);
    fake.images.add(BUILT_KAFKA_IMAGE);
    const inputs = digestInputs(join(imagesDir(), 'kafka'), [`sha256:id-of-${DEBOOTSTRAP_BASE_IMAGE}`, `kafka ${KAFKA_VERSION}`]);
    fake.imageLabels.set(BUILT_KAFKA_IMAGE, { [INPUTS_LABEL]: inputs });
    const logger = recordingLogger();
    const started = await infra(fake, { logger }).start();
    expect([...fake.containers.values()].map((c) => c.options.Image).sort()).toEqual([BUILT_KAFKA_IMAGE, POSTGRES_IMAGE]);
    expect(logger.lines.filter((l) => l.level === 'warn').map((l) => l.message)).toEqual([
      `could not pull ${KAFKA_IMAGE}: no such host; using ${BUILT_KAFKA_IMAGE} instead (built offline from packages/grader/images, as \`grader infra images\` does)`,
    ]);
    await started.stop();
  });

  it('runs the images named with kafkaImage/postgresImage', async () => {
    const fake = readyFake();
    fake.images.add('mine/kafka:1');
    fake.images.add('mine/postgres:1');
    const started = await infra(fake, { kafkaImage: 'mine/kafka:1', postgresImage: 'mine/postgres:1' }).start();
    expect([...fake.containers.values()].map((c) => c.options.Image).sort()).toEqual(['mine/kafka:1', 'mine/postgres:1']);
    await started.stop();
  });

  it('times out with DOCKER_NOT_READY naming kafka, the time and its last log lines; removes both', async () => {
    const fake = readyFake();
    fake.behaviour.kafka = {
      onInspect: (c) => {
        c.log += `still starting ${c.inspections}\n`;
      },
    };
    const began = Date.now();
    const error = await rejection(infra(fake, { readyTimeoutMs: 600 }).start());
    expect(Date.now() - began).toBeLessThan(3_000);
    expect(error.code).toBe('DOCKER_NOT_READY');
    expect(error.message).toMatch(/^kafka container inventory-grader-test-session-kafka not ready after \d+\.\d s \(still waiting for the log line "Kafka Server started"\); last log lines:/);
    expect(error.message).toContain('still starting');
    expect(fake.containers.size).toBe(2);
    expect(fake.live()).toEqual([]);
  });

  it('reports the last probe error when the log line came but the admin client never saw the cluster', async () => {
    const fake = readyFake();
    const error = await rejection(
      infra(fake, { readyTimeoutMs: 500, probes: { ...okProbes, kafka: () => Promise.reject(new Error('Connection timeout')) } }).start(),
    );
    expect(error.code).toBe('DOCKER_NOT_READY');
    expect(error.message).toContain('still waiting for an admin client to see the cluster at 127.0.0.1:');
    expect(error.message).toContain('Connection timeout');
    expect(fake.live()).toEqual([]);
  });

  it('fails fast when a container exits, and removes the other one too', async () => {
    const fake = readyFake();
    fake.behaviour.postgres = {
      onInspect: (c) => {
        c.log = 'initdb: error: could not create directory\n';
        c.status = 'exited';
        c.exitCode = 1;
      },
    };
    const began = Date.now();
    const error = await rejection(infra(fake, { readyTimeoutMs: 10_000 }).start());
    expect(Date.now() - began).toBeLessThan(2_000);
    expect(error.code).toBe('DOCKER_NOT_READY');
    expect(error.message).toMatch(/^postgres container inventory-grader-test-session-postgres exited with code 1 after/);
    expect(error.message).toContain('initdb: error: could not create directory');
    expect(fake.live()).toEqual([]);
  });

  it('retries the readiness query until it succeeds and waits for the published port', async () => {
    const fake = readyFake();
    fake.behaviour.postgres = { portAppearsAfter: 2 };
    let attempts = 0;
    const urls: string[] = [];
    const started = await infra(fake, {
      probes: {
        ...okProbes,
        postgres: (url) => {
          urls.push(url);
          attempts += 1;
          // the image restarts postgres once during init: the first connections fail
          return attempts < 3 ? Promise.reject(new Error('the database system is shutting down')) : Promise.resolve();
        },
      },
    }).start();
    expect(attempts).toBe(3);
    expect(fake.containers.get(fake.live().find((c) => c.component === 'postgres')?.id ?? '')?.inspections).toBeGreaterThanOrEqual(5);
    expect(new Set(urls).size).toBe(1);
    expect(started.endpoints.databaseUrl).toBe(urls[0]);
    await started.stop();
  });

  it('picks another port when the chosen Kafka port was taken before the container bound it', async () => {
    const fake = readyFake();
    fake.behaviour.kafka = {
      ...fake.behaviour.kafka,
      startError: (attempt) =>
        attempt === 1
          ? Object.assign(new Error('(HTTP code 500) server error - driver failed programming external connectivity: Bind for 127.0.0.1:40001 failed: port is already allocated'), {
              statusCode: 500,
            })
          : undefined,
    };
    const logger = recordingLogger();
    const started = await infra(fake, { logger }).start();
    const kafkas = [...fake.containers.values()].filter((c) => c.component === 'kafka');
    expect(kafkas).toHaveLength(2);
    expect(kafkas[0]?.removed).toBe(true);
    expect(kafkas[1]?.removed).toBe(false);
    expect(logger.lines.some((l) => l.level === 'warn' && /was taken before Kafka could bind it/.test(l.message))).toBe(true);
    await started.stop();
    expect(fake.live()).toEqual([]);
  });

  it('sets the targets\' client quotas in the Kafka container, exempting only this grader\'s client id', async () => {
    const fake = readyFake();
    const started = await infra(fake).start();
    const kafka = fake.live().find((c) => c.component === 'kafka');
    const commands = fake.execs.filter((e) => e.id === kafka?.id).map((e) => e.cmd.join(' '));
    expect(commands).toHaveLength(2);
    expect(commands[0]).toMatch(/^\/opt\/kafka\/bin\/kafka-configs\.sh --bootstrap-server localhost:19092 --alter --entity-type users --entity-default --add-config producer_byte_rate=\d+,consumer_byte_rate=\d+,request_percentage=\d+$/);
    expect(commands[1]).toContain(`--entity-type users --entity-default --entity-type clients --entity-name ${graderClientId()} --add-config`);
    await started.stop();
  });

  it('a Kafka image whose kafka-configs.sh fails is DOCKER_NOT_READY naming the quotas, and both containers are removed', async () => {
    const fake = readyFake();
    fake.behaviour.kafka = { ...fake.behaviour.kafka, execExitCode: 127 };
    const error = await infra(fake).start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraderError);
    expect((error as GraderError).code).toBe('DOCKER_NOT_READY');
    expect((error as GraderError).message).toMatch(/client quotas .* failed \(exit 127\): Error: refused/);
    expect(fake.live()).toEqual([]);
  });

  it('a create error becomes DOCKER_NOT_READY and what was already created is removed', async () => {
    const fake = readyFake();
    fake.createError = (options) =>
      options.Image === POSTGRES_IMAGE ? Object.assign(new Error('(HTTP code 500) server error - no space left on device'), { statusCode: 500 }) : undefined;
    const error = await rejection(infra(fake).start());
    expect(error.code).toBe('DOCKER_NOT_READY');
    expect(error.message).toBe('could not create the postgres container: (HTTP code 500) server error - no space left on device');
    expect(fake.live()).toEqual([]);
  });

  it('an engine that refuses the socket (EACCES) is DOCKER_PERMISSION_DENIED', async () => {
    const fake = readyFake();
    fake.pingError = Object.assign(new Error('connect EACCES /var/run/docker.sock'), { code: 'EACCES' });
    const error = await rejection(infra(fake).start());
    expect(error.code).toBe('DOCKER_PERMISSION_DENIED');
    expect(error.message).toContain('unix:///fake/docker.sock');
    expect(error.hint).toContain('docker group');
    expect(error.hint).toContain('--infra local');
  });

  it('an abort during a pull ends the pull and rejects with INTERRUPTED, creating nothing', async () => {
    const fake = readyFake();
    fake.images.delete(KAFKA_IMAGE);
    let stream: Readable | undefined;
    fake.pull = () => {
      stream = new Readable({ read() {} });
      stream.push(`${JSON.stringify({ status: 'Pulling fs layer', id: 'a' })}\n`);
      return Promise.resolve(stream);
    };
    const controller = new AbortController();
    const logger = recordingLogger();
    const promise = infra(fake, { logger }).start(controller.signal);
    setTimeout(() => controller.abort(new Error('SIGTERM')), 200);
    const error = await rejection(promise);
    expect(error.code).toBe('INTERRUPTED');
    expect(stream?.destroyed).toBe(true);
    expect(logger.lines.some((l) => l.level === 'progress')).toBe(true);
    expect(fake.containers.size).toBe(0);
  });

  it('an abort while waiting removes both containers and rejects with INTERRUPTED', async () => {
    const fake = readyFake();
    fake.behaviour.kafka = {}; // never logs "started"
    const controller = new AbortController();
    const promise = infra(fake, { readyTimeoutMs: 30_000 }).start(controller.signal);
    setTimeout(() => controller.abort(new Error('SIGINT')), 300);
    const began = Date.now();
    const error = await rejection(promise);
    expect(Date.now() - began).toBeLessThan(2_000);
    expect(error.code).toBe('INTERRUPTED');
    expect(error.exitCode).toBe(130);
    expect(fake.containers.size).toBe(2);
    expect(fake.live()).toEqual([]);
  });
});
