import { describe, expect, it } from 'vitest';
import { GROUP_INITIAL_REBALANCE_DELAY_MS, KAFKA_IMAGE, POSTGRES_IMAGE } from '../versions.ts';
import { KAFKA_CLUSTER_ID, kafkaContainerOptions, postgresContainerOptions, publishedPort } from './container-options.ts';
import { COMPONENT_LABEL, OWNER_HOST_LABEL, OWNER_PID_LABEL, SESSION_LABEL } from './labels.ts';

const owner = { sessionId: 'sess-1', pid: 4242, host: 'box' };

function envOf(env: string[] | undefined): Record<string, string> {
  return Object.fromEntries((env ?? []).map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
}

describe('kafkaContainerOptions', () => {
  const options = kafkaContainerOptions({ owner, hostPort: 40123 });
  const env = envOf(options.Env);

  it('runs the pinned image under a session name with the grader labels', () => {
    expect(options.Image).toBe(KAFKA_IMAGE);
    expect(options.name).toBe('inventory-grader-sess-1-kafka');
    expect(options.Labels).toEqual({
      [SESSION_LABEL]: 'sess-1',
      [OWNER_PID_LABEL]: '4242',
      [OWNER_HOST_LABEL]: 'box',
      [COMPONENT_LABEL]: 'kafka',
    });
  });

  it('publishes only the external listener, on 127.0.0.1 and the chosen port', () => {
    expect(options.HostConfig?.PortBindings).toEqual({ '9092/tcp': [{ HostIp: '127.0.0.1', HostPort: '40123' }] });
    expect(options.ExposedPorts).toEqual({ '9092/tcp': {} });
    expect(options.HostConfig?.AutoRemove).toBe(false);
  });

  it('configures a single-node KRaft broker+controller advertising the host port', () => {
    expect(env).toMatchObject({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: 'PLAINTEXT://:19092,EXTERNAL://:9092,CONTROLLER://:9093',
      KAFKA_ADVERTISED_LISTENERS: 'PLAINTEXT://kafka:19092,EXTERNAL://127.0.0.1:40123',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT',
      KAFKA_INTER_BROKER_LISTENER_NAME: 'PLAINTEXT',
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      CLUSTER_ID: KAFKA_CLUSTER_ID,
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: String(GROUP_INITIAL_REBALANCE_DELAY_MS),
    });
    expect(options.Hostname).toBe('kafka');
    // No listener binds the non-routable 0.0.0.0 explicitly (Kafka rejects it as advertised).
    expect(env.KAFKA_LISTENERS).not.toContain('0.0.0.0');
  });

  it('uses a KRaft cluster id of 16 bytes in base64url', () => {
    expect(KAFKA_CLUSTER_ID).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(KAFKA_CLUSTER_ID, 'base64url')).toHaveLength(16);
  });

  it('rejects a port that cannot be published', () => {
    expect(() => kafkaContainerOptions({ owner, hostPort: 0 })).toThrow(RangeError);
    expect(() => kafkaContainerOptions({ owner, hostPort: 70_000 })).toThrow(RangeError);
  });
});

describe('postgresContainerOptions', () => {
  const options = postgresContainerOptions({ owner, password: 'secret' });

  it('runs the pinned image with the password, labels and a random 127.0.0.1 port', () => {
    expect(options.Image).toBe(POSTGRES_IMAGE);
    expect(options.name).toBe('inventory-grader-sess-1-postgres');
    expect(options.Env).toEqual(['POSTGRES_PASSWORD=secret']);
    expect(options.Labels?.[COMPONENT_LABEL]).toBe('postgres');
    expect(options.Labels?.[SESSION_LABEL]).toBe('sess-1');
    expect(options.HostConfig?.PortBindings).toEqual({ '5432/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
  });

  it('turns durability off through server arguments', () => {
    expect(options.Cmd).toEqual(['postgres', '-c', 'max_connections=700', '-c', 'superuser_reserved_connections=100', '-c', 'authentication_timeout=10s', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']);
  });
});

describe('publishedPort', () => {
  it('reads the host port once inspect() shows it', () => {
    const info = (ports: unknown) => ({ NetworkSettings: { Ports: ports } }) as Parameters<typeof publishedPort>[0];
    expect(publishedPort(info({}), '5432/tcp')).toBeUndefined();
    expect(publishedPort(info({ '5432/tcp': null }), '5432/tcp')).toBeUndefined();
    expect(publishedPort(info({ '5432/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] }), '5432/tcp')).toBeUndefined();
    expect(publishedPort(info({ '5432/tcp': [{ HostIp: '127.0.0.1', HostPort: '55001' }] }), '5432/tcp')).toBe(55001);
    expect(publishedPort({ NetworkSettings: undefined } as unknown as Parameters<typeof publishedPort>[0], '5432/tcp')).toBeUndefined();
  });
});
