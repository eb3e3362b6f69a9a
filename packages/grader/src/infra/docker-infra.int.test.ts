/**
 * Against a REAL Docker engine; skipped where none answers (as on the machine this was written
 * on, so it has never run there: see docker/README.md). Pulls apache/kafka and postgres on first
 * use, which can take minutes.
 */
import Dockerode from 'dockerode';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { DockerInfra, dockerEngineAvailable } from './docker-infra.ts';
import { OWNER_PID_LABEL, SESSION_LABEL } from './docker/labels.ts';

const engine = await dockerEngineAvailable();

describe.skipIf(!engine)('DockerInfra against a real Docker engine', () => {
  it('boots Kafka and Postgres, serves kafkajs and pg, and stop() leaves no container', async () => {
    const started = await new DockerInfra({
      logger: { info: (m) => console.log(m), progress: (m) => console.log(m), warn: (m) => console.warn(m) },
    }).start();
    const docker = new Dockerode();
    const ours = () => docker.listContainers({ all: true, filters: { label: [`${SESSION_LABEL}=${started.sessionId}`] } });
    try {
      const mine = await ours();
      expect(mine).toHaveLength(2);
      for (const c of mine) {
        expect(c.Labels[OWNER_PID_LABEL]).toBe(String(process.pid));
        for (const port of c.Ports.filter((p) => p.PublicPort !== undefined)) expect(port.IP).toBe('127.0.0.1');
      }

      const kafka = new Kafka({ brokers: [...started.endpoints.kafkaBrokers], clientId: 'docker-int', logLevel: logLevel.NOTHING });
      const topic = `docker-int-${Date.now()}`;
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
      await admin.disconnect();
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic, messages: [{ value: 'hello' }] });
      await producer.disconnect();
      const consumer = kafka.consumer({ groupId: `${topic}-g` });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const received = await new Promise<string>((resolve) => {
        void consumer.run({ eachMessage: ({ message }) => Promise.resolve(resolve(message.value?.toString() ?? '')) });
      });
      await consumer.disconnect();
      expect(received).toBe('hello');

      const client = new pg.Client({ connectionString: started.endpoints.databaseUrl });
      await client.connect();
      await client.query('CREATE TABLE t (v text)');
      await client.query("INSERT INTO t VALUES ('row')");
      const { rows } = await client.query<{ v: string }>('SELECT v FROM t');
      await client.end();
      expect(rows).toEqual([{ v: 'row' }]);
      expect(started.bootTimes.kafkaMs).toBeGreaterThan(0);
      expect(started.bootTimes.postgresMs).toBeGreaterThan(0);
    } finally {
      await started.stop();
    }
    expect(await ours()).toEqual([]);
  }, 600_000);
});
