import { Kafka, logLevel } from 'kafkajs';
import { graderClientId } from '../kafka/client-quotas.ts';
import pg from 'pg';

/** An admin client can connect and sees at least one broker in the cluster. */
export async function probeKafkaAdmin(brokers: readonly string[]): Promise<void> {
  const kafka = new Kafka({
    brokers: [...brokers],
    clientId: graderClientId(),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 2_000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) throw new Error('cluster reports no brokers');
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** PostgreSQL accepts a connection and answers a query. */
export async function probePostgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000, application_name: 'grader-readiness' });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}
