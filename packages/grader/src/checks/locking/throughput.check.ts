import { setTimeout as sleep } from 'node:timers/promises';
import { CheckFailure, ensure } from '../../engine/check-failure.ts';
import { startReplicas } from '../../engine/drive.ts';
import { defineScenario } from '../../engine/scenario.ts';
import { System } from '../../engine/system.ts';
import { restock, type ContractMessage } from '../../workloads/messages.ts';
import { roundRobin } from '../../workloads/plan.ts';

const SKUS = Array.from({ length: 300 }, (_, i) => `TP${i + 1}`);
/** Far above what one global lock allows: 6 busy partitions must beat 1 by at least this. */
const MIN_SPEEDUP = 2;

/**
 * Messages per second to process `messages`, produced in one batch, measured to the last
 * outcome. Stops early once the rate is certainly below `floor` (msg/s) and returns the rate
 * so far, an upper bound: a global lock fails fast instead of running out the clock.
 */
async function rate(system: System, messages: readonly ContractMessage[], partitionOf: (i: number) => number, floor: number, timeoutMs: number): Promise<number> {
  const ids = messages.map((m) => m.id);
  const started = Date.now();
  const giveUpAt = floor > 0 ? started + (ids.length * 1000) / floor : started + timeoutMs;
  await system.produce(roundRobin(messages, 6).map((r, i) => ({ ...r, partition: partitionOf(i) })));
  while ((await system.countWithOutcome(ids)) < ids.length) {
    if (Date.now() > Math.min(giveUpAt, started + timeoutMs)) {
      if (floor > 0) return (ids.length * 1000) / (Date.now() - started);
      throw new CheckFailure(`${ids.length} messages were not processed within ${timeoutMs / 1000} s`);
    }
    await sleep(25);
  }
  return (ids.length * 1000) / (Date.now() - started);
}

interface Observations {
  single?: number;
  partitions?: number;
  replicas?: number;
  failure?: string;
}

const batch = (from: number, count: number): ContractMessage[] =>
  Array.from({ length: count }, (_, i) => restock(`tp-${from + i}`, SKUS[(from + i) % SKUS.length] ?? 'TP1', 1));

defineScenario<Observations>({
  id: 'throughput',
  budgetMs: 90_000,
  async run(ctx, track) {
    const system = track(await System.create(ctx, { scenario: 'throughput', latencyMs: 10, products: Object.fromEntries(SKUS.map((s) => [s, 1000])) }));
    const o: Observations = {};
    try {
      await startReplicas(system, 1);
      // Distinct SKUs everywhere: nothing forces serialisation but a lock the target chose.
      o.single = await rate(system, batch(0, 50), () => 0, 0, 30_000);
      o.partitions = await rate(system, batch(50, 240), (i) => i % 6, o.single * MIN_SPEEDUP, 30_000);
      // A slow target's backlog must not slow the next measurement.
      await system.drain(batch(50, 240).map((m) => m.id), 60_000, 0);
      system.replicas.start(2);
      await system.replicas.waitReady(30_000, 3);
      o.replicas = await rate(system, batch(290, 240), (i) => i % 6, o.single * MIN_SPEEDUP, 30_000);
    } catch (error) {
      o.failure = (error as Error).message;
    }
    return o;
  },
  checks: {
    'locking.partitions_in_parallel': (o) => {
      ensure(o.single !== undefined && o.partitions !== undefined, () => o.failure ?? 'not measured');
      const speedup = o.partitions / o.single;
      ensure(speedup >= MIN_SPEEDUP, () => `Global lock suspected: 6 busy partitions ran at ${o.partitions?.toFixed(1)} msg/s vs ${o.single?.toFixed(1)} msg/s for 1 (x${speedup.toFixed(2)}, need x${MIN_SPEEDUP})`);
    },
    'locking.replicas_in_parallel': (o) => {
      ensure(o.single !== undefined && o.replicas !== undefined, () => o.failure ?? 'not measured');
      const speedup = o.replicas / o.single;
      ensure(speedup >= MIN_SPEEDUP, () => `Lock across replicas suspected: 3 replicas ran at ${o.replicas?.toFixed(1)} msg/s vs ${o.single?.toFixed(1)} msg/s for 1 partition (x${speedup.toFixed(2)}, need x${MIN_SPEEDUP})`);
    },
  },
});
