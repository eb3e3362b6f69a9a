import { startReplicas } from '../../engine/drive.ts';
import { defineScenario } from '../../engine/scenario.ts';
import { System } from '../../engine/system.ts';
import { adjust, order, type ContractMessage } from '../../workloads/messages.ts';
import { expectedStock, onEveryPartition, outcomeCounts } from '../../workloads/plan.ts';
import { SeededRandom } from '../../workloads/random.ts';
import { expectOneOutcomeEach, expectStock } from '../verdicts.ts';

const ADJUSTED = Array.from({ length: 10 }, (_, i) => `AD${i + 1}`);
const ORDERED = Array.from({ length: 5 }, (_, i) => `OD${i + 1}`);
const STOCK = 1000;

interface Observations {
  stock: Map<string, number>;
  adjustments: ContractMessage[];
  orders: ContractMessage[];
  seed: ReadonlyMap<string, number>;
  counts: Map<string, number>;
}

const pick = (m: ReadonlyMap<string, number>, keys: readonly string[]): Map<string, number> => new Map(keys.map((k) => [k, m.get(k) ?? NaN]));

export default defineScenario<Observations>({
  id: 'duplicates',
  budgetMs: 45_000,
  async run(ctx, track) {
    const products = Object.fromEntries([...ADJUSTED, ...ORDERED].map((s) => [s, STOCK]));
    const system = track(await System.create(ctx, { scenario: 'duplicates', latencyMs: 5, products }));
    const rnd = new SeededRandom(ctx.seed, 'duplicates');
    const adjustments = Array.from({ length: 60 }, (_, i) => adjust(`dup-a-${i}`, rnd.pick(ADJUSTED), rnd.int(1, 5) * (rnd.int(0, 1) ? 1 : -1)));
    const orders = Array.from({ length: 20 }, (_, i) => order(`dup-o-${i}`, rnd.sample(ORDERED, 2).map((sku) => ({ sku, quantity: rnd.int(1, 3) }))));
    await startReplicas(system, 3);
    // Each message on all six partitions: every replica holds one, so copies run concurrently on different replicas.
    await system.produce(onEveryPartition([...adjustments, ...orders], 6));
    await system.drain([...adjustments, ...orders].map((m) => m.id), 30_000, 1_500);
    return { stock: await system.stock(), adjustments, orders, seed: system.seedStock, counts: outcomeCounts(await system.outcomes()) };
  },
  checks: {
    'idempotency.duplicate_adjustments_applied_once': (o) =>
      expectStock('Stock after duplicated adjustments is not each adjustment applied once', pick(expectedStock(o.seed, o.adjustments), ADJUSTED), pick(o.stock, ADJUSTED)),
    'idempotency.duplicate_orders_applied_once': (o) =>
      expectStock('Stock after duplicated orders is not each order applied once (below: applied twice, above: effects lost)', pick(expectedStock(o.seed, o.orders), ORDERED), pick(o.stock, ORDERED)),
    'idempotency.one_outcome_per_id': (o) => expectOneOutcomeEach('Duplicated messages', [...o.adjustments, ...o.orders].map((m) => m.id), o.counts),
  },
});
