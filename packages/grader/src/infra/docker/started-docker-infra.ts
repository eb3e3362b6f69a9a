import type { InfraEndpoints, StartedInfra } from '../infra.ts';
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

  /** Force-removes both containers. Idempotent: later calls return the first call's promise. */
  stop(): Promise<void> {
    this.stopping ??= this.containers.removeAll();
    return this.stopping;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
