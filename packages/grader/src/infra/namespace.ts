import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import type { InfraEndpoints } from './infra.ts';

export interface NamespaceOptions {
  /** Readable part of every name, e.g. `run` or a check id. */
  readonly label: string;
  readonly partitions?: number;
}

/** Lower-case identifier safe for Postgres and Kafka: `[a-z0-9_]`, at most 48 chars. */
export function namespaceName(label: string, suffix: string = randomBytes(4).toString('hex')): string {
  const clean = label.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 30) || 'ns';
  return `grader_${clean}_${suffix}`;
}

/**
 * One isolated slice of the shared infrastructure: its own database, topic and consumer group.
 * Created by the grader, dropped by the grader; targets only ever see their own namespace.
 */
export class Namespace {
  private dropped = false;

  private constructor(
    private readonly endpoints: InfraEndpoints,
    readonly name: string,
    readonly database: string,
    readonly databaseUrl: string,
    readonly topic: string,
    readonly groupId: string,
    readonly partitions: number,
  ) {}

  static async create(endpoints: InfraEndpoints, options: NamespaceOptions): Promise<Namespace> {
    const name = namespaceName(options.label);
    const partitions = options.partitions ?? 6;
    const url = new URL(endpoints.databaseUrl);
    url.pathname = `/${name}`;
    const ns = new Namespace(endpoints, name, name, url.toString(), `${name}.inventory`, `${name}.consumers`, partitions);
    await withAdminClient(endpoints.databaseUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
    try {
      await withKafkaAdmin(endpoints.kafkaBrokers, async (admin) => {
        await admin.createTopics({ topics: [{ topic: ns.topic, numPartitions: partitions }], waitForLeaders: false });
        await waitForTopicLeaders(admin, ns.topic, partitions);
      });
    } catch (error) {
      await ns.drop();
      throw error;
    }
    return ns;
  }

  /** Drops the database (terminating its connections), the topic and the group. Idempotent. */
  async drop(): Promise<void> {
    if (this.dropped) return;
    this.dropped = true;
    await Promise.allSettled([
      withAdminClient(this.endpoints.databaseUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${this.database}" WITH (FORCE)`)),
      withKafkaAdmin(this.endpoints.kafkaBrokers, async (admin) => {
        await admin.deleteTopics({ topics: [this.topic], timeout: 10_000 }).catch(() => undefined);
        await admin.deleteGroups([this.groupId]).catch(() => undefined);
      }),
    ]);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.drop();
  }
}

/** Metadata errors a KRaft broker answers while a just-created topic is still being published. */
const SETTLING = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

/**
 * Waits until every partition of `topic` has a leader. kafkajs's own `waitForLeaders` retries
 * only LEADER_NOT_AVAILABLE, but a KRaft broker answers UNKNOWN_TOPIC_OR_PARTITION for a moment
 * after the topic is created (longer on a busy machine), which kafkajs then throws.
 */
export async function waitForTopicLeaders(admin: Pick<KafkaAdmin, 'fetchTopicMetadata'>, topic: string, partitions: number, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  let seen = 'no metadata yet';
  for (;;) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      const led = topics[0]?.partitions.filter((p) => p.leader >= 0).length ?? 0;
      if (led === partitions) return;
      seen = `${led} of ${partitions} partitions have a leader`;
    } catch (error) {
      if (!SETTLING.has((error as { type?: string }).type ?? '')) throw error;
      seen = (error as Error).message;
    }
    if (Date.now() - started > timeoutMs) {
      throw new Error(`topic ${topic} has no leader for every partition after ${Date.now() - started} ms (last seen: ${seen})`);
    }
    await sleep(50);
  }
}

type KafkaAdmin = ReturnType<Kafka['admin']>;

export async function withAdminClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'grader-admin' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function withKafkaAdmin<T>(
  brokers: readonly string[],
  fn: (admin: KafkaAdmin) => Promise<T>,
): Promise<T> {
  const admin = new Kafka({ brokers: [...brokers], clientId: 'grader-admin', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}
