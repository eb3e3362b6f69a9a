import { setTimeout as sleep } from 'node:timers/promises';
import { TargetDeadline } from '../target/cpu-wait.ts';
import { describeGroup } from '../target/replica-set.ts';
import { restock, serialise, type ContractMessage } from '../workloads/messages.ts';
import { CheckFailure } from './check-failure.ts';
import type { System } from './system.ts';

/** How long replicas may take to join the group and hold partitions. */
export const READY_TIMEOUT_MS = 30_000;

/** Starts `count` replicas, waits until the contract calls them ready, then (beside the exclusive scenario) for its turn. */
export async function startReplicas(system: System, count: number): Promise<void> {
  system.replicas.start(count);
  system.mark(`started ${count} replica(s)`);
  await system.replicas.waitReady(READY_TIMEOUT_MS, count);
  system.mark(`${count} replica(s) ready`);
  await system.waitForTurn();
}

/**
 * How often an idle group is nudged while it prepares a rebalance, and at most how many times
 * (12 x 0.4 s: by then a kafkajs long-poll fetch has returned on its own).
 */
const NUDGE_EVERY_MS = 400;
const MAX_NUDGES = 12;

/**
 * Starts `count` more replicas and waits until the contract calls all of them ready. A member
 * idle in a long-poll fetch learns of the rebalance their joins start only at its next
 * heartbeat, which kafkajs sends once a fetch returns (up to its 5 s maxWaitTime later, an
 * idle wait the verdicts do not need): while the group prepares the rebalance, a restock on
 * every partition every NUDGE_EVERY_MS ends such fetches. A client that heartbeats on its own
 * (franz-go, the Java client) only processes the nudges. Partition p's nudges restock
 * `nudgeSku(p)`, so no two of them (nor their redeliveries to a partition's next owner) wait on
 * each other's row. Returns the nudges (also appended to `sent` as they go, so a caller keeps
 * them when it throws) once every one has an outcome, so none is left to mix with what is
 * measured next.
 */
export async function addReplicas(system: System, count: number, nudgeSku: (partition: number) => string, sent: ContractMessage[] = []): Promise<ContractMessage[]> {
  const call = (calls.get(system) ?? 0) + 1;
  calls.set(system, call);
  const members = system.replicas.running.length + count;
  system.replicas.start(count);
  system.mark(`started ${count} more replica(s)`);
  let ready = false;
  let nudges = 0;
  let produceError: Error | undefined;
  const from = sent.length;
  const nudging = (async () => {
    let lastAt = 0;
    while (!ready && nudges < MAX_NUDGES) {
      const view = await describeGroup(system.admin, system.ns.groupId, system.ns.topic).catch(() => undefined);
      if (!ready && view?.state === 'PreparingRebalance' && Date.now() - lastAt >= NUDGE_EVERY_MS) {
        lastAt = Date.now();
        nudges++;
        // Ids unique across calls on one system: a repeated id would be a duplicate to the target.
        const messages = Array.from({ length: system.ns.partitions }, (_, partition) => restock(`nudge-${call}-${nudges}-${partition}`, nudgeSku(partition), 1));
        await system.produce(messages.map((m, partition) => ({ id: m.id, key: null, value: serialise(m), partition })));
        sent.push(...messages);
      }
      await sleep(100);
    }
  })().catch((error: unknown) => {
    produceError = error instanceof Error ? error : new Error('could not produce the nudges', { cause: error });
  });
  try {
    await system.replicas.waitReady(READY_TIMEOUT_MS, members);
  } finally {
    ready = true;
    await nudging;
  }
  if (produceError) throw produceError;
  system.mark(`${members} replica(s) ready${nudges > 0 ? ` (${nudges} nudge(s))` : ''}`);
  const mine = sent.slice(from);
  if (mine.length === 0) return mine;
  try {
    await waitForCount(system, mine.map((m) => m.id), mine.length, READY_TIMEOUT_MS);
  } catch (error) {
    if (!(error instanceof CheckFailure)) throw error;
    throw new CheckFailure(`the ${mine.length} restocks sent while ${count} replica(s) joined were not all processed: ${error.message}`);
  }
  return mine;
}

/** addReplicas calls so far per system, for nudge ids. */
const calls = new WeakMap<System, number>();

/**
 * Waits until at least `fraction` of `ids` have an outcome (used to place faults mid-stream).
 * Throws a CheckFailure if the target makes no such progress within `timeoutMs`.
 */
export async function waitForProgress(system: System, ids: readonly string[], fraction: number, timeoutMs: number): Promise<number> {
  return waitForCount(system, ids, Math.ceil(ids.length * fraction), timeoutMs);
}

/** Waits until at least `target` of `ids` have an outcome; CheckFailure on a stall. */
export async function waitForCount(system: System, ids: readonly string[], target: number, timeoutMs: number): Promise<number> {
  const deadline = new TargetDeadline(timeoutMs, () => system.replicas.running);
  for (;;) {
    const done = await system.countWithOutcome(ids);
    if (done >= target) return done;
    const crashed = system.replicas.crashes();
    if (deadline.passed() || system.replicas.running.length === 0) {
      throw new CheckFailure(
        `target stalled: ${done} of ${ids.length} messages had an outcome after ${deadline.describe()} (waiting for ${target})${crashed.length ? `; ${crashed[0]}` : ''}`,
      );
    }
    await sleep(50);
  }
}

/** What `terminateAtProgress` did: connections terminated at each step, and why it stopped early. */
export interface Terminations {
  readonly terminated: number[];
  readonly stalledAt?: string;
}

/**
 * Terminates every target connection each time `fractions[i]` of `ids` have an outcome. Stops
 * at the first fraction the target does not reach within `timeoutMs` (a stall is a verdict for
 * the checks, so it is returned, not thrown).
 */
export async function terminateAtProgress(system: System, ids: readonly string[], fractions: readonly number[], timeoutMs: number): Promise<Terminations> {
  const terminated: number[] = [];
  for (const fraction of fractions) {
    try {
      await waitForProgress(system, ids, fraction, timeoutMs);
    } catch (error) {
      return { terminated, stalledAt: (error as Error).message };
    }
    terminated.push(await system.terminateTargetConnections());
    system.mark(`terminated ${terminated.at(-1)} target connection(s) at ${Math.round(fraction * 100)} %`);
  }
  return { terminated };
}
