import type Dockerode from 'dockerode';
import type { InfraLogger } from '../infra.ts';
import type { Component } from './labels.ts';
import { removeContainer } from './remove-container.ts';

/**
 * The containers one start() has created, registered the moment create() returns (before they
 * are started) so that every failure path and stop() can remove exactly those.
 */
export class CreatedContainers {
  private readonly containers = new Map<string, Component>();

  constructor(
    private readonly docker: Dockerode,
    private readonly logger: InfraLogger,
  ) {}

  add(id: string, component: Component): void {
    this.containers.set(id, component);
  }

  get ids(): string[] {
    return [...this.containers.keys()];
  }

  /** Ids of the containers of one component (one, unless a replacement is being booted). */
  idsOf(component: Component): string[] {
    return [...this.containers].filter(([, c]) => c === component).map(([id]) => id);
  }

  /** Removes one container now; throws if the engine refuses (it then stays registered). */
  async remove(id: string): Promise<void> {
    await removeContainer(this.docker, id);
    this.containers.delete(id);
  }

  /**
   * Force-removes every registered container (with its anonymous volumes), all at once. Never
   * throws: what cannot be removed is reported and left to the sweep of the next start.
   */
  async removeAll(): Promise<void> {
    await Promise.all(
      [...this.containers].map(async ([id, component]) => {
        try {
          await this.remove(id);
        } catch (error) {
          this.logger.warn(
            `could not remove the ${component} container ${id.slice(0, 12)}: ${error instanceof Error ? error.message : String(error)}` +
              ' (the next grader start removes it)',
          );
        }
      }),
    );
  }
}
