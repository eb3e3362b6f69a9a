import type Dockerode from 'dockerode';
import { GraderError } from '../../errors/grader-error.ts';

/** The fields of dockerode's modem that tell where it connects (not in its type declarations). */
interface ModemAddress {
  readonly socketPath?: unknown;
  readonly host?: unknown;
  readonly port?: unknown;
  readonly protocol?: unknown;
}

/**
 * Where `docker` talks to, for messages: `unix:///var/run/docker.sock`, `tcp://host:2375`,
 * `ssh://host`. dockerode reads DOCKER_HOST itself; with no DOCKER_HOST the unix socket is
 * chosen lazily (`~/.docker/run/docker.sock` if it exists, else `/var/run/docker.sock`).
 */
export async function describeDockerEndpoint(docker: Dockerode): Promise<string> {
  const modem = (docker as { modem?: ModemAddress }).modem ?? {};
  if (typeof modem.host === 'string' && modem.host !== '') {
    const protocol = typeof modem.protocol === 'string' ? modem.protocol : 'http';
    const scheme = protocol === 'ssh' ? 'ssh' : 'tcp';
    const port = typeof modem.port === 'string' || typeof modem.port === 'number' ? `:${modem.port}` : '';
    return `${scheme}://${modem.host}${port}`;
  }
  let socketPath: unknown = modem.socketPath;
  if (typeof socketPath === 'function') {
    try {
      socketPath = await (socketPath as () => unknown)();
    } catch {
      socketPath = undefined;
    }
  }
  if (typeof socketPath === 'string' && socketPath !== '') {
    return socketPath.startsWith('//./pipe/') ? `npipe://${socketPath}` : `unix://${socketPath}`;
  }
  return process.env.DOCKER_HOST ?? 'the default Docker socket';
}

/** True when the engine endpoint is on this machine (so ports it binds on 127.0.0.1 are ours). */
export function isLocalEndpoint(endpoint: string): boolean {
  const match = /^(?:tcp|ssh|http|https):\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^:/]+)/.exec(endpoint);
  if (!match) return true;
  const host = match[1]?.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '127.0.0.1' || host === '::1';
}

const PERMISSION_CODES = new Set(['EACCES', 'EPERM']);
const CONNECTION_CODES = new Set([
  'ENOENT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENOTSOCK',
  'ENOTDIR',
]);

/** The error the grader reports when the engine cannot be used at all. */
export function engineUnavailableError(error: unknown, endpoint: string): GraderError {
  const code = errorCode(error);
  if (code !== undefined && PERMISSION_CODES.has(code)) {
    return new GraderError(
      'DOCKER_PERMISSION_DENIED',
      `permission denied on the Docker engine socket ${endpoint}`,
      'add your user to the docker group (sudo usermod -aG docker "$USER", then log in again), or use --infra local',
      undefined,
      { cause: error },
    );
  }
  const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
  const detail =
    code ??
    (typeof statusCode === 'number'
      ? `it answered GET /_ping with HTTP ${statusCode}`
      : error instanceof Error
        ? error.message
        : String(error));
  return new GraderError(
    'DOCKER_UNAVAILABLE',
    `Docker engine not reachable at ${endpoint} (${detail})`,
    'start Docker or use --infra local',
    undefined,
    { cause: error },
  );
}

/**
 * For any later Docker API call: a connection-level failure (the engine went away, the socket
 * is not ours) becomes the same typed error as at start; anything else returns undefined and is
 * the caller's to describe.
 */
export function engineCallError(error: unknown, endpoint: string): GraderError | undefined {
  const code = errorCode(error);
  if (code === undefined) return undefined;
  if (PERMISSION_CODES.has(code) || CONNECTION_CODES.has(code)) return engineUnavailableError(error, endpoint);
  return undefined;
}

/** Default time the engine gets to answer `GET /_ping`. */
export const PING_TIMEOUT_MS = 3_000;

/**
 * `GET /_ping` with a deadline: resolves when the engine answers, rejects with the connection
 * error (ENOENT, ECONNREFUSED, EACCES, ...) or with an ETIMEDOUT error after `timeoutMs`.
 * The request is aborted on timeout so a silent TCP host does not keep Node alive.
 */
export async function pingEngine(docker: Dockerode, timeoutMs: number = PING_TIMEOUT_MS): Promise<void> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' });
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  // dockerode's ping() takes options with an abortSignal; its type declarations omit them.
  const ping = docker.ping.bind(docker) as unknown as (options: { abortSignal: AbortSignal }) => Promise<unknown>;
  try {
    await Promise.race([ping({ abortSignal: controller.signal }), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
