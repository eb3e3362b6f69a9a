import { GraderError } from '../errors/grader-error.ts';
import type { InfraEndpoints } from './infra.ts';
import { Namespace } from './namespace.ts';
import { probeKafkaAdmin, probePostgres } from './wait/probes.ts';
import { forProbe } from './wait/wait-strategy.ts';

/** How long a component may take to answer before health() calls it down. */
export const HEALTH_TIMEOUT_MS = 10_000;

/** `undefined` if `probe` succeeds within `timeoutMs` (retrying), else why it did not. */
async function answers(what: string, probe: () => Promise<void>, timeoutMs: number): Promise<string | undefined> {
  try {
    await forProbe(what, probe, 250).waitUntilReady({ logText: () => '', failIfExited: () => undefined }, Date.now() + timeoutMs);
    return undefined;
  } catch (error) {
    return `no answer within ${timeoutMs / 1000} s (${error instanceof Error ? error.message : String(error)})`;
  }
}

/** How a component is asked whether it answers (the docker provider's tests pass their own). */
export interface HealthProbes {
  kafka(brokers: readonly string[]): Promise<void>;
  postgres(url: string): Promise<void>;
}

/**
 * Problems of the servers at `endpoints`, probed as a client would; `processProblems` come first
 * (a provider that knows its processes says "exited" rather than "no answer").
 */
export async function endpointHealth(
  endpoints: InfraEndpoints,
  known: { kafka?: string | undefined; postgres?: string | undefined } = {},
  timeoutMs = HEALTH_TIMEOUT_MS,
  probes: HealthProbes = { kafka: probeKafkaAdmin, postgres: probePostgres },
): Promise<string[]> {
  const [kafka, postgres] = await Promise.all([
    known.kafka ?? answers('Kafka', () => probes.kafka(endpoints.kafkaBrokers), timeoutMs),
    known.postgres ?? answers('PostgreSQL', () => probes.postgres(endpoints.databaseUrl), timeoutMs),
  ]);
  return [...(kafka ? [`Kafka: ${kafka}`] : []), ...(postgres ? [`PostgreSQL: ${postgres}`] : [])];
}

/** For a provider that does not own the servers (external): it can only say they are down. */
export function cannotRecover(kind: string, problems: readonly string[]): GraderError {
  return new GraderError(
    'INFRA_FAILED',
    `the ${kind} infrastructure is down (${problems.join('; ')}) and the grader cannot restart it`,
    'restart the servers you passed with --kafka-brokers/--database-url, then rerun',
  );
}

/**
 * What a grade needs of the servers, done once as a correct target's scenario would: a namespace
 * (role, database, topic of 6 partitions with a leader each) made and dropped within `timeoutMs`.
 * Undefined when it worked, else why not. Run right after servers were replaced: fresh servers
 * that fail it are the grader's problem (exit 2), not the next submission's.
 */
export async function knownGoodProbe(endpoints: InfraEndpoints, timeoutMs = 60_000): Promise<string | undefined> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no namespace within ${timeoutMs / 1000} s`), timeoutMs);
  });
  const attempt = (async (): Promise<string | undefined> => {
    try {
      const ns = await Namespace.create(endpoints, { label: 'probe', partitions: 6 });
      await ns.drop();
      return undefined;
    } catch (error) {
      return `${error instanceof Error ? error.message : String(error)} (after ${Date.now() - started} ms)`;
    }
  })();
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
