import type { InfraEndpoints, StartedInfra } from '../infra.ts';
import { cannotRecover, endpointHealth } from '../health.ts';
import type { CreatedContainers } from './created-containers.ts';

/** Kafka and Postgres running in containers of one session; stop() removes both. */
export class StartedDockerInfra implements StartedInfra {
  readonly kind = 'docker' as const;
  private stopping?: Promise<void>;

  constructor(
    readonly sessionId: string,
    readonly endpoints: InfraEndpoints,
    readonly bootTimes: { readonly kafkaMs: number; readonly postgresMs: number },
    private readonly containers: CreatedContainers,
  ) {}

  /** Ids of the containers this session still owns (for diagnostics and `infra status`). */
  get containerIds(): readonly string[] {
    return this.containers.ids;
  }

  health(): Promise<string[]> {
    return endpointHealth(this.endpoints);
  }

  // Restarting a container is issue 14's (the docker path for real); until then a broken
  // container ends the batch with INFRA_FAILED after the damaging target has been scored.
  async recover(): Promise<void> {
    const problems = await this.health();
    if (problems.length > 0) throw cannotRecover('docker', problems);
  }

  /** Force-removes both containers. Idempotent: later calls return the first call's promise. */
  stop(): Promise<void> {
    this.stopping ??= this.containers.removeAll();
    return this.stopping;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
