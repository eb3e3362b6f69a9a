import { setTimeout as sleep } from 'node:timers/promises';
import { CheckFailure, InfraFailure } from '../../engine/check-failure.ts';
import { addReplicas, READY_TIMEOUT_MS, startReplicas } from '../../engine/drive.ts';
import { ExclusiveTurn } from '../../engine/exclusive-turn.ts';
import { defineScenario } from '../../engine/scenario.ts';
import { System } from '../../engine/system.ts';
import { RowGate } from '../../faults/row-gate.ts';
import { CpuStarvation, STARVATION_CAP_MS } from '../../target/cpu-wait.ts';
import { noteIfOverloaded, OwnThreadsLatency, waitRecord } from '../../target/overload.ts';
import { LaunchFailure } from '../../target/launcher.ts';
import { restock, serialise, type ContractMessage } from '../../workloads/messages.ts';
import { roundRobin } from '../../workloads/plan.ts';
import { AMBIGUOUS_SPEEDUP, ambiguous, judgeSpeedup, ratio, type Measurement, type Measurements, type Rate } from './speedup.ts';

/**
 * One SKU per message of the whole scenario (at most five baselines of 100 and four rounds of
 * 240): every measurement meets SKUs the target has never seen, so a target that caches rows
 * is not faster in a later baseline than in the round before it.
 */
const SKUS = Array.from({ length: 1500 }, (_, i) => `TP${i + 1}`);
/** The SKU of the primer messages, whose row the grader holds while a batch is produced. */
const GATE_SKU = 'TP-GATE';
/** The SKUs (one per partition) of the restocks that end an idle replica's fetch while 2 more join (engine/drive.ts addReplicas). */
const nudgeSku = (partition: number): string => `TP-NUDGE-${partition}`;
const NUDGE_SKUS = Array.from({ length: 6 }, (_, p) => nudgeSku(p));
/**
 * Messages per second to process `messages` (placed by `partitionOf`), measured from the moment
 * they can all start to the last outcome. kafkajs fetches again only once every batch of its
 * previous fetch is handled, so a batch produced while a consumer waits in a fetch is often
 * seen one partition group at a time. Instead, each replica first gets a primer message (a
 * restock of GATE_SKU, on the first partition it holds) that waits on a row lock the grader
 * holds; the batch is produced meanwhile, and when the gate opens every replica's next fetch
 * holds all of its busy partitions. Stops early once the rate is certainly below `floor`
 * (msg/s) and returns the rate so far, an upper bound: a global lock fails fast.
 */
async function rate(system: System, round: string, messages: readonly ContractMessage[], partitionOf: (i: number) => number, floor: number, timeoutMs: number): Promise<Rate> {
  const ids = messages.map((m) => m.id);
  const primers = (await system.firstPartitions()).map((partition, i) => ({ partition, message: restock(`tp-primer-${round}-${i}`, GATE_SKU, 1) }));
  const gate = await RowGate.close(system.db, [GATE_SKU]);
  let waiting = 0;
  try {
    await system.produce(primers.map(({ partition, message }) => ({ id: message.id, key: null, value: serialise(message), partition })));
    // A target that never blocks on the row (or not in every replica) lets the gate open on time.
    waiting = await gate.waitFor(primers.length, 5_000);
    await system.produce(roundRobin(messages, 6).map((r, i) => ({ ...r, partition: partitionOf(i) })));
  } finally {
    await gate.open();
  }
  system.mark(`${round}: gate opened with ${waiting} of ${primers.length} primer(s) waiting`);
  const started = Date.now();
  const giveUpAt = floor > 0 ? started + (ids.length * 1000) / floor : started + timeoutMs;
  // A round that ran out on an overloaded machine measured the machine, not the target
  // (engine/scenario.ts): it has no allowance, so a quarter of it spent waiting for a CPU is past it.
  const own = new OwnThreadsLatency();
  const starvation = new CpuStarvation(() => system.replicas.running, Number.POSITIVE_INFINITY);
  while ((await system.countWithOutcome(ids)) < ids.length) {
    if (Date.now() > Math.min(giveUpAt, started + timeoutMs)) {
      if (floor > 0) return { perSecond: (ids.length * 1000) / (Date.now() - started), upperBound: true };
      const { waitedMs, throttledMs } = starvation.machineMs();
      noteIfOverloaded(waitedMs, throttledMs, timeoutMs / 4, own);
      throw new CheckFailure(`${ids.length} messages were not processed within ${timeoutMs / 1000} s (${waitRecord(waitedMs, throttledMs, own)})`);
    }
    await sleep(25);
  }
  const measured: Rate = { perSecond: (ids.length * 1000) / (Date.now() - started), upperBound: false };
  system.mark(`${round}: ${measured.perSecond.toFixed(1)} msg/s`);
  return measured;
}

interface Observations {
  partitions?: Measurements;
  replicas?: Measurements;
  failure?: string;
}

const batch = (from: number, count: number): ContractMessage[] =>
  Array.from({ length: count }, (_, i) => restock(`tp-${from + i}`, SKUS[(from + i) % SKUS.length] ?? 'TP1', 1));

/** Messages of one baseline: long enough that a neighbour's burst of a second or two does not decide it. */
const BASELINE = 100;
/** Messages of one round on six partitions. */
const ROUND = 240;
/** At most this long the first baseline waits for the scenarios started beside this one to be set up and waiting: their replicas' readiness timeout, stretched by a starved machine, and their namespaces. */
const NEIGHBOURS_WAITING_MS = READY_TIMEOUT_MS + STARVATION_CAP_MS + 30_000;

export default defineScenario<Observations>({
  id: 'throughput',
  // Up to four rounds of 240 messages and six baselines when both ratios need a second measurement.
  budgetMs: 180_000,
  async run(ctx, track) {
    const system = track(await System.create(ctx, { scenario: 'throughput', latencyMs: 10, products: Object.fromEntries([...SKUS, GATE_SKU, ...NUDGE_SKUS].map((s) => [s, 1000])) }));
    const o: Observations = {};
    let next = 0;
    let baselines = 0;
    /** The next `count` messages, never used before in this scenario. */
    const take = (count: number): ContractMessage[] => batch((next += count) - count, count);
    // Distinct SKUs everywhere: nothing forces serialisation but a lock the target chose.
    const single = (): Promise<Rate> => rate(system, `baseline ${++baselines}`, take(BASELINE), () => 0, 0, 30_000);
    /** Measures a round on six partitions between two baselines; a slow target's backlog is drained first so that it cannot slow the next measurement. */
    const measureOnce = async (round: string, before: Rate): Promise<Measurement> => {
      const messages = take(ROUND);
      const measured = await rate(system, round, messages, (i) => i % 6, before.perSecond * AMBIGUOUS_SPEEDUP.low, 30_000);
      await system.drain(messages.map((m) => m.id), 60_000, 0);
      const m: Measurement = { rate: measured, before, after: await single() };
      system.mark(`${round}: ${measured.upperBound ? 'at most ' : ''}x${ratio(m).toFixed(2)}`);
      return m;
    };
    /** Measures a round and, when its ratio is ambiguous, once more; returns the last baseline for the next round. */
    const measure = async (round: string, before: Rate): Promise<[Measurements, Rate]> => {
      const first = await measureOnce(round, before);
      if (!ambiguous(first)) return [[first], first.after];
      const second = await measureOnce(`${round} again`, first.after);
      return [[first, second], second.after];
    };
    try {
      await startReplicas(system, 1);
      const turn = ExclusiveTurn.of(ctx);
      if (turn) system.mark(`${await turn.neighboursWaiting(NEIGHBOURS_WAITING_MS)} of ${turn.neighbours} other scenario(s) waiting`);
      const [partitions, last] = await measure('partitions', await single());
      o.partitions = partitions;
      await addReplicas(system, 2, nudgeSku);
      [o.replicas] = await measure('replicas', last);
    } catch (error) {
      // The grader's own failures (a replica it could not launch) are no verdict on the target.
      if (error instanceof LaunchFailure || error instanceof InfraFailure) throw error;
      o.failure = (error as Error).message;
    }
    return o;
  },
  checks: {
    'locking.partitions_in_parallel': (o) => judgeSpeedup(o.partitions, o.failure, '6 busy partitions on 1 replica', 'Global lock suspected'),
    'locking.replicas_in_parallel': (o) => judgeSpeedup(o.replicas, o.failure, '3 replicas', 'Lock across replicas suspected'),
  },
});
