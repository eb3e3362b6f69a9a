import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { silentLogger } from '../src/infra/infra.ts';
import { KafkaRuntime } from '../src/infra/kafka/kafka-runtime.ts';
import { LocalKafka } from '../src/infra/kafka/local-kafka.ts';
import { LocalInfra } from '../src/infra/local-infra.ts';
import { LocalPostgres } from '../src/infra/postgres/local-postgres.ts';
import { Namespace } from '../src/infra/namespace.ts';
import { SessionRegistry } from '../src/infra/session/session-registry.ts';
import { MemorySampler, treeRss } from './memory-sampler.ts';

export interface BootSample {
  readonly label: string;
  readonly resolveAndBootMs: number;
  readonly kafkaMs: number;
  readonly postgresMs: number;
  readonly peakRssBytes: number;
}

/** One boot, a small Kafka round trip and a Postgres write (so memory includes real work), then stop. */
async function bootOnce(label: string, cacheDir: string | undefined): Promise<BootSample> {
  const env = cacheDir ? { ...process.env, GRADER_CACHE_DIR: cacheDir } : process.env;
  // The Kafka JVM, the postmaster and its backends are all descendants of this process.
  const sampler = new MemorySampler(() => treeRss([process.pid]));
  const started = Date.now();
  const infra = await new LocalInfra({ env, registry: new SessionRegistry(cacheDir) }).start();
  const resolveAndBootMs = Date.now() - started;
  let peakRssBytes = 0;
  try {
    const ns = await Namespace.create(infra.endpoints, { label: 'bench', partitions: 6 });
    const kafka = new Kafka({ brokers: [...infra.endpoints.kafkaBrokers], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: ns.topic, messages: Array.from({ length: 2000 }, (_, i) => ({ key: `k${i % 50}`, value: `v${i}` })) });
    await producer.disconnect();
    const client = new pg.Client({ connectionString: ns.targetUrl });
    await client.connect();
    await client.query('CREATE TABLE t (id int PRIMARY KEY)');
    await client.query('INSERT INTO t SELECT generate_series(1, 10000)');
    await client.end();
    await ns.drop();
  } finally {
    peakRssBytes = sampler.stop();
    await infra.stop();
  }
  return { label, resolveAndBootMs, kafkaMs: infra.bootTimes.kafkaMs, postgresMs: infra.bootTimes.postgresMs, peakRssBytes };
}

/**
 * Cold: an empty jar cache (Maven copies from ~/.m2; on a fresh machine it also downloads from
 * Maven Central, which this figure does not include). Warm: the cache is filled, as on every
 * later run. Each warm figure is the median of `warmRuns`.
 */
export async function benchInfraBoot(warmRuns = 3): Promise<{ cold: BootSample; warm: BootSample[] }> {
  const coldCache = mkdtempSync(join(tmpdir(), 'grader-bench-cache-'));
  try {
    const cold = await bootOnce('cold (empty jar cache)', coldCache);
    const warm: BootSample[] = [];
    for (let i = 0; i < warmRuns; i++) warm.push(await bootOnce(`warm #${i + 1}`, coldCache));
    return { cold, warm };
  } finally {
    rmSync(coldCache, { recursive: true, force: true });
  }
}

/** Each component booted alone (no CPU contention from the other), `runs` times each. */
export async function benchComponentsAlone(runs = 3): Promise<{ kafkaMs: number[]; postgresMs: number[] }> {
  const registry = new SessionRegistry();
  const kafkaMs: number[] = [];
  const postgresMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const session = registry.create('local');
    try {
      const pgStarted = Date.now();
      const postgres = await new LocalPostgres({ session, logger: silentLogger }).start();
      postgresMs.push(Date.now() - pgStarted);
      await postgres.stop();
      const runtime = await new KafkaRuntime({ logger: silentLogger, session }).resolve();
      const kafkaStarted = Date.now();
      const kafka = await new LocalKafka({ runtime, session, logger: silentLogger }).start();
      kafkaMs.push(Date.now() - kafkaStarted);
      await kafka.stop();
    } finally {
      session.closeSync();
    }
  }
  return { kafkaMs, postgresMs };
}
