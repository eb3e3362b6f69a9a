import kafkajs, { type AclEntry } from 'kafkajs';
import { withKafkaAdmin } from '../namespace.ts';

// kafkajs is CommonJS and these enums are not among the named exports Node's ESM loader sees.
const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = kafkajs;

/** Static broker settings: an authorizer that lets everyone do everything on a resource without ACLs. */
export const AUTHORIZER_PROPERTIES = {
  'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
  'allow.everyone.if.no.acl.found': 'true',
} as const;

/** What every client may still do on the cluster resource once it has ACLs (the broker's own heartbeats need CLUSTER_ACTION). */
const ALLOWED = [AclOperationTypes.CREATE, AclOperationTypes.CLUSTER_ACTION, AclOperationTypes.DESCRIBE, AclOperationTypes.IDEMPOTENT_WRITE];

/**
 * Refused to everyone from then on, the grader included (it needs them only before): ALTER (ACLs,
 * reassignments, leader elections, features), ALTER_CONFIGS (broker-wide configs and client
 * quotas) and DESCRIBE_CONFIGS (which would show the grader's exempt client id).
 */
const DENIED = [AclOperationTypes.ALTER, AclOperationTypes.ALTER_CONFIGS, AclOperationTypes.DESCRIBE_CONFIGS];

function clusterAcl(operation: kafkajs.AclOperationTypes, permissionType: kafkajs.AclPermissionTypes): AclEntry {
  return { resourceType: AclResourceTypes.CLUSTER, resourceName: 'kafka-cluster', resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:*', host: '*', operation, permissionType };
}

/** The broker's internal topics: a target may see them, not delete or reconfigure them. */
export const INTERNAL_TOPICS = ['__consumer_offsets', '__transaction_state', '__share_group_state'] as const;

// Literal names: a prefix would also deny the grader the deletion of a `__x` topic a target made.
function internalTopicAcl(topic: string, operation: kafkajs.AclOperationTypes, permissionType: kafkajs.AclPermissionTypes): AclEntry {
  return { resourceType: AclResourceTypes.TOPIC, resourceName: topic, resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:*', host: '*', operation, permissionType };
}

/** The ACLs lockCluster() creates, allowances first. */
export const CLUSTER_LOCK_ACLS: readonly AclEntry[] = [
  ...ALLOWED.map((o) => clusterAcl(o, AclPermissionTypes.ALLOW)),
  ...INTERNAL_TOPICS.flatMap((t) => [AclOperationTypes.DESCRIBE, AclOperationTypes.READ, AclOperationTypes.WRITE].map((o) => internalTopicAcl(t, o, AclPermissionTypes.ALLOW))),
  ...DENIED.map((o) => clusterAcl(o, AclPermissionTypes.DENY)),
  ...INTERNAL_TOPICS.flatMap((t) => [AclOperationTypes.DELETE, AclOperationTypes.ALTER, AclOperationTypes.ALTER_CONFIGS].map((o) => internalTopicAcl(t, o, AclPermissionTypes.DENY))),
];

/**
 * Without authentication every client is User:ANONYMOUS, so any target could lift its own quotas
 * or change broker-wide settings for the submissions after it. Once the grader has set the quotas,
 * the cluster's configuration is closed to everyone; topics and groups stay open (no ACLs on them).
 */
export async function lockCluster(brokers: readonly string[]): Promise<void> {
  await withKafkaAdmin(brokers, (admin) => admin.createAcls({ acl: [...CLUSTER_LOCK_ACLS] }));
}
