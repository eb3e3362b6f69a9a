import type { Admin } from 'kafkajs';

/** Resolves once `groupId` is Stable with `members` members that all hold partitions. */
export async function waitForConsumerToJoinGroup(admin: Admin, groupId: string, members = 1, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const [group] = (await admin.describeGroups([groupId])).groups;
    last = `${group?.state ?? 'none'} with ${group?.members.length ?? 0} member(s)`;
    if (group?.state === 'Stable' && group.members.length === members && group.members.every((m) => m.memberAssignment.length > 0)) {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`group ${groupId} not stable with ${members} member(s) after ${timeoutMs} ms: ${last}`);
}
