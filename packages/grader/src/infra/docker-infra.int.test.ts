/**
 * Against a REAL Docker engine; skipped where none answers. CI starts one (tools/docker-engine)
 * and builds the offline images first; elsewhere the first start pulls the official images or,
 * where that fails, builds the offline ones, which can take minutes.
 */
import Dockerode from 'dockerode';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { DockerInfra, dockerEngineAvailable } from './docker-infra.ts';
import { COMPONENT_LABEL, OWNER_PID_LABEL, SESSION_LABEL } from './docker/labels.ts';
import { BUILT_KAFKA_IMAGE, BUILT_POSTGRES_IMAGE } from './versions.ts';
import { spawnGrader } from '../../test/helpers/grader-process.ts';

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

describe.skipIf(!engine)('DockerInfra.recover() against a real Docker engine', () => {
  it('replaces a killed Kafka container and a killed PostgreSQL container; both answer again', async () => {
    const started = await new DockerInfra({}).start();
    const docker = new Dockerode();
    const containerOf = async (component: string): Promise<Dockerode.Container> => {
      const [info] = await docker.listContainers({ filters: { label: [`${SESSION_LABEL}=${started.sessionId}`, `${COMPONENT_LABEL}=${component}`] } });
      if (!info) throw new Error(`no running ${component} container`);
      return docker.getContainer(info.Id);
    };
    try {
      await (await containerOf('kafka')).kill();
      await (await containerOf('postgres')).kill();
      const problems = await started.health();
      expect(problems).toEqual([expect.stringMatching(/^Kafka: the kafka container exited with code 137$/), expect.stringMatching(/^PostgreSQL: the postgres container exited with code 137$/)]);

      await started.recover();
      expect(await started.health()).toEqual([]);
      const kafka = new Kafka({ brokers: [...started.endpoints.kafkaBrokers], clientId: 'docker-recover', logLevel: logLevel.NOTHING });
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: `recover-${Date.now()}`, numPartitions: 1 }], waitForLeaders: true });
      await admin.disconnect();
      const client = new pg.Client({ connectionString: started.endpoints.databaseUrl });
      await client.connect();
      const { rows } = await client.query<{ one: number }>('SELECT 1 AS one');
      await client.end();
      expect(rows).toEqual([{ one: 1 }]);
      expect(await docker.listContainers({ all: true, filters: { label: [`${SESSION_LABEL}=${started.sessionId}`] } })).toHaveLength(2);
    } finally {
      await started.stop();
    }
    expect(await docker.listContainers({ all: true, filters: { label: [`${SESSION_LABEL}=${started.sessionId}`] } })).toEqual([]);
  }, 600_000);
});

describe.skipIf(!engine)('grader infra images against a real Docker engine', () => {
  it('keeps images whose inputs did not change, and names a base image it cannot get in one line', async () => {
    // The first run builds what is missing (CI builds before the tests; here it may take minutes).
    const first = spawnGrader(['infra', 'images']);
    expect((await first.exited).code).toBe(0);
    const again = spawnGrader(['infra', 'images']);
    const began = Date.now();
    expect((await again.exited).code).toBe(0);
    expect(Date.now() - began).toBeLessThan(30_000);
    expect(again.stdout.trim().split('\n')).toEqual([`${BUILT_KAFKA_IMAGE}  up to date`, `${BUILT_POSTGRES_IMAGE}  up to date`]);

    const bad = spawnGrader(['infra', 'images', '--base-image', 'no-such-registry.invalid/base:1', '--rebuild']);
    expect((await bad.exited).code).toBe(2);
    const errors = bad.stderr.split('\n').filter((line) => line.startsWith('error['));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^error\[DOCKER_PULL_FAILED\]: could not pull no-such-registry\.invalid\/base:1: .*\(hint: /);
  }, 900_000);
});
