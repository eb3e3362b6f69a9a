import { INTERNAL_TOPICS } from './kafka/cluster-lock.ts';
import { withAdminClient, withKafkaAdmin } from './namespace.ts';
import type { InfraEndpoints } from './infra.ts';

/** Topics the broker keeps for itself. */
const KAFKA_INTERNAL_TOPICS = new Set<string>(INTERNAL_TOPICS);

/** The consumer group a namespace hands its target (namespace.ts: `${name}.consumers`). */
const NAMESPACE_GROUP = /^grader_[a-z0-9_]+_[0-9a-f]{8}\.consumers$/;

/** What a graded submission left on the servers, once every namespace of its grade was dropped. */
export interface Leftovers {
  readonly topics: readonly string[];
  /** Partitions of those topics. */
  readonly partitions: number;
  /** Partitions of each topic. */
  readonly partitionsOf: Readonly<Record<string, number>>;
  readonly groups: readonly string[];
  readonly databases: readonly string[];
  readonly roles: readonly string[];
}

/** One line for logs: what was found, or undefined when nothing was. */
export function describeLeftovers(found: Leftovers): string | undefined {
  const parts = [
    found.topics.length > 0 ? `${found.topics.length} topic(s) with ${found.partitions} partition(s) (e.g. ${JSON.stringify(found.topics[0])})` : '',
    // JSON quotes: a target names its groups, and a name may hold newlines or escape codes.
    found.groups.length > 0 ? `${found.groups.length} consumer group(s) (e.g. ${JSON.stringify(found.groups[0])})` : '',
    found.databases.length > 0 ? `${found.databases.length} database(s)` : '',
    found.roles.length > 0 ? `${found.roles.length} role(s)` : '',
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : undefined;
}

/**
 * Between two submissions on servers the grader owns (never on --infra external, where other
 * graders may have namespaces): deletes every topic and consumer group but Kafka's internal ones,
 * and every namespace database and role that is still there (a target may create topics and
 * groups of any name; a namespace whose drop failed leaves its database). Returns what it found:
 * a check, not a hope.
 */
export async function removeLeftovers(endpoints: InfraEndpoints): Promise<Leftovers> {
  const kafka = await withKafkaAdmin(endpoints.kafkaBrokers, async (admin) => {
    // Metadata of every topic at once: asking for named ones fails on one whose deletion is under way.
    const metadata = (await admin.fetchTopicMetadata()).topics.filter((t) => !KAFKA_INTERNAL_TOPICS.has(t.name));
    const topics = metadata.map((t) => t.name);
    const all = (await admin.listGroups()).groups.map((g) => g.groupId);
    // A topic already being deleted answers UNKNOWN_TOPIC_OR_PARTITION: gone either way, and the next look checks.
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 }).catch((error: unknown) => {
      const { type, cause } = error as { type?: string; cause?: { type?: string } };
      if (type !== 'UNKNOWN_TOPIC_OR_PARTITION' && cause?.type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw error;
    });
    // A group whose killed members have not yet timed out cannot be deleted (GROUP_NOT_EMPTY):
    // it is tried again after the next submission.
    if (all.length > 0) await admin.deleteGroups(all).catch(() => undefined);
    // A namespace's own group (the target joined it as told) is the grader's to drop, not a leftover.
    const groups = all.filter((g) => !NAMESPACE_GROUP.test(g));
    const partitionsOf = Object.fromEntries(metadata.map((t) => [t.name, t.partitions.length]));
    return { topics, partitions: metadata.reduce((n, t) => n + t.partitions.length, 0), partitionsOf, groups };
  });
  const postgres = await withAdminClient(endpoints.databaseUrl, async (client) => {
    const databases = (await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'grader\\_%'`)).rows.map((r) => r.datname);
    const roles = (await client.query<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE rolname LIKE 'grader\\_%' AND NOT rolsuper`)).rows.map((r) => r.rolname);
    for (const db of databases) await client.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
    for (const role of roles) await client.query(`DROP ROLE IF EXISTS "${role}"`);
    return { databases, roles };
  });
  return { ...kafka, ...postgres };
}
