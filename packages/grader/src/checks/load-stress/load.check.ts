import { ensure } from '../../engine/check-failure.ts';
import { startReplicas, terminateAtProgress } from '../../engine/drive.ts';
import { StockSampler, type StockObservation } from '../../engine/observers.ts';
import { defineScenario } from '../../engine/scenario.ts';
import { System } from '../../engine/system.ts';
import { adjust, invalidPayloads, order, serialise, type ContractMessage } from '../../workloads/messages.ts';
import { byId, expectedStock, outcomeCounts, roundRobin, type PlannedRecord } from '../../workloads/plan.ts';
import { SeededRandom } from '../../workloads/random.ts';
import { expectComplete, expectNeverNegative, expectOneOutcomeEach, expectStock } from '../verdicts.ts';

const SKUS = Array.from({ length: 100 }, (_, i) => `LD${i + 1}`);
const MESSAGES = 1500;
const BUDGET_MS = 45_000;
const PARTITIONS = 6;
/**
 * Orders naming an unknown SKU, per partition: more than any sane pool size per replica, so a
 * target that keeps a connection for each of them (never released) exhausts its pool and stalls.
 */
const UNKNOWN_SKU_ORDERS_PER_PARTITION = 20;
/** Progress fractions at which every target connection is terminated (pg_terminate_backend). */
const TERMINATE_AT = [0.3, 0.6];

interface Observations {
  stock: Map<string, number>;
  expected: Map<string, number>;
  counts: Map<string, number>;
  ids: string[];
  missing: readonly string[];
  elapsedMs: number;
  sampled: StockObservation;
  terminated: number[];
  crashes: string[];
  stalledAt?: string;
}

export default defineScenario<Observations>({
  id: 'load',
  budgetMs: BUDGET_MS + 20_000,
  async run(ctx, track) {
    const rnd = new SeededRandom(ctx.seed, 'load');
    const products = Object.fromEntries(SKUS.map((s) => [s, rnd.int(5, 60)]));
    const system = track(await System.create(ctx, { scenario: 'load', latencyMs: 3, products }));
    const messages: ContractMessage[] = Array.from({ length: MESSAGES }, (_, i) => {
      const roll = rnd.int(0, 9);
      const id = `load-${i}`;
      if (roll < 5) return adjust(id, rnd.pick(SKUS), rnd.int(1, 5));
      if (roll < 8) return adjust(id, rnd.pick(SKUS), -rnd.int(1, 5));
      return order(id, rnd.sample(SKUS, rnd.int(2, 4)).map((sku) => ({ sku, quantity: rnd.int(1, 3) })));
    });
    // Valid orders whose last line names a SKU that does not exist: each must be recorded invalid.
    const unknownSku = Array.from({ length: UNKNOWN_SKU_ORDERS_PER_PARTITION * PARTITIONS }, (_, i) =>
      order(`load-unknown-${i}`, [{ sku: rnd.pick(SKUS), quantity: 1 }, { sku: `LD-missing-${i}`, quantity: 1 }]),
    );
    const records: PlannedRecord[] = [...roundRobin(messages, PARTITIONS), ...roundRobin(unknownSku, PARTITIONS)];
    // 5 % delivered again on another partition, and some invalid messages mixed in.
    for (const m of rnd.sample(messages, MESSAGES / 20)) records.push({ id: m.id, key: null, value: serialise(m), partition: rnd.int(0, PARTITIONS - 1) });
    for (const bad of invalidPayloads('load-invalid', 'LD1')) records.push({ id: bad.id, key: null, value: bad.value, partition: rnd.int(0, PARTITIONS - 1) });
    const shuffled = rnd.shuffle(records);
    const all = [...messages, ...unknownSku];
    await startReplicas(system, 3);
    const sampler = new StockSampler(system, byId(all), 50).start();
    const placements = await system.produce(shuffled);
    const ids = [...new Set(placements.map((p) => p.id))];
    const { terminated, stalledAt } = await terminateAtProgress(system, ids, TERMINATE_AT, 20_000);
    const drained = await system.drain(ids, BUDGET_MS);
    const sampled = await sampler.stop();
    const rows = await system.outcomes();
    const applied = new Set(rows.filter((r) => r.outcome === 'applied').map((r) => r.message_id));
    return {
      stock: await system.stock(),
      expected: expectedStock(system.seedStock, all.filter((m) => applied.has(m.id))),
      counts: outcomeCounts(rows),
      ids,
      missing: drained.missing,
      elapsedMs: drained.elapsedMs,
      sampled,
      terminated,
      crashes: system.replicas.crashes(),
      ...(stalledAt ? { stalledAt } : {}),
    };
  },
  checks: {
    'load_stress.conserved': (o) => {
      expectComplete(o.missing.length, o.ids.length);
      expectStock('Data corrupted under load', o.expected, o.stock);
    },
    'load_stress.exactly_once': (o) => expectOneOutcomeEach('Under load', o.ids, o.counts),
    'load_stress.never_negative': (o) => {
      expectComplete(o.missing.length, o.ids.length);
      expectNeverNegative('Under load', o.sampled.minStock, o.sampled.samples);
    },
    'load_stress.completes': (o) =>
      ensure(o.missing.length === 0, () =>
        o.crashes.length > 0
          ? `${o.missing.length} of ${o.ids.length} messages had no outcome: ${o.crashes.length} replica(s) exited (${o.crashes[0]})`
          : `${o.missing.length} of ${o.ids.length} messages had no outcome after ${Math.round(o.elapsedMs / 1000)} s`),
    'load_stress.survives_connection_drops': (o) => {
      ensure(
        o.crashes.length === 0,
        () =>
          `${o.crashes.length} replica(s) exited on their own ${o.terminated.length > 0 ? `after target connections were terminated (${o.terminated.join(', ')})` : 'before any target connection was terminated'}: ${o.crashes[0]}`,
      );
      ensure(o.stalledAt === undefined, () => `${o.stalledAt} (connections terminated so far: ${o.terminated.join(', ') || 'none'})`);
    },
    'load_stress.snapshot_consistent': (o) => {
      expectComplete(o.missing.length, o.ids.length);
      // No snapshot at all (the grader could not read while the target ran) proves nothing.
      ensure(o.sampled.samples > 0, () => 'no snapshot of stock and outcomes could be taken while the target ran');
      ensure(o.sampled.inconsistentSamples === 0, () => `${o.sampled.inconsistentSamples} of ${o.sampled.samples} snapshots showed stock disagreeing with applied outcomes (e.g. ${o.sampled.example})`);
    },
  },
});
