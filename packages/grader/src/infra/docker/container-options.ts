import type Dockerode from 'dockerode';
import { AUTHORIZER_PROPERTIES } from '../kafka/cluster-lock.ts';
import { KAFKA_IMAGE, POSTGRES_IMAGE, GROUP_INITIAL_REBALANCE_DELAY_MS } from '../versions.ts';
import { containerName, graderLabels, type ContainerOwner } from './labels.ts';
import { SERVER_SETTINGS } from '../namespace.ts';

/** Container-side ports. The external Kafka listener and Postgres are published on 127.0.0.1. */
export const KAFKA_EXTERNAL_PORT = 9092;
export const KAFKA_INTERNAL_PORT = 19092;
export const KAFKA_CONTROLLER_PORT = 9093;
export const POSTGRES_PORT = 5432;
/** The broker's log dir in its container (in the container's own filesystem). */
export const KAFKA_LOG_DIR = '/tmp/kraft-combined-logs';
export const KAFKA_HOSTNAME = 'kafka';
/** A fixed KRaft cluster id (22 chars, base64url of 16 bytes): every container is formatted fresh. */
export const KAFKA_CLUSTER_ID = 'aW52ZW50b3J5LWdyYWRlcg';

export interface KafkaContainerSpec {
  readonly owner: ContainerOwner;
  /** Chosen on 127.0.0.1 before the container exists, because the broker must advertise it. */
  readonly hostPort: number;
  readonly image?: string;
}

/**
 * A single-node KRaft broker+controller from the apache/kafka image, configured through KAFKA_*
 * env (the image turns KAFKA_FOO_BAR into foo.bar). Three listeners:
 * - EXTERNAL on 9092, published as 127.0.0.1:<hostPort> and advertised as exactly that, so
 *   clients on this machine get a reachable address back in metadata;
 * - PLAINTEXT on 19092 for the container network and inter-broker traffic, advertised under the
 *   container's host name;
 * - CONTROLLER on 9093, not published.
 * Listener hosts are left empty (bind all interfaces): 0.0.0.0 would be rejected as an
 * advertised address for a listener that is not explicitly advertised.
 */
export function kafkaContainerOptions(spec: KafkaContainerSpec): Dockerode.ContainerCreateOptions {
  const { owner, hostPort } = spec;
  if (!Number.isInteger(hostPort) || hostPort <= 0 || hostPort > 65_535) {
    throw new RangeError(`invalid Kafka host port ${hostPort}`);
  }
  const env: Record<string, string> = {
    KAFKA_NODE_ID: '1',
    KAFKA_PROCESS_ROLES: 'broker,controller',
    KAFKA_LISTENERS: `PLAINTEXT://:${KAFKA_INTERNAL_PORT},EXTERNAL://:${KAFKA_EXTERNAL_PORT},CONTROLLER://:${KAFKA_CONTROLLER_PORT}`,
    KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${KAFKA_HOSTNAME}:${KAFKA_INTERNAL_PORT},EXTERNAL://127.0.0.1:${hostPort}`,
    KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT',
    KAFKA_INTER_BROKER_LISTENER_NAME: 'PLAINTEXT',
    KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
    // Static quorum: the image formats storage without --standalone, which is what static voters need.
    KAFKA_CONTROLLER_QUORUM_VOTERS: `1@localhost:${KAFKA_CONTROLLER_PORT}`,
    CLUSTER_ID: KAFKA_CLUSTER_ID,
    KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
    KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS: '1',
    KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
    KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
    KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: '1',
    KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: '1',
    KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: String(GROUP_INITIAL_REBALANCE_DELAY_MS),
    // As the local provider: the grader creates every topic, and deleted topics' files go after 1 s.
    KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
    KAFKA_FILE_DELETE_DELAY_MS: '1000',
    // See kafka/cluster-lock.ts: the cluster's configuration is closed once the quotas are set.
    KAFKA_AUTHORIZER_CLASS_NAME: AUTHORIZER_PROPERTIES['authorizer.class.name'],
    KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND: AUTHORIZER_PROPERTIES['allow.everyone.if.no.acl.found'],
    // In the container's own filesystem, not a volume: removed with the container.
    KAFKA_LOG_DIRS: KAFKA_LOG_DIR,
    // Read by kafka-server-start.sh (the image default is 1 GB); mirrors the local provider.
    KAFKA_HEAP_OPTS: '-Xmx512m -Xms512m',
  };
  return {
    name: containerName(owner.sessionId, 'kafka'),
    Image: spec.image ?? KAFKA_IMAGE,
    Hostname: KAFKA_HOSTNAME,
    Env: Object.entries(env).map(([key, value]) => `${key}=${value}`),
    Labels: graderLabels(owner, 'kafka'),
    ExposedPorts: { [`${KAFKA_EXTERNAL_PORT}/tcp`]: {} },
    HostConfig: {
      PortBindings: { [`${KAFKA_EXTERNAL_PORT}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: String(hostPort) }] },
      AutoRemove: false,
    },
  };
}

export interface PostgresContainerSpec {
  readonly owner: ContainerOwner;
  readonly password: string;
  readonly image?: string;
}

/**
 * The official postgres image with durability off (a grading database is thrown away), published
 * on a random 127.0.0.1 port that the engine picks (read back from inspect()).
 */
export function postgresContainerOptions(spec: PostgresContainerSpec): Dockerode.ContainerCreateOptions {
  const settings = SERVER_SETTINGS;
  return {
    name: containerName(spec.owner.sessionId, 'postgres'),
    Image: spec.image ?? POSTGRES_IMAGE,
    Env: [`POSTGRES_PASSWORD=${spec.password}`],
    Cmd: ['postgres', ...settings.flatMap((setting) => ['-c', setting])],
    Labels: graderLabels(spec.owner, 'postgres'),
    ExposedPorts: { [`${POSTGRES_PORT}/tcp`]: {} },
    HostConfig: {
      PortBindings: { [`${POSTGRES_PORT}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: '' }] },
      AutoRemove: false,
    },
  };
}

/** The host port published for `containerPort` (e.g. `5432/tcp`), once inspect() shows it. */
export function publishedPort(info: Pick<Dockerode.ContainerInspectInfo, 'NetworkSettings'>, containerPort: string): number | undefined {
  const ports = info.NetworkSettings?.Ports as Record<string, { HostIp?: string; HostPort?: string }[] | null | undefined> | undefined;
  const bindings = ports?.[containerPort] ?? [];
  for (const binding of bindings) {
    const port = Number(binding.HostPort);
    if (Number.isInteger(port) && port > 0) return port;
  }
  return undefined;
}
