import { GraderError } from '../../errors/grader-error.ts';
import type { InfraEndpoints, StartedInfra } from '../infra.ts';
import type { CreatedContainers } from './created-containers.ts';
import type { Component } from './labels.ts';

/** What recover() needs of the boot that made the containers. */
export interface ContainerControl {
  health(endpoints: InfraEndpoints): Promise<string[]>;
  replace(component: Component, why: string): Promise<Partial<InfraEndpoints>>;
  kafkaLogBytes(): Promise<number | undefined>;
}

const PREFIX: Record<Component, string> = { kafka: 'Kafka', postgres: 'PostgreSQL' };

/** Kafka and Postgres running in containers of one session; stop() removes both. */
export class StartedDockerInfra implements StartedInfra {
  readonly kind = 'docker' as const;
  private stopping?: Promise<void>;
  private current: InfraEndpoints;

  constructor(
    readonly sessionId: string,
    endpoints: InfraEndpoints,
    readonly bootTimes: { readonly kafkaMs: number; readonly postgresMs: number },
    private readonly containers: CreatedContainers,
    private readonly control: ContainerControl,
  ) {
    this.current = endpoints;
  }

  /** Current endpoints: a component replaced by recover() comes back on a new port. */
  get endpoints(): InfraEndpoints {
    return this.current;
  }

  /** Ids of the containers this session still owns (for diagnostics and `infra status`). */
  get containerIds(): readonly string[] {
    return this.containers.ids;
  }

  health(): Promise<string[]> {
    return this.control.health(this.current);
  }

  /** Replaces (new container, new port) whichever server is down. */
  async recover(): Promise<void> {
    const problems = await this.health();
    for (const component of ['kafka', 'postgres'] as const) {
      const problem = problems.find((p) => p.startsWith(`${PREFIX[component]}:`));
      if (problem) await this.replaceOne(component, problem, `the docker infrastructure is down (${problems.join('; ')}) and a new ${component} container did not start`);
    }
  }

  async replace(why: string): Promise<void> {
    // A grade that fails because its servers are being stopped (Ctrl-C) must not start new ones.
    if (this.stopping) throw new GraderError('INFRA_FAILED', `the servers are being stopped; not replacing them (${why})`, 'this happens when the grader is interrupted');
    for (const component of ['kafka', 'postgres'] as const) await this.replaceOne(component, why, `a new ${component} container did not start (replacing it because ${why})`);
  }

  kafkaLogBytes(): Promise<number | undefined> {
    return this.control.kafkaLogBytes();
  }

  /** A new container for `component`; INFRA_FAILED saying `failure` when it does not start. */
  private async replaceOne(component: 'kafka' | 'postgres', why: string, failure: string): Promise<void> {
    try {
      this.current = { ...this.current, ...(await this.control.replace(component, why)) };
    } catch (error) {
      throw new GraderError('INFRA_FAILED', `${failure}: ${error instanceof Error ? error.message : String(error)}`, 'check "docker info" and "docker ps -a", then rerun', undefined, { cause: error });
    }
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
