import type Dockerode from 'dockerode';
import getPort from 'get-port';
import { randomBytes } from 'node:crypto';
import { ExitCode, GraderError } from '../../errors/grader-error.ts';
import { endpointHealth, HEALTH_TIMEOUT_MS } from '../health.ts';
import type { InfraEndpoints, InfraLogger } from '../infra.ts';
import { KAFKA_INTERNAL_PORT, KAFKA_LOG_DIR, kafkaContainerOptions, POSTGRES_PORT, postgresContainerOptions, publishedPort } from './container-options.ts';
import { readContainerLogs } from './container-logs.ts';
import { clientQuotaCommands } from '../kafka/client-quotas.ts';
import { execInContainer } from './container-exec.ts';
import { CreatedContainers } from './created-containers.ts';
import { engineCallError } from './engine.ts';
import { containerName, type Component, type ContainerOwner } from './labels.ts';
import { StartedDockerInfra } from './started-docker-infra.ts';
import { seconds, waitForContainer } from './wait-ready.ts';

/** What "ready" means beyond the container itself; replaceable so the orchestration can be tested. */
export interface DockerReadinessProbes {
  /** Resolves once an admin client sees the cluster at `brokers`. */
  kafka(brokers: readonly string[]): Promise<void>;
  /** Resolves once `SELECT 1` succeeds at `databaseUrl`. */
  postgres(databaseUrl: string): Promise<void>;
  /** Closes the cluster's configuration once the quotas are set (kafka/cluster-lock.ts). */
  lockKafka(brokers: readonly string[]): Promise<void>;
}

/** The log line after which the broker is worth probing with an admin client. */
export const KAFKA_STARTED_MESSAGE = 'Kafka Server started';
const KAFKA_START_ATTEMPTS = 3;

export interface DockerBootOptions {
  readonly docker: Dockerode;
  /** Where the engine is, for messages. */
  readonly endpoint: string;
  readonly owner: ContainerOwner;
  readonly logger: InfraLogger;
  readonly probes: DockerReadinessProbes;
  /** Per component, from container creation. */
  readonly timeoutMs: number;
  /** The caller's abort: removes what was created and rejects with INTERRUPTED. */
  readonly signal?: AbortSignal;
  /** Images to run (present on the engine); default: the official ones of versions.ts. */
  readonly images?: { readonly kafka: string; readonly postgres: string };
}

/**
 * The container part of one start(): Kafka and Postgres boot at once; the first failure stops
 * the other, and only once both have settled (so nothing can be created any more) is everything
 * removed and the failure rethrown.
 */
export class DockerBoot {
  private readonly created: CreatedContainers;
  /** Aborted on the first failure (so the sibling stops waiting) or when the caller aborts. */
  private readonly controller = new AbortController();
  private firstError: unknown;

  private readonly docker: Dockerode;
  private readonly endpoint: string;
  private readonly owner: ContainerOwner;
  private readonly logger: InfraLogger;
  private readonly probes: DockerReadinessProbes;
  private readonly timeoutMs: number;
  private readonly callerSignal: AbortSignal | undefined;
  private readonly images: { readonly kafka?: string; readonly postgres?: string };

  constructor(options: DockerBootOptions) {
    this.docker = options.docker;
    this.endpoint = options.endpoint;
    this.owner = options.owner;
    this.logger = options.logger;
    this.probes = options.probes;
    this.timeoutMs = options.timeoutMs;
    this.callerSignal = options.signal;
    this.images = options.images ?? {};
    this.created = new CreatedContainers(options.docker, options.logger);
  }

  async run(): Promise<StartedDockerInfra> {
    const onCallerAbort = () => this.controller.abort(this.callerSignal?.reason);
    this.callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
    if (this.callerSignal?.aborted) onCallerAbort();
    try {
      const [kafka, postgres] = await Promise.allSettled([this.guard(this.bootKafka()), this.guard(this.bootPostgres())]);
      if (kafka.status === 'fulfilled' && postgres.status === 'fulfilled' && !this.controller.signal.aborted) {
        return new StartedDockerInfra(
          this.owner.sessionId,
          {
            kafkaBrokers: [`127.0.0.1:${kafka.value.hostPort}`],
            databaseUrl: postgres.value.databaseUrl,
          },
          { kafkaMs: kafka.value.bootMs, postgresMs: postgres.value.bootMs },
          this.created,
          this,
        );
      }
      if (this.callerSignal?.aborted) throw interruptedError(this.callerSignal.reason);
      throw this.firstError instanceof Error ? this.firstError : new Error('docker infrastructure start failed', { cause: this.firstError });
    } catch (error) {
      // Both boots have settled, so nothing can create a container any more: this is complete.
      await this.created.removeAll();
      throw error;
    } finally {
      this.callerSignal?.removeEventListener('abort', onCallerAbort);
    }
  }

  /** Problems of the servers, the engine's view of each container first ("exited with code 137"). */
  async health(endpoints: InfraEndpoints): Promise<string[]> {
    return endpointHealth(endpoints, await this.containerProblems(), HEALTH_TIMEOUT_MS, this.probes);
  }

  /** What the engine says is wrong with each component's container, if anything. */
  private async containerProblems(): Promise<Partial<Record<Component, string>>> {
    const problems: Partial<Record<Component, string>> = {};
    for (const component of ['kafka', 'postgres'] as const) {
      for (const id of this.created.idsOf(component)) {
        try {
          const state = (await this.docker.getContainer(id).inspect()).State;
          if (state.Status !== 'running') problems[component] = `the ${component} container ${state.Status === 'exited' ? `exited with code ${state.ExitCode}` : `is ${state.Status}`}`;
        } catch (error) {
          problems[component] = `the ${component} container is gone (${messageOf(error)})`;
        }
      }
    }
    return problems;
  }

  /**
   * Removes `component`'s container and boots a fresh one, as the first boot did (a new port for
   * Kafka, a new database cluster): recover() after a target broke a server. Returns the new endpoint.
   */
  async replace(component: Component, why: string): Promise<Partial<InfraEndpoints>> {
    this.logger.warn(`restarting ${component === 'kafka' ? 'Kafka' : 'PostgreSQL'} in a new container (${why})`);
    for (const id of this.created.idsOf(component)) await this.created.remove(id);
    if (component === 'kafka') return { kafkaBrokers: [`127.0.0.1:${(await this.bootKafka()).hostPort}`] };
    return { databaseUrl: (await this.bootPostgres()).databaseUrl };
  }

  /** Disk use (`du`, blocks: Kafka's index files are sparse) of the broker's log dir in its container; undefined when that does not answer. */
  async kafkaLogBytes(): Promise<number | undefined> {
    const [id] = this.created.idsOf('kafka');
    if (!id) return undefined;
    const result = await execInContainer(this.docker.getContainer(id), ['du', '-sk', KAFKA_LOG_DIR], [], 10_000).catch(() => undefined);
    // du exits 1 when a file vanishes while it walks (a deleted topic's, 1 s after): its total still counts.
    const kilobytes = Number(new RegExp(`^(\\d+)\\s+${KAFKA_LOG_DIR}$`, 'm').exec(result?.output ?? '')?.[1]);
    return (result?.exitCode === 0 || result?.exitCode === 1) && Number.isFinite(kilobytes) ? kilobytes * 1024 : undefined;
  }

  /** Records the first failure and stops the sibling component. */
  private async guard<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (error) {
      if (!this.controller.signal.aborted) {
        this.firstError = error;
        this.controller.abort(error);
      }
      throw error;
    }
  }

  private async bootKafka(): Promise<{ hostPort: number; bootMs: number }> {
    const startedAt = Date.now();
    const name = containerName(this.owner.sessionId, 'kafka');
    const { container, hostPort } = await this.startKafkaContainer();
    const brokers = [`127.0.0.1:${hostPort}`];
    let logSeen = false;
    await waitForContainer({
      component: 'kafka',
      name,
      container,
      endpoint: this.endpoint,
      startedAt,
      timeoutMs: this.timeoutMs,
      signal: this.controller.signal,
      check: async () => {
        if (!logSeen) {
          logSeen = (await this.logs(container)).includes(KAFKA_STARTED_MESSAGE);
          if (!logSeen) return `the log line "${KAFKA_STARTED_MESSAGE}"`;
        }
        try {
          await this.probes.kafka(brokers);
          return undefined;
        } catch (error) {
          return `an admin client to see the cluster at ${brokers[0]} (last error: ${messageOf(error)})`;
        }
      },
    });
    await setClientQuotasIn(container, name);
    await this.probes.lockKafka(brokers);
    const bootMs = Date.now() - startedAt;
    this.logger.info(`kafka ready at ${brokers[0]} (container ${name}, ${seconds(bootMs)})`);
    return { hostPort, bootMs };
  }

  /**
   * The broker must advertise the host port, so it is chosen before the container exists and
   * published explicitly. If another process takes it in between, start() fails with a port
   * conflict: remove that container and try again with a fresh port.
   */
  private async startKafkaContainer(): Promise<{ container: Dockerode.Container; hostPort: number }> {
    for (let attempt = 1; ; attempt += 1) {
      this.controller.signal.throwIfAborted();
      const hostPort = await getPort({ host: '127.0.0.1' });
      const container = await this.create('kafka', kafkaContainerOptions({ owner: this.owner, hostPort, ...(this.images.kafka ? { image: this.images.kafka } : {}) }));
      try {
        await container.start();
        return { container, hostPort };
      } catch (error) {
        if (!isPortConflict(error)) throw this.startFailed('kafka', 'start', error);
        await this.created.remove(container.id).catch(() => undefined);
        if (attempt >= KAFKA_START_ATTEMPTS) {
          throw new GraderError(
            'PORT_IN_USE',
            `could not publish Kafka on a free 127.0.0.1 port: ${KAFKA_START_ATTEMPTS} ports were taken between choosing and binding them`,
            'something on this machine is grabbing ports quickly; retry, or use --infra local',
            undefined,
            { cause: error },
          );
        }
        this.logger.warn(`127.0.0.1:${hostPort} was taken before Kafka could bind it; retrying with another port`);
      }
    }
  }

  private async bootPostgres(): Promise<{ databaseUrl: string; bootMs: number }> {
    const startedAt = Date.now();
    const name = containerName(this.owner.sessionId, 'postgres');
    const password = randomBytes(12).toString('hex');
    const container = await this.create('postgres', postgresContainerOptions({ owner: this.owner, password, ...(this.images.postgres ? { image: this.images.postgres } : {}) }));
    try {
      await container.start();
    } catch (error) {
      throw this.startFailed('postgres', 'start', error);
    }
    let databaseUrl: string | undefined;
    await waitForContainer({
      component: 'postgres',
      name,
      container,
      endpoint: this.endpoint,
      startedAt,
      timeoutMs: this.timeoutMs,
      signal: this.controller.signal,
      check: async (info) => {
        // The published port shows up in inspect() a moment after start.
        const port = publishedPort(info, `${POSTGRES_PORT}/tcp`);
        if (port === undefined) return `the published port of ${POSTGRES_PORT}/tcp to appear`;
        const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
        // The image's entrypoint runs a temporary server (unix socket only) for init, stops it
        // and starts the real one: only a successful query over TCP means ready.
        try {
          await this.probes.postgres(url);
          databaseUrl = url;
          return undefined;
        } catch (error) {
          return `SELECT 1 on 127.0.0.1:${port} (last error: ${messageOf(error)})`;
        }
      },
    });
    if (databaseUrl === undefined) throw new Error('postgres readiness ended without a URL');
    const bootMs = Date.now() - startedAt;
    this.logger.info(`postgres ready at ${new URL(databaseUrl).host} (container ${name}, ${seconds(bootMs)})`);
    return { databaseUrl, bootMs };
  }

  private async create(component: Component, options: Dockerode.ContainerCreateOptions): Promise<Dockerode.Container> {
    this.controller.signal.throwIfAborted();
    let container: Dockerode.Container;
    try {
      container = await this.docker.createContainer(options);
    } catch (error) {
      throw this.startFailed(component, 'create', error);
    }
    this.created.add(container.id, component);
    // Registered first, so that an abort during create() still gets this container removed.
    this.controller.signal.throwIfAborted();
    this.logger.info(`created ${component} container ${options.name ?? container.id.slice(0, 12)} (${options.Image ?? '?'})`);
    return container;
  }

  private startFailed(component: Component, step: 'create' | 'start', error: unknown): GraderError {
    return (
      engineCallError(error, this.endpoint) ??
      new GraderError(
        'DOCKER_NOT_READY',
        `could not ${step} the ${component} container: ${messageOf(error)}`,
        'check "docker info" for the engine\'s state (disk space, port publishing), or use --infra local',
        undefined,
        { cause: error },
      )
    );
  }

  private async logs(container: Dockerode.Container): Promise<string> {
    try {
      return await readContainerLogs(container);
    } catch {
      return '';
    }
  }
}

/** The engine's wording when a published host port is taken (varies by platform and proxy). */
export function isPortConflict(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /port is already allocated|address already in use|ports are not available/i.test(message);
}

/** The INTERRUPTED error a start() aborted by its caller rejects with (after cleanup). */
export function interruptedError(cause: unknown): GraderError {
  if (cause instanceof GraderError && cause.code === 'INTERRUPTED') return cause;
  return new GraderError(
    'INTERRUPTED',
    'interrupted while starting the docker infrastructure',
    'everything the grader started has been removed',
    ExitCode.interrupted,
    { cause },
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The targets' client quotas, set with the image's own kafka-configs.sh (kafkajs has no AlterClientQuotas). */
async function setClientQuotasIn(container: Dockerode.Container, name: string): Promise<void> {
  for (const args of clientQuotaCommands(`localhost:${KAFKA_INTERNAL_PORT}`)) {
    // By its path: the official image does not put /opt/kafka/bin on PATH.
    const result = await execInContainer(container, ['/opt/kafka/bin/kafka-configs.sh', ...args], ['KAFKA_HEAP_OPTS=-Xmx128m']);
    if (result.exitCode !== 0) {
      throw new GraderError(
        'DOCKER_NOT_READY',
        `setting the targets' client quotas in container ${name} failed (exit ${result.exitCode ?? 'unknown'}): ${result.output.trim().split('\n').slice(-3).join(' | ')}`,
        'the Kafka image must have /opt/kafka/bin/kafka-configs.sh (the official image and `grader infra images` do); rebuild it with `grader infra images --rebuild`',
      );
    }
  }
}
