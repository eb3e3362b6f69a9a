import Dockerode from 'dockerode';
import { randomBytes } from 'node:crypto';
import { DockerBoot, interruptedError, type DockerReadinessProbes } from './docker/docker-boot.ts';
import { describeDockerEndpoint, engineUnavailableError, isLocalEndpoint, PING_TIMEOUT_MS, pingEngine } from './docker/engine.ts';
import { ensureImage } from './docker/images.ts';
import { currentOwner } from './docker/labels.ts';
import type { StartedDockerInfra } from './docker/started-docker-infra.ts';
import { sweepLeftovers } from './docker/sweep.ts';
import type { Infra, InfraLogger } from './infra.ts';
import { silentLogger } from './infra.ts';
import { KAFKA_IMAGE, POSTGRES_IMAGE } from './versions.ts';
import { probeKafkaAdmin, probePostgres } from './wait/probes.ts';
import { restrictMaintenanceDatabases } from './namespace.ts';

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
      // Ready = answers, and the maintenance databases are closed to the namespaces' roles.
      postgres: this.options.probes?.postgres ?? (async (url) => {
        await probePostgres(url);
        await restrictMaintenanceDatabases(url);
      }),
    };

    let docker: Dockerode;
    try {
      docker = this.options.docker ?? new Dockerode();
    } catch (error) {
      // dockerode throws synchronously on a DOCKER_HOST it cannot parse.
      throw engineUnavailableError(error, process.env.DOCKER_HOST ?? 'DOCKER_HOST');
    }
    const endpoint = await describeDockerEndpoint(docker);
    try {
      await pingEngine(docker, PING_TIMEOUT_MS);
    } catch (error) {
      throw engineUnavailableError(error, endpoint);
    }
    if (!isLocalEndpoint(endpoint)) {
      logger.warn(`the Docker engine at ${endpoint} is not on this machine: ports it publishes on its 127.0.0.1 may not be reachable from here`);
    }

    try {
      await sweepLeftovers(docker, logger);
      for (const image of [KAFKA_IMAGE, POSTGRES_IMAGE]) {
        signal?.throwIfAborted();
        await ensureImage(docker, image, logger, endpoint, signal);
      }
    } catch (error) {
      throw signal?.aborted ? interruptedError(error) : error;
    }

    return new DockerBoot({
      docker,
      endpoint,
      owner: currentOwner(sessionId),
      logger,
      probes,
      timeoutMs: this.options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
      ...(signal ? { signal } : {}),
    }).run();
  }
}
