import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalInfra, type StartedLocalInfra } from '../src/infra/local-infra.ts';
import { Namespace } from '../src/infra/namespace.ts';
import { isAlive } from '../src/infra/session/cleanup.ts';
import { waitForConsumerToJoinGroup } from './helpers/kafka.ts';

describe('LocalInfra (real Kafka + PostgreSQL)', () => {
  let infra: StartedLocalInfra;
  let ns: Namespace;

  beforeAll(async () => {
    infra = await new LocalInfra({}).start();
    ns = await Namespace.create(infra.endpoints, { label: 'local infra test', partitions: 3 });
  });

  afterAll(async () => {
    await ns?.drop();
    await infra?.stop();
  });

  it('binds both servers to 127.0.0.1', () => {
    expect(infra.endpoints.kafkaBrokers[0]).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(new URL(infra.endpoints.databaseUrl).hostname).toBe('127.0.0.1');
  });

  it('a kafkajs consumer group receives what a producer sent, and commits offsets', async () => {
    const kafka = new Kafka({ brokers: [...infra.endpoints.kafkaBrokers], clientId: 'it', logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    // Idempotent: a send retried on a slow broker must not write the messages twice (offsets 2, not 1).
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    const consumer = kafka.consumer({ groupId: ns.groupId, sessionTimeout: 6_000, heartbeatInterval: 500 });
    await Promise.all([admin.connect(), producer.connect(), consumer.connect()]);
    try {
      await producer.send({ topic: ns.topic, messages: [0, 1, 2].map((p) => ({ partition: p, value: `hello-${p}` })) });
      const received: string[] = [];
      await consumer.subscribe({ topic: ns.topic, fromBeginning: true });
      await consumer.run({ eachMessage: ({ message }) => Promise.resolve(void received.push(String(message.value))) });
      await waitForConsumerToJoinGroup(admin, ns.groupId, 1);
      // At-least-once: a rebalance right after the first join may deliver a message again.
      const distinct = (): string[] => [...new Set(received)].sort();
      for (let i = 0; i < 100 && distinct().length < 3; i++) await new Promise((r) => setTimeout(r, 100));
      expect(distinct()).toEqual(['hello-0', 'hello-1', 'hello-2']);
      await consumer.disconnect(); // commits
      const [offsets] = await admin.fetchOffsets({ groupId: ns.groupId, topics: [ns.topic] });
      expect(offsets?.partitions.map((p) => p.offset).sort()).toEqual(['1', '1', '1']);
    } finally {
      await Promise.allSettled([consumer.disconnect(), producer.disconnect(), admin.disconnect()]);
    }
  });

  it('pg writes and reads a row in the namespace database', async () => {
    const client = new pg.Client({ connectionString: ns.targetUrl });
    await client.connect();
    try {
      await client.query('CREATE TABLE t (id int PRIMARY KEY, v text)');
      await client.query('INSERT INTO t VALUES (1, $1)', ['row']);
      const { rows } = await client.query<{ v: string }>('SELECT v FROM t WHERE id = 1');
      expect(rows).toEqual([{ v: 'row' }]);
    } finally {
      await client.end();
    }
  });

  it('stop() leaves no process, temp dir or session behind, and is idempotent', async () => {
    const other = await new LocalInfra({}).start();
    const kafkaPid = other.kafka.pid;
    const pgPid = await other.postgres.pid();
    expect(kafkaPid && isAlive(kafkaPid)).toBeTruthy();
    expect(pgPid && isAlive(pgPid)).toBeTruthy();
    await other.stop();
    await other.stop();
    expect(isAlive(kafkaPid ?? 0)).toBe(false);
    expect(isAlive(pgPid ?? 0)).toBe(false);
    expect(existsSync(other.kafka.dir)).toBe(false);
    expect(existsSync(other.postgres.dataDir)).toBe(false);
    expect(readdirSync(tmpdir()).filter((n) => n.includes(other.sessionId))).toEqual([]);
  });

  it('a namespace drop removes its database and topic', async () => {
    const temp = await Namespace.create(infra.endpoints, { label: 'drop me' });
    await temp.drop();
    const client = new pg.Client({ connectionString: infra.endpoints.databaseUrl });
    await client.connect();
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [temp.database]);
    await client.end();
    expect(rowCount).toBe(0);
    const admin = new Kafka({ brokers: [...infra.endpoints.kafkaBrokers], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const topics = await admin.listTopics();
    await admin.disconnect();
    expect(topics).not.toContain(temp.topic);
    expect(topics).toContain(ns.topic);
  });
});
