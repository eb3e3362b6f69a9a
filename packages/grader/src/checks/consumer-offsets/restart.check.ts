import { ensure } from '../../engine/check-failure.ts';
import { READY_TIMEOUT_MS, startReplicas, waitForCount, waitForProgress } from '../../engine/drive.ts';
import { OffsetSampler, type OffsetObservation } from '../../engine/observers.ts';
import { waitCommittedToEnd } from '../../engine/offsets.ts';
import { defineScenario } from '../../engine/scenario.ts';
import { TargetDeadline } from '../../target/cpu-wait.ts';
import { System } from '../../engine/system.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { adjust, order, type ContractMessage } from '../../workloads/messages.ts';
import { expectedStock, outcomeCounts, roundRobin } from '../../workloads/plan.ts';
import { SeededRandom } from '../../workloads/random.ts';
import { expectComplete, expectOneOutcomeEach, expectStock } from '../verdicts.ts';

const SKUS = Array.from({ length: 20 }, (_, i) => `RS${i + 1}`);
const STOCK = 10_000;
const REPLAYED = 60;
const WAVES = 5;

/** Waits until the group has committed an offset on some partition. */
async function waitForCommit(system: System, timeoutMs: number): Promise<void> {
  const deadline = new TargetDeadline(timeoutMs, () => system.replicas.running);
  while (!deadline.passed()) {
    if ([...(await system.committedOffsets()).values()].some((o) => o > 0)) return;
    await sleep(50);
  }
}

interface Observations {
  missingAfterRestart: readonly string[];
  /** Why the drain after the restart stopped waiting, when it did not see every outcome. */
  drainGaveUp?: string;
  stockAfterRestart: Map<string, number>;
  expected: Map<string, number>;
  countsAfterRestart: Map<string, number>;
  stockAfterReplay: Map<string, number>;
  countsAfterReplay: Map<string, number>;
  ids: string[];
  replayedIds: string[];
  offsets: OffsetObservation;
  committedToEnd: { reached: boolean; lagging: string[] };
  crashes: string[];
}

export default defineScenario<Observations>({
  id: 'restart',
  budgetMs: 60_000,
  async run(ctx, track) {
    const system = track(await System.create(ctx, { scenario: 'restart', latencyMs: 10, products: Object.fromEntries(SKUS.map((s) => [s, STOCK])) }));
    const rnd = new SeededRandom(ctx.seed, 'restart');
    // Adjustments and two-line orders (ample stock: every message applies, in any order).
    const messages: ContractMessage[] = Array.from({ length: 300 }, (_, i) =>
      i % 5 === 4
        ? order(`rst-${i}`, rnd.sample(SKUS, 2).map((sku) => ({ sku, quantity: rnd.int(1, 3) })))
        : adjust(`rst-${i}`, rnd.pick(SKUS), rnd.int(1, 5) * (rnd.int(0, 1) ? 1 : -1)),
    );
    const ids = messages.map((m) => m.id);
    const records = roundRobin(messages, 6);
    await startReplicas(system, 2);
    const sampler = new OffsetSampler(system).start();
    // Waves of ten per partition: small batches, so offsets are committed (and, by a target
    // that commits early, committed ahead) many times before the kill.
    for (let wave = 0; wave < WAVES; wave++) {
      await system.produce(records.slice(wave * 60, wave * 60 + 60));
      if (wave < WAVES - 1) await sleep(300);
    }
    // Kill mid-stream, once a third has outcomes and the group has committed offsets, and right
    // after the first message of the last wave got its outcome: that partition is then in the
    // middle of a batch of ten (at least 10 ms a message, polled every 50 ms), so a target that
    // commits a batch before processing it always has committed, unprocessed messages to lose.
    // (Killing "soon after the last wave was produced" missed that 1 run in 3: the replicas had
    // finished wave 4 and not yet fetched wave 5.)
    await waitForProgress(system, ids, 1 / 3, 30_000);
    await waitForCommit(system, 10_000);
    await waitForCount(system, ids.slice((WAVES - 1) * 60), 1, 30_000);
    system.mark('killing every replica');
    await system.replicas.killAll();
    for (const replica of system.replicas.all) system.replicas.restart(replica);
    // The killed members stay in the group until their session times out.
    await system.replicas.waitReady(READY_TIMEOUT_MS + 10_000, 2);
    const drained = await system.drain(ids, 30_000);
    const offsets = await sampler.stop();
    const stockAfterRestart = await system.stock();
    const countsAfterRestart = outcomeCounts(await system.outcomes());
    // Replay: the same ids again, after the restart (a producer retry, a re-sent batch).
    const replayed = records.filter((_, i) => i % 5 >= 3).slice(0, REPLAYED);
    await system.produce(replayed);
    const committedToEnd = await waitCommittedToEnd(system, 20_000);
    await system.waitQuiet(1_000);
    return {
      missingAfterRestart: drained.missing,
      ...(drained.gaveUp === undefined ? {} : { drainGaveUp: drained.gaveUp }),
      stockAfterRestart,
      expected: expectedStock(system.seedStock, messages),
      countsAfterRestart,
      stockAfterReplay: await system.stock(),
      countsAfterReplay: outcomeCounts(await system.outcomes()),
      ids,
      replayedIds: replayed.map((r) => r.id ?? ''),
      offsets,
      committedToEnd,
      crashes: system.replicas.crashes(),
    };
  },
  checks: {
    'consumer_offsets.nothing_lost_after_kill': (o) =>
      ensure(o.missingAfterRestart.length === 0, () => `Lost after SIGKILL: ${o.missingAfterRestart.length} of ${o.ids.length} messages never got an outcome (e.g. ${o.missingAfterRestart[0]}; ${o.drainGaveUp ?? 'the drain stopped'})${o.crashes[0] ? `; ${o.crashes[0]}` : ''}`),
    'idempotency.no_double_apply_after_kill': (o) => {
      expectStock('Stock after SIGKILL and redelivery is not each message applied once', o.expected, o.stockAfterRestart);
      expectOneOutcomeEach('After SIGKILL and restart', o.ids.filter((id) => o.countsAfterRestart.has(id)), o.countsAfterRestart);
    },
    'idempotency.dedup_survives_restart': (o) => {
      // Only ids recorded before the replay count: a message lost earlier may legitimately get its first outcome now.
      const seen = o.replayedIds.filter((id) => o.countsAfterRestart.has(id));
      ensure(seen.length > 0, () => `none of the ${o.replayedIds.length} replayed messages had an outcome before the replay`);
      const again = seen.filter((id) => (o.countsAfterReplay.get(id) ?? 0) > (o.countsAfterRestart.get(id) ?? 0));
      ensure(again.length === 0, () => `${again.length} of ${seen.length} messages replayed after the restart were processed again (e.g. ${again[0]})`);
      if (seen.length === o.replayedIds.length) expectStock('Replayed messages changed stock again', o.stockAfterRestart, o.stockAfterReplay);
    },
    'consumer_offsets.commit_after_durable': (o) => {
      expectComplete(o.missingAfterRestart.length, o.ids.length);
      ensure(o.offsets.samples > 0, () => 'no committed-offset sample could be taken');
      ensure(o.offsets.aheadSamples === 0, () => `offset committed before the write was durable in ${o.offsets.aheadSamples} of ${o.offsets.samples} samples: ${o.offsets.example}`);
    },
    'consumer_offsets.committed_to_end': (o) =>
      ensure(o.committedToEnd.reached, () => `20 s after the last message the group had not committed to the end: ${o.committedToEnd.lagging.slice(0, 3).join(', ')}`),
  },
});
