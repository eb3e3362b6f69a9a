import { setTimeout as sleep } from 'node:timers/promises';
import { ensure } from '../../engine/check-failure.ts';
import { addReplicas, startReplicas, waitForProgress } from '../../engine/drive.ts';
import { defineScenario } from '../../engine/scenario.ts';
import { System } from '../../engine/system.ts';
import { describeRace } from '../../target/race-report.ts';
import { describeGroup } from '../../target/replica-set.ts';
import type { StopResult } from '../../target/replica.ts';
import { restock, type ContractMessage } from '../../workloads/messages.ts';
import { expectedStock, outcomeCounts, roundRobin } from '../../workloads/plan.ts';
import { SeededRandom } from '../../workloads/random.ts';
import { expectOneOutcomeEach, expectStock } from '../verdicts.ts';

const SKUS = Array.from({ length: 6 }, (_, i) => `RB${i + 1}`);
/** The SKUs of the restocks that end idle members' long polls while replicas join (engine/drive.ts addReplicas); judged like every other restock. */
const nudgeSku = (partition: number): string => `RB-NUDGE-${partition}`;
/**
 * A long session for this scenario: a member that sent LeaveGroup is dropped at once, one that
 * did not stays a member for at least (session - drain - heartbeat interval) >= 10 s after exit.
 */
const SESSION_MS = 30_000;
const LEAVE_DEADLINE_MS = 3_000;

interface Observations {
  stock: Map<string, number>;
  expected: Map<string, number>;
  counts: Map<string, number>;
  ids: string[];
  stop?: StopResult;
  leftAfterMs?: number;
  stalled?: string;
}

export default defineScenario<Observations>({
  id: 'rebalance',
  budgetMs: 60_000,
  async run(ctx, track) {
    const system = track(await System.create(ctx, { scenario: 'rebalance', latencyMs: 8, products: Object.fromEntries([...SKUS, ...Array.from({ length: 6 }, (_, p) => nudgeSku(p))].map((s) => [s, 0])), sessionTimeoutMs: SESSION_MS }));
    const rnd = new SeededRandom(ctx.seed, 'rebalance');
    const messages = Array.from({ length: 900 }, (_, i) => restock(`rbl-${i}`, rnd.pick(SKUS), rnd.int(1, 3)));
    const nudges: ContractMessage[] = [];
    // Three waves, each produced just before an event, so every event meets work in flight.
    const waves = [messages.slice(0, 300), messages.slice(300, 600), messages.slice(600)];
    const waveIds = waves.map((w) => w.map((m) => m.id));
    let stop: StopResult | undefined;
    let leftAfterMs: number | undefined;
    let stalled: string | undefined;
    try {
      await startReplicas(system, 1);
      await system.produce(roundRobin(waves[0] ?? [], 6));
      await waitForProgress(system, waveIds[0] ?? [], 0.2, 20_000);
      // Two replicas join while the first is busy.
      await addReplicas(system, 2, nudgeSku, nudges);
      await system.produce(roundRobin(waves[1] ?? [], 6));
      await waitForProgress(system, waveIds[1] ?? [], 0.3, 20_000);
      // The longest-running replica leaves with SIGTERM while it has messages in flight.
      const leaving = system.replicas.running[0];
      if (leaving) {
        stop = await leaving.stop(10_000);
        // Measured from the exit: the group must drop the member well before its session timeout.
        const exitedAt = stop.exit.at;
        while (Date.now() - exitedAt < LEAVE_DEADLINE_MS) {
          const view = await describeGroup(system.admin, system.ns.groupId, system.ns.topic);
          if (view.assignments.length <= 2) {
            leftAfterMs = Date.now() - exitedAt;
            break;
          }
          await sleep(100);
        }
      }
      // A fourth replica joins during the last wave.
      await system.produce(roundRobin(waves[2] ?? [], 6));
      await addReplicas(system, 1, nudgeSku, nudges);
    } catch (error) {
      stalled = (error as Error).message;
    }
    const all = [...messages, ...nudges];
    const ids = all.map((m) => m.id);
    await system.drain(ids, 30_000);
    const rows = await system.outcomes();
    const applied = new Set(rows.filter((r) => r.outcome === 'applied').map((r) => r.message_id));
    return {
      stock: await system.stock(),
      expected: expectedStock(system.seedStock, all.filter((m) => applied.has(m.id))),
      counts: outcomeCounts(rows),
      ids,
      ...(stop ? { stop } : {}),
      ...(leftAfterMs !== undefined ? { leftAfterMs } : {}),
      ...(stalled ? { stalled } : {}),
    };
  },
  checks: {
    'race.conserved_across_rebalances': (o) => {
      ensure(o.stalled === undefined, () => o.stalled ?? '');
      expectStock('Stock disagrees with the restocks recorded as applied across rebalances (below: effects lost, above: more than the applied restocks account for)', o.expected, o.stock);
      const applied = o.ids.filter((id) => o.counts.has(id)).length;
      ensure(applied === o.ids.length, () => `only ${applied} of ${o.ids.length} restocks were processed across rebalances`);
    },
    'idempotency.exactly_once_across_rebalances': (o) => expectOneOutcomeEach('Across rebalances', o.ids, o.counts),
    'consumer_offsets.sigterm_drains_and_leaves': (o) => {
      ensure(o.stop !== undefined, () => o.stalled ?? 'no replica to stop');
      ensure(o.stop.graceful, () => `a replica did not exit within 10 s of SIGTERM and was killed`);
      ensure(o.stop.exit.code === 0, () => `a replica exited with ${o.stop?.exit.signal ?? `code ${o.stop?.exit.code}`} on SIGTERM, expected code 0${o.stop?.race ? `: it stopped on a data race (Go race detector): ${describeRace(o.stop.race)}` : ''}`);
      ensure(o.leftAfterMs !== undefined, () => `the group still counted the stopped replica ${LEAVE_DEADLINE_MS / 1000} s after it exited: it never left the group`);
    },
  },
});
