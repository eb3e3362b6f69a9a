import { setTimeout as sleep } from 'node:timers/promises';
import { TargetDeadline } from '../target/cpu-wait.ts';
import type { System } from './system.ts';

/** Partitions with records whose committed offset is short of their end, as "partition p at c of h". */
export function laggingPartitions(committed: ReadonlyMap<number, number>, end: ReadonlyMap<number, number>): string[] {
  return [...end].filter(([p, high]) => high > 0 && (committed.get(p) ?? -1) < high).map(([p, high]) => `partition ${p} at ${committed.get(p) ?? -1} of ${high}`);
}

/** Waits until the group's committed offset of every partition equals the partition's end. */
export async function waitCommittedToEnd(system: System, timeoutMs: number): Promise<{ reached: boolean; lagging: string[] }> {
  const deadline = new TargetDeadline(timeoutMs, () => system.replicas.running);
  let lagging: string[] = [];
  for (;;) {
    const [committed, end] = await Promise.all([system.committedOffsets(), system.endOffsets()]);
    lagging = laggingPartitions(committed, end);
    if (lagging.length === 0) return { reached: true, lagging };
    if (deadline.passed()) return { reached: false, lagging };
    await sleep(100);
  }
}

/** Messages whose offset the group has committed but that have no outcome: lost for good. */
export async function lostMessages(system: System): Promise<string[]> {
  const committed = await system.committedOffsets();
  const covered = system.placements.filter((p) => p.offset < (committed.get(p.partition) ?? -1));
  return system.missingOutcomes([...new Set(covered.map((p) => p.id))]);
}
