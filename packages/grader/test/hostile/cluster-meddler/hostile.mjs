// Without authentication every client may, by default, change the whole cluster: it tries to
// lower the broker-wide message size (which would break the grader's producers for the
// submissions after it), remove every ACL, read the broker's configuration (where quota
// exemptions would show) and delete the internal topics; prints what got through.
import kafkajs from 'kafkajs';

const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ConfigResourceTypes, ResourcePatternTypes } = kafkajs;
const kafka = new kafkajs.Kafka({ clientId: 'cluster-meddler', brokers: process.env.KAFKA_BROKERS.split(','), logLevel: kafkajs.logLevel.NOTHING, retry: { retries: 1 } });
const admin = kafka.admin();
await admin.connect();
const found = [];
const blocked = [];
async function attempt(what, action) {
  try {
    const result = await action();
    const errors = (result?.resources ?? result?.filterResponses ?? []).filter((r) => r.errorCode !== 0);
    if (errors.length > 0) blocked.push(`${what}: ${errors[0].errorMessage ?? `error ${errors[0].errorCode}`}`);
    else found.push(what);
  } catch (error) {
    blocked.push(`${what}: ${error.type ?? error.message}`);
  }
}
const { brokers } = await admin.describeCluster();
const broker = String(brokers[0]?.nodeId ?? 1);
await attempt('lowering message.max.bytes cluster-wide', () => admin.alterConfigs({ resources: [{ type: ConfigResourceTypes.BROKER, name: '', configEntries: [{ name: 'message.max.bytes', value: '100' }] }] }));
await attempt(`lowering message.max.bytes on broker ${broker}`, () => admin.alterConfigs({ resources: [{ type: ConfigResourceTypes.BROKER, name: broker, configEntries: [{ name: 'message.max.bytes', value: '100' }] }] }));
await attempt(`reading broker ${broker}'s configuration`, () => admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.BROKER, name: broker }] }));
await attempt('deleting every ACL', () => admin.deleteAcls({ filters: [{ resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY, operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY }] }));
await attempt('deleting __consumer_offsets', () => admin.deleteTopics({ topics: ['__consumer_offsets'], timeout: 5_000 }));
for (const line of blocked) console.log(`blocked: ${line}`);
for (const line of found) console.log(`LEAKED: ${line}`);
console.log(`hostile: cluster-meddler got ${found.length} of ${found.length + blocked.length} (${found.length === 0 ? 'all blocked' : `leaked ${found.join(', ')}`})`);
process.exit(3);
