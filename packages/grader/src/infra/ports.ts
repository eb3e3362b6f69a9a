import { createServer } from 'node:net';
import getPort from 'get-port';
import { GraderError } from '../errors/grader-error.ts';

/** A free TCP port on 127.0.0.1 (the only interface the grader binds). */
export function freePort(): Promise<number> {
  return getPort({ host: '127.0.0.1' });
}

/** Uses `requested` if given (failing clearly when taken), else a free port. */
export async function choosePort(requested: number | undefined, what: string): Promise<number> {
  if (requested === undefined) return freePort();
  if (!(await isPortFree(requested))) {
    throw new GraderError(
      'PORT_IN_USE',
      `port 127.0.0.1:${requested} for ${what} is already in use`,
      `stop what listens there (ss -ltnp 'sport = :${requested}') or omit the port option to pick a free one`,
    );
  }
  return requested;
}

export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}
