import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import type { InfraEndpoints } from './infra.ts';
import { graderClientId } from './kafka/client-quotas.ts';

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

/** Connections one namespace's role may hold at once (all replicas together). */
export const TARGET_CONNECTION_LIMIT = 100;

/** Namespaces whose targets may run at once: engine/run-checks.ts's scenarios at once, and one to spare. */
export const NAMESPACES_AT_ONCE = 6;

/**
 * max_connections of the servers the grader starts: every namespace at its limit at once, and
 * room for the grader's own connections, so that a target using (or leaking) all it may hold in
 * one scenario never refuses connections to another scenario's replicas.
 */
export const SERVER_MAX_CONNECTIONS = NAMESPACES_AT_ONCE * TARGET_CONNECTION_LIMIT + 100;

/**
 * Slots only superusers (the grader) may take, on the servers the grader starts: what the
 * namespaces may not hold. Targets reach the server only through the latency proxy, which lets
 * each hold at most TARGET_CONNECTION_LIMIT sockets, so even connections that never log in (they
 * hold a slot until authentication_timeout) cannot crowd out the grader.
 */
export const GRADER_RESERVED_CONNECTIONS = SERVER_MAX_CONNECTIONS - NAMESPACES_AT_ONCE * TARGET_CONNECTION_LIMIT;

/** The settings of the servers the grader starts (local and docker): capacity, and durability off (the data is throwaway). */
export const SERVER_SETTINGS = [
  `max_connections=${SERVER_MAX_CONNECTIONS}`,
  `superuser_reserved_connections=${GRADER_RESERVED_CONNECTIONS}`,
  // A connection that never logs in gives its slot back after 10 s, not the default 60.
  'authentication_timeout=10s',
  'fsync=off',
  'synchronous_commit=off',
  'full_page_writes=off',
];

/** Temporary files one session of a target may write (sorts, hashes): the server's disk is the machine's. */
export const TARGET_TEMP_FILE_LIMIT = '1GB';

/**
 * One isolated slice of the shared infrastructure: its own database, topic and consumer group,
 * and a login role of its own (random password, owner of this database only, no superuser,
 * CREATEDB or CREATEROLE, a connection limit, CONNECT on no other database). Created by the
 * grader, dropped by the grader; targets only ever see their own namespace, through `targetUrl`.
 */
export class Namespace {
  private dropped = false;

  private constructor(
    private readonly endpoints: InfraEndpoints,
    readonly name: string,
    readonly database: string,
    /** The target's role; it owns the database and (after handOver) the grader's tables. */
    readonly role: string,
    /** Superuser URL of this namespace's database: the grader's observers and faults use it. */
    readonly adminUrl: string,
    /** The role's URL: what the target's DATABASE_URL points at. */
    readonly targetUrl: string,
    readonly topic: string,
    readonly groupId: string,
    readonly partitions: number,
  ) {}

  static async create(endpoints: InfraEndpoints, options: NamespaceOptions): Promise<Namespace> {
    const name = namespaceName(options.label);
    const partitions = options.partitions ?? 6;
    const password = randomBytes(18).toString('base64url');
    const admin = new URL(endpoints.databaseUrl);
    admin.pathname = `/${name}`;
    const target = new URL(admin.toString());
    target.username = name;
    target.password = password;
    const ns = new Namespace(endpoints, name, name, name, admin.toString(), target.toString(), `${name}.inventory`, `${name}.consumers`, partitions);
    try {
      await withAdminClient(endpoints.databaseUrl, async (client) => {
        await client.query(
          `CREATE ROLE "${name}" LOGIN PASSWORD '${password}' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS CONNECTION LIMIT ${TARGET_CONNECTION_LIMIT}`,
        );
        // A superuser-only setting: the role cannot raise it.
        await client.query(`ALTER ROLE "${name}" SET temp_file_limit = '${TARGET_TEMP_FILE_LIMIT}'`);
        await client.query(`CREATE DATABASE "${name}" OWNER "${name}"`);
        // PUBLIC may connect to every new database by default: only its owner (and superusers) may.
        await client.query(`REVOKE ALL ON DATABASE "${name}" FROM PUBLIC`);
      });
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

  /**
   * Gives the role ownership of every table the grader created in the namespace's database, so
   * the target may add its own indexes and constraints to them (docs/CONTRACT.md section 5).
   * `client` is a superuser connection to that database.
   */
  async handOver(client: pg.ClientBase): Promise<void> {
    const { rows } = await client.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`);
    for (const { tablename } of rows) await client.query(`ALTER TABLE public."${tablename}" OWNER TO "${this.role}"`);
  }

  /** Drops the database (terminating its connections), the role, the topic and the group. Idempotent. */
  async drop(): Promise<void> {
    if (this.dropped) return;
    this.dropped = true;
    await Promise.allSettled([
      withAdminClient(this.endpoints.databaseUrl, async (client) => {
        await client.query(`DROP DATABASE IF EXISTS "${this.database}" WITH (FORCE)`);
        await client.query(`DROP ROLE IF EXISTS "${this.role}"`);
      }),
      withKafkaAdmin(this.endpoints.kafkaBrokers, async (admin) => {
        await admin.deleteTopics({ topics: [this.topic], timeout: 10_000 }).catch(() => undefined);
        await admin.deleteGroups([this.groupId]).catch(() => undefined);
        // The broker lists a deleted topic a moment longer: gone means no longer listed (a check between submissions looks).
        for (let look = 0; look < 50 && (await admin.listTopics().catch((): string[] => [])).includes(this.topic); look += 1) await sleep(100);
      }),
    ]);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.drop();
  }
}

/**
 * On a server the grader started itself: nobody but superusers may connect to the maintenance
 * databases (`postgres`, `template1`), so a namespace's role reaches its own database only.
 */
export async function restrictMaintenanceDatabases(superuserUrl: string): Promise<void> {
  await withAdminClient(superuserUrl, async (client) => {
    await client.query('REVOKE CONNECT, TEMPORARY ON DATABASE postgres FROM PUBLIC');
    await client.query('REVOKE CONNECT, TEMPORARY ON DATABASE template1 FROM PUBLIC');
  });
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
  const admin = new Kafka({ brokers: [...brokers], clientId: graderClientId(), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}
