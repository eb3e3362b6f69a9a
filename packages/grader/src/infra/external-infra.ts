import { randomBytes } from 'node:crypto';
import { GraderError } from '../errors/grader-error.ts';
import type { Infra, InfraEndpoints, StartedInfra } from './infra.ts';
import { cannotRecover, endpointHealth } from './health.ts';
import { probeKafkaAdmin, probePostgres } from './wait/probes.ts';
import { forProbe, WaitTimeoutError } from './wait/wait-strategy.ts';

export interface ExternalInfraOptions {
  readonly kafkaBrokers: readonly string[];
  readonly databaseUrl: string;
  readonly readyTimeoutMs?: number;
}

/** Services that already run (e.g. CI service containers). Started = reachable; stop() does nothing. */
export class ExternalInfra implements Infra {
  readonly kind = 'external' as const;

  constructor(private readonly options: ExternalInfraOptions) {}

  async start(): Promise<StartedInfra> {
    const { kafkaBrokers, databaseUrl } = this.options;
    const deadline = Date.now() + (this.options.readyTimeoutMs ?? 15_000);
    const context = { logText: () => '', failIfExited: () => undefined };
    try {
      await forProbe('Kafka', () => probeKafkaAdmin(kafkaBrokers), 500).waitUntilReady(context, deadline);
    } catch (error) {
      throw unreachable(`Kafka at ${kafkaBrokers.join(',')}`, error, '--kafka-brokers');
    }
    try {
      await forProbe('PostgreSQL', () => probePostgres(databaseUrl), 500).waitUntilReady(context, deadline);
    } catch (error) {
      throw unreachable(`PostgreSQL at ${redactUrl(databaseUrl)}`, error, '--database-url');
    }
    const endpoints: InfraEndpoints = { kafkaBrokers, databaseUrl };
    return {
      kind: 'external',
      sessionId: `external-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`,
      endpoints,
      bootTimes: { kafkaMs: 0, postgresMs: 0 },
      health: () => endpointHealth(endpoints),
      recover: async () => {
        const problems = await endpointHealth(endpoints);
        if (problems.length > 0) throw cannotRecover('external', problems);
      },
      replace: (why: string) =>
        Promise.reject(new GraderError('INFRA_FAILED', `the external servers would need replacing (${why}) and the grader cannot replace them`, 'give the grader fresh servers (--kafka-brokers/--database-url), or use --infra local or docker, which it replaces itself; then rerun')),
      kafkaLogBytes: () => Promise.resolve(undefined),
      stop: () => Promise.resolve(),
      [Symbol.asyncDispose]: () => Promise.resolve(),
    };
  }
}

function unreachable(what: string, error: unknown, flag: string): GraderError {
  const reason = error instanceof WaitTimeoutError ? error.message : String(error);
  return new GraderError('EXTERNAL_UNREACHABLE', `${what} is not reachable: ${reason}`, `check ${flag}, or use --infra local`);
}

/** postgres://user:secret@host/db → postgres://user:***@host/db */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<invalid url>';
  }
}
