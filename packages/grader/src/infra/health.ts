import { GraderError } from '../errors/grader-error.ts';
import type { InfraEndpoints } from './infra.ts';
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

/**
 * Problems of the servers at `endpoints`, probed as a client would; `processProblems` come first
 * (a provider that knows its processes says "exited" rather than "no answer").
 */
export async function endpointHealth(endpoints: InfraEndpoints, known: { kafka?: string | undefined; postgres?: string | undefined } = {}, timeoutMs = HEALTH_TIMEOUT_MS): Promise<string[]> {
  const [kafka, postgres] = await Promise.all([
    known.kafka ?? answers('Kafka', () => probeKafkaAdmin(endpoints.kafkaBrokers), timeoutMs),
    known.postgres ?? answers('PostgreSQL', () => probePostgres(endpoints.databaseUrl), timeoutMs),
  ]);
  return [...(kafka ? [`Kafka: ${kafka}`] : []), ...(postgres ? [`PostgreSQL: ${postgres}`] : [])];
}

/** For providers that do not own the servers (external) or cannot restart them yet. */
export function cannotRecover(kind: string, problems: readonly string[]): GraderError {
  return new GraderError(
    'INFRA_FAILED',
    `the ${kind} infrastructure is down (${problems.join('; ')}) and the grader cannot restart it`,
    kind === 'external' ? 'restart the servers you passed with --kafka-brokers/--database-url, then rerun' : 'rerun; --infra local restarts a component a target broke',
  );
}
