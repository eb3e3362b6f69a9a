/**
 * TEST DOUBLE, NOT A DOCKER ENGINE: a hand-written stand-in for the few dockerode methods the
 * docker provider calls (ping, listContainers, getImage().inspect, pull, createContainer,
 * getContainer, container start/inspect/logs/remove). It answers the way the Docker Engine API
 * documents, which is all the unit tests can claim; it proves the orchestration, not that a real
 * engine behaves like this. Used only by *.test.ts files.
 */
import type Dockerode from 'dockerode';
import { Readable } from 'node:stream';
import { COMPONENT_LABEL } from './labels.ts';

export interface FakeContainerState {
  readonly id: string;
  readonly options: Dockerode.ContainerCreateOptions;
  readonly component: string | undefined;
  status: 'created' | 'running' | 'exited';
  exitCode: number;
  inspections: number;
  log: string;
  removed: boolean;
  removeOptions?: unknown;
}

/** Per-component behaviour a test can script. */
export interface FakeBehaviour {
  /** Throw from container.start() (e.g. a port conflict); called with the start attempt number. */
  startError?: (attempt: number) => Error | undefined;
  /** Called on every inspect(), may change the state (append logs, exit, ...). */
  onInspect?: (container: FakeContainerState) => void;
  /** Number of inspect() calls before the published port appears (default 0). */
  portAppearsAfter?: number;
  /** Exit code of every `docker exec` in the container (default 0). */
  execExitCode?: number;
}

function apiError(statusCode: number, message: string): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) ${message}`), { statusCode });
}

/** One frame of the engine's multiplexed log format (stream 1 = stdout, 2 = stderr). */
export function logFrame(text: string, stream: 1 | 2 = 1): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(8);
  header.writeUInt8(stream, 0);
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

export class FakeDocker {
  /** dockerode keeps the address on its modem; describeDockerEndpoint() reads it. */
  readonly modem = { socketPath: '/fake/docker.sock' };
  readonly images = new Set<string>();
  /** Labels of present images (what `docker build --label` would have set). */
  readonly imageLabels = new Map<string, Record<string, string>>();
  /** Events the pull stream of an image emits (an `error` event makes the pull fail). */
  readonly pullScripts = new Map<string, object[]>();
  readonly pulls: string[] = [];
  readonly containers = new Map<string, FakeContainerState>();
  /** Containers listContainers() reports besides those created here (leftovers for the sweep). */
  readonly foreign: { Id: string; Names: string[]; Labels: Record<string, string> }[] = [];
  readonly removedIds: string[] = [];
  /** Commands run with `docker exec`, in order. */
  readonly execs: { readonly id: string; readonly cmd: readonly string[] }[] = [];
  readonly behaviour: Record<string, FakeBehaviour> = {};
  /** Whether a pull without error events leaves the image present (a broken engine may not). */
  pullStoresImage = true;
  pingError: Error | undefined;
  createError: ((options: Dockerode.ContainerCreateOptions) => Error | undefined) | undefined;
  private nextId = 1;
  private readonly startAttempts = new Map<string, number>();

  asDockerode(): Dockerode {
    return this as unknown as Dockerode;
  }

  ping(): Promise<string> {
    return this.pingError ? Promise.reject(this.pingError) : Promise.resolve('OK');
  }

  listContainers(options?: Dockerode.ContainerListOptions): Promise<{ Id: string; Names: string[]; Labels: Record<string, string> }[]> {
    const filters = options?.filters;
    const wanted = typeof filters === 'object' ? (filters.label ?? []) : [];
    const own = [...this.containers.values()]
      .filter((c) => !c.removed)
      .map((c) => ({ Id: c.id, Names: [`/${c.options.name ?? c.id}`], Labels: c.options.Labels ?? {} }));
    const all = [...this.foreign.filter((c) => !this.removedIds.includes(c.Id)), ...own];
    return Promise.resolve(all.filter((c) => wanted.every((label) => label in c.Labels)));
  }

  getImage(name: string): { inspect: () => Promise<object> } {
    return {
      inspect: () =>
        this.images.has(name)
          ? Promise.resolve({ Id: `sha256:id-of-${name}`, RepoTags: [name], Config: { Labels: this.imageLabels.get(name) ?? {} } })
          : Promise.reject(apiError(404, `No such image: ${name}`)),
    };
  }

  pull(image: string): Promise<NodeJS.ReadableStream> {
    this.pulls.push(image);
    const events = this.pullScripts.get(image) ?? [{ status: 'Status: Downloaded newer image' }];
    const failed = events.some((event) => 'error' in event);
    // Split lines across chunks the way a socket may deliver them.
    const text = events.map((event) => `${JSON.stringify(event)}\r\n`).join('');
    const chunks = text.match(/[\s\S]{1,37}/g) ?? [];
    const stream = Readable.from(chunks.map((chunk) => Buffer.from(chunk)));
    stream.on('end', () => {
      if (!failed && this.pullStoresImage) this.images.add(image);
    });
    return Promise.resolve(stream);
  }

  createContainer(options: Dockerode.ContainerCreateOptions): Promise<Dockerode.Container> {
    const error = this.createError?.(options);
    if (error) return Promise.reject(error);
    if (options.name !== undefined && [...this.containers.values()].some((c) => !c.removed && c.options.name === options.name)) {
      return Promise.reject(apiError(409, `Conflict. The container name "/${options.name}" is already in use`));
    }
    const id = `fake${String(this.nextId++).padStart(60, '0')}`;
    const component = options.Labels?.[COMPONENT_LABEL];
    this.containers.set(id, { id, options, component, status: 'created', exitCode: 0, inspections: 0, log: '', removed: false });
    return Promise.resolve(this.getContainer(id));
  }

  getContainer(id: string): Dockerode.Container {
    const fake = {
      id,
      start: () => {
        const state = this.containers.get(id);
        if (!state || state.removed) return Promise.reject(apiError(404, `No such container: ${id}`));
        const attempt = (this.startAttempts.get(state.component ?? '') ?? 0) + 1;
        this.startAttempts.set(state.component ?? '', attempt);
        const error = this.behaviourOf(state).startError?.(attempt);
        if (error) return Promise.reject(error);
        state.status = 'running';
        return Promise.resolve();
      },
      inspect: () => {
        const state = this.containers.get(id);
        if (!state || state.removed) return Promise.reject(apiError(404, `No such container: ${id}`));
        state.inspections += 1;
        const behaviour = this.behaviourOf(state);
        behaviour.onInspect?.(state);
        const ports: Record<string, { HostIp: string; HostPort: string }[]> = {};
        const bindings = (state.options.HostConfig?.PortBindings ?? {}) as Record<string, { HostIp?: string; HostPort?: string }[]>;
        if (state.status === 'running' && state.inspections > (behaviour.portAppearsAfter ?? 0)) {
          for (const [port, list] of Object.entries(bindings)) {
            ports[port] = list.map((b) => ({ HostIp: b.HostIp ?? '0.0.0.0', HostPort: b.HostPort === '' || b.HostPort === undefined ? '49153' : b.HostPort }));
          }
        }
        return Promise.resolve({
          Id: id,
          State: { Status: state.status, Running: state.status === 'running', ExitCode: state.exitCode },
          NetworkSettings: { Ports: ports },
        });
      },
      logs: () => {
        const state = this.containers.get(id);
        if (!state || state.removed) return Promise.reject(apiError(404, `No such container: ${id}`));
        const lines = state.log.split('\n').filter((l) => l !== '');
        return Promise.resolve(Buffer.concat(lines.map((line, i) => logFrame(`${line}\n`, i % 2 === 0 ? 1 : 2))));
      },
      exec: (options: { Cmd: string[] }) => {
        const state = this.containers.get(id);
        if (!state || state.removed || state.status !== 'running') return Promise.reject(apiError(409, `Container ${id} is not running`));
        this.execs.push({ id, cmd: options.Cmd });
        const exitCode = this.behaviourOf(state).execExitCode ?? 0;
        return Promise.resolve({
          start: () => Promise.resolve(Readable.from([logFrame(exitCode === 0 ? 'Completed\n' : 'Error: refused\n', exitCode === 0 ? 1 : 2)])),
          inspect: () => Promise.resolve({ ExitCode: exitCode, Running: false }),
        });
      },
      remove: (options?: unknown) => {
        const state = this.containers.get(id);
        const foreign = this.foreign.find((c) => c.Id === id);
        if ((!state || state.removed) && (!foreign || this.removedIds.includes(id))) {
          return Promise.reject(apiError(404, `No such container: ${id}`));
        }
        if (state) {
          state.removed = true;
          state.removeOptions = options;
        }
        this.removedIds.push(id);
        return Promise.resolve();
      },
    };
    return fake as unknown as Dockerode.Container;
  }

  /** Containers created here and not removed. */
  live(): FakeContainerState[] {
    return [...this.containers.values()].filter((c) => !c.removed);
  }

  private behaviourOf(state: FakeContainerState): FakeBehaviour {
    return this.behaviour[state.component ?? ''] ?? {};
  }
}
