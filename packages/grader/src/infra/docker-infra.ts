import Dockerode from 'dockerode';
import { randomBytes } from 'node:crypto';
import { DockerBoot, interruptedError, type DockerReadinessProbes } from './docker/docker-boot.ts';
import { describeDockerEndpoint, engineUnavailableError, isLocalEndpoint, PING_TIMEOUT_MS, pingEngine } from './docker/engine.ts';
import { startContainerReaper } from './docker/container-reaper.ts';
import { ImageBuilder, type BuiltComponent } from './docker/image-builder.ts';
import { ensureImage } from './docker/images.ts';
import { GraderError } from '../errors/grader-error.ts';
import { currentOwner } from './docker/labels.ts';
import type { StartedDockerInfra } from './docker/started-docker-infra.ts';
import { sweepLeftovers } from './docker/sweep.ts';
import type { Infra, InfraLogger } from './infra.ts';
import { silentLogger } from './infra.ts';
import { BUILT_KAFKA_IMAGE, BUILT_POSTGRES_IMAGE, KAFKA_IMAGE, POSTGRES_IMAGE } from './versions.ts';
import { probeKafkaAdmin, probePostgres } from './wait/probes.ts';
import { restrictMaintenanceDatabases } from './namespace.ts';
import { lockCluster } from './kafka/cluster-lock.ts';

export { KAFKA_STARTED_MESSAGE, type DockerReadinessProbes } from './docker/docker-boot.ts';
export { StartedDockerInfra } from './docker/started-docker-infra.ts';

export interface DockerInfraOptions {
  readonly logger?: InfraLogger;
  /** Defaults to `new Dockerode()`, which honours DOCKER_HOST (unix, npipe, tcp, ssh) like the CLI. */
  readonly docker?: Dockerode;
  readonly sessionId?: string;
  /** Per component, counted from container creation (image pulls are not included). Default 90 s. */
  readonly readyTimeoutMs?: number;
  /** Defaults to the kafkajs admin and pg probes the other providers use (wait/probes.ts). */
  readonly probes?: Partial<DockerReadinessProbes>;
  /** Any image to run instead of apache/kafka:<version> (pulled if missing, never built). */
  readonly kafkaImage?: string | undefined;
  /** Any image to run instead of postgres:<version> (pulled if missing, never built). */
  readonly postgresImage?: string | undefined;
  /** Where official images cannot be pulled, the built ones are made on this base (ImageBuilder). */
  readonly baseImage?: string | undefined;
  readonly debianMirror?: string | undefined;
}

export const DEFAULT_READY_TIMEOUT_MS = 90_000;

/**
 * `--infra auto`: does an engine answer `GET /_ping` within `timeoutMs`, at DOCKER_HOST or the
 * default socket? Never throws.
 */
export async function dockerEngineAvailable(docker?: Dockerode, timeoutMs = 1_500): Promise<boolean> {
  try {
    await pingEngine(docker ?? new Dockerode(), timeoutMs);
    return true;
  } catch {
    return false;
  }
}

/**
 * The engine at DOCKER_HOST or the default socket (or `docker`), once it answers a ping;
 * DOCKER_UNAVAILABLE naming where it looked otherwise.
 */
export async function connectEngine(timeoutMs = PING_TIMEOUT_MS, given?: Dockerode): Promise<{ docker: Dockerode; endpoint: string }> {
  let docker: Dockerode;
  try {
    docker = given ?? new Dockerode();
  } catch (error) {
    // dockerode throws synchronously on a DOCKER_HOST it cannot parse.
    throw engineUnavailableError(error, process.env.DOCKER_HOST ?? 'DOCKER_HOST');
  }
  const endpoint = await describeDockerEndpoint(docker);
  try {
    await pingEngine(docker, timeoutMs);
  } catch (error) {
    throw engineUnavailableError(error, endpoint);
  }
  return { docker, endpoint };
}

/**
 * Kafka (apache/kafka, single-node KRaft) and PostgreSQL in containers on a Docker engine:
 * checks the engine, sweeps containers of earlier graders that died, pulls missing images with
 * progress, starts both containers on 127.0.0.1 ports and waits until each is ready. Every
 * container is labelled with the session id, owner pid and host (see docker/labels.ts).
 */
export class DockerInfra implements Infra {
  readonly kind = 'docker' as const;

  constructor(private readonly options: DockerInfraOptions = {}) {}

  /**
   * Boots both containers. On any failure, or when `signal` aborts, it removes what it created
   * and then rejects (an abort rejects with INTERRUPTED). `signal` is optional and beyond the
   * Infra interface: it lets a caller interrupted mid-start leave nothing behind.
   */
  async start(signal?: AbortSignal): Promise<StartedDockerInfra> {
    const logger = this.options.logger ?? silentLogger;
    const sessionId = this.options.sessionId ?? `docker-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const probes: DockerReadinessProbes = {
      kafka: this.options.probes?.kafka ?? probeKafkaAdmin,
      lockKafka: this.options.probes?.lockKafka ?? lockCluster,
      // Ready = answers, and the maintenance databases are closed to the namespaces' roles.
      postgres: this.options.probes?.postgres ?? (async (url) => {
        await probePostgres(url);
        await restrictMaintenanceDatabases(url);
      }),
    };

    const { docker, endpoint } = await connectEngine(PING_TIMEOUT_MS, this.options.docker);
    if (!isLocalEndpoint(endpoint)) {
      logger.warn(`the Docker engine at ${endpoint} is not on this machine: ports it publishes on its 127.0.0.1 may not be reachable from here`);
    }

    const images = { kafka: '', postgres: '' };
    try {
      await sweepLeftovers(docker, logger);
      const builder = new ImageBuilder({ docker, endpoint, logger, baseImage: this.options.baseImage, debianMirror: this.options.debianMirror, signal });
      for (const component of ['kafka', 'postgres'] as const) {
        signal?.throwIfAborted();
        images[component] = await this.image(component, { docker, endpoint, logger, builder, signal });
      }
    } catch (error) {
      throw signal?.aborted ? interruptedError(error) : error;
    }

    // The engine this process reaches by default is the one the reaper reaches too.
    if (this.options.docker === undefined) startContainerReaper(sessionId);
    return new DockerBoot({
      docker,
      endpoint,
      owner: currentOwner(sessionId),
      logger,
      probes,
      timeoutMs: this.options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
      images,
      ...(signal ? { signal } : {}),
    }).run();
  }

  /**
   * The image a component runs: the one the user named (pulled if missing), else the official
   * one, else (its pull failed: no registry, air-gapped CI) the one ImageBuilder builds offline.
   */
  private async image(
    component: BuiltComponent,
    ctx: { docker: Dockerode; endpoint: string; logger: InfraLogger; builder: ImageBuilder; signal: AbortSignal | undefined },
  ): Promise<string> {
    const named = component === 'kafka' ? this.options.kafkaImage : this.options.postgresImage;
    if (named !== undefined) {
      await ensureImage(ctx.docker, named, ctx.logger, ctx.endpoint, ctx.signal);
      return named;
    }
    const official = component === 'kafka' ? KAFKA_IMAGE : POSTGRES_IMAGE;
    try {
      await ensureImage(ctx.docker, official, ctx.logger, ctx.endpoint, ctx.signal);
      return official;
    } catch (error) {
      if (!(error instanceof GraderError) || error.code !== 'DOCKER_PULL_FAILED') throw error;
      const built = component === 'kafka' ? BUILT_KAFKA_IMAGE : BUILT_POSTGRES_IMAGE;
      ctx.logger.warn(`${error.message}; using ${built} instead (built offline from packages/grader/images, as \`grader infra images\` does)`);
      return (await ctx.builder.build(component)).image;
    }
  }
}
